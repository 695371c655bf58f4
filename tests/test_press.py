"""The press edition: a CMYK press PDF (census with pikepdf), `publish preflight` on good and bad PDFs, the booklet."""

from __future__ import annotations

import io
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pikepdf
import pytest
from click.testing import CliRunner
from helpers import invoke_at, picture, small_publication, write
from PIL import Image

from publish.cli import cli
from publish.formats.booklet.writer import booklet_order, impose
from publish.icc import default_cmyk
from publish.products.press.preflight import preflight
from publish.products.press.separate import space_kind

EPOCH = "1606900000"
SRGB_ICC = Path("/usr/share/color/icc/sRGB.icc")  # icc-profiles-free: an RGB profile, for the refusal table


def run_cli(root: Path, *args: str):
    return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)


# --- one build of a small paper: press PDF, download PDF and booklet ---------------------------------


def five_page_paper(root: Path) -> Path:
    """The small paper with a second standing page and a picture in the body: 5 pages, so the press needs 3 more."""
    small_publication(root)
    write(root / "pages/subscribe.md", '---\ntitle: "Subscribe"\nstandfirst: "Every week, in print"\n---\nSign up.\n')
    text = (root / "publication.toml").read_text().replace('["pages/join.md"]', '["pages/join.md", "pages/subscribe.md"]')
    (root / "publication.toml").write_text(text)
    picture(root / "issues/1112/images/chart.png", size=(900, 600), fmt="PNG")
    article = root / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text() + '\n![A chart](images/chart.png "The chart")\n')
    return root


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    root = five_page_paper(tmp_path_factory.mktemp("press") / "pub")
    (root / "publication.toml").write_text((root / "publication.toml").read_text() + '\n[print]\nink-limit = 260\n')
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print,booklet", "--validate")
    assert result.exit_code == 0, result.output
    dist = root / "dist/1112"
    return root, result.output, {kind: dist / f"weekly-worker-1112{kind}.pdf" for kind in ("", "-print", "-booklet")}


def _contents(pdf):
    """(page number, content holder, resources) of every page and every form drawn on it."""
    seen = set()
    for number, page in enumerate(pdf.pages, start=1):
        stack = [page.obj]
        while stack:
            holder = stack.pop()
            resources = holder.get("/Resources", pikepdf.Dictionary())
            yield number, holder, resources
            for item in resources.get("/XObject", pikepdf.Dictionary()).values():
                if item.get("/Subtype") == "/Form" and item.objgen not in seen:
                    seen.add(item.objgen)
                    stack.append(item)


def _census(path: Path):
    """Colour operators, colour-space kinds, picture spaces and the fill colour of every text shown."""
    operators, spaces, pictures, text_fills = set(), set(), set(), set()
    with pikepdf.open(path) as pdf:
        for _, holder, resources in _contents(pdf):
            for space in resources.get("/ColorSpace", pikepdf.Dictionary()).values():
                spaces.add(space_kind(space))
            for item in resources.get("/XObject", pikepdf.Dictionary()).values():
                if item.get("/Subtype") == "/Image":
                    pictures.add(space_kind(item.get("/ColorSpace")))
            fill, stack = ("g", (0.0,)), []
            for operands, operator in pikepdf.parse_content_stream(holder):
                op = str(operator)
                if op in ("rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN"):
                    operators.add(op)
                if op in ("rg", "g", "k"):
                    fill = (op, tuple(round(float(v), 4) for v in operands))
                elif op == "q":
                    stack.append(fill)
                elif op == "Q" and stack:
                    fill = stack.pop()
                elif op in ("Tj", "TJ", "'", '"'):
                    text_fills.add(fill)
    return operators, spaces, pictures, text_fills


def test_press_pdf_is_cmyk_with_black_only_text(built):
    root, output, files = built
    operators, spaces, pictures, text_fills = _census(files["-print"])
    assert operators <= {"k", "K"}, operators  # no rg/RG/g/G, no colour space switched to
    assert not spaces & {"rgb", "lab", "indexed:rgb", "spot"}, spaces
    assert pictures == {"cmyk"}, pictures
    assert text_fills and all(op == "k" and values[:3] == (0, 0, 0) for op, values in text_fills), text_fills
    assert ("k", (0.0, 0.0, 0.0, 1.0)) in text_fills  # the kickers, headings and the body: solid black ink
    with pikepdf.open(files["-print"]) as pdf:
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and int(intent.DestOutputProfile.N) == 4
        assert bytes(intent.DestOutputProfile.read_bytes()) == default_cmyk().read_bytes()
        assert len(pdf.pages) % 4 == 0
        assert "PDF/X-4" in bytes(pdf.Root.Metadata.read_bytes()).decode()
    # without [print] output-intent the build names the installed profile it used
    assert "using Artifex CMYK SWOP Profile" in output and str(default_cmyk()) in output
    assert "validate print: ok: preflight: press-ready" in output
    assert "validate booklet: ok: " in output


