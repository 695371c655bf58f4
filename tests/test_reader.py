"""The reader and model: sources in tmp_path → Publication, Issue, Article, Picture."""

from __future__ import annotations

import datetime as dt

import pytest

from helpers import write
from publish.check import load_issues
from publish.schema import issn_problem
from publish.typography import NBSP, smarten


def test_reads_the_small_publication(pub):
    publication, issues, warnings = load_issues(pub, ("1112",))
    assert warnings == []
    assert publication.title == "The Weekly Worker"
    assert publication.slug == "weekly-worker"
    assert [s.id for s in publication.sections] == ["news", "reviews"]
    issue = issues[0]
    assert issue.number == 1112 and issue.date == dt.date(2020, 12, 2)
    assert issue.name == "weekly-worker-1112"
    assert [a.slug for a in issue.articles] == ["strike", "dilemma"]
    assert issue.cover_story.slug == "strike"
    strike, review = issue.articles
    assert strike.kicker == "Newport" and strike.full_title == "Newport: Bin workers strike"
    assert strike.authors == ("Ann Other",)
    assert strike.byline == "Ann Other, Newport Socialist Party"
    assert review.byline == "Joe Bloggs and Jo Smith"
    assert strike.keywords == ("Strikes", "Unions")
    assert strike.image.path == pub / "issues/1112/images/picket.jpg"
    assert strike.image.alt == "Pickets at the depot gate"
    assert strike.image.credit == "Photo: A.\u00a0Reader"
    assert strike.body_line == 15
    assert [p.title for p in issue.standing_pages] == ["Join us"]
    assert [(s.section.id, [a.slug for a in s.articles]) for s in issue.sections] == [
        ("news", ["strike"]), ("reviews", ["dilemma"])]


def test_default_order_is_section_then_file_name(pub):
    write(pub / "issues/1112/00-zebra.md", "---\ntitle: Z\nsection: reviews\n---\nBody.\n")
    write(pub / "issues/1112/09-alpha.md", "---\ntitle: A\nsection: news\n---\nBody.\n")
    _, [issue], _ = load_issues(pub, ("1112",))
    assert [a.slug for a in issue.articles] == ["strike", "alpha", "zebra", "dilemma"]


def test_order_in_issue_toml_wins(pub):
    path = pub / "issues/1112/issue.toml"
    path.write_text(path.read_text() + 'order = ["dilemma", "strike"]\n')
    _, [issue], _ = load_issues(pub, ("1112",))
    assert [a.slug for a in issue.articles] == ["dilemma", "strike"]
    assert [s.section.id for s in issue.sections] == ["reviews", "news"]


def test_partial_order_puts_the_rest_after_with_a_warning(pub):
    path = pub / "issues/1112/issue.toml"
    path.write_text(path.read_text() + 'order = ["dilemma"]\n')
    _, [issue], warnings = load_issues(pub, ("1112",))
    assert [a.slug for a in issue.articles] == ["dilemma", "strike"]
    assert "order does not list 'strike'" in str(warnings[0])


def test_slug_drops_the_number_prefix_only(pub):
    write(pub / "issues/1112/03-2020-review.md", "---\ntitle: Y\nsection: news\n---\nBody.\n")
    _, [issue], _ = load_issues(pub, ("1112",))
    assert "2020-review" in [a.slug for a in issue.articles]


def test_keywords_may_be_a_comma_separated_string(pub):
    path = pub / "issues/1112/02-dilemma.md"
    path.write_text(path.read_text().replace("section: reviews", "section: reviews\nkeywords: TV, Media"))
    _, [issue], _ = load_issues(pub, ("1112",))
    assert issue.articles[1].keywords == ("TV", "Media")


def test_issue_selectors_accept_numbers_and_paths(pub, monkeypatch):
    monkeypatch.chdir(pub)
    for selector in ("1112", "issues/1112", "issues/1112/", str(pub / "issues/1112")):
        _, [issue], _ = load_issues(pub, (selector,))
        assert issue.number == 1112


def test_standing_page_pictures_resolve_in_the_publication(pub):
    write(pub / "pages/join.md", "---\ntitle: Join us\n---\n![Our logo](pages/logo.png)\n")
    from PIL import Image

    Image.new("RGBA", (10, 10)).save(pub / "pages/logo.png")
    _, [issue], _ = load_issues(pub, ("1112",))
    assert issue.standing_pages[0].pictures[0].path == pub / "pages/logo.png"


@pytest.mark.parametrize("source, expected", [
    ('"Quoted" and \'single\'', "“Quoted” and ‘single’"),
    ("it's the workers' fight", "it’s the workers’ fight"),
    ("1990--2020 -- and --- then", "1990–2020 – and — then"),
    ("wait...", "wait…"),
    ("a 40 hour week, 5 km, 12 %", f"a 40{NBSP}hour week, 5{NBSP}km, 12{NBSP}%"),
    ("J. R. Hartley and No. 5 and £ 20", f"J.{NBSP}R.{NBSP}Hartley and No.{NBSP}5 and £{NBSP}20"),
    ("*stars* stay literal in titles", "*stars* stay literal in titles"),
])
def test_typography_en(source, expected):
    assert smarten(source, "en-GB") == expected


def test_typography_follows_the_language():
    assert smarten('"Nein"', "de") == "„Nein“"
    assert smarten('"Oui"', "fr") == "«\u202fOui\u202f»"
    assert smarten('"Tak"', "pl") == "„Tak”"


def test_typography_reaches_titles_and_bodies(pub):
    _, [issue], _ = load_issues(pub, ("1112",))
    from publish.render import body_html

    html = body_html(issue.articles[0], "en-GB")
    assert "“solid” – and it’s growing…" in html
    assert f"40{NBSP}hours" in html


@pytest.mark.parametrize("issn, ok", [("1234-5679", True), ("0317-8471", True), ("2434-561X", True),
                                      ("1234-5678", False), ("12345", False)])
def test_issn_check_digit(issn, ok):
    assert (issn_problem(issn) is None) is ok


def test_raw_html_is_sanitised(pub):
    path = pub / "issues/1112/02-dilemma.md"
    path.write_text(path.read_text() + (
        '\n<script>alert(1)</script>\n\n<p onclick="x()">Hi <a href="javascript:evil()">there</a></p>\n\n'
        '<iframe src="https://example.org"></iframe><b>bold</b>\n'))
    _, [issue], _ = load_issues(pub, ("1112",))
    from publish.render import body_html

    html = body_html(issue.articles[1], "en-GB")
    for bad in ("<script", "alert(1)", "onclick", "javascript:", "<iframe"):
        assert bad not in html
    assert "<b>bold</b>" in html and "Hi" in html
