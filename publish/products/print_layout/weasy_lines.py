"""WeasyPrint's line breaking without the Pango layouts whose answer is already known: the same lines, sooner.

The third place, with .weasy_adapter and .weasy_columns, that touches WeasyPrint's private API: two lines of
its `split_first_line`, replaced (below), and the `first_line_metrics` it calls. `tests/test_line_tries.py`
fails, naming this module, when an upgrade moves them.

For each line, WeasyPrint lays out the start of the paragraph's remaining text with Pango, which breaks it
at the last space that fits. Then, where the line's next word could still fit without its space,
it lays out the line plus that word once more; and where it may hyphenate the next word, it lays out
the line plus each of the word's beginnings in turn (the longest first), with a hyphen. Last, it lays the
line's own text out again, without its trailing spaces, to measure it. Each of those layouts shapes the
whole line again: in a benchmark issue of narrow, justified columns, they took a twelfth of all the
CPU of a PDF build, and not one of the retries for the next word fitted.

The first layout already holds the next word, laid out at the start of the following line. Where the
line's own width plus the width that word (or that beginning of it) takes there passes the available
width, the retry cannot fit: with the same glyphs, the retried line is no narrower than that sum, which
leaves out the space (and the hyphen) between them. Such a retry is left out; WeasyPrint's answer would
have been "does not fit", which changes nothing that it keeps. And where the first line is one run of
glyphs (one font) set left to right without letter spacing, its width without the trailing spaces is read
off that layout (where its last glyph ends), and its height and baseline are the run's font's, as they
would be laid out again. Everything else (a line that begins with the word, text in a right-to-left
script, a line in two fonts, a word that runs on to a third line, a measure that cannot be read) is done
as before.
"""

from __future__ import annotations

import inspect
from functools import partial

# how much wider than the available width the sum must be before a retry is left out (CSS px): the sum is
# a lower bound, this only keeps rounding on the safe side
MARGIN = 0.5

# the retry of the line with the next word, if it fits without the space after it
_NEXT_WORD_UPSTREAM = "        if space_collapse and second_line_text[break_point or -1] == ' ':\n"
_NEXT_WORD_OURS = ("        if space_collapse and second_line_text[break_point or -1] == ' ' and not _too_wide(\n"
                   "                layout, first_line_text, next_word, first_line_width, max_width):\n")
# and the tries of the next word's beginnings with a hyphen, the longest first
_HYPHEN_UPSTREAM = """\
    if dictionary_iterations:
        for first_word_part in dictionary_iterations:
            new_first_line_text = first_line_text + first_word_part
"""
_HYPHEN_OURS = """\
    if dictionary_iterations:
        line_width, _ = line_size(first_line, style)
        for first_word_part in dictionary_iterations:
            if _too_wide(layout, first_line_text, first_word_part, line_width, max_width):
                continue
            new_first_line_text = first_line_text + first_word_part
"""
# and the measure of the line it keeps, whose parameters are these
_METRICS_PARAMETERS = ("first_line", "text", "layout", "resume_at", "space_collapse", "style", "hyphenated",
                       "hyphenation_character")

_RECTANGLES: list = []  # two PangoRectangles, made once in a process


def _positions(layout, *indexes: int) -> list:
    """Where the characters at these byte indexes of `layout` begin: PangoRectangles (Pango units)."""
    from weasyprint.text.ffi import ffi, pango

    if not _RECTANGLES:
        _RECTANGLES.extend(ffi.new("PangoRectangle *") for _ in range(2))
    for index, rectangle in zip(indexes, _RECTANGLES):
        pango.pango_layout_index_to_pos(layout.layout, index, rectangle)
    return _RECTANGLES[:len(indexes)]