def test_press_pdf_fills_to_a_multiple_of_four_with_house_adverts(built):
    _, _, files = built
    press = subprocess.run(["pdftotext", str(files["-print"]), "-"], capture_output=True, text=True).stdout
    with pikepdf.open(files[""]) as screen, pikepdf.open(files["-print"]) as press_pdf:
        screen_pages, press_pages = len(screen.pages), len(press_pdf.pages)
    assert press_pages == -(-screen_pages // 4) * 4
    if press_pages > screen_pages:  # the adverts offer the standing pages
        assert press.count("Every week, in print") >= 2 and "https://example.org/ww/" in press


def test_download_pdf_stays_rgb(built):
    _, _, files = built
    operators, _, pictures, _ = _census(files[""])
    assert "rg" in operators and "k" not in operators and pictures <= {"rgb", "gray"}
    with pikepdf.open(files[""]) as pdf:
        assert "/OutputIntents" not in pdf.Root


def test_preflight_passes_the_press_pdf_and_refuses_the_download_pdf(built):
    root, _, files = built
    ok = run_cli(root, "preflight", str(files["-print"]))
    assert ok.exit_code == 0, ok.output
    assert "press-ready, ink limit 260%" in ok.output  # the publication's own limit
    bad = run_cli(root, "preflight", str(files[""]), str(files["-print"]))
    assert bad.exit_code == 1
    assert "page 1: RGB colour operators" in bad.output and "page 1: no bleed" in bad.output


def test_booklet_imposes_the_download_pages(built):
    _, _, files = built
    with pikepdf.open(files[""]) as screen, pikepdf.open(files["-booklet"]) as booklet:
        pages = len(screen.pages)
        width, height = (float(v) for v in screen.pages[0].mediabox[2:])
        assert len(booklet.pages) == -(-pages // 4) * 2
        for side in booklet.pages:
            assert [round(float(v), 1) for v in side.mediabox] == [0, 0, round(2 * width, 1), round(height, 1)]


# --- booklet order --------------------------------------------------------------------------------


def test_booklet_order():
    assert booklet_order(8) == [(8, 1), (2, 7), (6, 3), (4, 5)]
    assert booklet_order(6) == [(0, 1), (2, 0), (6, 3), (4, 5)]  # pages 7 and 8 are blanks
    assert booklet_order(1) == [(0, 1), (0, 0)]
    assert len(booklet_order(13)) == 8


@pytest.fixture(scope="module")
def numbered():
    """Six A5 pages, each printing its own number, rendered by WeasyPrint."""
    from weasyprint import HTML

    html = "<style>@page { size: A5 } p { break-after: page; font-size: 40pt }</style>" + "".join(
        f"<p>PAGE{n}</p>" for n in range(1, 7))
    return HTML(string=html).write_pdf()


def _halves(pdf: bytes, side: int, tmp: Path) -> tuple[str, str]:
    path = tmp / "b.pdf"
    path.write_bytes(pdf)
    with pikepdf.open(path) as pdf:
        width, height = (float(v) for v in pdf.pages[side - 1].mediabox[2:])
    out = []
    for x in (0, width / 2):
        out.append(subprocess.run(["pdftotext", "-f", str(side), "-l", str(side), "-x", str(int(x)), "-y", "0",
                                   "-W", str(int(width / 2) - 1), "-H", str(int(height)), str(path), "-"],
                                  capture_output=True, text=True).stdout.strip())
    return out[0], out[1]


def test_booklet_pages_sit_in_saddle_stitch_order(numbered, tmp_path):
    booklet = impose(numbered)
    with pikepdf.open(io.BytesIO(booklet)) as pdf:
        assert len(pdf.pages) == 4
    assert _halves(booklet, 1, tmp_path) == ("", "PAGE1")
    assert _halves(booklet, 2, tmp_path) == ("PAGE2", "")
    assert _halves(booklet, 3, tmp_path) == ("PAGE6", "PAGE3")
    assert _halves(booklet, 4, tmp_path) == ("PAGE4", "PAGE5")


def test_booklet_creep_moves_inner_pages_towards_the_fold(numbered):
    with pikepdf.open(io.BytesIO(impose(numbered, creep_pt=4.0))) as pdf:
        def shifts(side):
            return [[float(v) for v in ops] for ops, op in pikepdf.parse_content_stream(pdf.pages[side])
                    if str(op) == "cm"]
        assert [4.0, 0.0] not in [s[4:] for s in shifts(0)]  # the outer sheet stays
        inner = [s[4] for s in shifts(2) if s[:4] == [1, 0, 0, 1]]
        assert 4.0 in inner  # the left page of the inner sheet moves right, towards the fold


# --- preflight fixtures, made here ----------------------------------------------------------------


def _good_pdf(path: Path, *, bleed_mm: float = 3.0, content: bytes = b"0 0 0 1 k 20 20 100 100 re f",
              picture_of: Image.Image | None = None, picture_mm: float = 50, font: bool = False) -> Path:
    """A one-page PDF/X-4 in CMYK with trim and bleed, then spoilt by the arguments."""
    pdf = pikepdf.new()
    mm = 72 / 25.4
    size = (210 * mm, 297 * mm)
    page = pdf.add_blank_page(page_size=(size[0] + 2 * bleed_mm * mm, size[1] + 2 * bleed_mm * mm))
    page.obj.TrimBox = [bleed_mm * mm, bleed_mm * mm, bleed_mm * mm + size[0], bleed_mm * mm + size[1]]
    if bleed_mm:
        page.obj.BleedBox = list(page.mediabox)
    resources = pikepdf.Dictionary()
    ops = content
    if picture_of is not None:
        data = io.BytesIO()
        picture_of.save(data, "JPEG")
        image = pikepdf.Stream(pdf, data.getvalue(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                               Width=picture_of.width, Height=picture_of.height, BitsPerComponent=8,
                               ColorSpace=pikepdf.Name("/Device" + ("RGB" if picture_of.mode == "RGB" else "CMYK")),
                               Filter=pikepdf.Name.DCTDecode)
        if picture_of.mode == "CMYK":
            image.Decode = [1, 0, 1, 0, 1, 0, 1, 0]
        resources.XObject = pikepdf.Dictionary(Im0=image)
        side = picture_mm * mm
        ops += f"\nq {side:.2f} 0 0 {side * picture_of.height / picture_of.width:.2f} 40 200 cm /Im0 Do Q".encode()
    if font:
        resources.Font = pikepdf.Dictionary(F1=pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                                  BaseFont=pikepdf.Name.Helvetica))
        ops += b"\nBT /F1 12 Tf 40 400 Td (Hello) Tj ET"
    page.obj.Resources = resources
    page.obj.Contents = pdf.make_stream(ops)
    profile = pdf.make_stream(default_cmyk().read_bytes(), N=4)
    pdf.Root.OutputIntents = [pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent, S=pikepdf.Name.GTS_PDFX, OutputConditionIdentifier="CGATS TR 001",
        DestOutputProfile=profile))]
    pdf.docinfo["/GTS_PDFXVersion"] = "PDF/X-4"
    pdf.save(path)
    return path


