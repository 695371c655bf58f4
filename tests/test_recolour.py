"""The press's recolouring of content streams (press.recolour): line by line where WeasyPrint wrote the stream,
through pikepdf's parser otherwise, the same instructions either way."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from publish.icc import default_cmyk
from publish.products.press import recolour
from publish.products.press.inks import Inks
from publish.products.print_layout.fetch import isolated_fonts

REPO = Path(__file__).resolve().parents[1]

PAGE = """<style>@page { size: 120mm 160mm; margin: 8mm } body { font: 9pt/1.3 'Noto Serif' }
.kicker { color: #c8102e; text-transform: uppercase } .grey { color: #666 } hr { border: 0; border-top: 1px solid #999 }
.box { background: #e8f0ff; border: 2px solid rgb(20, 90, 160); padding: 2mm; color: rgb(10, 60, 30) }
.fade { height: 8mm; background: linear-gradient(to right, #fff, #1a5fb4) } .dash { border: 1pt dashed #c8102e }
</style><p class=kicker>Strike news</p><h1>The depot walks out</h1><p class=grey>By a correspondent</p><hr>
<div class=box><p>Members voted by a large margin to <b>strike</b> and to <i>picket</i> the gates.</p></div>
<div class=fade></div><p class=dash>""" + "The branch met before dawn and agreed to ballot every depot. " * 40


def _inks() -> Inks:
    return Inks(profile=default_cmyk().read_bytes(), condition="test", description="test",
                layout_colours={"#c8102e": (0.0, 1.0, 0.85, 0.05)})


@pytest.fixture(scope="module")
def weasyprint_pdf() -> bytes:
    with isolated_fonts(REPO) as fonts:
        return HTML(string=PAGE).write_pdf(font_config=fonts)


def _holders(pdf):
    """Every page and form of `pdf`, with its content stream and resources."""
    for page in pdf.pages:
        page.contents_coalesce()
        found = [(page.obj, page.obj.Contents)]
        for item in page.obj.get("/Resources", pikepdf.Dictionary()).get("/XObject", pikepdf.Dictionary()).values():
            if item.get("/Subtype") == "/Form":
                found.append((item, item))
        for holder, stream in found:
            yield holder, stream, holder.get("/Resources", pikepdf.Dictionary())


def _instructions(pdf, data: bytes) -> list:
    values = []
    for instruction in pikepdf.parse_content_stream(pikepdf.Stream(pdf, data)):
        values.append((str(instruction.operator), [round(float(v), 4) if isinstance(v, (int, float, Decimal))
                                                   else str(v) for v in instruction.operands]))
    return values


def test_weasyprints_streams_are_recoloured_line_by_line_into_the_same_instructions(weasyprint_pdf):
    pdf = pikepdf.open(io.BytesIO(weasyprint_pdf))
    seen = 0
    for holder, stream, resources in _holders(pdf):
        by_lines = recolour._by_lines(stream.read_bytes(), _inks(), resources)
        assert by_lines is not None, "a stream WeasyPrint wrote went the slow way"
        by_instructions = recolour._by_instructions(holder, _inks(), resources)
        ours, pikepdfs = _instructions(pdf, by_lines), _instructions(pdf, by_instructions)
        assert ours == pikepdfs
        operators = {op for op, _ in ours}
        assert not operators & {"rg", "RG", "g", "G"}, "an RGB or grey colour was left"
        seen += len(ours)
    assert seen > 500


@pytest.mark.parametrize("stream", [
    b"q 1 0 0 1 0 0 cm\n0.5 0.2 0.1 rg\n0 0 10 10 re\nf\nQ\n",  # two instructions on a line
    b"BT\n/F1 9 Tf\n(Strike) Tj\nET\n",  # a literal string
    b"BT\n/F1 9 Tf\n[<0012>]TJ\n0.2 g\nET\n",  # a text operator straight after its array
    b"% a comment\n0.5 g\n",
    b"q\r\n0.5 g\r\nQ\r\n",
    b"0.5 0.5 rg\n0 0 5 5 re\nf\n",  # an operand missing
    b"0.5 nan 0.1 rg\n",  # a number PDF does not write
    b"q\nBI /W 1 /H 1 /CS /RGB /BPC 8 ID \xff\x00\x00 EI\nQ\n",  # an inline picture
], ids=["two on a line", "literal string", "operator after array", "comment", "carriage returns",
        "operand missing", "not a PDF number", "inline picture"])
def test_what_is_not_one_instruction_a_line_goes_through_pikepdf(stream):
    pdf = pikepdf.new()
    page = pdf.add_blank_page(page_size=(100, 100))
    page.obj.Contents = pdf.make_stream(stream)
    resources = pikepdf.Dictionary()
    assert recolour._by_lines(stream, _inks(), resources) is None
    if stream.startswith((b"0.5 0.5 rg", b"0.5 nan")):
        return  # what pikepdf makes of a colour it cannot read is pikepdf's to say
    assert recolour.recoloured(page.obj, page.obj.Contents, _inks(), resources) == \
        recolour._by_instructions(page.obj, _inks(), resources)


def test_a_line_by_line_stream_keeps_every_line_it_does_not_recolour():
    stream = b"q\n1 0 0 -1 0 100 cm\n0.4 0.4 0.4 RG\n2 w\n0 0 m\n10 10 l\nS\nBT\n/F1 9 Tf\n[<0012>3<0013>] TJ\nET\nQ\n"
    out = recolour._by_lines(stream, _inks(), pikepdf.Dictionary())
    assert out is not None
    kept = [line for line in stream.split(b"\n") if not line.endswith((b" RG",))]
    assert [line for line in out.split(b"\n") if not line.endswith((b" K", b" k"))] == kept
    assert b"0 0 0 0.6 K" in out  # a grey rule: black ink only
