"""The EPUB edition: the unzipped package asserted with XPath, epubcheck for real, determinism, bad inputs."""

from __future__ import annotations

import io
import os
import shutil
import textwrap
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image, ImageDraw

from helpers import PUBLICATION_TOML
from publish.cli import cli
from publish.errors import PublishError
from publish.formats.epub import writer as epub_format
from publish.products.ebook import checks as ebook_checks
from publish.products.ebook.package import identifier, zip_time
from publish.products.ebook.pictures import sanitize_svg
from publish.products.kindle_rules import preflight

REPO = Path(__file__).resolve().parents[1]
EPOCH = "1606867200"  # 2020-12-02T00:00:00Z
NS = {
    "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
    "ncx": "http://www.daisy.org/z3986/2005/ncx/", "svg": "http://www.w3.org/2000/svg",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


ARTICLES = {
    "01-strike.md": """\
        ---
        title: "Bin workers strike"
        kicker: "Newport"
        standfirst: "Solid in the third week"
        author: "Ann Other"
        affiliation: "Newport Socialist Party"
        section: news
        keywords: [Strikes, Unions]
        image:
          src: images/picket-cmyk.jpg
          alt: "Pickets at the depot gate"
          caption: "On the picket line"
          credit: "Photo: A. Reader"
        ---
        The strike is "solid" -- and it's growing.[^1] Workers walked out again.[^1]

        ## Pay

        | Grade | Offer | Claim |
        |:------|------:|------:|
        | Driver | 1% | 10% |
        | Loader | 0% | 10% |

        ::: box Strike fund
        Send donations to the branch.[^2]
        :::

        [^1]: Figures from the union branch.
        [^2]: Cheques payable to the branch.
        """,
    "02-review.md": """\
        ---
        title: "The Social Dilemma"
        kicker: "TV"
        author: ["Joe Bloggs", "Jo Smith"]
        section: reviews
        keywords: [TV]
        ---
        A film about phones.

        ![A red phone on a transparent background](images/phone.png "The phone")

        ![Two bars, one tall](images/bars.svg "Who gains")
        """,
    "03-world.md": """\
        ---
        title: "Bread, education, freedom"
        section: international
        keywords: [Greece]
        ---
        In Athens the slogan was <span lang="el">Ψωμί, παιδεία, ελευθερία</span>; in Moscow
        <span lang="ru">Пролетарии всех стран, соединяйтесь!</span>; in Cairo
        <span lang="ar">عيش، حرية، عدالة اجتماعية</span>; in Shanghai <span lang="zh">全世界无产者，联合起来！</span>
        """,
    "04-мир.md": """\
        ---
        title: "Мир народам"
        section: international
        author: "Olga Ivanova"
        ---
        Hands off -- a short report.
        """,
}

HOSTILE_SVG = """\
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="100"
     onload="alert(1)" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:version="1">
<title>Bars</title>
<script>alert(1)</script>
<style>@import url(https://example.org/x.css); rect { fill: url(https://example.org/p.svg#g); }</style>
<rect x="10" y="10" width="50" height="80" fill="#c00" onclick="steal()"/>
<rect x="100" y="70" width="50" height="20" fill="#888" style="fill: url(http://example.org/x)"/>
<image xlink:href="https://example.org/tracker.png" width="10" height="10"/>
<a xlink:href="javascript:alert(1)"><text x="100" y="50">Hi</text></a>
<foreignObject width="10" height="10"><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>
</svg>
"""


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


def make_feature_publication(root: Path, with_fonts: bool = True) -> Path:
    """A publication whose issue 1200 uses every feature the EPUB must carry."""
    # the shared small publication, with one more section for the non-Latin articles
    _write(root / "publication.toml", PUBLICATION_TOML + '\n[[sections]]\nid = "international"\ntitle = "International"\n')
    _write(root / "issues/1200/issue.toml", 'number = 1200\ndate = 2020-12-02\n'
           'headline = "Bread, education, freedom"\ncover-article = "strike"\n')
    for name, text in ARTICLES.items():
        _write(root / "issues/1200" / name, text)
    _write(root / "pages/join.md", '---\ntitle: "Join us"\n---\nFill in the form.\n')
    images = root / "issues/1200/images"
    images.mkdir(parents=True)
    cmyk = Image.new("CMYK", (2400, 1600), (0, 180, 180, 20))
    ImageDraw.Draw(cmyk).rectangle((600, 400, 1800, 1200), fill=(200, 0, 0, 0))
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Co"
    exif[0x0131] = "Leaky Editor 1.0"
    cmyk.save(images / "picket-cmyk.jpg", "JPEG", quality=90, exif=exif.tobytes())
    phone = Image.new("RGBA", (400, 300), (0, 0, 0, 0))
    ImageDraw.Draw(phone).rounded_rectangle((150, 40, 250, 260), 20, fill=(200, 20, 40, 255))
    phone.save(images / "phone.png")
    (images / "bars.svg").write_text(HOSTILE_SVG, encoding="utf-8")
    if with_fonts:
        shutil.copytree(REPO / "fonts", root / "fonts")
    return root


def invoke(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


class Book:
    """An unzipped EPUB: its parsed XML files and raw bytes."""

    def __init__(self, data: bytes):
        self.data = data
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        container = self.xml("META-INF/container.xml")
        self.opf_path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
        self.base = self.opf_path.rsplit("/", 1)[0] if "/" in self.opf_path else ""
        self.opf = self.xml(self.opf_path)

    def read(self, name: str) -> bytes:
        return self.zip.read(name)

    def xml(self, name: str):
        return etree.fromstring(self.read(name))

    def x(self, tree, path: str):
        return tree.xpath(path, namespaces=NS)

    def item(self, href: str) -> str:
        return f"{self.base}/{href}" if self.base else href

    def documents(self) -> list[str]:
        return self.x(self.opf, "//opf:item[@media-type='application/xhtml+xml']/@href")


@pytest.fixture(scope="session")
def source_epoch():
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    yield EPOCH
    if old is None:
        os.environ.pop("SOURCE_DATE_EPOCH", None)
    else:
        os.environ["SOURCE_DATE_EPOCH"] = old


@pytest.fixture(scope="session")
def feature_build(tmp_path_factory, source_epoch):
    """The feature issue built twice into two folders (same SOURCE_DATE_EPOCH): (root, first, second).

    With --page-list, so that the print edition's page-list is in it (checked by epubcheck and Ace too).
    """
    root = make_feature_publication(tmp_path_factory.mktemp("epub") / "paper")
    first, second = root / "out1", root / "out2"
    for out in (first, second):
        result = invoke(root, "build", "1200", "--format", "epub", "--out", str(out), "--force", "--page-list")
        assert result.exit_code == 0, result.output
    return root, first / "1200" / "weekly-worker-1200.epub", second / "1200" / "weekly-worker-1200.epub"


@pytest.fixture(scope="session")
def book(feature_build) -> Book:
    return Book(feature_build[1].read_bytes())


# --- the container --------------------------------------------------------------------------


def test_two_builds_are_byte_identical(feature_build):
    _, first, second = feature_build
    assert first.read_bytes() == second.read_bytes()


def test_zip_starts_with_stored_mimetype_and_uses_the_source_date(book):
    infos = book.zip.infolist()
    assert infos[0].filename == "mimetype"
    assert infos[0].compress_type == zipfile.ZIP_STORED
    assert book.read("mimetype") == b"application/epub+zip"
    assert book.data[30:38] == b"mimetype"  # no extra field before the name
    assert infos[1].filename == "META-INF/container.xml"
    assert {i.date_time for i in infos} == {(2020, 12, 2, 0, 0, 0)}
    assert zip_time(__import__("datetime").datetime(1970, 1, 1, tzinfo=__import__("datetime").timezone.utc)) == (
        1980, 1, 1, 0, 0, 0)


# --- OPF --------------------------------------------------------------------------------------


def test_opf_metadata(book):
    opf, x = book.opf, book.x
    assert x(opf, "/opf:package/@version") == ["3.0"]
    assert x(opf, "//dc:title/text()") == ["The Weekly Worker — Issue 1200, 2 December 2020"]
    uid = x(opf, "/opf:package/@unique-identifier")[0]
    assert x(opf, f"//dc:identifier[@id='{uid}']/text()") == [identifier("weekly-worker", 1200)]
    assert identifier("weekly-worker", 1200) == identifier("weekly-worker", 1200) != identifier("weekly-worker", 1201)
    assert x(opf, "//dc:identifier[@id='issn']/text()") == ["urn:issn:1234-5679"]
    assert x(opf, "//dc:language/text()") == ["en-GB"]
    assert x(opf, "//dc:publisher/text()") == ["Test Party"]
    assert x(opf, "//dc:date/text()") == ["2020-12-02"]
    assert x(opf, "//opf:meta[@property='dcterms:modified']/text()") == ["2020-12-02T00:00:00Z"]
    description = x(opf, "//dc:description/text()")[0]
    assert description.startswith("Bread, education, freedom.") and "TV: The Social Dilemma" in description
    assert x(opf, "//dc:subject/text()") == ["Strikes", "Unions", "TV", "Greece"]
    assert x(opf, "//dc:creator/text()") == ["Test Party"]
    assert x(opf, "//dc:contributor/text()") == ["Ann Other", "Joe Bloggs", "Jo Smith", "Olga Ivanova"]
    assert x(opf, "//opf:meta[@property='role']/text()") == ["aut"] * 4
    assert x(opf, "//dc:rights/text()") == ["© 2020 Test Party. All rights reserved."]
    collection = x(opf, "//opf:meta[@property='belongs-to-collection']")[0]
    assert collection.text == "The Weekly Worker"
    ref = f"#{collection.get('id')}"
    assert x(opf, f"//opf:meta[@refines='{ref}'][@property='collection-type']/text()") == ["series"]
    assert x(opf, f"//opf:meta[@refines='{ref}'][@property='group-position']/text()") == ["1200"]
    assert x(opf, "//opf:meta[@name='cover']/@content") == ["cover-image"]


def test_accessibility_metadata(book):
    opf, x = book.opf, book.x

    def values(name):
        return x(book.opf, f"//opf:meta[@property='schema:{name}']/text()")

    assert set(values("accessMode")) == {"textual", "visual"}
    assert "textual" in values("accessModeSufficient")
    assert {"alternativeText", "structuralNavigation", "tableOfContents", "readingOrder"} <= set(
        values("accessibilityFeature"))
    assert "printPageNumbers" in values("accessibilityFeature")  # the print edition's page-list
    assert x(opf, "//opf:meta[@property='pageBreakSource']/text()")
    assert values("accessibilityHazard") == ["none"]
    assert values("accessibilitySummary")[0].strip()
    assert x(opf, "//opf:item[@properties='nav']/@href") == ["nav.xhtml"]


def test_manifest_spine_and_guide(book):
    opf, x = book.opf, book.x
    names = set(book.zip.namelist())
    for href in x(opf, "//opf:item/@href"):
        assert book.item(href) in names, href
    assert x(opf, "//opf:item[@properties='cover-image']/@href") == ["images/cover.jpg"]
    assert x(opf, "//opf:item[@properties='cover-image']/@media-type") == ["image/jpeg"]
    ids = {i.get("id"): i.get("href") for i in x(opf, "//opf:item")}
    spine = [ids[ref] for ref in x(opf, "//opf:spine/opf:itemref/@idref")]
    assert spine == ["cover.xhtml", "title.xhtml", "contents.xhtml", "a01-strike.xhtml", "a02-review.xhtml",
                     "a03-world.xhtml", "a04-article.xhtml", "p01-join.xhtml", "colophon.xhtml"]
    assert x(opf, "//opf:spine/@toc") == ["ncx"] and ids["ncx"] == "toc.ncx"
    guide = {r.get("type"): r.get("href") for r in x(opf, "//opf:guide/opf:reference")}
    assert guide == {"cover": "cover.xhtml", "toc": "contents.xhtml", "text": "a01-strike.xhtml"}
    assert all(name.isascii() for name in names)


# --- navigation -------------------------------------------------------------------------------


def test_nav_is_two_levels_with_landmarks(book):
    nav = book.xml(book.item("nav.xhtml"))
    x = book.x
    toc = x(nav, "//x:nav[@epub:type='toc']")[0]
    top = x(toc, "x:ol/x:li")
    assert [x(li, "string(x:a)") for li in top] == [
        "The Weekly Worker, issue 1200", "News", "Reviews", "International", "Join us", "About this edition"]
    assert x(toc, "x:ol/x:li[x:a='International']/x:ol/x:li/x:a/text()") == [
        "Bread, education, freedom", "Мир народам"]
    assert x(toc, "x:ol/x:li[x:a='News']/x:ol/x:li/x:a/@href") == ["a01-strike.xhtml"]
    assert not x(toc, "x:ol/x:li/x:ol/x:li/x:ol")  # two levels, no more
    landmarks = {a.get("{%s}type" % NS["epub"]): a.get("href")
                 for a in x(nav, "//x:nav[@epub:type='landmarks']//x:a")}
    assert landmarks == {"cover": "cover.xhtml", "toc": "contents.xhtml", "bodymatter": "a01-strike.xhtml"}


def test_ncx_mirrors_the_nav(book):
    ncx = book.xml(book.item("toc.ncx"))
    x = book.x
    assert x(ncx, "//ncx:meta[@name='dtb:depth']/@content") == ["2"]
    assert x(ncx, "//ncx:meta[@name='dtb:uid']/@content") == [identifier("weekly-worker", 1200)]
    assert ncx.get(XML_LANG) == "en-GB"
    assert x(ncx, "/ncx:ncx/ncx:navMap/ncx:navPoint/ncx:navLabel/ncx:text/text()") == [
        "The Weekly Worker, issue 1200", "News", "Reviews", "International", "Join us", "About this edition"]
    assert x(ncx, "//ncx:navPoint[ncx:navLabel/ncx:text='Reviews']/ncx:navPoint/ncx:content/@src") == [
        "a02-review.xhtml"]
    orders = {}
    for point in x(ncx, "//ncx:navPoint"):
        src = x(point, "string(ncx:content/@src)")
        assert orders.setdefault(src, point.get("playOrder")) == point.get("playOrder")


# --- documents --------------------------------------------------------------------------------


def test_every_document_is_declared_xhtml_with_its_language(book):
    for href in book.documents():
        raw = book.read(book.item(href))
        assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>'), href
        root = etree.fromstring(raw)
        assert root.tag == "{%s}html" % NS["x"]
        assert root.get("lang") == root.get(XML_LANG) == "en-GB", href
        assert book.x(root, "//x:link[@rel='stylesheet']/@href") == ["css/ebook.css"]
        for img in book.x(root, "//x:img"):
            assert img.get("alt", "").strip() and book.item(img.get("src")) in book.zip.namelist()
        assert not book.x(root, "//x:body/@id")


def test_article_page_carries_head_picture_and_body(book):
    page = book.xml(book.item("a01-strike.xhtml"))
    x = book.x
    assert x(page, "string(//x:p[@class='kicker'])") == "Newport"
    assert x(page, "string(//x:h1)") == "Bin workers strike"
    assert x(page, "string(//x:p[@class='byline'])") == "Ann Other, Newport Socialist Party"
    assert x(page, "//x:figure[contains(@class,'lead-picture')]/x:img/@src") == ["images/picket-cmyk.jpg"]
    assert "Photo: A. Reader" in x(page, "string(//x:figcaption)").replace("\u00a0", " ")
    assert x(page, "count(//x:table//x:tr)") == 3
    assert x(page, "string(//x:aside[@class='box']/x:h2)") == "Strike fund"
    two = book.xml(book.item("a02-review.xhtml"))
    assert x(two, "string(//x:p[@class='byline'])") == "Joe Bloggs and Jo Smith"
    editorial = book.xml(book.item("a03-world.xhtml"))
    assert not x(editorial, "//x:p[@class='byline']")


def test_footnotes_are_epub3_pop_ups_with_the_backlink_first(book):
    page = book.xml(book.item("a01-strike.xhtml"))
    x = book.x
    refs = x(page, "//x:a[@epub:type='noteref']")
    notes = x(page, "//x:aside[@epub:type='footnote']")
    assert len(refs) == 3 and len(notes) == 2
    ids = {n.get("id") for n in notes}
    assert {r.get("href").lstrip("#") for r in refs} == ids
    assert [r.text for r in refs] == ["1", "1", "2"]
    for note in notes:
        first = x(note, "(.//*)[1]")[0]
        link = x(note, "(.//x:a)[1]")[0]
        assert first.tag == "{%s}p" % NS["x"] and link.getparent() is first and not (first.text or "").strip()
        assert x(page, f"//*[@id='{link.get('href').lstrip('#')}']")  # the back-link lands on a noteref
    assert "Figures from the union branch." in x(page, "string(//x:aside[@epub:type='footnote'][1])")


def test_non_latin_scripts_keep_their_text_and_language(book):
    page = book.xml(book.item("a03-world.xhtml"))
    text = book.x(page, "string(//x:div[@class='article-body'])")
    for phrase in ("Ψωμί, παιδεία, ελευθερία", "Пролетарии всех стран", "عيش، حرية", "全世界无产者"):
        assert phrase in text
    spans = book.x(page, "//x:span[@lang='el']")
    assert spans and spans[0].get(XML_LANG) == "el"
    assert book.x(book.xml(book.item("a04-article.xhtml")), "string(//x:h1)") == "Мир народам"


# --- pictures and cover ---------------------------------------------------------------------


def test_pictures_are_resized_rgb_and_without_metadata(book):
    with Image.open(io.BytesIO(book.read(book.item("images/picket-cmyk.jpg")))) as photo:
        assert photo.format == "JPEG" and photo.mode == "RGB"
        assert max(photo.size) == 1600 and photo.size == (1600, 1067)
        assert not photo.getexif() and "icc_profile" not in photo.info and "progressive" not in photo.info
        cyan, red = photo.getpixel((800, 533)), photo.getpixel((20, 20))
        assert cyan[0] < 100 and cyan[1] > 200 and cyan[2] > 200  # the inks came out as colours, not inverted
        assert red[0] > 200 and red[1] < 100 and red[2] < 100
    with Image.open(io.BytesIO(book.read(book.item("images/phone.png")))) as phone:
        assert phone.format == "PNG" and phone.mode in ("RGBA", "LA", "P")
        assert phone.convert("RGBA").getpixel((5, 5))[3] == 0  # transparency kept


def test_svg_is_sanitised(book):
    svg = book.xml(book.item("images/bars.svg"))
    raw = book.read(book.item("images/bars.svg")).decode()
    for bad in ("<script", "onload", "onclick", "foreignObject", "javascript:", "example.org", "inkscape",
                "@import"):
        assert bad not in raw, bad
    assert len(book.x(svg, "//svg:rect")) == 2 and book.x(svg, "string(//svg:text)") == "Hi"
    assert svg.get("viewBox") == "0 0 200 100"


def test_cover_is_a_tall_jpeg_and_has_its_own_page(book):
    with Image.open(io.BytesIO(book.read(book.item("images/cover.jpg")))) as cover:
        assert cover.format == "JPEG" and cover.mode == "RGB" and cover.height >= 1600
        assert cover.height > cover.width
    page = book.xml(book.item("cover.xhtml"))
    assert book.x(page, "//x:img/@src") == ["images/cover.jpg"]
    assert "Bread, education, freedom" in book.x(page, "string(//x:img/@alt)")


def test_finished_cover_image_is_used_as_it_is(tmp_path, source_epoch):
    root = make_feature_publication(tmp_path / "paper", with_fonts=False)
    Image.new("RGB", (1000, 1600), "#123456").save(root / "issues/1200/images/front.jpg")
    toml = root / "issues/1200/issue.toml"
    toml.write_text(toml.read_text() + 'cover-image = "images/front.jpg"\n')
    result = invoke(root, "build", "1200", "--format", "epub")
    assert result.exit_code == 0, result.output
    book = Book((root / "dist/1200/weekly-worker-1200.epub").read_bytes())
    with Image.open(io.BytesIO(book.read(book.item("images/cover.jpg")))) as cover:
        assert cover.size == (1000, 1600) and cover.getpixel((500, 800))[2] > 0x40


def test_the_cover_drawn_in_another_process_is_the_one_drawn_here_and_a_failed_one_is_drawn_again(
        pub, run, monkeypatch):
    from publish import forkpool
    from publish.check import load_publication, read_issues
    from publish.products.ebook import book as ebook

    pub_, _ = load_publication(pub)
    issue = read_issues(pub_, [pub_.issues_dir / "1112"], print_checks=False)[0].issue
    here = ebook.cover_jpeg(issue)
    monkeypatch.setattr(forkpool, "can_begin", lambda: False)  # one core: drawn in a thread, not here
    assert ebook._draw_cover(issue) is None
    monkeypatch.setattr(forkpool, "can_begin", lambda: True)
    parent, real, here_too = os.getpid(), ebook.cover_jpeg, []

    def counted(issue):  # the calls made here, not in the forked process (whose list is its own)
        if os.getpid() == parent:
            here_too.append(1)
        return real(issue)

    monkeypatch.setattr(ebook, "cover_jpeg", counted)
    assert ebook._draw_cover(issue)() == here and here_too == []

    def dies_elsewhere(issue):
        if os.getpid() != parent:
            os._exit(3)
        return real(issue)

    monkeypatch.setattr(ebook, "cover_jpeg", dies_elsewhere)
    assert ebook._draw_cover(issue)() is None  # make_epub then draws it here
    assert run(pub, "build", "1112", "--format", "epub", "--force").exit_code == 0
    book = Book((pub / "dist/1112/weekly-worker-1112.epub").read_bytes())
    assert book.read(book.item("images/cover.jpg")) == here


def test_small_publication_without_fonts_builds(pub, run):
    result = run(pub, "build", "1112", "--format", "epub")
    assert result.exit_code == 0, result.output
    book = Book((pub / "dist/1112/weekly-worker-1112.epub").read_bytes())
    assert book.x(book.opf, "//dc:title/text()") == ["The Weekly Worker — Issue 1112, 2 December 2020"]
    assert not preflight(book.data)


# --- validation -----------------------------------------------------------------------------


def _check(path: Path) -> list[str]:
    return epub_format.validate_epub([path])


@pytest.mark.slow
def test_epubcheck_passes_the_feature_issue_and_every_demo_issue(feature_build, demo_copy, source_epoch,
                                                                 monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "no-ace"))  # tests/test_ace.py runs Ace on these books
    if shutil.which("java") is None:
        pytest.fail("Java is needed to run epubcheck (scripts/setup.sh installs it)")
    result = invoke(demo_copy, "build", "--all", "--format", "epub", "--out", str(demo_copy / "dist-epub"),
                    "--page-list")
    assert result.exit_code == 0, result.output
    files = [feature_build[1], *sorted((demo_copy / "dist-epub").glob("*/*.epub"))]
    assert len(files) >= 4
    with ThreadPoolExecutor(max_workers=2) as pool:
        reports = dict(zip(files, pool.map(_check, files)))
    for path, messages in reports.items():
        summary = [m for m in messages if "epubcheck 5" in m]
        assert summary and summary[0].startswith("ok: ") and "0 errors, 0 warnings" in summary[0], messages
        assert all(m.startswith("ok: ") or m.startswith("skipped: DAISY Ace") for m in messages), messages


def test_validate_reports_skipped_when_java_is_missing(feature_build, monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "no-ace"))  # Ace has its own tests
    real = shutil.which
    monkeypatch.setattr(ebook_checks.shutil, "which", lambda name, *a, **k: None if name == "java" else real(name))
    messages = epub_format.validate_epub([feature_build[1]])
    assert any(m.startswith("skipped: epubcheck: Java not found") for m in messages)
    assert not any(m.startswith("ok: epubcheck") for m in messages)
    assert any(m.startswith("ok: Kindle pre-flight") for m in messages)