def _photo(mode: str, size: tuple[int, int]) -> Image.Image:
    return Image.new("RGB", size, "#3a6").convert(mode) if mode == "CMYK" else Image.new("RGB", size, "#3a6")


PREFLIGHT_CASES = [  # name, how the good PDF is spoilt, the line preflight must print, its exit status
    ("good", {}, None, 0),
    ("rgb-picture", {"picture_of": _photo("RGB", (800, 600))}, "page 1: RGB picture", 1),
    ("rgb-colour", {"content": b"1 0 0 rg 20 20 100 100 re f"}, "page 1: RGB colour operators (rg/RG)", 1),
    ("missing-font", {"font": True}, "page 1: font Helvetica is not embedded", 1),
    ("no-bleed", {"bleed_mm": 0}, "page 1: no bleed (no BleedBox)", 1),
    ("thin-bleed", {"bleed_mm": 1}, "page 1: bleed is 1.0 mm, under 3 mm", 1),
    ("72-ppi", {"picture_of": _photo("CMYK", (142, 100))}, "page 1: picture 142×100 px at 72 ppi", 1),
    ("150-ppi", {"picture_of": _photo("CMYK", (295, 200))}, "page 1: warning: picture 295×200 px at 150 ppi", 0),
    ("320-ink", {"content": b"0.8 0.8 0.8 0.8 k 20 20 100 100 re f"}, "page 1: total ink reaches 320%", 1),
    # (the fixture's font is not embedded either: that error sets the exit status)
    ("rich-black-text", {"content": b"0.4 0.3 0.3 1 k", "font": True}, "page 1: warning: text in rich black", 1),
]


