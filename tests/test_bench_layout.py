"""bench.layout on PDFs made here with WeasyPrint: fill per page, the running head and folio bands, jump lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import layout
from bench.harness import discover_rows

WORDS = ("the union branch voted to strike over pay and the closure of the depot while the council "
         "cut services again and again ").split()
TEXT = " ".join(WORDS[i % len(WORDS)] for i in range(900))
MM = 30 / 25.4  # pixels per millimetre at 30 dpi

CSS = """
@page { size: A4; margin: 20mm 15mm;
  @top-left { content: "THE TEST PAPER"; font: bold 9pt sans-serif; }
  @top-center { content: "3 March 2021"; font: 9pt sans-serif; }
  @top-right { content: "NEWS"; font: bold 9pt sans-serif; }
  @bottom-right { content: counter(page); font: 9pt sans-serif; } }
@page :first { @top-left { content: none; } @top-center { content: none; } @top-right { content: none; }
  @bottom-right { content: none; } }
body { margin: 0; font: 9pt/1.2 serif; }
.page { break-before: page; }
.cols { display: flex; gap: 5mm; }
.cols div { flex: 1; overflow: hidden; text-align: justify; }
.full div { height: 250mm; }
.third div { height: 84mm; }
.band { background: #c00; height: 60mm; }
"""


def _cols(kind: str) -> str:
    return f'<div class="cols {kind}">' + f"<div>{TEXT}</div>" * 3 + "</div>"


@pytest.fixture(scope="module")
def pdf(tmp_path_factory) -> Path:
    """Page 1 a front page (a red band, a jump line linked to page 5), 2 and 4 full, 3 a third full, 5 one line."""
    from weasyprint import HTML

    html = (f"<style>{CSS}</style>"
            '<div class="band"></div><p><a href="#rest">Continued on page 5</a></p>'
            f'<div class="page">{_cols("full")}</div>'
            f'<div class="page">{_cols("third")}</div>'
            f'<div class="page">{_cols("full")}</div>'
            '<div class="page" id="rest"><p>Continued from page 1</p></div>')
    out = tmp_path_factory.mktemp("layout") / "paper.pdf"
    HTML(string=html).write_pdf(out)
    return out


@pytest.fixture(scope="module")
def report(pdf) -> layout.LayoutReport:
    return layout.page_fill(pdf)


def test_fill_per_page(report):
    assert report.pages == 5
    front, full, third, full_again, last = report.fills
    assert full >= 0.85 and full_again >= 0.85
    assert 0.28 <= third <= 0.42, third  # 84 of 250 mm
    # the red band is ink: 60 of 250 mm over the three columns, and the jump line's cell or two
    assert 0.22 <= front <= 0.36, front
    assert report.front == front and report.median == third
    assert report.under == [1, 3]  # the last page is not judged


def test_bands_are_the_running_head_and_folio(pdf, report):
    masks = layout.rasterise(pdf)
    head, folio = report.head, report.folio
    assert head and folio
    assert head[1] < 20 * MM < report.type_area[1] + 1  # in the top margin; the type area starts below
    assert folio[0] > (297 - 20) * MM > report.type_area[3]
    # page 5 carries the running head and the folio, yet only its one line counts
    assert masks[4][head[0]:head[1] + 1].any() and masks[4][folio[0]:folio[1] + 1].any()
    assert report.fills[4] <= 2 / 90
    assert not masks[0][head[0]:head[1] + 1].any()  # the front page has no running head


def test_jump_lines_and_their_links(report):
    found = [(j.page, j.direction, j.to, j.linked) for j in report.jumps]
    assert found == [(1, "on", 5, True), (5, "from", 1, False)]
    assert report.jumps[0].target == 5
    assert "1 'continued on', 1 'continued from'" in report.summary()


def test_cli_and_bench_row(pdf, capsys, tmp_path):
    assert layout.main([str(pdf), "--json", str(tmp_path / "fill.json")]) == 0
    out = capsys.readouterr().out
    assert "5 pages" in out and "2 of 4 pages under 0.85" in out
    assert '"under_goal": [\n      1,\n      3\n    ]' in (tmp_path / "fill.json").read_text()
    assert layout.main([str(tmp_path / "missing.pdf")]) == 1
    assert "missing.pdf: pdftoppm cannot render it" in capsys.readouterr().err
    row = {r.name: r for r in discover_rows()}["layout"]
    assert row.report is not None and row.baseline is None