def too_wide(layout, line: str, piece: str, line_width: float, max_width: float) -> bool:
    """Whether `line` (laid out `line_width` wide) followed by `piece` is sure to pass `max_width`, measured on
    `layout`, WeasyPrint's Pango layout of text that begins with both, `piece` on one line of it."""
    from weasyprint.text.ffi import FROM_UNITS

    if not line or not piece or not layout.text.startswith(line + piece):
        return False
    start = len(line.encode())
    first, last = _positions(layout, start, start + len(piece.encode()))
    if first.y != last.y or last.x <= first.x:  # on two lines, or not left to right
        return False
    return line_width + (last.x - first.x) * FROM_UNITS > max_width + MARGIN


def line_metrics(upstream, first_line, text, layout, resume_at, space_collapse, style, hyphenated=False,
                 hyphenation_character=None):
    """WeasyPrint's first_line_metrics (`upstream`), without laying a broken line out again where one run of
    glyphs, left to right and not letter-spaced (Pango spaces the line's last letter otherwise), holds it:
    (layout, its length in bytes, resume_at, width, height, baseline)."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango
    from weasyprint.text.line_break import line_size

    line = "" if hyphenated or not resume_at else text.encode()[:first_line.length].decode().rstrip(" ")
    if (not space_collapse or not line or "\n" in line or "\t" in line
            or style["letter_spacing"] not in ("normal", 0)
            or first_line.resolved_dir != pango.PANGO_DIRECTION_LTR
            or first_line.runs == ffi.NULL or first_line.runs.next != ffi.NULL):
        return upstream(first_line, text, layout, resume_at, space_collapse, style, hyphenated,
                        hyphenation_character)
    end = len(line.encode())
    (last,) = _positions(layout, end)
    if last.y != 0 or last.x <= 0:  # not where the first line's text ends
        return upstream(first_line, text, layout, resume_at, space_collapse, style, hyphenated,
                        hyphenation_character)
    _, height = line_size(first_line, style)
    width = last.x * FROM_UNITS
    baseline = pango.pango_layout_get_baseline(layout.layout) * FROM_UNITS
    layout.text = line  # what the layout holds when the line is drawn (Layout.reactivate)
    layout.deactivate()
    return layout, end, resume_at, width, height, baseline


def fewer_line_tries() -> bool:
    """Make WeasyPrint's `split_first_line` leave out the retries that cannot fit (too_wide()) and measure the
    line it keeps where it lies (line_metrics()); False, changing nothing, if its code has moved.
    Idempotent; a forked layout process inherits it."""
    from weasyprint.layout import inline, preferred
    from weasyprint.text import ffi as text_ffi
    from weasyprint.text import line_break

    if getattr(line_break.split_first_line, "_fewer_tries", False):
        return True
    try:
        source = inspect.getsource(line_break.split_first_line)
    except OSError:  # no source installed
        return False
    if source.count(_NEXT_WORD_UPSTREAM) != 1 or source.count(_HYPHEN_UPSTREAM) != 1 or tuple(
            inspect.signature(line_break.first_line_metrics).parameters) != _METRICS_PARAMETERS:
        return False
    if not hasattr(text_ffi.pango, "pango_layout_index_to_pos"):
        try:
            text_ffi.ffi.cdef("void pango_layout_index_to_pos (PangoLayout *layout, int index_, "
                              "PangoRectangle *pos);")
            text_ffi.pango.pango_layout_index_to_pos  # noqa: B018 - found in the library, or AttributeError
        except Exception:  # noqa: BLE001 - cffi's parse or lookup errors: leave WeasyPrint as it is
            return False
    source = source.replace(_NEXT_WORD_UPSTREAM, _NEXT_WORD_OURS).replace(_HYPHEN_UPSTREAM, _HYPHEN_OURS)
    namespace = dict(vars(line_break), _too_wide=too_wide,
                     first_line_metrics=partial(line_metrics, line_break.first_line_metrics))
    exec(compile(source, line_break.__file__, "exec"), namespace)  # noqa: S102 — WeasyPrint's code, changed above
    patched = namespace["split_first_line"]
    patched._fewer_tries = True
    patched.upstream = line_break.split_first_line  # for the tests that compare the two
    line_break.split_first_line = inline.split_first_line = preferred.split_first_line = patched
    return True