@pytest.mark.parametrize("name, spoil, message, status", PREFLIGHT_CASES, ids=[c[0] for c in PREFLIGHT_CASES])
def test_preflight_table(tmp_path, name, spoil, message, status):
    path = _good_pdf(tmp_path / f"{name}.pdf", **spoil)
    result = run_cli(tmp_path, "preflight", str(path))
    lines = result.output.splitlines()
    assert result.exit_code == status, result.output
    if message is None:
        assert lines == [f"{path}: press-ready, ink limit 240%",
                         "  PDF/X-4, output intent 'CGATS TR 001' (CMYK), 1 page"], result.output
        return
    assert any(line.startswith(message) and " — " in line for line in lines), result.output
    assert "Traceback" not in result.output


def test_preflight_refuses_a_raw_weasyprint_pdf_naming_rgb_and_bleed(tmp_path):
    from weasyprint import HTML

    path = tmp_path / "raw.pdf"
    HTML(string="<p style='color: #c00'>An advert from outside</p>").write_pdf(path)
    result = run_cli(tmp_path, "preflight", str(path))
    assert result.exit_code == 1
    assert "not press-ready" in result.output
    assert "page 1: RGB colour operators" in result.output and "page 1: no bleed" in result.output
    assert "document: no PDF/X output intent" in result.output


def test_preflight_of_something_that_is_not_a_pdf(tmp_path):
    (tmp_path / "x.pdf").write_text("hello")
    result = run_cli(tmp_path, "preflight", str(tmp_path / "x.pdf"), "--ink-limit", "300")
    assert result.exit_code == 1 and "document: not a PDF pikepdf can read" in result.output
    missing = run_cli(tmp_path, "preflight", str(tmp_path / "none.pdf"))
    assert missing.exit_code == 1 and "none.pdf: no such file" in missing.output


def test_a_picture_too_small_for_print_is_said_and_stops_the_build_only_when_asked(tmp_path):
    """Preflight's findings on the press PDF are the copy's: a warning at every build, an error with
    --strict or --validate; the other editions are still made."""
    root = small_publication(tmp_path / "pub")
    picture(root / "issues/1112/images/picket.jpg", size=(60, 40))
    plain = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print")
    assert plain.exit_code == 0, plain.output
    assert "-print.pdf: warning: page" in plain.output and "ppi" in plain.output
    for flag in ("--strict", "--validate"):
        result = invoke_at(EPOCH, root, "build", "1112", "--format", "print", "--force", flag)
        assert result.exit_code == 1, (flag, result.output)
        assert ("ppi" in result.output or "dpi" in result.output) and "Traceback" not in result.output


@pytest.mark.parametrize("user", ["secret", ""], ids=["needs-a-password", "owner-password-only"])
def test_preflight_refuses_an_encrypted_pdf(tmp_path, user):
    good = _good_pdf(tmp_path / "good.pdf")
    locked = tmp_path / "locked.pdf"
    subprocess.run(["qpdf", "--encrypt", user, "owner", "256", "--", str(good), str(locked)], check=True)
    result = run_cli(tmp_path, "preflight", str(locked))
    assert result.exit_code == 1, result.output
    assert "document: the PDF is encrypted" in result.output and " — " in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_preflight_findings_are_objects_too(tmp_path):
    findings = preflight(_good_pdf(tmp_path / "a.pdf", bleed_mm=0), ink_limit=300)
    assert [f.level for f in findings] == ["error"] and findings[0].page == 1


# --- [print] settings: located refusals -----------------------------------------------------------


PRINT_CASES = [
    ('output-intent = "profiles/none.icc"', "output-intent 'profiles/none.icc' does not exist"),
    ('output-intent = "profiles/notes.icc"', "output-intent 'profiles/notes.icc' is not an ICC profile"),
    ('output-intent = "profiles/srgb.icc"', "is an ICC RGB profile, not CMYK"),
    ('output-intent = "../press.icc"', "is outside the publication folder"),
    ('output-intent = "profiles/outside.icc"', "leads outside the publication folder"),
    ('output-intent = "profiles/cut.icc"', "output-intent 'profiles/cut.icc' is cut short (20000 of the"),
    ("ink-limit = 20", "ink-limit 20 must be a whole percentage from 100 to 400"),
    ('creep = "thick"', "creep 'thick' is not a length"),
]


