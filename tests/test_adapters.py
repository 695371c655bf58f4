"""The private APIs behind the three adapters, exercised on real WeasyPrint, pypdf and ebooklib objects.

An upgrade that moves one fails here, naming the installed version and the adapter to update, instead of
silently changing what the PDFs and EPUBs contain.
"""

from __future__ import annotations

import io
import zipfile
from importlib.metadata import version

import pytest
from ebooklib import epub
from lxml import etree
from PIL import Image
from pypdf import PdfReader, PdfWriter
from weasyprint import HTML

from publish.products.ebook import ebooklib_adapter
from publish.products.print_layout import pypdf_adapter, weasy_adapter

WEASY = "publish/products/print_layout/weasy_adapter.py"
PYPDF = "publish/products/print_layout/pypdf_adapter.py"
EBOOKLIB = "publish/products/ebook/ebooklib_adapter.py"


def stale(distribution: str, adapter: str, what: str) -> str:
    """The failure message: which library release broke which assumption, and where to fix it."""
    return (f"{distribution} {version(distribution)}: {what} — update {adapter} to the new private API "
            "(and the upper bound in pyproject.toml)")


# --- WeasyPrint -------------------------------------------------------------------------------------------

MARKED_PAGE = """<style>@page { size: 60mm 60mm; bleed: 5mm; marks: crop cross; margin: 10mm }</style>
<p>One page.</p>"""


def _page_stream(pdf: bytes) -> bytes:
    """What page 1 draws: its content stream and its form XObjects' (WeasyPrint paints marks in one)."""
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    forms = page["/Resources"].get("/XObject", {})
    return b"\n".join([page.get_contents().get_data(),
                       *(forms[name].get_object().get_data() for name in sorted(forms))])


def test_weasyprint_page_marks_are_read_and_switched_off_and_back():
    # WeasyPrint adds the marks to the page's background when it draws them, so the renderer takes them off
    # before the first write; this test does the same, and compares with a fresh layout drawn with marks
    document = HTML(string=MARKED_PAGE).render()
    page = document.pages[0]
    try:
        marks = weasy_adapter.page_marks(page)
    except (AttributeError, KeyError, TypeError) as exc:
        pytest.fail(stale("weasyprint", WEASY, f"a laid-out Page no longer exposes _page_box.style['marks'] ({exc!r})"))
    assert set(marks) == {"crop", "cross"}, stale("weasyprint", WEASY, f"the page box's marks read as {marks!r}")
    weasy_adapter.set_page_marks(page, ())
    without = _page_stream(document.write_pdf())
    weasy_adapter.set_page_marks(page, marks)
    restored = _page_stream(document.write_pdf())
    with_marks = _page_stream(HTML(string=MARKED_PAGE).render().write_pdf())
    assert len(without) < len(with_marks), stale("weasyprint", WEASY, "emptying the page box's marks no longer "
                                                 "stops WeasyPrint drawing them")
    assert restored == with_marks, stale("weasyprint", WEASY, "putting the marks back does not draw them again")


def _image_widths(pdf: bytes) -> list[int]:
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    objects = page["/Resources"]["/XObject"]
    return [int(objects[name].get_object()["/Width"]) for name in objects
            if objects[name].get_object()["/Subtype"] == "/Image"]


def test_weasyprint_picture_resolution_is_capped_and_released(tmp_path):
    Image.new("RGB", (600, 600), (200, 30, 30)).save(tmp_path / "big.png")
    images: dict = {}  # what render(cache=...) fills, as the print renderer does
    document = HTML(string='<img src="big.png" style="width: 1in; height: 1in">',
                    base_url=str(tmp_path)).render(cache=images)
    capped = [image for image in images.values() if weasy_adapter.set_image_dpi(image, 100)]
    assert capped, stale("weasyprint", WEASY, "no picture in the render cache has a _dpi resolution to set "
                         f"(cache holds {[type(v).__name__ for v in images.values()]})")
    assert _image_widths(document.write_pdf()) == [100], stale(
        "weasyprint", WEASY, "setting a picture's _dpi after loading no longer downsamples it when written")
    for image in capped:
        weasy_adapter.set_image_dpi(image, None)
    assert _image_widths(document.write_pdf()) == [600], stale(
        "weasyprint", WEASY, "setting _dpi back to None no longer writes the picture at full resolution")


