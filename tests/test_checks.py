"""`publish check` on small publications: YAML 1.2 words, placeholders, footnotes, lengths, and where it runs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.check import load_issues
from publish.cli import cli
from helpers import ISSUE_TOML, write

ISSUE = ISSUE_TOML.format(number=1112)

ARTICLE = """\
---
title: "Nurses win"
section: news
{extra}
---
{body}
"""


def article(extra: str = "", body: str = "The ward voted to strike.") -> str:
    return ARTICLE.format(extra=textwrap.dedent(extra).strip(), body=textwrap.dedent(body).strip())


# (id, files to write under the publication, check's extra options, what the output must say)
BAD = [
    ("yaml-true-keyword", {"issues/1112/03-vote.md": article("keywords: [Yes, true, on]")}, (),
     "03-vote.md:4: keywords must be a list of keywords, e.g. [TV, Media]: item 2, true, was read as a "
     "boolean — put it in quotes"),
    ("yaml-author-number", {"issues/1112/03-vote.md": article("author: [Ann Lee, 1984]")}, (),
     "03-vote.md:4: author must be a name or a list of names: item 2, 1984, was read as a number — put it in quotes"),
    ("yaml-empty-item", {"issues/1112/03-vote.md": article("author:\n  - Ann Lee\n  -\n")}, (),
     "author must be a name or a list of names: item 2 is empty"),
    ("yaml-title-boolean", {"issues/1112/03-vote.md": "---\ntitle: false\nsection: news\n---\nText.\n"}, (),
     "03-vote.md:2: title must be text, got false, read as a boolean — put it in quotes"),
    ("yaml-alias", {"issues/1112/03-vote.md": article("kicker: &k NHS\nstandfirst: *k")}, (),
     "03-vote.md:5: the front matter uses an alias (*k) — write the value out in full"),
    ("yaml-laughs", {"issues/1112/03-vote.md": article(
        "keywords: &a [x, x, x, x, x, x, x, x]\n"
        + "".join(f"k{i}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 8)}]\n" for i in range(8)))}, (),
     "03-vote.md:5: the front matter uses an alias (*a)"),
    ("yaml-deep-flow", {"issues/1112/03-vote.md": article("keywords: " + "[" * 5000 + "]" * 5000)}, (),
     "03-vote.md:4: the front matter is nested more than 32 levels deep"),
    ("yaml-deep-block", {"issues/1112/03-vote.md": article("keywords:\n" + "- " * 200_000 + "x")}, (),
     "03-vote.md:5: the front matter is nested more than 32 levels deep"),
    ("yaml-deep-indent", {"issues/1112/03-vote.md": article(
        "image:\n" + "".join(" " * (2 * i) + f"k{i}:\n" for i in range(1, 60)) + " " * 120 + "x: 1")}, (),
     "the front matter is nested more than 32 levels deep"),
    ("yaml-tab", {"issues/1112/03-vote.md": article(
        "image:\n  src: images/picket.jpg\n\talt: Pickets")}, (),
     "03-vote.md:6: front matter uses a tab for indentation at line 6: YAML needs spaces — indent with spaces"),
    ("yaml-colon", {"issues/1112/03-vote.md": "---\ntitle: Nurses: the fight\nsection: news\n---\nText.\n"}, (),
     "03-vote.md:2: invalid YAML front matter: mapping values are not allowed in this context — a value with "
     "': ' in it needs quotes"),
    ("placeholder-title-strict", {"issues/1112/03-vote.md": article().replace("Nurses win", "Write the title here")},
     ("--strict",), "03-vote.md:2: warning: title is still the placeholder 'Write the title here'"),
    ("placeholder-headline-strict", {"issues/1112/issue.toml": ISSUE.replace(
        "Better for billionaires, worse for workers", "Write this week's cover headline here")}, ("--strict",),
     "issues/1112/issue.toml:3: warning: headline is still the placeholder of publish new"),
    ("placeholder-body-strict", {"issues/1112/03-vote.md": article(body="Write the article here, in Markdown. "
                                                                       "Subheadings start with `## `,")},
     ("--strict",), "03-vote.md:6: warning: the body still holds the placeholder text of publish new"),
    ("footnote-without-note", {"issues/1112/03-vote.md": article(body="Pay fell.\n\nA decade[^2] of cuts.")}, (),
     "03-vote.md:8: footnote [^2] has no note — add a line '[^2]: the note'"),
    ("footnote-never-referred", {"issues/1112/03-vote.md": article(body="Pay fell.\n\n[^1]: A note.")}, (),
     "03-vote.md:8: footnote [^1] is never referred to"),
    ("long-headline", {"issues/1112/issue.toml": ISSUE.replace("Better for billionaires", "B" * 300)}, (),
     "issues/1112/issue.toml:3: headline is 319 characters long, over the limit of 200 — shorten it"),
    ("long-title", {"issues/1112/03-vote.md": article().replace("Nurses win", "N" * 201)}, (),
     "03-vote.md:2: title is 201 characters long, over the limit of 200"),
    ("long-kicker", {"issues/1112/03-vote.md": article("kicker: " + "K" * 81)}, (),
     "03-vote.md:4: kicker is 81 characters long, over the limit of 80"),
    ("long-standfirst", {"issues/1112/03-vote.md": article("standfirst: " + "word " * 200)}, (),
     "03-vote.md:4: standfirst is 999 characters long, over the limit of 600"),
    ("long-keyword", {"issues/1112/03-vote.md": article("keywords: [NHS, " + "k" * 275 + "]")}, (),
     "03-vote.md:4: keywords item 2 is 275 characters long, over the limit of 60"),
    ("long-caption", {"issues/1112/03-vote.md": article(
        "image:\n  src: images/picket.jpg\n  alt: Pickets\n  caption: " + "c" * 601)}, (),
     "03-vote.md:7: image caption is 601 characters long, over the limit of 600"),
    ("long-body-caption", {"issues/1112/03-vote.md": article(
        body=f'Text.\n\n![Pickets](images/picket.jpg "{"c" * 700}")')}, (),
     "03-vote.md:8: the picture's caption is 700 characters long, over the limit of 600"),
    ("toml-month", {"issues/1112/issue.toml": ISSUE.replace("2020-12-02", "2020-16-12")}, (),
     "issues/1112/issue.toml:2: month 16 is out of range (1 to 12) in 2020-16-12 — write the date as YYYY-MM-DD"),
    ("toml-day", {"issues/1112/issue.toml": ISSUE.replace("2020-12-02", "2021-02-29")}, (),
     "issues/1112/issue.toml:2: day 29 is out of range in 2021-02-29: 2021-02 has 28 days"),
]


@pytest.mark.parametrize("files, options, expected", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_gives_its_message(pub: Path, run, files, options, expected):
    for name, text in files.items():
        (pub / name).write_text(text, encoding="utf-8")
    result = run(pub, "check", "1112", *options)
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output


def test_yaml_words_are_words(pub: Path):
    """YAML 1.2 core schema: yes/no/on/off, Norway's NO, 1:20 and dates are text in front matter."""
    write(pub / "issues/1112/03-vote.md", article(
        "kicker: 2020-12-02\nstandfirst: 1:20\nkeywords: [Yes, No, on, off, Norway, NO, Film, y, 012]"))
    _, [issue], _ = load_issues(pub, ("1112",))
    vote = next(a for a in issue.articles if a.slug == "vote")
    assert vote.keywords == ("Yes", "No", "on", "off", "Norway", "NO", "Film", "y", "12")
    assert vote.kicker == "2020-12-02" and vote.standfirst == "1:20"