@pytest.mark.parametrize("line, message", PRINT_CASES, ids=[c[0].split(" =")[0] + str(i) for i, c in
                                                            enumerate(PRINT_CASES)])
def test_print_settings_refused_with_their_line(tmp_path, line, message):
    root = small_publication(tmp_path / "pub")
    write(root / "profiles/notes.icc", "not a profile")
    (root / "profiles/cut.icc").write_bytes(default_cmyk().read_bytes()[:20000])  # a download cut short
    shutil.copy(SRGB_ICC, root / "profiles/srgb.icc")
    shutil.copy(default_cmyk(), tmp_path / "press.icc")
    (root / "profiles/outside.icc").symlink_to(tmp_path / "press.icc")
    text = (root / "publication.toml").read_text() + f"\n[print]\n{line}\n"
    (root / "publication.toml").write_text(text)
    result = run_cli(root, "check", "1112")
    assert result.exit_code == 1, result.output
    number = text.splitlines().index(line) + 1
    assert f"publication.toml:{number}: " in result.output and message in result.output, result.output
    assert "Traceback" not in result.output


def test_printers_profile_and_condition_are_used(tmp_path):
    from publish.check import load_publication
    from publish.products.press.setup import press_inks

    root = small_publication(tmp_path / "pub")
    shutil.copy(default_cmyk(), root / "press.icc")
    (root / "publication.toml").write_text((root / "publication.toml").read_text() + (
        '\n[print]\noutput-intent = "press.icc"\noutput-condition = "IFRA26"\nink-limit = 240\n'))
    inks = press_inks(load_publication(root)[0])
    assert inks.condition == "IFRA26" and inks.ink_limit == 240 and inks.profile == default_cmyk().read_bytes()
    # greys and text are black ink only; a layout colour uses its press-colours.toml value
    assert inks.colour((0.1, 0.1, 0.1)) == (0, 0, 0, 0.9)
    assert inks.colour((0.784, 0.063, 0.18), text=True) == (0, 0, 0, 1)
    cmyk = inks.colour((0.2, 0.6, 0.3))
    assert sum(cmyk) * 100 <= 240 - 3 + 1 and cmyk[0] > 0.3


def _without_colour_tables(profile: bytes) -> bytes:
    """The profile whole, every tag inside the file, but its colour tables' types gone: littleCMS cannot
    convert to it."""
    damaged = bytearray(profile)
    for i in range(int.from_bytes(damaged[128:132], "big")):
        entry = damaged[132 + 12 * i:144 + 12 * i]
        if entry[:3] in (b"A2B", b"B2A"):
            offset = int.from_bytes(entry[4:8], "big")
            damaged[offset:offset + 4] = bytes(4)
    return bytes(damaged)


def test_a_profile_damaged_past_its_structure_stops_the_build_with_its_line(tmp_path):
    root = small_publication(tmp_path / "pub")
    (root / "profiles").mkdir()
    (root / "profiles/press.icc").write_bytes(_without_colour_tables(default_cmyk().read_bytes()))
    text = (root / "publication.toml").read_text() + '\n[print]\noutput-intent = "profiles/press.icc"\n'
    (root / "publication.toml").write_text(text)
    result = run_cli(root, "build", "1112", "--format", "print")
    assert result.exit_code == 1, result.output
    number = text.splitlines().index('output-intent = "profiles/press.icc"') + 1
    assert (f"publication.toml:{number}: output-intent 'profiles/press.icc' cannot be used by littleCMS "
            "(cannot build transform)") in result.output and "ask the printer for their CMYK" in result.output, \
        result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert not list(root.rglob("*-print.pdf"))


def test_an_installed_default_profile_damaged_inside_is_named(tmp_path, monkeypatch):
    from publish.check import load_publication
    from publish.errors import PublishError
    from publish.products.press import setup

    root = small_publication(tmp_path / "pub")
    (tmp_path / "default.icc").write_bytes(_without_colour_tables(default_cmyk().read_bytes()))
    monkeypatch.setattr(setup, "default_cmyk", lambda: tmp_path / "default.icc")
    with pytest.raises(PublishError) as raised:
        setup.press_inks(load_publication(root)[0])
    assert f"{tmp_path / 'default.icc'}: littleCMS cannot convert to this profile" in raised.value.message


def test_a_pictures_own_profile_that_cannot_be_used_is_taken_as_srgb():
    inks = _inks()
    broken = default_cmyk().read_bytes()[:3000]  # not even a whole profile
    assert inks.transform(broken) is inks.transform()


