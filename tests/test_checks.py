"""`publish check` on small publications: YAML 1.2 words, placeholders, footnotes, lengths, and where it runs."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from publish.check import load_issues
from publish.cli import cli
from tests.conftest import write

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