# --- pypdf -------------------------------------------------------------------------------------------------

def _written(writer: PdfWriter) -> PdfReader:
    out = io.BytesIO()
    writer.write(out)
    return PdfReader(io.BytesIO(out.getvalue()))


def test_pypdf_document_id_reaches_the_trailer():
    writer = PdfWriter()
    writer.add_blank_page(100, 100)
    try:
        pypdf_adapter.set_document_id(writer, bytes(range(16)))
    except AttributeError as exc:
        pytest.fail(stale("pypdf", PYPDF, f"PdfWriter lost _ID ({exc!r})"))
    trailer = _written(writer).trailer
    assert [part.original_bytes for part in trailer.get("/ID", [])] == [bytes(range(16))] * 2, stale(
        "pypdf", PYPDF, f"the _ID set before writing is not the trailer's /ID: {trailer.get('/ID')!r}")


# --- ebooklib ----------------------------------------------------------------------------------------------

def _book() -> epub.EpubBook:
    book = epub.EpubBook()
    book.set_identifier("urn:uuid:00000000-0000-0000-0000-000000000001")
    book.set_title("Adapter")
    book.set_language("en")
    chapter = epub.EpubHtml(title="One", file_name="one.xhtml", lang="en",
                            content="<html><body><p>One.</p></body></html>")
    book.add_item(chapter)
    book.add_item(epub.EpubNcx())
    book.spine = [chapter]
    book.toc = [epub.Link("one.xhtml", "One", "nav-1")]
    return book


def test_ebooklib_writer_hands_over_the_opf_tree_and_the_ncx():
    seen: dict[str, list] = {"opf": [], "ncx": []}

    def opf(root) -> None:
        seen["opf"].append(root.tag)
        root.set("data-adapter", "opf")

    def ncx(data: bytes) -> bytes:
        seen["ncx"].append(data)
        return data.replace(b"<head>", b"<head><!-- adapter -->", 1)

    data = ebooklib_adapter.write(_book(), {"raise_exceptions": True}, opf=opf, ncx=ncx)
    assert len(seen["opf"]) == 1 and seen["opf"][0].endswith("package"), stale(
        "ebooklib", EBOOKLIB, f"EpubWriter._write_opf_file was not called once with the package tree: {seen['opf']!r}")
    assert len(seen["ncx"]) == 1 and b"<ncx" in seen["ncx"][0], stale(
        "ebooklib", EBOOKLIB, "EpubWriter._get_ncx was not called once for the NCX bytes")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        opf_name = next((n for n in names if n.endswith(".opf")), None)
        ncx_name = next((n for n in names if n.endswith(".ncx")), None)
        assert opf_name and ncx_name, stale("ebooklib", EBOOKLIB, f"the EPUB has no OPF or NCX: {names}")
        package = etree.fromstring(z.read(opf_name))
        assert package.get("data-adapter") == "opf", stale(
            "ebooklib", EBOOKLIB, "the OPF tree edited in _write_opf_file is not the one written")
        assert b"<!-- adapter -->" in z.read(ncx_name), stale(
            "ebooklib", EBOOKLIB, "the NCX returned by _get_ncx is not the one written")


def test_weasyprint_font_configuration_becomes_fontconfigs_current_one():
    from weasyprint.text.fonts import FontConfiguration

    assert weasy_adapter.make_current(FontConfiguration()), stale(
        "weasyprint", WEASY, "a FontConfiguration no longer keeps its fontconfig configuration in _config, or "
        "libfontconfig cannot be opened")