def test_pictures_go_through_a_table_within_a_few_levels_of_littlecms_and_under_the_limit():
    """Inks.table: the profile's transform and the ink limit at a grid's points, interpolated; against
    littleCMS and the limit on every pixel, over every colour a picture may hold (a 4096-colour sweep,
    saturated and dark corners included), for sRGB, a picture with its own profile, and another limit."""
    import numpy
    from PIL import ImageCms

    from publish.products.press.inks import JPEG_HEADROOM

    steps = numpy.linspace(0, 255, 16).round().astype(numpy.uint8)
    red, green, blue = numpy.meshgrid(steps, steps, steps, indexing="ij")
    sweep = Image.fromarray(numpy.stack([red, green, blue], axis=-1).reshape(64, 64, 3), "RGB")
    own = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for inks, icc in ((_inks(), None), (_inks(), own), (replace(_inks(), ink_limit=300), None)):
        tabled = numpy.asarray(inks.picture(sweep, icc), dtype=numpy.int16)
        exact = numpy.asarray(inks.limit(ImageCms.applyTransform(sweep, inks.transform(icc))), dtype=numpy.int16)
        assert numpy.abs(tabled - exact).max() <= 5 and numpy.abs(tabled - exact).mean() < 0.5
        assert tabled.sum(axis=2).max() <= int((inks.ink_limit - JPEG_HEADROOM) / 100 * 255)
        assert inks.picture(sweep.convert("P"), icc).mode == "CMYK"
    assert _inks().table() is _inks().table()  # built once in a process
    assert _inks().table() is not replace(_inks(), ink_limit=300).table()


def test_blank_pages_are_the_last_resort_with_a_warning(tmp_path):
    root = five_page_paper(tmp_path / "pub")
    # a layout whose house advert runs over two pages: the gap is filled with blank pages instead
    write(root / "layouts/default/pdf/filler.html",
          '{% extends "base.html" %}{% block head %}{% include "pdf/head.html" %}{% endblock %}'
          '{% block body %}{% for a in adverts %}<section>{% for i in range(120) %}<p>{{ a.title if a else "" }}</p>'
          '{% endfor %}</section>{% endfor %}{% endblock %}\n')
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print")
    assert result.exit_code == 0, result.output
    with pikepdf.open(root / "dist/1112/weekly-worker-1112.pdf") as pdf:
        screen = len(pdf.pages)
    added = -screen % 4
    assert added, f"the paper's {screen} pages need no filler: make five_page_paper longer"
    press = root / "dist/1112/weekly-worker-1112-print.pdf"
    with pikepdf.open(press) as pdf:
        pages = len(pdf.pages)
    assert pages == screen + added
    assert f"the press PDF has {added} blank page(s) added to make its page count a multiple of 4" in result.output
    last = subprocess.run(["pdftotext", "-f", str(pages), "-l", str(pages), str(press), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert not last.strip()

# --- the separation's and the preflight's pictures, in threads and inline -----------------------------


def _rgb_pictures_pdf() -> bytes:
    """An RGB page showing two JPEGs (one of them twice, through a form) and an uncompressed picture."""
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(400, 400))

    def jpeg(colour: str, size: tuple[int, int]):
        data = io.BytesIO()
        Image.new("RGB", size, colour).save(data, "JPEG", quality=95)
        return pdf.make_indirect(pikepdf.Stream(pdf, data.getvalue(), Type=pikepdf.Name.XObject,
                                                Subtype=pikepdf.Name.Image, Width=size[0], Height=size[1],
                                                BitsPerComponent=8, ColorSpace=pikepdf.Name.DeviceRGB,
                                                Filter=pikepdf.Name.DCTDecode))

    deep, pale = jpeg("#102a80", (300, 200)), jpeg("#e8d070", (120, 90))
    raw = pdf.make_indirect(pikepdf.Stream(pdf, Image.new("RGB", (40, 30), "#c8102e").tobytes(),
                                           Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=40,
                                           Height=30, BitsPerComponent=8, ColorSpace=pikepdf.Name.DeviceRGB))
    form = pdf.make_stream(b"q 50 0 0 50 0 0 cm /Deep Do Q", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                           BBox=[0, 0, 100, 100], Resources=pikepdf.Dictionary(
                               XObject=pikepdf.Dictionary(Deep=deep)))
    page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Deep=deep, Pale=pale, Raw=raw, Form=form))
    page.obj.Contents = pdf.make_stream(b"1 0 0 rg 0 0 10 10 re f q 200 0 0 100 0 0 cm /Deep Do Q "
                                        b"q 100 0 0 75 0 200 cm /Pale Do Q q 40 0 0 30 300 300 cm /Raw Do Q "
                                        b"q 1 0 0 1 200 200 cm /Form Do Q")
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def _inks():
    from publish.products.press.inks import Inks

    return Inks(profile=default_cmyk().read_bytes(), condition="test", description="test")