def test_build_validate_prints_the_verdicts(feature_build, monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "no-ace"))  # Ace has its own tests
    root = feature_build[0]
    real = shutil.which
    monkeypatch.setattr(ebook_checks.shutil, "which", lambda name, *a, **k: None if name == "java" else real(name))
    result = invoke(root, "build", "1200", "--format", "epub", "--out", str(root / "out3"), "--validate")
    assert result.exit_code == 0, result.output
    assert "skipped: epubcheck: Java not found" in result.output
    assert "ok: Kindle pre-flight" in result.output


# --- the Kindle pre-flight: what Send to Kindle refuses ------------------------------------------


def _mutate(data: bytes, change) -> bytes:
    """A copy of the EPUB with change(name, bytes) -> bytes | None (None drops the entry) applied to each entry."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = change(info.filename, source.read(info.filename))
            if content is not None:
                target.writestr(info, content)
    return out.getvalue()


def _in(name_end: str, old: bytes, new: bytes):
    return lambda name, data: data.replace(old, new) if name.endswith(name_end) else data


PREFLIGHT_CASES = [
    ("declaration", _in("a01-strike.xhtml", b'<?xml version="1.0" encoding="utf-8"?>\n', b""),
     'a01-strike.xhtml: does not start with <?xml version="1.0" encoding="utf-8"?>'),
    ("latin-1", _in("title.xhtml", b'encoding="utf-8"', b'encoding="iso-8859-1"'), "title.xhtml: does not start"),
    ("language", _in("content.opf", b"<dc:language>en-GB", b"<dc:language>English"),
     "dc:language 'English' is not a valid language tag"),
    ("no language", _in("content.opf", b"<dc:language>en-GB</dc:language>", b""), "no dc:language"),
    ("guide", _in("content.opf", b"<reference ", b"<nothing "), "no guide"),
    ("webp", lambda n, d: d.replace(b'media-type="image/png"', b'media-type="image/webp"')
     if n.endswith("content.opf") else d, "WebP pictures are not accepted"),
    ("img src", _in("a01-strike.xhtml", b'src="images/picket-cmyk.jpg"', b'src=""'), "<img> without a src"),
    ("img file", _in("a01-strike.xhtml", b'src="images/picket-cmyk.jpg"', b'src="images/gone.jpg"'),
     "names no file of the book"),
    ("body id", lambda n, d: (d.replace(b'<body class="article-page"', b'<body id="top" class="article-page"')
                              .replace(b'<p class="section-label">', b'<p class="section-label"><a href="#top">up</a>'))
     if n.endswith("a01-strike.xhtml") else d, "a link to the <body> id 'top'"),
    ("backlink last", _in("a01-strike.xhtml", b'<p><a href="#fnref-strike-1"', b'<p>See <a href="#fnref-strike-1"'),
     "does not start with its back-link"),
    ("not xml", _in("a02-review.xhtml", b"</body>", b"</bdy>"), "a02-review.xhtml: not well-formed XML"),
]


@pytest.mark.parametrize("change, message", [c[1:] for c in PREFLIGHT_CASES], ids=[c[0] for c in PREFLIGHT_CASES])
def test_preflight_finds_what_kindle_refuses(book, change, message):
    assert not preflight(book.data)
    problems = preflight(_mutate(book.data, change))
    assert any(message in p for p in problems), problems


# --- bad inputs for the EPUB's part ---------------------------------------------------------------


def _layout(root: Path, name: str, text: str) -> None:
    _write(root / "layouts/default" / name, text)


BAD_LAYOUTS = [
    ("epub/cover.toml", "width = \n", "layouts/default/epub/cover.toml: "),
    ("epub/cover.toml", 'headline-font = "../../etc/passwd"\n',
     "layouts/default/epub/cover.toml: headline-font '../../etc/passwd' must be a file name"),
    ("epub/article.xhtml", '{% extends "epub/page.xhtml" %}{% block body %}{{ nonsense }}{% endblock %}',
     "layouts/default/epub/article.xhtml: 'nonsense' is undefined"),
    ("epub/title.xhtml", '{% extends "epub/page.xhtml" %}{% block body %}{% if %}{% endblock %}',
     "layouts/default/epub/title.xhtml:1:"),
    ("epub/colophon.xhtml",
     '{% extends "epub/page.xhtml" %}{% block body_attrs %} id="top"{% endblock %}'
     '{% block body %}<p><a href="#top">Back to top</a></p>{% endblock %}',
     "would be refused by Send to Kindle: EPUB/colophon.xhtml:"),
]


@pytest.mark.parametrize("name, text, message", BAD_LAYOUTS, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_LAYOUTS)])
def test_bad_layouts_give_located_errors_and_leave_dist_alone(pub, run, name, text, message):
    assert run(pub, "build", "1112", "--format", "epub").exit_code == 0
    target = pub / "dist/1112/weekly-worker-1112.epub"
    before = target.read_bytes()
    shutil.copytree(REPO / "layouts/default", pub / "layouts/default")
    _layout(pub, name, text)
    result = run(pub, "build", "1112", "--format", "epub", "--force")
    assert result.exit_code == 1
    assert message in result.output, result.output
    assert "Traceback" not in result.output
    assert target.read_bytes() == before
    assert [p.name for p in target.parent.iterdir() if "publish-tmp" in p.name] == []


def test_unreadable_svg_is_a_located_error(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text("<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>")
    with pytest.raises(PublishError, match=r"bad\.svg: not well-formed SVG .* — export the SVG again"):
        sanitize_svg(bad)


def test_svg_without_namespace_is_put_into_it(tmp_path):
    bare = tmp_path / "bare.svg"
    bare.write_text('<svg width="10px" height="20"><rect width="5" height="5"/></svg>')
    root = etree.fromstring(sanitize_svg(bare))
    assert root.tag == "{%s}svg" % NS["svg"] and root[0].tag == "{%s}rect" % NS["svg"]
    assert root.get("viewBox") == "0 0 10 20"
