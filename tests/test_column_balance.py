"""The column-balancing search (weasy_columns.search_column_heights) against WeasyPrint's own, on real layouts.

Each case is laid out twice in this process, with WeasyPrint's loop and with the search: the search
must set the same words on the pages, in columns at most a line taller than WeasyPrint's own, in
fewer tries. A try is a column box laid out, counted at WeasyPrint's block layout.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.layout import block

from publish.products.print_layout import weasy_columns
from publish.products.print_layout.fetch import isolated_fonts

REPO = Path(__file__).resolve().parents[1]

WORDS = ("the members voted to strike over pay and the council offered less than inflation again so the "
         "branch met on the picket line before dawn and agreed to ballot every depot in the city ").split()
PAGE = "<style>@page { size: 210mm 297mm; margin: 15mm } body { font: 10pt/1.4 'Noto Serif'; margin: 0 }" \
       " .body { columns: 3; column-gap: 5mm } p { margin: 0 0 2mm 0; orphans: 2; widows: 2 }" \
       " .box { break-inside: avoid; background: #eee; padding: 2mm; margin: 2mm 0 }" \
       " h2 { break-after: avoid; font-size: 12pt; margin: 3mm 0 1mm 0 }" \
       " .wide { column-span: all; height: 40mm; background: #ccc }</style>"


LINE = 10 * 1.4 * 96 / 72  # px: 10pt type on a 1.4 line


def _text(words: int, seed: int) -> str:
    return " ".join(WORDS[(seed * 7 + i) % len(WORDS)] for i in range(words))


CASES = {
    "plain text ending mid-page": "".join(f"<p>{_text(60 + i * 9, i)}</p>" for i in range(9)),
    "a tall box that may not break at the end":
        "".join(f"<p>{_text(50, i)}</p>" for i in range(6))
        + "<div class='box'>" + "".join(f"<p>{_text(40, i)}</p>" for i in range(7)) + "</div>",
    "subheadings kept with their text": "".join(f"<h2>Part {i}</h2><p>{_text(70, i)}</p>" for i in range(8)),
    "a spanning block between two runs": "".join(f"<p>{_text(45, i)}</p>" for i in range(5))
        + "<div class='wide'></div>" + "".join(f"<p>{_text(45, i + 5)}</p>" for i in range(5)),
    "a run over a page, ending on the next": "".join(f"<p>{_text(120, i)}</p>" for i in range(22)),
}


def _layout(body: str, searched: bool, monkeypatch, probes: dict | None = None) -> tuple[list[str], list[float], int]:
    """(words per page, the columns' heights on the last page, column boxes laid out); `probes["n"]` counts
    the column boxes laid out to no bottom (WeasyPrint's look at the next box's height)."""
    assert weasy_columns.search_column_heights()
    patched = block.columns_layout
    with monkeypatch.context() as m:
        if not searched:
            m.setattr(block, "columns_layout", patched.upstream)
        tries = {"n": 0}
        probes = {"n": 0} if probes is None else probes
        original = block.block_box_layout

        def counting(context, box, *args, **kwargs):
            if getattr(box, "is_column", False):
                tries["n"] += 1
                probes["n"] += args[0] == math.inf  # bottom_space
            return original(context, box, *args, **kwargs)

        m.setattr(block, "block_box_layout", counting)
        # the paper's fonts, as every layout of publish sees them (a process's first layout fixes some of
        # fontconfig's choices for the layouts after it)
        with isolated_fonts(REPO) as fonts:
            document = HTML(string=f"{PAGE}<div class='body'>{body}</div>").render(font_config=fonts)
    pages = [" ".join(t.text for t in page._page_box.descendants() if isinstance(t, boxes.TextBox))
             for page in document.pages]
    last = document.pages[-1]._page_box
    heights = [b.height for b in last.descendants() if isinstance(b, boxes.BlockBox) and b.is_column]
    return pages, heights, tries["n"]


def test_the_search_is_installed_on_this_weasyprint():
    from importlib.metadata import version

    assert weasy_columns.search_column_heights(), (
        f"weasyprint {version('weasyprint')}: the column-balancing loop in weasyprint/layout/column.py has "
        "changed — update publish/products/print_layout/weasy_columns.py (and the bound in pyproject.toml)")


@pytest.mark.parametrize("case", CASES)
def test_the_search_sets_the_same_words_in_columns_a_line_at_most_taller_in_fewer_tries(case, monkeypatch):
    words, heights, tries = _layout(CASES[case], True, monkeypatch)
    up_words, up_heights, up_tries = _layout(CASES[case], False, monkeypatch)
    assert " ".join(words).split() == " ".join(up_words).split(), "the search lost or repeated words"
    assert len(words) == len(up_words)
    assert max(heights) <= max(up_heights) + LINE, (heights, up_heights)
    assert tries <= up_tries, (tries, up_tries)


def test_a_tall_unbreakable_box_costs_a_few_tries_not_one_per_pixel(monkeypatch):
    _, heights, tries = _layout(CASES["a tall box that may not break at the end"], True, monkeypatch)
    _, _, up_tries = _layout(CASES["a tall box that may not break at the end"], False, monkeypatch)
    assert tries * 4 < up_tries, (tries, up_tries)


def test_the_search_does_not_lay_out_the_rest_of_the_columns_to_measure_the_next_box(monkeypatch):
    # WeasyPrint lays everything after each column out again, to no bottom, for the height of the box that
    # would open the next one: the search steps by a line instead, so after the first layout it never asks
    for case in ("plain text ending mid-page", "subheadings kept with their text"):
        ours, upstream = {"n": 0}, {"n": 0}
        words, _, _ = _layout(CASES[case], True, monkeypatch, ours)
        up_words, _, _ = _layout(CASES[case], False, monkeypatch, upstream)
        assert " ".join(words).split() == " ".join(up_words).split(), case
        assert ours["n"] <= 2 < upstream["n"], (case, ours, upstream)  # the first layout's own: columns 1 and 2


def test_balance_step_always_ends_on_a_height_that_fitted():
    # a fit that comes and goes with the height (orphans, floats) and a column with no bottom (a flex item)
    for max_height in (900.0, math.inf):
        for fits_at in (lambda h: h >= 400, lambda h: h >= 400 and int(h) % 3 != 0, lambda h: True):
            search: dict = {"line": 15.0}
            height, tried, found = 100.0, [], False
            for _ in range(weasy_columns.MAX_TRIES + 5):
                tried.append((height, fits_at(height)))
                height, found = weasy_columns.balance_step(search, height, fits_at(height), math.inf, max_height)
                if found:
                    break
            assert found, tried
            assert height == max_height or any(h == height and ok for h, ok in tried), (height, tried)


def _boxes(body: str, reuse: bool, monkeypatch, reused: list, before: str = "") -> list[tuple]:
    """Every box of the layout: (page, kind, x, y, width, height, text). `reused` gets, for each column set's
    last layout: (whether the earlier layout was moved into place, laid out as on an empty page, the page is
    empty)."""
    assert weasy_columns.search_column_heights()
    namespace = block.columns_layout.__globals__  # the patched loop's own names
    real = namespace["_reused_columns"]

    def counting(search, context, box, height, bottom_space, top, page_is_empty, *rest):
        laid = search.get("laid")
        found = real(search, context, box, height, bottom_space, top, page_is_empty, *rest) if reuse else None
        reused.append((found is not None, laid.as_if_empty if laid else None, page_is_empty))
        return found

    with monkeypatch.context() as m:
        m.setitem(namespace, "_reused_columns", counting)
        with isolated_fonts(REPO) as fonts:
            document = HTML(string=f"{PAGE}{before}<div class='body'>{body}</div>").render(font_config=fonts)
    return [(i, type(b).__name__, round(b.position_x, 3), round(b.position_y, 3), round(b.width, 3),
             round(b.height, 3), getattr(b, "text", ""))
            for i, page in enumerate(document.pages) for b in page._page_box.descendants()]


LISTS = "".join(f"<p>{_text(80, i)}</p><ul>" + "".join(f"<li>{_text(12, i + j)}</li>" for j in range(4)) + "</ul>"
                for i in range(9))


def test_columns_moved_into_place_from_the_last_layout_are_those_laid_out_again(monkeypatch):
    # the search's last try, or the first layout of columns that run on over the page, when it is at the
    # height kept, is not laid out once more: on an empty page or below something, with list markers
    # (positioned boxes, handed on) and subheadings opening columns
    cases = {**CASES, "lists": LISTS, "a subheading opening the columns of the next page":
             "".join(f"<p>{_text(120, i)}</p>" for i in range(14))
             + "".join(f"<h2>Part {i}</h2><p>{_text(60, i)}</p>" for i in range(6))}
    seen = []
    for case, body in cases.items():
        for before in ("", "<div style='height: 120mm'></div>"):
            reused: list = []
            assert _boxes(body, True, monkeypatch, reused, before) == _boxes(body, False, monkeypatch, [], before), \
                (case, before)
            seen += reused
    assert {(True, False, False), (True, False, True), (True, True, True), (True, True, False)} <= set(seen), seen
    assert any(not moved for moved, *_ in seen), seen  # and some are laid out again
    # columns pushed whole onto a new page, opening with a subheading: the try kept its top margin, which a
    # layout on an empty page may drop (CSS's margin-break), so the try is not taken for it
    body = "<blockquote><h2>Part 0</h2>" + "".join(f"<p>{_text(50, i)}</p>" for i in range(3)) + "</blockquote>" + \
        "".join(f"<h2>Part {i}</h2><p>{_text(50, i)}</p>" for i in range(5))
    spacer = "<div style='height: 264mm'></div>"
    reused = []
    assert _boxes(body, True, monkeypatch, reused, spacer) == _boxes(body, False, monkeypatch, [], spacer)
    assert reused and not any(moved for moved, *_ in reused), reused
