"""DAISY Ace on the built EPUBs: 0 violations on every demo issue and the every-feature issue; the a11y claim."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from helpers import invoke_at
from publish.formats.epub import writer as epub_format
from publish.products.ebook.ace import ace, ace_program, chromium, run_ace, violations
from test_epub import EPOCH, Book, make_feature_publication

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def ace_books(tmp_path_factory, demo_copy) -> dict[str, Path]:
    """Every demo issue and the every-feature issue, built as EPUBs: {name: path}."""
    if ace_program() is None or chromium() is None:
        pytest.fail("DAISY Ace and Chromium are needed: scripts/setup.sh installs them (.tools/ace)")
    out = tmp_path_factory.mktemp("ace-demo")
    result = invoke_at(EPOCH, demo_copy, "build", "--all", "--format", "epub", "--out", str(out), "--page-list")
    assert result.exit_code == 0, result.output
    feature = make_feature_publication(tmp_path_factory.mktemp("ace-feature") / "paper")
    result = invoke_at(EPOCH, feature, "build", "1200", "--format", "epub", "--page-list")
    assert result.exit_code == 0, result.output
    books = {path.name: path for path in sorted(out.glob("*/*.epub"))}
    books.update({path.name: path for path in (feature / "dist").glob("*/*.epub")})
    assert len(books) == 4, books
    return books


@pytest.fixture(scope="session")
def ace_reports(ace_books) -> dict[str, dict]:
    """Ace's report for each book (two at a time: each drives its own Chromium)."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(ace_books, pool.map(run_ace, ace_books.values())))


def test_ace_finds_no_violation_of_any_impact(ace_reports):
    found = {name: violations(report) for name, report in ace_reports.items()}
    assert found == {name: [] for name in ace_reports}
    assert all(report["earl:result"]["earl:outcome"] == "pass" for report in ace_reports.values())


def test_ace_sees_the_conformance_claim(ace_reports):
    for report in ace_reports.values():
        meta = report["a11y-metadata"]
        assert {"dcterms:conformsTo", "a11y:certifiedBy", "schema:accessibilitySummary"} <= set(meta["present"])
        assert not meta["empty"]


def test_package_states_its_language_and_the_claim(ace_books):
    book = Book(ace_books["weekly-worker-1200.epub"].read_bytes())
    assert book.x(book.opf, "/opf:package/@xml:lang") == ["en-GB"]
    assert book.x(book.opf, "//opf:meta[@property='dcterms:conformsTo']/text()") == [
        "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"]
    assert book.x(book.opf, "//opf:meta[@property='a11y:certifiedBy']/text()") == ["Test Party"]
    colophon = book.xml(book.item("colophon.xhtml"))
    assert book.x(colophon, "//x:section[@epub:type='colophon']/@role") == ["doc-colophon"]


def test_validate_runs_ace(ace_books):
    messages = ace(ace_books["weekly-worker-1200.epub"])
    assert messages == [messages[-1]] and messages[-1].startswith("ok: DAISY Ace 1.")
    assert messages[-1].endswith("weekly-worker-1200.epub: 0 violations")


def test_validate_says_skipped_when_ace_is_missing(ace_books, monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "no-ace-here"))
    messages = epub_format.validate_epub([ace_books["weekly-worker-1200.epub"]])
    skipped = [m for m in messages if "DAISY Ace" in m]
    assert len(skipped) == 1 and skipped[0].startswith("skipped: DAISY Ace: weekly-worker-1200.epub: Ace is not "
                                                       "installed — run scripts/setup.sh")
    assert not any(m.startswith("ok: DAISY Ace") for m in messages)


@pytest.mark.parametrize("headline, start", [
    ("Workers organise!", "Workers organise! In this issue: "),
    ("Who pays?", "Who pays? In this issue: "),
    ("Strike on.", "Strike on. In this issue: "),
    ("Better for billionaires", "Better for billionaires. In this issue: "),
])
def test_description_adds_a_full_stop_only_when_needed(pub, headline, start):
    toml = pub / "issues/1112/issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace(
        'headline = "Better for billionaires, worse for workers"', f'headline = "{headline}"'), encoding="utf-8")
    result = invoke_at(EPOCH, pub, "build", "1112", "--format", "epub")
    assert result.exit_code == 0, result.output
    book = Book((pub / "dist/1112/weekly-worker-1112.epub").read_bytes())
    assert book.x(book.opf, "//dc:description/text()")[0].startswith(start)


def test_an_issue_dated_after_2107_builds_with_clamped_zip_dates(pub, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)  # the issue's own date is the source date
    toml = pub / "issues/1112/issue.toml"
    toml.write_text(toml.read_text(encoding="utf-8").replace("date = 2020-12-02", "date = 2108-03-04"),
                    encoding="utf-8")
    from click.testing import CliRunner

    from publish.cli import cli
    result = CliRunner().invoke(cli, ["--root", str(pub), "build", "1112", "--format", "epub"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    book = Book((pub / "dist/1112/weekly-worker-1112.epub").read_bytes())
    assert {info.date_time for info in book.zip.infolist()} == {(2107, 12, 31, 23, 59, 58)}
    assert book.x(book.opf, "//dc:date/text()") == ["2108-03-04"]
    assert book.x(book.opf, "//opf:meta[@property='dcterms:modified']/text()") == ["2108-03-04T00:00:00Z"]


def test_kindle_header_dates_are_clamped_too():
    from publish.products.ebook.package import zip_time
    from publish.formats.kindle.writer import stabilise

    assert zip_time(dt.datetime(2200, 1, 1, tzinfo=dt.timezone.utc)) == (2107, 12, 31, 23, 59, 58)
    assert zip_time(dt.datetime(1979, 12, 31, 23, 59, tzinfo=dt.timezone.utc)) == (1980, 1, 1, 0, 0, 0)
    book = bytearray(600)  # a PalmDB header, record 0 at 200: its MOBI header, then an empty EXTH
    book[60:68], book[78:82] = b"BOOKMOBI", (200).to_bytes(4, "big")
    book[216:224] = b"MOBI" + (232).to_bytes(4, "big")
    book[448:452] = b"EXTH"
    late = int(dt.datetime(2108, 3, 4, tzinfo=dt.timezone.utc).timestamp())
    assert stabilise(bytes(book), "x", late)[36:44] == b"\xff" * 8
