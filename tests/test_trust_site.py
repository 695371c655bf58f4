"""The site under failure and hostile input: failed issues keep their pages, writes go live together or not
at all, a time limit, cleaned and distinct pictures, records outside dist/, bounded covers, the site as
readers use it, and feeds that always parse."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from pathlib import Path
from urllib.parse import unquote

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html
from PIL import Image

from helpers import ISSUE_TOML, STRIKE, picture, write
from publish.cli import cli
from publish.pipeline.plan import state_dir
from test_site import make_publication

ATOM = "{http://www.w3.org/2005/Atom}"


def build(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), "build", *args], catch_exceptions=False)


def files(dist: Path) -> dict[str, bytes]:
    """Every file of the site with its bytes (the tool keeps nothing else in dist/)."""
    return {p.relative_to(dist).as_posix(): p.read_bytes() for p in sorted(dist.rglob("*")) if p.is_file()}


def page(path: Path):
    return html.fromstring(path.read_bytes())


def visible(path: Path) -> str:
    return " ".join(page(path).text_content().replace("\xa0", " ").split())


# --- 1. failed issues, staged writes, time limit ------------------------------------------------------


def test_an_issue_whose_build_fails_keeps_its_site_pages_as_last_built(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    before = files(dist)
    for n in ("1111", "1112"):  # new, unapproved text in both issues
        source = root / f"issues/{n}/01-strike.md"
        source.write_text(source.read_text().replace("Solid in the third week", "Unapproved standfirst"))
    # 1112's text edition cannot be put in place (a folder stands where it goes): its build fails
    (dist / "1112/weekly-worker-1112.txt").unlink()
    (dist / "1112/weekly-worker-1112.txt").mkdir()
    result = build(root, "--all", "--format", "text,site")
    assert result.exit_code == 1 and "issue 1112: failed" in result.output, result.output
    after = files(dist)
    for name in ("1112/strike.html", "1112/index.html", "1112/dilemma.html", "1112/cover.jpg"):
        assert after[name] == before[name], name
    assert "Unapproved standfirst" in (dist / "1111/strike.html").read_text()  # the issue that built
    assert 'href="1112/index.html"' in (dist / "index.html").read_text()


@pytest.mark.parametrize("selection", [("1112",), ("--all",)])
def test_a_site_only_build_of_an_issue_with_source_errors_fails_and_says_why(tmp_path, selection):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    before = files(dist)
    source = root / "issues/1112/01-strike.md"
    source.write_text(source.read_text().replace("Bin workers strike", "Bin workers walk out")
                      .replace("section: news", "section: newz"))
    result = build(root, *selection, "--format", "site")
    assert result.exit_code == 1, result.output
    assert "issues/1112/01-strike.md:" in result.output and "unknown section 'newz'" in result.output
    after = files(dist)
    assert after["1112/strike.html"] == before["1112/strike.html"]  # the last built page, not the broken one


def test_a_site_that_cannot_be_written_leaves_the_old_site_intact(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    source = root / "issues/1112/01-strike.md"
    source.write_text(source.read_text().replace("Bin workers strike", "Bin workers win")
                      .replace("[Strikes, Unions]", "[Strikes, Unions, Victory]"))
    # a folder where the new keyword page must go: the move into place fails after the article
    # page (staged earlier) has already gone live, so the undo is exercised too
    (dist / "keywords/victory.html").mkdir()
    before = files(dist)
    result = build(root, "--all", "--format", "site")
    assert result.exit_code == 1
    assert "keywords/victory.html: cannot write the site" in result.output, result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert files(dist) == before  # every old page as it was, nothing new visible
    assert "Bin workers strike" in (dist / "1112/strike.html").read_text()
    assert not [p for p in dist.rglob("*") if "publish-tmp" in p.name]


def test_the_site_phase_has_a_time_limit_that_names_the_issue(tmp_path, monkeypatch):
    root = make_publication(tmp_path / "pub")
    monkeypatch.setenv("PUBLISH_SITE_TIME_LIMIT", "0.000001")  # fires within the first issue's step
    result = build(root, "--all", "--format", "site")
    assert result.exit_code == 1
    assert "issues/1111" in result.output and "PUBLISH_SITE_TIME_LIMIT" in result.output, result.output
    assert "internal error" not in result.output
    assert not (root / "dist/index.html").exists() and not (root / "dist/1111/strike.html").exists()


# --- 2. pictures: cleaned, named by their source -----------------------------------------------------


def _exif_jpeg(path: Path, colour: str) -> Path:
    image = Image.new("RGB", (300, 200), colour)
    exif = Image.Exif()
    exif[0x013B] = "Reporter Name"  # Artist
    exif[0xA431] = "SERIAL-123456"  # BodySerialNumber
    exif.get_ifd(0x8825)[2] = (51.0, 30.0, 0.0)  # GPSLatitude
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", exif=exif.tobytes(), quality=95)
    return path


def test_site_pictures_are_cleaned_and_each_source_has_its_own_name(tmp_path):
    root = make_publication(tmp_path / "pub")
    folder = root / "issues/1112"
    _exif_jpeg(folder / "images/picket.jpg", "#c00000")
    _exif_jpeg(folder / "picket.jpg", "#0000c0")  # the same natural name, another photo
    write(folder / "03-other.md", STRIKE.replace("Bin workers strike", "Another picket")
          .replace("src: images/picket.jpg", "src: picket.jpg")
          + '\n![A chart](images/chart.svg "The chart")\n')
    write(folder / "images/chart.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" onload="alert(1)">'
          '<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>\n')
    result = build(root, "1112", "--format", "site")
    assert result.exit_code == 0, result.output
    dist = root / "dist/1112"
    shown = {}
    for name in ("strike.html", "other.html"):
        src = page(dist / name).xpath("//figure[contains(@class,'lead-picture')]/img/@src")[0]
        with Image.open(dist / unquote(src)) as image:
            shown[name] = (src, image.getpixel((150, 100)), dict(image.getexif()))
    assert shown["strike.html"][0] == "images/picket.jpg"  # the name that was there stays
    assert shown["other.html"][0] != shown["strike.html"][0]
    assert shown["strike.html"][1][0] > 150 and shown["other.html"][1][2] > 150  # each its own photo
    assert not shown["strike.html"][2] and not shown["other.html"][2]  # no artist, serial or GPS
    for path in dist.rglob("*.jpg"):
        assert b"SERIAL-123456" not in path.read_bytes() and b"Reporter Name" not in path.read_bytes()
    svg = (dist / "images/chart.svg").read_bytes()
    assert b"<script" not in svg and b"onload" not in svg and b"<rect" in svg


def test_a_picture_named_html_is_published_under_its_content_type(tmp_path):
    root = make_publication(tmp_path / "pub")
    folder = root / "issues/1112"
    write(folder / "images/chart.html",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n')
    source = folder / "02-dilemma.md"
    source.write_text(source.read_text() + '\n![A chart](images/chart.html "The chart")\n')
    result = build(root, "1112", "--format", "site")
    if result.exit_code != 0:  # the reader may refuse the name outright: then nothing is published
        assert "chart.html" in result.output and not (root / "dist/1112/images/chart.html").exists()
        return
    dist = root / "dist/1112"
    assert not list(dist.rglob("*.html.*")) and not (dist / "images/chart.html").exists()
    assert (dist / "images/chart.svg").is_file()
    assert "images/chart.svg" in page(dist / "dilemma.html").xpath("//img/@src")


# --- 3. records outside dist/ ---------------------------------------------------------------------


def test_site_records_live_outside_dist_and_old_ones_move_without_a_rebuild(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    assert not list(dist.rglob(".publish-site.json"))
    records = state_dir(root, dist) / "site"
    assert sorted(p.name for p in records.iterdir()) == ["issue-1111.json", "issue-1112.json", "site.json"]
    # the layout of earlier versions: the records inside dist/
    shutil.move(records / "issue-1112.json", dist / "1112/.publish-site.json")
    shutil.move(records / "site.json", dist / ".publish-site.json")
    before = files(dist)
    result = build(root, "--all", "--format", "site")
    assert result.exit_code == 0, result.output
    assert "(0 read afresh)" in result.output, result.output  # nothing re-read, nothing re-rendered
    assert not list(dist.rglob(".publish-site.json"))
    assert (records / "issue-1112.json").is_file() and (records / "site.json").is_file()
    after = files(dist)
    assert after == {k: v for k, v in before.items() if not k.endswith(".publish-site.json")}


# --- 4. covers whose work is bounded --------------------------------------------------------------


def test_a_huge_headline_is_cut_to_what_fits_before_it_is_measured(pub):
    """One cover painter for every format: its work is bounded whatever the headline, at any size."""
    from publish.check import load_publication, read_issues
    from publish.formats.site.pages import COVER_SIZE
    from publish.products.cover import clip_text, front_cover

    publication, _ = load_publication(pub)
    issue = read_issues(publication, [pub / "issues/1112"])[0].issue
    issue = dataclasses.replace(issue, cover_article="", cover_image=None)  # the typographic cover
    words = ("Better for billionaires, worse for workers " * 6000)[:216_000]
    clipped = clip_text(words, (COVER_SIZE[0], COVER_SIZE[1]), 18)
    assert len(clipped) < 10_000 and clipped.endswith("\u2026")
    for size in (COVER_SIZE, (1600, 2400)):  # the site's cover and the ebook's
        # only the start of the text is ever looked at: the cover of the whole 216 KB and of its first
        # 20,000 characters are the same picture
        huge = front_cover(dataclasses.replace(issue, headline=words), size)
        start = front_cover(dataclasses.replace(issue, headline=words[:20_000]), size)
        assert huge.tobytes() == start.tobytes()
        assert huge.size == size
        short = front_cover(dataclasses.replace(issue, headline="Short"), size)
        assert short.tobytes() != huge.tobytes()


# --- 5. the site as readers use it ----------------------------------------------------------------


SUBSCRIBE = """\
---
title: "Subscribe to the Weekly Worker"
standfirst: "Every issue, in print and on your phone"
---
Choose a subscription at <https://example.org/ww/subscribe>.
"""


@pytest.fixture(scope="session")
def readers_site(tmp_path_factory) -> Path:
    root = make_publication(tmp_path_factory.mktemp("readers") / "pub")
    text = (root / "publication.toml").read_text()
    (root / "publication.toml").write_text(text.replace('standing-pages = ["pages/join.md"]',
                                                        'standing-pages = ["pages/join.md", "pages/subscribe.md"]'))
    write(root / "pages/subscribe.md", SUBSCRIBE)
    write(root / "issues/1113/issue.toml", ISSUE_TOML.format(number=1113).replace("2020-12-02", "2020-12-09"))
    write(root / "issues/1113/01-strike.md", STRIKE.replace("[Strikes, Unions]", "[Unions, Lonely]"))
    picture(root / "issues/1113/images/picket.jpg")
    assert build(root, "1112", "--format", "text").exit_code == 0
    # the press PDF built earlier (a stand-in: the site lists what it finds in dist/<n>/)
    (root / "dist/1112/weekly-worker-1112-print.pdf").write_bytes(b"%PDF-1.7 press stand-in\n")
    result = build(root, "--all", "--format", "site")
    assert result.exit_code == 0, result.output
    return root / "dist"


def test_the_subscribe_link_goes_to_the_subscription_page_and_feeds_are_follow(readers_site):
    dist = readers_site
    for name in ("index.html", "1112/strike.html", "keywords/index.html"):
        doc = page(dist / name)
        menu = {a.text_content(): a.get("href") for a in doc.xpath("//nav[@class='site-nav']//a")}
        prefix = "../" if "/" in name else ""
        assert menu["Subscribe"] == f"{prefix}subscribe.html" and menu["Follow"] == f"{prefix}index.html#follow"
    subscribe = page(dist / "subscribe.html")
    assert subscribe.xpath("//h1")[0].text_content() == "Subscribe to the Weekly Worker"
    assert subscribe.xpath("//section[@id='follow']//a/@href") == ["feed.atom", "opds.xml", "opds.json"]
    archive = page(dist / "index.html")
    assert archive.xpath("//section[@id='follow']/h2")[0].text_content() == "Follow"
    assert not archive.xpath("//h2[normalize-space()='Subscribe']")


def test_without_a_subscription_page_the_menu_says_follow(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "site").exit_code == 0
    menu = [a.text_content() for a in page(root / "dist/index.html").xpath("//nav[@class='site-nav']//a")]
    assert "Follow" in menu and "Subscribe" not in menu
    assert not (root / "dist/subscribe.html").exists()


def test_downloads_keep_the_checksum_in_the_data_and_the_press_pdf_for_printers(readers_site):
    dist = readers_site
    doc = page(dist / "1112/index.html")
    txt = (dist / "1112/weekly-worker-1112.txt").read_bytes()
    sha = hashlib.sha256(txt).hexdigest()
    assert doc.xpath("//li[contains(@class,'download-text')]/a/@data-sha256") == [sha]
    assert sha not in visible(dist / "1112/index.html")
    offered = doc.xpath("//section[@id='download']//li//a/@href")
    assert offered == ["weekly-worker-1112.txt"]  # the press PDF is no reader's download
    printers = doc.xpath("//p[@class='for-printers']")
    assert len(printers) == 1 and printers[0].text_content().startswith("For printers:")
    assert printers[0].xpath("a/@href") == ["weekly-worker-1112-print.pdf"]
    for feed in ("feed.atom", "opds.xml", "opds.json"):
        assert b"-print.pdf" not in (dist / feed).read_bytes(), feed


def test_an_issue_never_built_offers_no_download(readers_site):
    doc = page(readers_site / "1113/index.html")
    assert not doc.xpath("//a[@href='#download']")
    assert "Download this issue" not in visible(readers_site / "1113/index.html")
    assert "Not yet built" in visible(readers_site / "1113/index.html")
    assert "Download this issue" in visible(readers_site / "1112/index.html")


def test_counts_have_the_right_plural(readers_site):
    listing = visible(readers_site / "keywords/index.html")
    assert "Lonely (1 article)" in listing and "Unions (3 articles)" in listing
    assert "1 articles" not in listing


# --- 6. feeds that always parse -------------------------------------------------------------------


def test_feeds_drop_characters_xml_cannot_hold(pub, tmp_path):
    from publish.check import load_publication
    from publish.formats.site import writer as site
    from publish.formats.site import feeds as site_feeds

    publication, _ = load_publication(pub)
    publication = dataclasses.replace(publication, title="The \x01Weekly\x1b Worker", tagline="Paper\ufffe")
    article = site.ArticleEntry("strike", "strike.html", "Bin\x01 workers\x1b strike", "News\x0b",
                                "Solid\ufffe", keywords=("Strikes\x02",))
    entry = site.IssueEntry(number=1112, date=__import__("datetime").date(2020, 12, 2),
                            headline="Better\x01 for\x1b billionaires\ufffe", name="weekly-worker-1112",
                            sections=(("News\x03", (article,)),))
    out = tmp_path / "dist"
    out.mkdir()
    (out / "feed.atom").write_text(site_feeds.atom(publication, [entry]), encoding="utf-8")
    for name, text in site_feeds.catalogues(publication, [entry]).items():
        (out / name).write_text(text, encoding="utf-8")
    for name in ("feed.atom", "opds.xml"):
        root = etree.parse(str(out / name)).getroot()  # raises if it does not parse
        assert root.tag == ATOM + "feed"
    feed = feedparser.parse((out / "feed.atom").read_bytes())
    assert not feed.bozo and feed.entries[0].title == "Issue 1112: Better for billionaires"
    json.loads((out / "opds.json").read_text())
    assert all(m.startswith("ok:") for m in site.validate_site(out)), site.validate_site(out)


def test_another_issues_broken_draft_does_not_fail_this_build(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    before = files(root / "dist")
    source = root / "issues/1112/01-strike.md"
    source.write_text(source.read_text().replace("section: news", "section: newz"))
    result = build(root, "1111", "--format", "text,site", "--force")
    assert result.exit_code == 0, result.output
    assert "site: issue 1112: it has errors; its pages stay as last built" in result.output
    assert files(root / "dist")["1112/strike.html"] == before["1112/strike.html"]


def test_the_site_fingerprint_covers_the_sanitisers_and_the_reader():
    """A fix to the HTML or SVG sanitiser must republish every page, not only changed issues'."""
    from publish.pipeline.plan import _tool_files

    names = {p.name for p in _tool_files("site")}
    assert {"safehtml.py", "svg_clean.py", "raster_clean.py", "picture_clean.py", "render.py", "markdown.py",
            "source.py", "writer.py", "pages.py", "feeds.py"} <= names


def test_serve_builds_every_chosen_format():
    from publish.commands.serve import _groups
    from publish.formats import ORDER, FORMATS

    per_issue = [f for f in ORDER if FORMATS[f].per_issue]
    grouped = {f for group in _groups(tuple(ORDER)) for f in group}
    assert set(per_issue) <= grouped and "kepub" in grouped
