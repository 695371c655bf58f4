"""An Issue → `<slug>-<n>-booklet.pdf`: the download edition's pages imposed for saddle-stitch, with pypdf.

Each sheet side is twice the page width (A4 pages on A3 landscape) and holds two
pages in booklet order: printed on both sides, folded and stapled, the sheets read
1, 2, 3 … Blank pages make the count a multiple of 4. With [print] creep, pages
of the inner sheets move towards the fold by the paper's thickness per sheet, so
that a thick booklet's outer edges still line up once trimmed.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, RectangleObject

from publish.atomic import write_bytes
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.print_layout.edition import edition
from publish.products.print_layout.html import length_mm
from publish.products.print_layout.pypdf_adapter import set_document_id

PT_PER_MM = 72 / 25.4


def booklet_order(pages: int) -> list[tuple[int, int]]:
    """(left, right) page numbers of each sheet side, 1-based, front then back of each sheet; 0 is a blank."""
    total = -(-pages // 4) * 4
    sides = []
    for sheet in range(total // 4):
        outer_left, outer_right = total - 2 * sheet, 2 * sheet + 1
        inner_left, inner_right = 2 * sheet + 2, total - 2 * sheet - 1
        sides += [(outer_left, outer_right), (inner_left, inner_right)]
    return [(left if left <= pages else 0, right if right <= pages else 0) for left, right in sides]


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    """The booklet, imposed from this run's download PDF (or the print layout's, made now)."""
    made = context.outputs.get("pdf")
    source = made[0].read_bytes() if made else edition(issue, context, "screen").pdfs["screen"]
    creep_pt = length_mm(issue.publication.print.creep) * PT_PER_MM
    return [write_bytes(out / f"{issue.name}-booklet.pdf", impose(source, creep_pt))]


def impose(pdf: bytes, creep_pt: float = 0.0) -> bytes:
    """Saddle-stitch imposition of `pdf`'s pages: two to a side, sides twice the page width."""
    reader = PdfReader(io.BytesIO(pdf))
    first = reader.pages[0]
    width, height = float(first.mediabox.width), float(first.mediabox.height)
    writer = PdfWriter()
    for index, (left, right) in enumerate(booklet_order(len(reader.pages))):
        push = creep_pt * (index // 2)  # the n-th sheet from the outside sits n thicknesses further out
        side = PageObject.create_blank_page(width=2 * width, height=height)
        for slot, number in enumerate((left, right)):
            if number:
                page = reader.pages[number - 1]
                x0, y0 = float(page.mediabox.left), float(page.mediabox.bottom)
                dx = slot * width + (push if slot == 0 else -push) - x0
                side.merge_transformed_page(page, Transformation().translate(dx, -y0), over=True, expand=False)
        side.pop("/Annots", None)  # links point into the download PDF's page order, not the sheets'
        side[NameObject("/TrimBox")] = RectangleObject((0, 0, 2 * width, height))
        writer.add_page(side)
    info = reader.metadata or {}
    writer.add_metadata({key: info[key] for key in ("/Title", "/Author", "/CreationDate", "/ModDate") if key in info})
    set_document_id(writer, hashlib.md5(b"booklet\0" + pdf + f"{creep_pt:.3f}".encode()).digest())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def validate_booklet(files: list[Path], context: Context) -> list[str]:
    """As many sheet sides as booklet order gives, each twice as wide as the download PDF's pages."""
    made = context.outputs.get("pdf")
    if not made:
        return ["skipped: the download PDF is not among this build's files, so there is nothing to compare with"]
    source = PdfReader(made[0])
    wanted = (2 * float(source.pages[0].mediabox.width), float(source.pages[0].mediabox.height))
    messages = []
    for path in files:
        sides = PdfReader(path).pages
        if len(sides) != len(booklet_order(len(source.pages))):
            messages.append(f"error: {len(sides)} sheet sides for {len(source.pages)} pages, "
                            f"not {len(booklet_order(len(source.pages)))}")
        elif any(abs(float(s.mediabox.width) - wanted[0]) > 0.5 or abs(float(s.mediabox.height) - wanted[1]) > 0.5
                 for s in sides):
            messages.append("error: a sheet side is not twice the page width")
        else:
            messages.append(f"ok: {len(sides)} sheet sides, two pages each, in saddle-stitch order")
    return messages