def test_pictures_converted_in_other_processes_are_the_ones_converted_here(monkeypatch):
    import contextlib
    import os

    from publish import forkpool
    from publish.products.press import separate

    data = _rgb_pictures_pdf()
    monkeypatch.setattr(forkpool, "can_begin", lambda: True)
    parent, real, here = os.getpid(), separate._converted, []

    def counted(*args):  # the conversions made here, not in the forked processes (whose lists are their own)
        if os.getpid() == parent:
            here.append(args[3])
        return real(*args)

    monkeypatch.setattr(separate, "_converted", counted)
    elsewhere = separate.separate(data, _inks(), intent=True)[0]
    assert here == [False]  # the JPEGs were converted elsewhere; the raw picture where the walk found it
    monkeypatch.setattr(separate, "_converting", lambda pdf, inks: contextlib.nullcontext(set()))
    # each picture converted where the walk finds it
    assert separate.separate(data, _inks(), intent=True)[0] == elsewhere
    with pikepdf.open(io.BytesIO(elsewhere)) as pdf:
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(images) == 3
        assert all(o.ColorSpace == pikepdf.Name.DeviceCMYK for o in images)


def test_a_conversion_process_that_dies_leaves_its_pictures_to_this_one(monkeypatch):
    import os

    from publish import forkpool
    from publish.products.press import separate

    data = _rgb_pictures_pdf()
    expected = separate.separate(data, _inks(), intent=True)[0]
    parent, real = os.getpid(), separate._converted

    def dies_elsewhere(*args):
        if os.getpid() != parent:
            os._exit(3)
        return real(*args)

    monkeypatch.setattr(forkpool, "can_begin", lambda: True)
    monkeypatch.setattr(separate, "_converted", dies_elsewhere)
    assert separate.separate(data, _inks(), intent=True)[0] == expected


def test_a_conversion_failing_here_fails_the_separation(monkeypatch):
    from publish import forkpool
    from publish.products.press import separate

    def broken(picture, inks, icc, as_jpeg):
        raise OSError("the converter broke")

    monkeypatch.setattr(forkpool, "can_begin", lambda: False)
    monkeypatch.setattr(separate, "_converted", broken)
    with pytest.raises(OSError, match="the converter broke"):
        separate.separate(_rgb_pictures_pdf(), _inks(), intent=True)


def test_picture_ink_is_measured_alike_in_threads_and_where_the_walk_finds_it(tmp_path, monkeypatch):
    from publish.products.press import preflight as preflight_module

    heavy = _good_pdf(tmp_path / "heavy.pdf", picture_of=Image.new("CMYK", (600, 400), (230, 230, 230, 230)),
                      picture_mm=60)
    ahead = [str(f) for f in preflight(heavy)]
    assert any("total ink reaches 361%, over the limit of 240%" in f for f in ahead), ahead
    monkeypatch.setattr(preflight_module, "measure_ink_ahead", lambda pdf, pictures, pool, memo=None: None)
    assert [str(f) for f in preflight(heavy)] == ahead
    light = _good_pdf(tmp_path / "light.pdf", picture_of=_photo("CMYK", (600, 400)), picture_mm=60)
    assert not any("total ink" in str(f) for f in preflight(light))


