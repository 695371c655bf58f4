"""The plain-text edition: a reviewed golden file for one demo issue, and its rules checked on every demo issue."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from publish.check import load_issues
from publish.formats.text import render_text

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="session")
def demo_texts(demo_copy) -> dict[int, str]:
    _, issues, _ = load_issues(demo_copy, all_issues=True)
    return {issue.number: render_text(issue) for issue in issues}


def test_golden_text_edition_of_1112(demo_texts, request):
    golden = GOLDEN / "the-socialist-1112.txt"
    text = demo_texts[1112]
    if request.config.getoption("--update-golden"):
        golden.write_text(text, encoding="utf-8")
    assert text == golden.read_text(encoding="utf-8"), "run pytest --update-golden and review the diff"


def test_every_demo_issue_follows_the_text_rules(demo_texts):
    assert set(demo_texts) >= {1111, 1112, 1113}
    for number, text in demo_texts.items():
        lines = text.split("\n")
        assert text.endswith("\n") and not text.endswith("\n\n")
        assert "\r" not in text and "\t" not in text
        assert all(len(line) <= 72 for line in lines), number
        assert all(line == line.rstrip() for line in lines), number
        assert "\n\n\n" not in text
        # no Markdown or HTML left over
        for leftover in ("](", "**", "::: ", "[^", "<p>", "</", "&amp;", "&nbsp;", "## "):
            assert leftover not in text, (number, leftover)
        assert not re.search(r"^#", text, re.M)
        # straight quotes and double hyphens became typography
        assert '"' not in text and " -- " not in text and "..." not in text


def test_text_edition_structure_of_1112(demo_texts):
    text = demo_texts[1112]
    head = text[:400]
    assert "THE SOCIALIST" in head and "Issue 1112 | 2 December 2020" in head
    assert "Better for billionaires, worse for workers" in head
    contents = text[text.index("CONTENTS"):text.index("WHAT WE THINK")]
    assert "What we think\n    A spending review for the bosses" in contents
    assert "Also in this issue\n    Join the Socialist Party\n    Subscribe" in contents
    # kicker and title, byline with branch, lead picture with credit
    assert "Pandemic profiteers: Better for billionaires, worse for workers\n" in text
    assert "Rob Fielding, Nottingham Socialist Party" in text
    assert "[Picture: A drawing of rising stacks" in text  # the alt text, then the caption and credit
    assert "Caption: Pandemic 2020: who gained? (Illustration:\nThe Socialist)]" in text
    # subheadings are set off, boxes are framed, footnotes and links are numbered notes
    assert "Who gains from the crisis\n-------------------------" in text
    assert "+-- Finance appeal ---" in text
    assert re.search(r"^\| The coronavirus crisis .*\|$", text, re.M)
    assert "July[1]" in text and "\nNotes\n\n[1] " in text
    assert "[1] https://example.org/the-socialist/donate" in text
    # lists are indented, non-Latin letters survive
    assert "\n  • a campaign in every workplace" in text
    for word in ("Αθήνα", "Łódź", "Erdoğan", "İstanbul", "Plzeň"):
        assert word in text
    # standing pages last
    assert text.index("JOIN THE SOCIALIST PARTY") > text.index("READERS’ OPINION")


def test_tables_become_aligned_columns(pub):
    _, [issue], _ = load_issues(pub, ("1112",))
    text = render_text(issue)
    assert "Grade   Offer  Claim\n------  -----  -----\nDriver     1%    10%\n" in text


def test_wide_tables_become_records(pub):
    path = pub / "issues/1112/02-dilemma.md"
    cells = " | ".join(["a very long column heading"] * 4)
    path.write_text(path.read_text() + f"\n| {cells} |\n|---|---|---|---|\n| 1 | 2 | 3 | 4 |\n")
    _, [issue], _ = load_issues(pub, ("1112",))
    text = render_text(issue)
    assert "a very long column heading: 1" in text
    assert all(len(line) <= 72 for line in text.split("\n"))


def test_quotes_and_nested_lists_are_indented(pub):
    path = pub / "issues/1112/02-dilemma.md"
    path.write_text(path.read_text() + "\n> A quotation that is long enough to need wrapping across more than one "
                    "line of the text edition.\n\n1. First\n   - inner point\n2. Second\n")
    _, [issue], _ = load_issues(pub, ("1112",))
    text = render_text(issue)
    assert "\n    A quotation that is long enough" in text
    assert "\n  1. First\n       • inner point\n  2. Second" in text
