"""Dates for readers follow the publication's language (babel); machine-readable dates stay ISO."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from helpers import PUBLICATION_TOML, write
from publish.render import long_date

DAY = dt.date(2020, 12, 2)


@pytest.mark.parametrize(("language", "expected"), [
    ("en-GB", "2 December 2020"),
    ("en", "2 December 2020"),  # no region: the British order every edition had before
    ("en-US", "December 2, 2020"),
    ("de", "2. Dezember 2020"),
    ("de-AT", "2. Dezember 2020"),
    ("fr", "2 décembre 2020"),
    ("es", "2 de diciembre de 2020"),
    ("el", "2 Δεκεμβρίου 2020"),
    ("ru", "2 декабря 2020\u202fг."),
    ("pl", "2 grudnia 2020"),
])
def test_long_date_in_the_publications_language(language, expected):
    assert long_date(DAY, language) == expected


def test_english_long_date_is_unchanged_for_every_month():
    months = ("January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December")
    for month, name in enumerate(months, start=1):
        assert long_date(dt.date(2021, month, 9), "en-GB") == f"9 {name} 2021"


@pytest.mark.parametrize("language", ["tlh", "x-private", "", None])
def test_a_language_babel_does_not_know_falls_back_to_english(language):
    assert long_date(DAY, language) == "2 December 2020"


def test_a_known_language_with_an_unknown_subtag_keeps_its_language():
    assert long_date(DAY, "de-1996") == "2. Dezember 2020"


@pytest.fixture
def german(pub: Path) -> Path:
    """The small publication of conftest.py, written in German."""
    write(pub / "publication.toml", PUBLICATION_TOML.replace('language = "en-GB"', 'language = "de"'))
    return pub


def test_german_publication_dates_its_text_edition_and_issue_page_in_german(german, run):
    result = run(german, "build", "--all", "--format", "text,site")
    assert result.exit_code == 0, result.output
    dist = german / "dist"
    text = (dist / "1112/weekly-worker-1112.txt").read_text(encoding="utf-8")
    assert "Issue 1112 | 2. Dezember 2020" in text[:400]
    assert "issue 1112, 2. Dezember 2020." in " ".join(text.split())
    assert "December" not in text
    issue_page = (dist / "1112/index.html").read_text(encoding="utf-8")
    assert '<time datetime="2020-12-02">2. Dezember 2020</time>' in issue_page
    assert "December" not in issue_page
    # the feeds keep their machine-readable dates
    atom = (dist / "feed.atom").read_text(encoding="utf-8")
    assert "2020-12-02T" in atom and "Dezember" not in atom