def test_picture_ink_ahead_holds_no_more_than_its_budget(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    from publish.products.press.preflight_parts import measure_ink_ahead

    path = _good_pdf(tmp_path / "one.pdf", picture_of=_photo("CMYK", (600, 400)))
    with pikepdf.open(path) as pdf, ThreadPoolExecutor(1) as pool:
        pictures: dict = {}
        measure_ink_ahead(pdf, pictures, pool, budget=10)
        assert pictures == {}  # over the budget: measured where the walk finds it
        measure_ink_ahead(pdf, pictures, pool)
        assert len(pictures) == 1 and next(iter(pictures.values())).result() < 240


def test_the_ink_memo_measures_a_picture_once_and_is_renewed_by_force(tmp_path):
    import json

    from publish.products.press.preflight_parts import PreflightMemo

    heavy = _good_pdf(tmp_path / "heavy.pdf", picture_of=Image.new("CMYK", (600, 400), (230, 230, 230, 230)),
                      picture_mm=60)
    kept = tmp_path / "cache/ink.json"
    memo = PreflightMemo(kept)
    first = [str(f) for f in preflight(heavy, memo=memo)]
    memo.save()
    assert first == [str(f) for f in preflight(heavy)]
    saved = json.loads(kept.read_text())
    assert saved["version"] == PreflightMemo.version() and list(saved["inks"].values()) == [pytest.approx(360.78, 0.01)]
    # the kept figure is what the next preflight uses for the same bytes: a false one shows it
    saved["inks"] = dict.fromkeys(saved["inks"], 100.0)
    kept.write_text(json.dumps({**saved, "pages": {}}))  # the page walked again, with the kept figure
    assert not any("total ink" in str(f) for f in preflight(heavy, memo=PreflightMemo(kept)))
    assert any("total ink reaches 361%" in str(f) for f in preflight(heavy, memo=PreflightMemo(kept, fresh=True)))
    spoilt_files = ("{not json", json.dumps({**saved, "version": "0 4"}), "[]", '"inks"', json.dumps({**saved, "inks": []}),
                    json.dumps({**saved, "inks": dict.fromkeys(saved["inks"])}))  # damaged, another measure's, odd
    for spoilt in spoilt_files:
        kept.write_text(spoilt)
        assert any("total ink reaches 361%" in str(f) for f in preflight(heavy, memo=PreflightMemo(kept)))


def test_the_preflight_memo_walks_again_only_pages_that_draw_something_new(tmp_path):
    import json

    from publish.products.press.preflight_parts import PreflightMemo, page_digest

    good = _good_pdf(tmp_path / "good.pdf")
    kept = tmp_path / "cache/ink.json"
    memo = PreflightMemo(kept)
    assert not preflight(good, memo=memo)
    memo.save()
    saved = json.loads(kept.read_text())
    [digest] = saved["pages"]
    saved["pages"][digest] = [["warning", "a finding only the memo knows", "none"]]
    kept.write_text(json.dumps(saved))
    # the same page is not walked again: what the memo says of it is what the preflight says
    assert [f.what for f in preflight(good, memo=PreflightMemo(kept))] == ["a finding only the memo knows"]
    assert not preflight(good, memo=PreflightMemo(kept, fresh=True))  # --force walks every page
    rgb = _good_pdf(tmp_path / "rgb.pdf", content=b"1 0 0 rg 20 20 100 100 re f")
    found = [f.what for f in preflight(rgb, memo=PreflightMemo(kept))]
    assert "RGB colour operators (rg/RG)" in found and "a finding only the memo knows" not in found
    # a page is known by what it draws, not by its objects' numbers, which another build gives otherwise
    renumbered = tmp_path / "renumbered.pdf"
    with pikepdf.open(good) as pdf, pikepdf.new() as other:
        for number in range(7):  # objects made first: the page's own come with other numbers
            other.Root[f"/Filler{number}"] = other.make_indirect(pikepdf.Dictionary(N=number))
        other.pages.append(pdf.pages[0])
        other.save(renumbered)
    with pikepdf.open(good) as first, pikepdf.open(renumbered) as second:
        assert first.pages[0].obj.Contents.objgen != second.pages[0].obj.Contents.objgen
        assert page_digest(first.pages[0], 240, {}) == page_digest(second.pages[0], 240, {})
        assert page_digest(first.pages[0], 240, {}) != page_digest(first.pages[0], 300, {})
    spoilt = {**saved, "pages": {digest: [["fatal", "x", "y"]]}}  # not a finding: walked again
    kept.write_text(json.dumps(spoilt))
    assert not preflight(good, memo=PreflightMemo(kept))


def test_an_inline_image_does_not_hide_what_the_page_draws_after_it(tmp_path):
    path = _good_pdf(tmp_path / "inline.pdf", content=b"0 0 0 1 k 20 20 100 100 re f\n"
                     b"q 100 0 0 100 50 50 cm BI /W 2 /H 1 /BPC 8 /CS /RGB ID \xff\x00\x00\x00\xff\x00 EI Q\n"
                     b"1 0 0 rg 10 10 5 5 re f")
    found = [str(f) for f in preflight(path)]
    assert any("RGB picture" in f for f in found), found
    assert any("RGB colour operators (rg/RG)" in f for f in found), found
