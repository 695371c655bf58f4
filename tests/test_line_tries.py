"""WeasyPrint's line breaking without the retries that cannot fit (weasy_lines.fewer_line_tries), against its own.

Each case is laid out twice in this process, with WeasyPrint's `split_first_line` and with ours: every
line must hold the same text at the same place and width, and ours must make fewer Pango layouts where
the columns are narrow and hyphenated.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from weasyprint import HTML
from weasyprint.formatting_structure import boxes
from weasyprint.layout import inline, preferred
from weasyprint.text import line_break

from publish.products.print_layout import weasy_lines
from publish.products.print_layout.fetch import isolated_fonts

REPO = Path(__file__).resolve().parents[1]

PAGE = ("<style>@page { size: 210mm 297mm; margin: 12mm } body { font: 9pt/1.3 'Noto Serif'; margin: 0 }"
        " .body { columns: 3; column-gap: 4mm; text-align: justify; hyphens: auto;"
        " hyphenate-limit-chars: 6 3 3 } p { margin: 0 0 1mm 0; text-indent: 3mm }</style>")

ENGLISH = ("The negotiating committee recommended acceptance, but the membership overwhelmingly rejected the "
           "employers' unsatisfactory counterproposal; extraordinary meetings in Middlesbrough, Wolverhampton "
           "and Huddersfield demanded internationally comparable remuneration, notwithstanding the "
           "administration's characteristically uncompromising intransigence. ")
CASES = {
    "narrow justified English": f"<div lang='en'>{''.join(f'<p>{ENGLISH * (1 + i % 3)}</p>' for i in range(8))}</div>",
    "long German compounds": "<div lang='de'><p>" + "Die Gewerkschaftsversammlung beschloss "
        "Arbeitsniederlegungen gegen Tarifvertragsverletzungen und Lohnfortzahlungsverweigerung der "
        "Unternehmensleitung. " * 20 + "</p></div>",
    "soft hyphens, no dictionary": "<div lang='en' style='hyphens: manual'><p>" + "The ne\xadgo\xadti\xada\xadtions "
        "con\xadtin\xadued through\xadout the ex\xadtra\xador\xaddi\xadnary week\xadend. " * 25 + "</p></div>",
    "ligatures at the hyphen": "<div lang='en'><p>" + "Officially affiliated staff efficiently offered "
        "sufficient traffic stuffing affidavits. " * 30 + "</p></div>",
    "right to left, with English": "<div lang='ar' dir='rtl'><p>" + "أعلنت النقابة الإضراب العام في مصانع "
        "Sheffield والموانئ يوم الاثنين بعد فشل المفاوضات. " * 25 + "</p></div>",
    "Chinese and Japanese": "<div lang='zh'><p>" + "工会宣布全国罢工，要求提高工资并改善工作条件。" * 40
        + "</p><p lang='ja'>" + "組合は賃上げを求めてストライキを行った。" * 40 + "</p></div>",
    "spacing, small caps, words longer than a column": "<div lang='en' style='letter-spacing: 0.3pt; "
        "word-spacing: 1pt; font-variant: small-caps'><p>" + "See https://example.org/a-very-long-address/"
        "that-never-breaks and Pneumonoultramicroscopicsilicovolcanoconiosis in the minutes. " * 15 + "</p></div>",
    "fallback fonts inside lines": "<div lang='en'><p>" + "The delegates from 東京 and Αθήνα greeted the "
        "strikers of Łódź, Kraków and 서울 at the gates. " * 25 + "</p></div>",
    "spaced capitals, tightened headlines": "<div lang='en'><p style='text-transform: uppercase; "
        "letter-spacing: 0.06em'>" + ENGLISH * 2 + "</p><p style='font-size: 20pt; letter-spacing: -0.01em; "
        "text-align: left'>" + ENGLISH * 2 + "</p>" + "<p style='column-span: all; font: 700 40pt/1 "
        "\"Roboto Condensed\"; text-transform: uppercase; letter-spacing: -0.01em; text-align: left'>Vaccines "
        "for all – not profits for the few, say the nurses</p>" * 6 + "</div>",
    "one word per line": "<div lang='en' style='width: 14mm'><p>" + ENGLISH * 3 + "</p></div>",
}


def _lines(body: str, ours: bool, monkeypatch) -> tuple[list[tuple], int]:
    """Every line's (page, top, its text boxes' text, left, width and the spacing justification adds to each
    space), and the Pango layouts made."""
    assert weasy_lines.fewer_line_tries()
    patched = line_break.split_first_line
    made = {"n": 0}
    with monkeypatch.context() as m:
        if not ours:
            for module in (line_break, inline, preferred):
                m.setattr(module, "split_first_line", patched.upstream)
        original = line_break.Layout.get_first_line

        def counting(self):
            made["n"] += 1
            return original(self)

        m.setattr(line_break.Layout, "get_first_line", counting)
        with isolated_fonts(REPO) as fonts:
            document = HTML(string=f"{PAGE}<div class='body'>{body}</div>").render(font_config=fonts)
    found = []
    for number, page in enumerate(document.pages):
        for line in page._page_box.descendants():
            if isinstance(line, boxes.LineBox):
                texts = [(t.text, round(t.position_x, 6), round(t.width, 6), round(t.justification_spacing, 6))
                         for t in line.descendants() if isinstance(t, boxes.TextBox)]
                found.append((number, round(line.position_y, 6), texts))
    return found, made["n"]


def test_fewer_tries_are_installed_on_this_weasyprint():
    from importlib.metadata import version

    assert weasy_lines.fewer_line_tries(), (
        f"weasyprint {version('weasyprint')}: split_first_line in weasyprint/text/line_break.py has changed — "
        "update publish/products/print_layout/weasy_lines.py (and the bound in pyproject.toml)")
    assert weasy_lines.fewer_line_tries()  # idempotent
    assert line_break.split_first_line is inline.split_first_line is preferred.split_first_line


@pytest.mark.parametrize("case", CASES)
def test_every_line_comes_out_as_weasyprint_sets_it(case, monkeypatch):
    ours, made = _lines(CASES[case], True, monkeypatch)
    upstream, upstream_made = _lines(CASES[case], False, monkeypatch)
    assert len(ours) > 20, "the case is too short to show anything"
    assert ours == upstream
    assert made <= upstream_made


def test_narrow_hyphenated_columns_take_a_third_fewer_layouts(monkeypatch):
    ours, made = _lines(CASES["narrow justified English"], True, monkeypatch)
    _, upstream_made = _lines(CASES["narrow justified English"], False, monkeypatch)
    assert made < 0.67 * upstream_made, (made, upstream_made)
    assert any(text.endswith("\u2010") for _, _, texts in ours for text, *_ in texts), "no line was hyphenated"


def test_a_retry_that_would_fit_is_never_left_out(monkeypatch):
    """The bound itself: on a layout of real text, a line plus the next word measured too wide never
    fits when Pango lays the two out together."""
    assert weasy_lines.fewer_line_tries()
    checked = {"too wide": 0, "fits": 0}
    original = weasy_lines.too_wide

    def checking(layout, line, piece, line_width, max_width):
        answer = original(layout, line, piece, line_width, max_width)
        if answer:
            alone = line_break.create_layout(line + piece, layout.style, None, None,
                                             layout.justification_spacing)
            width, _ = line_break.line_size(alone.get_first_line()[0], layout.style)
            assert width > max_width, (line, piece, width, max_width)
            checked["too wide"] += 1
        else:
            checked["fits"] += 1
        return answer

    monkeypatch.setattr(weasy_lines, "too_wide", checking)
    # the patched function looks the bound up in its own globals
    monkeypatch.setitem(line_break.split_first_line.__globals__, "_too_wide", checking)
    with isolated_fonts(REPO) as fonts:
        HTML(string=f"{PAGE}<div class='body'>{CASES['narrow justified English']}"
                    f"{CASES['ligatures at the hyphen']}</div>").render(font_config=fonts)
    assert checked["too wide"] > 100 and checked["fits"] > 10, checked