def test_placeholders_warn_without_strict(pub: Path, run):
    write(pub / "issues/1112/03-vote.md", article().replace("Nurses win", "Write the title here"))
    result = run(pub, "check", "1112")
    assert result.exit_code == 0, result.output
    assert "warning: title is still the placeholder" in result.output


def test_new_issue_placeholders_all_reported(pub: Path, run):
    """Every placeholder `publish new` writes is one `check --strict` refuses."""
    assert run(pub, "new", "1113").exit_code == 0
    result = run(pub, "check", "1113", "--strict")
    assert result.exit_code == 1
    for what in ("headline is still the placeholder", "title is still the placeholder",
                 "standfirst is still the placeholder", "the body still holds the placeholder"):
        assert what in result.output


def test_issue_dated_before_the_previous_one_warns(pub: Path, run):
    write(pub / "issues/1113/issue.toml", ISSUE_TOML.format(number=1113).replace("2020-12-02", "2020-11-25"))
    write(pub / "issues/1113/01-strike.md", (pub / "issues/1112/01-strike.md").read_text())
    (pub / "issues/1113/images").mkdir()
    (pub / "issues/1113/images/picket.jpg").write_bytes((pub / "issues/1112/images/picket.jpg").read_bytes())
    result = run(pub, "check", "1113")
    assert result.exit_code == 0, result.output
    assert ("issues/1113/issue.toml:2: warning: date 2020-11-25 is before the date of issue 1112 (2020-12-02)"
            in result.output)
    assert "is before the date" not in run(pub, "check", "1112").output


def test_a_broken_cover_article_is_reported_once(pub: Path, run):
    """An unquoted `title: Nurses: …` in the cover story: the YAML error only, no follow-on in issue.toml."""
    text = (pub / "issues/1112/01-strike.md").read_text()
    (pub / "issues/1112/01-strike.md").write_text(text.replace('title: "Bin workers strike"',
                                                               "title: Bin workers: the strike"))
    (pub / "issues/1112/issue.toml").write_text(ISSUE + 'order = ["strike", "dilemma"]\n')
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert "01-strike.md:2: invalid YAML front matter" in result.output
    assert "issue.toml" not in result.output
    assert "1 error —" in result.output


def _cli(*args: str):
    """The CLI without --root, as an editor runs it in a terminal."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_check_finds_the_publication_upward(pub: Path, monkeypatch):
    monkeypatch.chdir(pub / "issues/1112/images")
    result = _cli("check")
    assert result.exit_code == 0, result.output
    assert "issue 1112: ok — 2 articles in 2 sections, 1 standing page\n" in result.output


def test_check_an_issue_folder_from_elsewhere(pub: Path, tmp_path: Path, monkeypatch):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = _cli("check", str(pub / "issues/1112"))
    assert result.exit_code == 0, result.output
    assert "issue 1112: ok" in result.output
    relative = os.path.relpath(pub / "issues/1112", elsewhere)
    assert _cli("check", relative, "--strict").exit_code == 0


def test_check_outside_any_publication_says_check_failed(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _cli("check")
    assert result.exit_code == 1
    assert f"no publication.toml in {tmp_path}" in result.output
    assert "1 error — fix them and check again" in result.output
    assert "nothing was built" not in result.output
