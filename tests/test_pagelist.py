"""The EPUB's print page-list: block ids shared by the PDF and the EPUB, and the page-list from the print layout."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile

import pytest

from helpers import invoke_at
from lxml import etree
from pypdf import PdfReader

from publish.check import load_issues
from publish.model import anchor_key
from publish.render import body_html

NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml",
      "epub": "http://www.idpf.org/2007/ops"}
EPOCH = "1606867200"
XML_ID = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")


# --- block ids -----------------------------------------------------------------------------------


def test_every_top_level_block_gets_a_stable_id(pub):
    _, [issue], _ = load_issues(pub, ("1112",))
    article = dataclasses.replace(
        issue.articles[0], slug="Ünïcode story", pictures=(),
        body="Para[^1]\n\n## Head\n\n> quote\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
             "::: box Box\ninside\n:::\n\n```\ncode\n```\n\n[^1]: A note.\n")
    html = str(body_html(article, "en-GB"))
    ids = re.findall(r'<(\w+) id="([^"]+)"', html)
    key = anchor_key("Ünïcode story")
    blocks = [(tag, anchor) for tag, anchor in ids if anchor.startswith(key)]
    assert [tag for tag, _ in blocks] == ["p", "h2", "blockquote", "ul", "table", "aside", "pre"]
    assert [anchor for _, anchor in blocks] == [f"{key}-b{n}" for n in range(1, 8)]
    assert all(XML_ID.fullmatch(anchor) for _, anchor in blocks)  # valid XML ids from an odd slug
    assert "<li>a</li>" in html and "<p>inside</p>" in html and "<p>A note.</p>" in html  # nested: no id
    assert body_html(article, "en-GB") == html  # deterministic
    assert anchor_key("strike") == "strike" and anchor_key("2020-review").startswith("a-2020-review-")


# --- the demo issue's page-list ------------------------------------------------------------------


@pytest.fixture(scope="session")
def demo_1112(demo_copy, tmp_path_factory):
    """Issue 1112 built as EPUB alone (--page-list), and with the press PDF in one run: (issue, epub alone, epub, press)."""
    out = tmp_path_factory.mktemp("pagelist")
    for folder, formats in (("alone", "epub"), ("both", "epub,print")):
        result = invoke_at(EPOCH, demo_copy, "build", "1112", "--format", formats, "--out", str(out / folder),
                           "--page-list")
        assert result.exit_code == 0, result.output
    _, [issue], _ = load_issues(demo_copy, ("1112",))
    return (issue, out / "alone/1112" / f"{issue.name}.epub", out / "both/1112" / f"{issue.name}.epub",
            out / "both/1112" / f"{issue.name}-print.pdf")


def test_page_list_has_every_print_page_and_each_target_exists(demo_1112):
    issue, _, epub, press = demo_1112
    pages = len(PdfReader(press).pages)
    book = zipfile.ZipFile(io.BytesIO(epub.read_bytes()))
    nav = etree.fromstring(book.read("EPUB/nav.xhtml"))
    [page_list] = nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)
    assert page_list.get("hidden") is not None
    links = page_list.xpath(".//x:a", namespaces=NS)
    assert [a.text for a in links] == [str(n) for n in range(1, len(links) + 1)]
    assert pages == -(-len(links) // 4) * 4  # the press PDF adds house adverts up to a multiple of 4 pages
    for number, link in enumerate(links, 1):
        name, anchor = link.get("href").split("#")
        assert anchor == f"page-{number}"
        [span] = etree.fromstring(book.read(f"EPUB/{name}")).xpath(f"//*[@id='{anchor}']", namespaces=NS)
        assert span.tag == f"{{{NS['x']}}}span" and span.get(f"{{{NS['epub']}}}type") == "pagebreak"
        assert span.get("role") == "doc-pagebreak" and span.get("aria-label") == str(number)
        assert span.getnext() is not None  # it stands before the block where the page begins
    assert links[0].get("href") == "title.xhtml#page-1"  # the front page
    # the markers follow the reading order
    spine = [etree.fromstring(book.read(f"EPUB/{n}")) for n in
             [i.split("#")[0] for i in dict.fromkeys(a.get("href").split("#")[0] for a in links)]]
    order = [int(s.get("aria-label")) for doc in spine for s in doc.xpath("//*[@epub:type='pagebreak']", namespaces=NS)]
    assert order == list(range(1, len(links) + 1))


def test_page_list_metadata(demo_1112):
    _, _, epub, _ = demo_1112
    opf = etree.fromstring(zipfile.ZipFile(epub).read("EPUB/content.opf"))
    features = opf.xpath("//opf:meta[@property='schema:accessibilityFeature']/text()", namespaces=NS)
    assert "printPageNumbers" in features
    [source] = opf.xpath("//opf:meta[@property='pageBreakSource']/text()", namespaces=NS)
    assert "issue 1112" in source and "print" in source


def test_with_page_list_the_epub_bytes_do_not_depend_on_the_other_formats_built(demo_1112):
    _, alone, with_print, _ = demo_1112
    assert alone.read_bytes() == with_print.read_bytes()


def _nav_and_opf(epub) -> tuple[bytes, bytes]:
    book = zipfile.ZipFile(epub)
    return book.read("EPUB/nav.xhtml"), book.read("EPUB/content.opf")


def test_an_ebook_never_costs_a_print_layout_nobody_asked_for(pub, run):
    """EPUB alone: no layout, no page-list, no claim of one; once the print edition exists, the EPUB is
    remade with it; a PDF in the same run gives it at once."""
    breaks = pub / ".publish-cache/page-breaks/1112.json"
    epub = pub / "dist/1112/weekly-worker-1112.epub"
    result = run(pub, "build", "1112", "--format", "epub,kepub")
    assert result.exit_code == 0, result.output
    nav, opf = _nav_and_opf(epub)
    assert b"page-list" not in nav and b"printPageNumbers" not in opf and b"pageBreakSource" not in opf
    assert b"pagebreak" not in zipfile.ZipFile(epub).read("EPUB/contents.xhtml")
    assert not breaks.exists()  # nothing was laid out
    assert "unchanged epub" in run(pub, "build", "1112", "--format", "epub").output

    assert run(pub, "build", "1112", "--format", "pdf").exit_code == 0
    assert breaks.is_file()
    result = run(pub, "build", "1112", "--format", "epub,kepub")
    assert "built epub" in result.output and "kepub" in result.output, result.output
    nav, opf = _nav_and_opf(epub)
    assert b'epub:type="page-list"' in nav and b"printPageNumbers" in opf
    assert "unchanged epub" in run(pub, "build", "1112", "--format", "epub").output


def test_page_list_option_and_a_pdf_in_the_same_run_give_the_page_list(tmp_path, run):
    from helpers import small_publication

    for name, args in (("forced", ("--format", "epub", "--page-list")), ("with-pdf", ("--format", "epub,pdf"))):
        root = small_publication(tmp_path / name)
        result = run(root, "build", "1112", *args)
        assert result.exit_code == 0, result.output
        nav, opf = _nav_and_opf(root / "dist/1112/weekly-worker-1112.epub")
        assert b'epub:type="page-list"' in nav and b"printPageNumbers" in opf, name
