"""The Kindle edition: a real calibre conversion once per session, read back with ebook-meta; missing calibre."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from publish.formats import FORMATS
from publish.formats.kindle import writer as kindle_format
from publish.products.ebook.package import identifier
from test_epub import Book, invoke, make_feature_publication, source_epoch  # noqa: F401 - a fixture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def kindle_build(tmp_path_factory, source_epoch):
    """The feature issue as EPUB + AZW3 (one calibre run), and the AZW3 converted back to EPUB to read its TOC."""
    if shutil.which("ebook-convert") is None:
        pytest.fail("calibre's ebook-convert is needed (scripts/setup.sh installs calibre)")
    root = make_feature_publication(tmp_path_factory.mktemp("kindle") / "paper")
    result = invoke(root, "build", "1200", "--format", "epub,kindle", "--validate")
    assert result.exit_code == 0, result.output
    azw3 = root / "dist/1200/weekly-worker-1200.azw3"
    back = azw3.with_name("back.epub")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run(["ebook-convert", str(azw3), str(back)], env=env, capture_output=True, check=True, timeout=300)
    return root, azw3, Book(back.read_bytes()), result.output


def test_azw3_metadata_as_calibre_reads_it(kindle_build):
    _, azw3, _, _ = kindle_build
    meta = kindle_format.read_metadata(azw3)
    assert meta["Title"] == "The Weekly Worker — Issue 1200, 2 December 2020"
    assert meta["Author(s)"] == "Test Party"
    assert meta["Publisher"] == "Test Party"
    assert meta["Published"].startswith("2020-12-02")
    assert meta["Languages"] == "eng"
    # the book id is the EPUB's, so a rebuilt issue replaces the old one on the device
    assert meta["Identifiers"] == f"mobi-asin:{identifier('weekly-worker', 1200).removeprefix('urn:uuid:')}"


def test_azw3_header_dates_are_the_source_date(kindle_build):
    data = kindle_build[1].read_bytes()
    assert data[60:68] == b"BOOKMOBI"
    assert struct.unpack(">II", data[36:44]) == (1606867200, 1606867200)


def test_azw3_has_cover_and_two_level_contents(kindle_build, tmp_path):
    _, azw3, back, _ = kindle_build
    cover = tmp_path / "cover.jpg"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    subprocess.run(["ebook-meta", str(azw3), f"--get-cover={cover}"], env=env, capture_output=True, timeout=120)
    assert cover.is_file() and cover.stat().st_size > 20_000
    ncx_href = back.x(back.opf, "//opf:item[@media-type='application/x-dtbncx+xml']/@href")[0]
    ncx = back.xml(back.item(ncx_href))
    sections = back.x(ncx, "/ncx:ncx/ncx:navMap/ncx:navPoint[ncx:navPoint]/ncx:navLabel/ncx:text/text()")
    assert sections == ["News", "Reviews", "International"]
    assert back.x(ncx, "//ncx:navPoint[ncx:navLabel/ncx:text='International']/ncx:navPoint/ncx:navLabel/ncx:text"
                       "/text()") == ["Bread, education, freedom", "Мир народам"]


def test_validate_reports_preflight_and_calibre_reading(kindle_build):
    output = kindle_build[3]
    assert "validate kindle: ok: Kindle pre-flight: weekly-worker-1200.epub" in output
    assert "validate kindle: ok: weekly-worker-1200.azw3: calibre reads 'The Weekly Worker — Issue 1200" in output
    assert "validate epub: ok: epubcheck" in output and "0 errors, 0 warnings" in output


def test_epub_carries_the_series_calibre_reads(kindle_build):
    # MOBI/KF8 headers have no series field (calibre's reader knows none), so the series travels in the EPUB
    epub = kindle_build[0] / "dist/1200/weekly-worker-1200.epub"
    meta = kindle_format.read_metadata(epub)
    assert meta["Series"] == "The Weekly Worker #1200"
    assert kindle_format.book_metadata(epub.read_bytes())["series_index"] == "1200"


def test_kindle_alone_makes_its_epub_in_scratch(pub, run):
    result = run(pub, "build", "1112", "--format", "kindle")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (pub / "dist/1112").iterdir() if not p.name.startswith(".")) == [
        "weekly-worker-1112.azw3"]


def _without_calibre(monkeypatch):
    real = shutil.which
    monkeypatch.setattr("publish.formats.base.shutil.which",
                        lambda name, *a, **k: None if name == "ebook-convert" else real(name, *a, **k))


def test_default_build_skips_kindle_with_one_line_when_calibre_is_missing(pub, run, monkeypatch):
    _without_calibre(monkeypatch)
    shutil.copytree(Path(__file__).resolve().parents[1] / "fonts", pub / "fonts")
    result = run(pub, "build", "1112")
    assert result.exit_code == 0, result.output  # skipping kindle is not a failure
    lines = [line for line in result.output.splitlines() if "kindle" in line]
    assert lines == ["skipped kindle: ebook-convert not found — install calibre (apt-get install calibre) "
                     "to make the Kindle edition"]
    assert (pub / "dist/1112/weekly-worker-1112.epub").is_file()
    assert not (pub / "dist/1112/weekly-worker-1112.azw3").exists()


def test_explicit_kindle_fails_when_calibre_is_missing(pub, run, monkeypatch):
    _without_calibre(monkeypatch)
    result = run(pub, "build", "1112", "--format", "kindle")
    assert result.exit_code == 1
    assert "cannot build kindle: ebook-convert not found — install calibre" in result.output
    assert FORMATS["kindle"].install_hint in result.output


def test_not_a_kindle_book_is_a_clear_error():
    with pytest.raises(Exception, match="not a Kindle book"):
        kindle_format.stabilise(b"x" * 100, "id", 0)