WARMED_LAYOUT = r"""
import json, sys
import cffi.cparser, pyphen
from weasyprint import HTML
from publish.products.print_layout import weasy_adapter
weasy_adapter.warm(["en-GB"])
parsed = []
parse = cffi.cparser.Parser.parse_type_and_quals
cffi.cparser.Parser.parse_type_and_quals = lambda self, cdecl: parsed.append(cdecl) or parse(self, cdecl)
load = pyphen.HyphDict.__init__
pyphen.HyphDict.__init__ = lambda self, path: parsed.append(str(path)) or load(self, path)
page = ('<html lang="en-GB"><style>@page { size: 90mm 120mm } p { hyphens: auto; width: 30mm }'
        '.m { font-family: monospace }</style>'
        '<p>Extraordinarily comprehensive unrepresentative characterisations</p><p class="m">Typewriter text</p>')
sys.stdout.buffer.write(json.dumps(parsed).encode() + b"\n")
pdf = HTML(string=page).write_pdf()
sys.stdout.buffer.write(json.dumps(parsed).encode() + b"\n" + pdf)
"""


def test_weasyprint_layout_after_warm_loads_no_c_type_or_dictionary_of_its_own(tmp_path):
    # In a fresh process, as a forked layout would be: what warm() loaded is all a layout asks for, and the
    # font subsetter makes its arrays of any length as one C type
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WARMED_LAYOUT], capture_output=True, check=True)
    before, after, pdf = done.stdout.split(b"\n", 2)
    assert before == b"[]"
    assert after == b"[]", stale("weasyprint", WEASY, f"a layout and its PDF asked for C types or dictionaries "
                                                      f"that warm() had not loaded: {after.decode()} (C_TYPES)")
    (tmp_path / "out.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "out.pdf"), "-"], capture_output=True, text=True).stdout
    assert "Typewriter" in text and "Extraordinar" in text  # both subset fonts still draw their glyphs
    assert "\u2010\n" in text  # and the warmed dictionary hyphenated


def test_cffi_parses_a_type_with_only_the_typedefs_it_names_into_the_same_type():
    """quick_type_parsing: each of C_TYPES parsed afresh comes out as the type cffi's own parse makes, and
    pycparser is handed the typedefs the type names, not all of WeasyPrint's."""
    import cffi
    from cffi import cparser

    from publish.products.print_layout import weasy_adapter

    weasy_adapter.load_weasyprint()
    from weasyprint.text.ffi import ffi as weasy_ffi

    assert weasy_adapter.quick_type_parsing(), stale("cffi", version("cffi"), "cffi.cparser.Parser._parse moved")
    assert weasy_adapter.quick_type_parsing()  # idempotent
    handed: list[str] = []
    real_parser = cparser._get_parser()

    class Counting:
        def parse(self, text, *args, **kwargs):
            handed.append(text)
            return real_parser.parse(text, *args, **kwargs)

    for name in weasy_adapter.C_TYPES + ("PangoLayoutLine *", "hb_font_t *"):
        fresh = cffi.FFI()
        fresh.include(weasy_ffi)  # every declaration, none of the parsed types
        original, cparser._get_parser = cparser._get_parser, lambda: Counting()
        try:
            quick = fresh.typeof(name)
        finally:
            cparser._get_parser = original
        own = weasy_ffi.typeof(name)
        assert (quick.kind, quick.cname) == (own.kind, own.cname)
        if quick.kind == "pointer":  # and what it points to, field by field for a structure
            assert (quick.item.kind, quick.item.cname) == (own.item.kind, own.item.cname)
            if quick.item.kind == "struct" and own.item.fields is not None:
                assert [f for f, _ in quick.item.fields] == [f for f, _ in own.item.fields]
        assert handed[-1].count("typedef int ") <= 3, (name, handed[-1].count("typedef int "))


def test_weasyprint_font_subsetter_arrays_are_made_open_with_the_same_items():
    from weasyprint.pdf import fonts

    assert weasy_adapter.open_font_arrays(), stale("weasyprint", WEASY, "weasyprint.pdf.fonts has no ffi to wrap")
    ffi = fonts.ffi
    assert list(ffi.new("hb_codepoint_t[3]", [7, 8, 9])) == [7, 8, 9]
    assert ffi.typeof(ffi.new("hb_codepoint_t[3]", (7, 8, 9))) == ffi.typeof("hb_codepoint_t[]")
    assert list(ffi.new("hb_codepoint_t[4]")) == [0, 0, 0, 0]
    assert list(ffi.new("hb_codepoint_t[3]", [7])) == [7, 0, 0]  # shorter: cffi's own zero fill
    assert ffi.string(ffi.new("char[]", b"ab")) == b"ab"
    assert weasy_adapter.open_font_arrays() and fonts.ffi is ffi  # wrapped once


# --- pyphen ------------------------------------------------------------------------------------------------

HYPHENATION = "publish/products/print_layout/hyphenation.py"
WORDS = ("hyphenation", "newspaper", "redistribution", "internationalisation", "Birmingham", "co-operative",
         "unconstitutional", "a", "")


def test_a_kept_hyphenation_dictionary_hyphenates_as_pyphens_own_parse(tmp_path, monkeypatch):
    import json

    import pyphen

    from publish.products.print_layout import hyphenation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = pyphen.LANGUAGES["en_GB"]
    parsed = pyphen.HyphDict(path)
    assert {"patterns", "cache", "maxlen"} <= set(vars(parsed)), stale("pyphen", HYPHENATION,
                                                                         "HyphDict's attributes changed")
    truth = [list(parsed.positions(word)) for word in WORDS]

    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.load("en_GB")  # parsed by pyphen, and kept
    assert pyphen.hdcache[path].patterns == parsed.patterns
    (memo,) = (tmp_path / "publish/hyphenation").glob("hyph_en_GB-*.json")
    monkeypatch.setattr(pyphen, "hdcache", {})
    monkeypatch.setattr(pyphen.HyphDict, "__init__", lambda *a: pytest.fail("parsed again, not read back"))
    hyphenation.load("en_GB")
    kept = pyphen.hdcache[path]
    assert [list(kept.positions(word)) for word in WORDS] == truth, stale("pyphen", HYPHENATION,
                                                                          "HyphDict.positions reads more")
    assert pyphen.Pyphen(lang="en_GB").inserted("newspaper") == pyphen.Pyphen(filename=path).inserted("newspaper")
    monkeypatch.undo()

    # a spoiled memo is parsed anew (and written again); a dictionary with non-standard hyphenation is never kept
    for spoiled in ("{", "[]", json.dumps({"ab": [1, ["2"]]}), json.dumps({"ab": [1, []]}),
                    json.dumps({"ab": [-3, [1]]})):
        memo.write_text(spoiled)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
        monkeypatch.setattr(pyphen, "hdcache", {})
        hyphenation.load("en_GB")
        assert pyphen.hdcache[path].patterns == parsed.patterns
        assert json.loads(memo.read_text()) == {k: [o, list(v)] for k, (o, v) in parsed.patterns.items()}
        monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(pyphen, "hdcache", {})
    hyphenation.load("hu_HU")
    assert any(getattr(v, "data", None) for _, values in pyphen.hdcache[pyphen.LANGUAGES["hu_HU"]].patterns.values()
               for v in values)
    assert not list((tmp_path / "publish/hyphenation").glob("hyph_hu_HU-*.json"))
    hyphenation.load("xx_NOWHERE")  # no such dictionary: nothing to load


@pytest.mark.parametrize("home", ["relative/home", ""])
def test_no_hyphenation_memo_without_an_absolute_home(home, monkeypatch):
    from publish.products.print_layout import hyphenation

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", home)
    assert hyphenation.cache_folder() is None  # never a folder under the current one
