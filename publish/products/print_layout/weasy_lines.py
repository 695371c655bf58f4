"""WeasyPrint's line breaking without the Pango layouts whose answer is already known: the same lines, sooner.

The third place, with .weasy_adapter and .weasy_columns, that touches WeasyPrint's private API: two lines of
its `split_first_line`, replaced (below). `tests/test_line_tries.py` fails, naming this module, when an
upgrade moves them.

For each line, WeasyPrint lays out the start of the paragraph's remaining text with Pango, which breaks it
at the last space that fits. Then, where the line's next word could still fit without its space,
it lays out the line plus that word once more; and where it may hyphenate the next word, it lays out
the line plus each of the word's beginnings in turn (the longest first), with a hyphen. Each of those
layouts shapes the whole line again: in a benchmark issue of narrow, justified columns, the retries
took a twentieth of all the CPU of a PDF build, and not one of the retries for the next word fitted.

The first layout already holds the next word, laid out at the start of the following line. Where the
line's own width plus the width that word (or that beginning of it) takes there passes the available
width, the retry cannot fit: with the same glyphs, the retried line is no narrower than that sum, which
leaves out the space (and the hyphen) between them. Such a retry is left out; WeasyPrint's answer would
have been "does not fit", which changes nothing that it keeps. Everything else (a line that begins
with the word, text in a right-to-left script, a word that runs on to a third line, a measure that
cannot be read) is tried as before.
"""

from __future__ import annotations

import inspect

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


def too_wide(layout, line: str, piece: str, line_width: float, max_width: float) -> bool:
    """Whether `line` (laid out `line_width` wide) followed by `piece` is sure to pass `max_width`, measured on
    `layout`, WeasyPrint's Pango layout of text that begins with both, `piece` on one line of it."""
    from weasyprint.text.ffi import FROM_UNITS, ffi, pango

    if not line or not piece or not layout.text.startswith(line + piece):
        return False
    start = len(line.encode())
    end = start + len(piece.encode())
    first, last = ffi.new("PangoRectangle *"), ffi.new("PangoRectangle *")
    pango.pango_layout_index_to_pos(layout.layout, start, first)
    pango.pango_layout_index_to_pos(layout.layout, end, last)
    if first.y != last.y or last.x <= first.x:  # on two lines, or not left to right
        return False
    return line_width + (last.x - first.x) * FROM_UNITS > max_width + MARGIN


def fewer_line_tries() -> bool:
    """Make WeasyPrint's `split_first_line` leave out the retries that cannot fit (too_wide()); False,
    changing nothing, if its code has moved. Idempotent; a forked layout process inherits it."""
    from weasyprint.layout import inline, preferred
    from weasyprint.text import ffi as text_ffi
    from weasyprint.text import line_break

    if getattr(line_break.split_first_line, "_fewer_tries", False):
        return True
    try:
        source = inspect.getsource(line_break.split_first_line)
    except OSError:  # no source installed
        return False
    if source.count(_NEXT_WORD_UPSTREAM) != 1 or source.count(_HYPHEN_UPSTREAM) != 1:
        return False
    if not hasattr(text_ffi.pango, "pango_layout_index_to_pos"):
        try:
            text_ffi.ffi.cdef("void pango_layout_index_to_pos (PangoLayout *layout, int index_, "
                              "PangoRectangle *pos);")
            text_ffi.pango.pango_layout_index_to_pos  # noqa: B018 - found in the library, or AttributeError
        except Exception:  # noqa: BLE001 - cffi's parse or lookup errors: leave WeasyPrint as it is
            return False
    source = source.replace(_NEXT_WORD_UPSTREAM, _NEXT_WORD_OURS).replace(_HYPHEN_UPSTREAM, _HYPHEN_OURS)
    namespace = dict(vars(line_break), _too_wide=too_wide)
    exec(compile(source, line_break.__file__, "exec"), namespace)  # noqa: S102 — WeasyPrint's own code, changed as above
    patched = namespace["split_first_line"]
    patched._fewer_tries = True
    patched.upstream = line_break.split_first_line  # for the tests that compare the two
    line_break.split_first_line = inline.split_first_line = preferred.split_first_line = patched
    return True
