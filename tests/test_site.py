"""The download site: pages, links, downloads, feeds (parsed with feedparser and lxml), incremental updates."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree, html
from PIL import Image

from helpers import ISSUE_TOML, PUBLICATION_TOML, STRIKE, picture, small_publication, write
from publish.cli import cli
from publish.formats import FORMATS

ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/terms/}"
NS = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
OPDS_KIND = "application/atom+xml;profile=opds-catalog;kind=acquisition"


def build(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["--root", str(root), "build", *args], catch_exceptions=False)
    return result


def make_publication(root: Path, url: bool = True) -> Path:
    """Issues 1111 (2019) and 1112 (2020) of the conftest paper; 1113 is added by tests."""
    small_publication(root)  # issue 1112, with the standing page
    if not url:
        write(root / "publication.toml", PUBLICATION_TOML.replace('url = "https://example.org/ww/"\n', ""))
    write(root / "issues/1111/issue.toml",
          ISSUE_TOML.format(number=1111).replace("2020-12-02", "2019-12-25").replace(
              "Better for billionaires, worse for workers", "Strike wave <spreads> & grows"))
    write(root / "issues/1111/01-strike.md", STRIKE.replace("Bin workers strike", "Bin workers walk out"))
    picture(root / "issues/1111/images/picket.jpg", (400, 300))
    return root


def add_issue_1113(root: Path) -> None:
    write(root / "issues/1113/issue.toml",
          ISSUE_TOML.format(number=1113).replace("2020-12-02", "2020-12-09").replace(
              "Better for billionaires, worse for workers", "Vaccines for all").replace(
              'cover-article = "strike"', 'cover-article = "index"\ncover-image = "images/chart.svg"'))
    write(root / "issues/1113/01-index.md", STRIKE.replace("Bin workers strike", "An article called index")
          .replace("[Strikes, Unions]", "[Vaccines, Strikes]"))
    picture(root / "issues/1113/images/picket.jpg")
    write(root / "issues/1113/images/chart.svg",
          '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>\n')


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """Two issues built as text + site, with a publication url."""
    root = make_publication(tmp_path_factory.mktemp("site") / "pub")
    result = build(root, "--all", "--format", "text,site")
    assert result.exit_code == 0, result.output
    return root / "dist"


def page(path: Path):
    return html.fromstring(path.read_bytes())


def text(element) -> str:
    """An element's text with the typographer's no-break spaces as plain spaces."""
    return " ".join(element.text_content().replace("\xa0", " ").split())


def test_the_site_has_its_pages_feeds_pictures_and_covers(site):
    for name in ("index.html", "site.css", "feed.atom", "opds.xml", "opds.json", "keywords/index.html",
                 "keywords/strikes.html", "keywords/unions.html", "1112/index.html", "1112/strike.html",
                 "1112/dilemma.html", "1112/join.html", "1112/images/picket.jpg", "1111/strike.html"):
        assert (site / name).is_file(), name
    with Image.open(site / "1112/cover.jpg") as cover, Image.open(site / "1112/cover-thumb.jpg") as thumb:
        assert cover.size == (600, 849) and thumb.size == (200, 283)
        # the red masthead band at the top, the picture (all #c33) below it
        assert cover.getpixel((5, 5))[0] > 150 and cover.getpixel((5, 5))[1] < 40
        assert cover.getpixel((300, 300)) == pytest.approx((204, 51, 51), abs=12)
    assert (site / "1112/images/picket.jpg").read_bytes() == (site.parent / "issues/1112/images/picket.jpg").read_bytes()


def test_archive_is_newest_first_grouped_by_year(site):
    doc = page(site / "index.html")
    years = [h.text_content() for h in doc.xpath("//section[@class='year']/h2")]
    assert years == ["2020", "2019"]
    links = [a.get("href") for a in doc.xpath("//ul[@class='issues']//a")]
    assert links == ["1112/index.html", "1111/index.html"]
    thumbs = doc.xpath("//ul[@class='issues']//img")
    assert [t.get("src") for t in thumbs] == ["1112/cover-thumb.jpg", "1111/cover-thumb.jpg"]
    content = text(doc)
    assert "Issue 1112" in content and "2 December 2020" in content and "Better for billionaires" in content
    assert "Strike wave <spreads> & grows" in content  # escaped in the markup, shown as written
    assert doc.xpath("//a[@href='feed.atom']") and doc.xpath("//a[@href='opds.xml']")


def test_issue_page_lists_contents_and_every_download_with_size_and_sha256(site):
    doc = page(site / "1112/index.html")
    assert doc.xpath("//h1")[0].text_content() == "Better for billionaires, worse for workers"
    assert [h.text_content() for h in doc.xpath("//section[@class='contents']/h3")] == \
        ["News", "Reviews", "Also in every issue"]
    content = text(doc)
    assert "Solid in the third week" in content and "Ann Other, Newport Socialist Party" in content
    assert "Joe Bloggs and Jo Smith" in content
    downloads = doc.xpath("//section[@id='download']//li")
    assert len(downloads) == 1
    txt = site / "1112/weekly-worker-1112.txt"
    item = downloads[0]
    assert item.xpath(".//a/@href") == ["weekly-worker-1112.txt"]
    sha = hashlib.sha256(txt.read_bytes()).hexdigest()
    assert item.xpath(".//a/@data-sha256") == [sha] and sha not in text(doc)  # in the data, not shown
    assert "KB" in item.xpath(".//*[@class='size']")[0].text
    assert FORMATS["text"].description.lower() in item.text_content().lower()
    assert doc.xpath("//img[@class='cover']/@alt")[0]


def test_article_page_has_picture_caption_byline_keywords_and_neighbours(site):
    doc = page(site / "1112/strike.html")
    assert doc.xpath("/html/@lang") == ["en-GB"]
    assert doc.xpath("//h1")[0].text_content() == "Bin workers strike"
    lead = doc.xpath("//figure[contains(@class,'lead-picture')]")[0]
    assert lead.xpath("img/@src") == ["images/picket.jpg"] and lead.xpath("img/@alt") == ["Pickets at the depot gate"]
    assert "On the picket line" in text(lead) and "Photo: A. Reader" in text(lead)
    assert text(doc.xpath("//*[@class='byline']")[0]) == "Ann Other, Newport Socialist Party"
    assert doc.xpath("//nav[@class='article-keywords']//a/@href") == \
        ["../keywords/strikes.html", "../keywords/unions.html"]
    assert doc.xpath("//a[@rel='next']/@href") == ["dilemma.html"] and not doc.xpath("//a[@rel='prev']")
    assert doc.xpath("//link[@rel='canonical']/@href") == ["https://example.org/ww/1112/strike.html"]
    assert doc.xpath("//link[@rel='stylesheet']/@href") == ["../site.css"]
    assert "@media print" in (site / "site.css").read_text()
    # the same article markup as the EPUB's: the shared partial
    assert doc.xpath("//article[@id='article-strike']/header[@class='article-head']")
    last = page(site / "1112/join.html")
    assert last.xpath("//a[@rel='prev']/@href") == ["dilemma.html"]


def test_keyword_pages_list_articles_across_issues_newest_first(site):
    doc = page(site / "keywords/strikes.html")
    assert doc.xpath("//h1")[0].text == "Strikes"
    assert doc.xpath("//ul[@class='listing']/li/a/@href") == ["../1112/strike.html", "../1111/strike.html"]
    index = page(site / "keywords/index.html")
    assert "Strikes" in index.text_content() and "(2 articles)" in index.text_content()


def _pages(site: Path):
    return sorted(p for p in site.rglob("*.html"))


def test_every_relative_link_and_picture_resolves(site):
    for path in _pages(site):
        doc = page(path)
        for attr in ("href", "src"):
            for value in doc.xpath(f"//@{attr}"):
                parts = urlsplit(value)
                if parts.scheme or value.startswith("#"):
                    continue
                target = (path.parent / unquote(parts.path)).resolve()
                assert target.is_file() and site.resolve() in target.parents, f"{path}: {value}"


def test_pages_are_accessible_and_need_no_javascript(site):
    for path in _pages(site):
        doc = page(path)
        assert doc.xpath("/html/@lang") == ["en-GB"], path
        assert not doc.xpath("//script"), path
        # box titles are <h2>: a box stands among the article's sections, never below a subheading's level
        levels = [int(h.tag[1]) for h in doc.xpath("//h1|//h2|//h3|//h4")]
        assert levels and levels[0] == 1 and levels.count(1) == 1, path
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), (path, levels)
        for img in doc.xpath("//img"):
            decorative = img.xpath("ancestor::ul[@class='issues']")  # the archive's thumbnails repeat the link text
            assert img.get("alt") is not None and (img.get("alt") or decorative), (path, img.get("src"))
        assert doc.xpath("//meta[@name='viewport']"), path


def test_contrast_of_the_stylesheet_colours(site):
    css = (site / "site.css").read_text()
    colours = dict(re.findall(r"--(ink|muted|red|link|paper): (#[0-9a-f]{6})", css))

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    for name in ("ink", "muted", "red", "link"):
        assert contrast(colours[name], colours["paper"]) >= 4.5, name
    assert contrast("#ffffff", colours["red"]) >= 4.5


def test_atom_feed_parses_with_enclosures_and_contents(site):
    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.feed.title == "The Weekly Worker"
    assert [e.title for e in feed.entries] == ["Issue 1112: Better for billionaires, worse for workers",
                                               "Issue 1111: Strike wave <spreads> & grows"]
    entry = feed.entries[0]
    assert entry.id == "https://example.org/ww/1112/"
    enclosures = [link for link in entry.links if link.rel == "enclosure"]
    txt = site / "1112/weekly-worker-1112.txt"
    assert [(e.href, e.type, int(e.length)) for e in enclosures] == \
        [("https://example.org/ww/1112/weekly-worker-1112.txt", "text/plain; charset=utf-8", txt.stat().st_size)]
    assert "Bin workers strike" in entry.summary and "Reviews" in entry.summary
    root = etree.parse(str(site / "feed.atom")).getroot()
    for entry in root.iter(f"{ATOM}entry"):
        for tag in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{tag}") is not None
        assert RFC3339.match(entry.findtext(f"{ATOM}updated"))


def test_opds_catalogue_has_the_structure_opds_12_requires(site):
    root = etree.parse(str(site / "opds.xml")).getroot()
    assert root.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated"):
        assert len(root.findall(f"{ATOM}{tag}")) == 1, tag
    assert RFC3339.match(root.findtext(f"{ATOM}updated"))
    self_link = root.xpath("a:link[@rel='self']", namespaces=NS)[0]
    assert self_link.get("type") == OPDS_KIND and self_link.get("href") == "https://example.org/ww/opds.xml"
    assert root.xpath("a:author/a:name", namespaces=NS)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{DC}issued") for e in entries] == ["2020-12-02", "2019-12-25"]
    for entry in entries:
        for tag in ("id", "title", "updated"):
            assert len(entry.findall(f"{ATOM}{tag}")) == 1, tag
        acquisitions = entry.xpath("a:link[starts-with(@rel,'http://opds-spec.org/acquisition')]", namespaces=NS)
        assert acquisitions and all(a.get("type") and a.get("href") for a in acquisitions)
        assert {a.get("type") for a in acquisitions} == {"text/plain; charset=utf-8"}
        assert entry.xpath("a:link[@rel='http://opds-spec.org/image']/@href", namespaces=NS)[0].endswith("/cover.jpg")
        assert entry.xpath("a:link[@rel='http://opds-spec.org/image/thumbnail']/@type", namespaces=NS) == ["image/jpeg"]
    parsed = feedparser.parse((site / "opds.xml").read_bytes())
    assert not parsed.bozo and len(parsed.entries) == 2


def test_opds2_catalogue_has_the_structure_opds_20_requires(site):
    feed = json.loads((site / "opds.json").read_text())
    assert feed["metadata"]["title"] == "The Weekly Worker"
    assert {"rel": "self", "href": "https://example.org/ww/opds.json", "type": "application/opds+json"} in feed["links"]
    assert [p["metadata"]["published"] for p in feed["publications"]] == ["2020-12-02", "2019-12-25"]
    for publication in feed["publications"]:
        assert publication["metadata"]["title"] and publication["metadata"]["identifier"]
        acquisitions = [link for link in publication["links"] if link["rel"].startswith("http://opds-spec.org/acquisition")]
        assert acquisitions and all(link["href"].startswith("https://") and link["type"] for link in acquisitions)
        assert all(image["href"].endswith(".jpg") and image["width"] for image in publication["images"])


def test_without_url_links_are_relative_and_ids_stable(tmp_path):
    root = make_publication(tmp_path / "pub", url=False)
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    doc = page(dist / "1112/strike.html")
    assert not doc.xpath("//link[@rel='canonical']")
    feed = feedparser.parse((dist / "feed.atom").read_bytes())
    assert not feed.bozo
    assert feed.entries[0].id.startswith("urn:uuid:")
    enclosure = next(link for link in feed.entries[0].links if link.rel == "enclosure")
    assert enclosure.href == "1112/weekly-worker-1112.txt"
    first = (dist / "opds.xml").read_bytes()
    assert b'href="1112/weekly-worker-1112.txt"' in first and b"https://" not in first
    assert build(root, "--all", "--format", "site", "--force").exit_code == 0
    assert (dist / "opds.xml").read_bytes() == first


NOT_SITE = {"build-report.json", ".publish-state.json"}  # written by every build, not by the site


def _snapshot(dist: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(dist).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in dist.rglob("*") if p.is_file() and p.name not in NOT_SITE}


def test_adding_an_issue_rewrites_only_what_changed(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    before = _snapshot(dist)
    assert build(root, "--all", "--format", "site").exit_code == 0
    assert _snapshot(dist) == before  # nothing changed, nothing written
    add_issue_1113(root)
    result = build(root, "1113", "--format", "text,site")
    assert result.exit_code == 0, result.output
    after = _snapshot(dist)
    unchanged = [n for n in before if n.startswith(("1111/", "1112/"))]
    assert unchanged and all(after[n] == before[n] for n in unchanged)
    for name in ("index.html", "feed.atom", "opds.xml", "opds.json", "keywords/strikes.html"):
        assert after[name] != before[name], name
    assert "keywords/vaccines.html" in after
    # an article whose slug is "index" does not take the issue page's place
    assert "Download this issue" in (dist / "1113/index.html").read_text()
    assert "An article called index" in (dist / "1113/index-page.html").read_text()
    # an SVG cover picture gives a typographic cover
    with Image.open(dist / "1113/cover.jpg") as cover:
        assert cover.size == (600, 849)
    feed = feedparser.parse((dist / "feed.atom").read_bytes())
    assert [e.title.split(":")[0] for e in feed.entries] == ["Issue 1113", "Issue 1112", "Issue 1111"]


def test_downloads_built_earlier_stay_listed_and_stale_pages_go(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "1112", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    (dist / "1112/weekly-worker-1112.pdf").write_bytes(b"%PDF-1.7 stands in for a PDF built earlier\n")
    assert build(root, "1112", "--format", "text,site").exit_code == 0
    doc = page(dist / "1112/index.html")
    assert doc.xpath("//section[@id='download']//a/@href") == ["weekly-worker-1112.pdf", "weekly-worker-1112.txt"]
    assert b'type="application/pdf"' in (dist / "opds.xml").read_bytes()
    # a renamed article: its old page and a keyword nobody uses any more disappear
    (root / "issues/1112/02-dilemma.md").rename(root / "issues/1112/02-social-dilemma.md")
    text = (root / "issues/1112/01-strike.md").read_text().replace("[Strikes, Unions]", "[Strikes]")
    (root / "issues/1112/01-strike.md").write_text(text)
    (root / "issues/1111").rename(tmp_path / "1111")  # only 1112 uses the keywords now
    assert build(root, "1112", "--format", "site").exit_code == 0
    assert (dist / "1112/social-dilemma.html").is_file() and not (dist / "1112/dilemma.html").exists()
    assert not (dist / "keywords/unions.html").exists() and (dist / "keywords/strikes.html").is_file()
    assert not list(dist.rglob("*.publish-tmp-*"))


def test_an_issue_with_errors_keeps_its_last_good_pages(tmp_path):
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site").exit_code == 0
    dist = root / "dist"
    good = (dist / "1111/strike.html").read_bytes()
    write(root / "issues/1111/01-strike.md", "---\ntitle: [unclosed\n---\nBody\n")
    result = build(root, "--all", "--format", "text,site")
    assert result.exit_code == 1
    assert (dist / "1111/strike.html").read_bytes() == good
    assert "1111/index.html" in (dist / "index.html").read_text()


def test_two_builds_give_identical_sites(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1606867200")
    root = make_publication(tmp_path / "pub")
    assert build(root, "--all", "--format", "text,site", "--out", str(tmp_path / "a")).exit_code == 0
    shutil.rmtree(tmp_path / "pub/dist", ignore_errors=True)
    assert build(root, "--all", "--format", "text,site", "--out", str(tmp_path / "b"), "--force").exit_code == 0
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*")
                   if p.is_file() and not p.name.startswith(".publish") and p.name not in NOT_SITE)
    assert names
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert "2020-12-02T00:00:00Z" in (tmp_path / "a/feed.atom").read_text()


def test_the_atom_feed_carries_the_newest_fifty_and_the_archive_all(tmp_path, run):
    from lxml import etree

    from bench.generate import generate

    root = generate(tmp_path / "many", 52, seed=4, articles=1, words=60, pictures=0)
    assert run(root, "build", "--all", "--format", "text,site").exit_code == 0
    feed = etree.parse(str(root / "dist/feed.atom")).getroot()
    ids = [e.findtext("{http://www.w3.org/2005/Atom}id") for e in feed.iter("{http://www.w3.org/2005/Atom}entry")]
    assert len(ids) == 50 and ids[0].endswith("1051/") and ids[-1].endswith("1002/")
    archive = (root / "dist/index.html").read_text()
    assert 'href="1000/index.html"' in archive and 'href="1051/index.html"' in archive
    # the OPDS catalogues page through all 52: 50 on the first page, 2 on the second
    atom = "{http://www.w3.org/2005/Atom}"
    first = etree.parse(str(root / "dist/opds.xml")).getroot()
    second = etree.parse(str(root / "dist/opds-2.xml")).getroot()
    assert len(first.findall(atom + "entry")) == 50 and len(second.findall(atom + "entry")) == 2
    links = {l.get("rel"): l.get("href") for l in first.findall(atom + "link")}
    assert links["next"].endswith("/opds-2.xml") and links["last"].endswith("/opds-2.xml")
    assert "previous" not in links
    back = {l.get("rel"): l.get("href") for l in second.findall(atom + "link")}
    assert back["previous"].endswith("/opds.xml") and back["first"].endswith("/opds.xml") and "next" not in back
    pages = [json.loads((root / f"dist/{name}").read_text()) for name in ("opds.json", "opds-2.json")]
    assert [len(p["publications"]) for p in pages] == [50, 2]
    assert any(l["rel"] == "next" and l["href"].endswith("/opds-2.json") for l in pages[0]["links"])
    # one issue fewer: the second page is not left behind
    import shutil

    shutil.rmtree(root / "issues/1051")
    shutil.rmtree(root / "issues/1050")
    assert run(root, "build", "--all", "--format", "text,site").exit_code == 0
    assert not (root / "dist/opds-2.xml").exists() and not (root / "dist/opds-2.json").exists()
    assert len(etree.parse(str(root / "dist/opds.xml")).getroot().findall(atom + "entry")) == 50
