"""The only place that touches WeasyPrint's private API: a laid-out page's marks, a loaded picture's
resolution, a font configuration's fontconfig handle, and the search for a balanced column height.

WeasyPrint offers no public way to change any of these; `tests/test_adapters.py` (and, for the
columns, `tests/test_column_balance.py`) fails, naming this module, when an upgrade moves them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import lru_cache
from math import inf, isfinite
from typing import Any


def page_marks(page) -> Any:
    """The `marks` value (crop, cross) the laid-out page box paints."""
    return page._page_box.style["marks"]


def set_page_marks(page, marks) -> None:
    """Paint `marks` (`()` for none) on the laid-out page at the next write.

    Only before a write that draws them: drawing marks adds them to the page's background for good.
    """
    page._page_box.style["marks"] = marks


def set_image_dpi(image, dpi: int | None) -> bool:
    """Cap a loaded raster picture at `dpi` (None: full resolution) for the next write; False for a picture
    WeasyPrint keeps no resolution for (an SVG, which is drawn as vectors)."""
    if not hasattr(image, "_dpi"):
        return False
    image._dpi = dpi
    return True


def make_current(fonts) -> bool:
    """Make a FontConfiguration's fontconfig configuration the process's current one; False if it cannot.

    Pango or fontconfig asks the current configuration for some choices (a CJK fallback's variant among
    them), and the current one is whatever the process (or its parent, before a fork) loaded first.
    """
    from weasyprint.text.ffi import ffi as weasy_ffi

    config = getattr(fonts, "_config", None)
    if config is None:
        return False
    lib = _fontconfig()
    if lib is None:
        return False
    own_ffi, lib = lib
    return bool(lib.FcConfigSetCurrent(own_ffi.cast("FcConfig *", int(weasy_ffi.cast("uintptr_t", config)))))


@lru_cache(maxsize=1)
def _fontconfig():
    """(an FFI, libfontconfig) with FcConfigSetCurrent, or None where the library cannot be opened."""
    import cffi

    ffi = cffi.FFI()
    ffi.cdef("typedef struct _FcConfig FcConfig; int FcConfigSetCurrent (FcConfig *config);")
    for name in ("libfontconfig.so.1", "fontconfig-1", "fontconfig", "libfontconfig.1.dylib"):
        try:
            return ffi, ffi.dlopen(name)
        except OSError:
            continue
    return None


# --- balancing columns ---------------------------------------------------------------------------------
#
# To balance the columns of a multi-column box that ends on the page, WeasyPrint lays them out again and
# again, from the average height upward, adding each time the least height that would pull a box up a
# column, or 1 px when it cannot tell. Each try lays out the whole set; where a tall box that may not
# break (a fact box, a picture) ends an article, that is one try per pixel: 294 tries, 12 of a part's
# 16 s, in the benchmark issue, and 4 to 13 tries for an ordinary article end.
#
# Here the first layout, at the full height, is read for its lines and unbreakable boxes, and the height
# that packs them into the columns (orphans, widows, and a heading kept with what follows) is the first
# try, kept if everything fits. If not, the search steps up a line, then two, four…, and halves the gap
# between a height that fits and one that does not down to a line. It ends on a height that fitted,
# as WeasyPrint's does. The loop is WeasyPrint's own, with these lines of it replaced:

_SEARCH_STARTS = "        page_is_empty = stop_rendering = balancing = False\n"
_FIRST_UPSTREAM = "                        height = sum(consumed_heights) / count\n"
_FIRST_OURS = ("                        height = _balance_start(\n"
               "                            search, new_boxes, consumed_heights, count, max_height)\n")
# and WeasyPrint's look at the box that would open the next column (it lays everything after the column
# out again, to no bottom, for that box's height), which is only its step when the search has no line's:
_PROBE_UPSTREAM = ("                    if column_skip_stack:\n"
                   "                        next_box = block_box_layout(")
_PROBE_OURS = ("                    if column_skip_stack and not search.get('line'):\n"
               "                        next_box = block_box_layout(")
_STEP_UPSTREAM = """\
                if column_skip_stack is None:
                    # We rendered the whole content, stop
                    break

                # Increase the column heights and render them again
                add_height = 1 if lost_space == inf else lost_space
                height += add_height
"""
_STEP_OURS = """\
                search["laid"] = (height, new_boxes, next_page, len(context.excluded_shapes)) \\
                    if column_skip_stack is None else None
                height, found = _balance_step(
                    search, height, column_skip_stack is None, lost_space, max_height)
                if found:
                    break
"""
# and, after the search, WeasyPrint lays the columns out once more at the height found, in place: where the
# last try was at that height and would come out the same, its columns are moved into place instead
_FINAL_UPSTREAM = """\
        columns = []
        while True:
            column_box = _create_column_box(
"""
_FINAL_OURS = """\
        columns = []
        reused = _reused_columns(
            search, context, box, height, bottom_space, current_position_y, original_page_is_empty,
            len(original_excluded_shapes), width, gap)
        if reused is not None:
            columns, next_page, max_column_height = reused
            skip_stack, bottom_space = None, original_bottom_space
        while reused is None:
            column_box = _create_column_box(
"""


MAX_TRIES = 40  # a search that has not closed in by then takes the lowest height that fitted


@dataclass
class _Unit:
    """A line or a box a column break cannot split, where it lies in the content run as one column."""

    top: float
    bottom: float
    breakable: bool  # may a column begin with it


def balance_start(search: dict, columns: list, consumed: list[float], count: int, max_height: float) -> float:
    """The first height to try: the least that packs the content of `columns` (its layout at the full
    height) into `count` columns; WeasyPrint's average height if it holds no line."""
    average = sum(consumed) / count  # no column can be lower
    units = _run(columns)
    lines = sorted(u.bottom - u.top for u in units if u.breakable) or [0.0]
    search["line"] = lines[len(lines) // 2]  # a typical line: the step of the search
    if not units or not isfinite(max_height):  # a flex item measured with no bottom: WeasyPrint's way
        return average
    low, high = max(average, max(u.bottom - u.top for u in units)), max_height
    if _columns_needed(units, high) > count:
        return average
    while high - low > 0.5:
        middle = (low + high) / 2
        low, high = (low, middle) if _columns_needed(units, middle) <= count else (middle, high)
    return max(average, min(high, max_height))


def _run(columns: list) -> list[_Unit]:
    """The lines and unbreakable boxes of laid-out column boxes, one column's run after another's."""
    from weasyprint.formatting_structure import boxes

    found: list[_Unit] = []
    offset = 0.0
    for column in columns:
        start, keep = len(found), False
        for child in column.children:  # the column box itself is never a unit, even when empty
            if child.is_in_normal_flow():
                keep = _units(child, boxes, found, offset - column.content_box_y(), keep)
        if len(found) > start:
            offset = found[-1].bottom
    return found


def _units(box, boxes, found: list[_Unit], shift: float, keep: bool) -> bool:
    """Add `box`'s units to `found`; whether the last of them must stay with what follows (a heading)."""
    children = [child for child in box.children if child.is_in_normal_flow()]
    lines = [child for child in children if isinstance(child, boxes.LineBox)]
    if lines:
        orphans, widows = box.style["orphans"], box.style["widows"]
        for i, line in enumerate(lines):
            top = line.position_y + shift
            inner = i >= orphans and len(lines) - i >= widows
            found.append(_Unit(top, top + line.height, (i == 0 and not keep) or inner))
        return box.style["break_after"] in ("avoid", "avoid-page", "avoid-column")
    whole = (isinstance(box, boxes.ReplacedBox) or not children
             or box.style["break_inside"] in ("avoid", "avoid-column"))
    if whole:
        top = box.border_box_y() + shift
        found.append(_Unit(top, top + box.border_height(), not keep))
        return box.style["break_after"] in ("avoid", "avoid-page", "avoid-column")
    for child in children:
        keep = _units(child, boxes, found, shift, keep)
    return keep or box.style["break_after"] in ("avoid", "avoid-page", "avoid-column")


def _columns_needed(units: list[_Unit], height: float) -> int:
    """How many columns of `height` the units fill, each column breaking before its last breakable unit
    that fits (or, if none, before the one that does not)."""
    needed, first = 1, 0
    for i, unit in enumerate(units):
        if unit.bottom - units[first].top <= height:
            continue
        brk = next((j for j in range(i, first, -1) if units[j].breakable), i)
        needed, first = needed + 1, brk
        if units[i].bottom - units[first].top > height:  # taller than a column even alone
            first = i
    return needed


def balance_step(search: dict, height: float, fits: bool, lost_space: float,
                 max_height: float) -> tuple[float, bool]:
    """(the next column height to try, False), or (`height`, True) when `height` is the one to keep.

    `search` carries the state between tries of one column set; `fits` says whether everything fitted at
    `height`; `lost_space` is WeasyPrint's own guess at the height missing (inf: none), and everything is
    known to fit at `max_height`. The first try that fits is kept, as WeasyPrint keeps it: the first
    height tried is the least that the lines could pack into.
    """
    step = search.get("line") or (1.0 if lost_space == inf else lost_space)
    search["tries"] = search.get("tries", 0) + 1
    if fits:
        if "low" not in search:
            return height, True
        search["high"] = height
    else:
        search["low"] = height
        search["run"] = search.get("run", 0) + 1
        if "high" not in search:  # step up from it, doubling
            stride = step * 2 ** (search["run"] - 1)
            if height + stride < max_height:
                return height + stride, False
            search["high"] = max_height  # everything fitted there: the balancing started because it did
    low, high = search["low"], search["high"]
    if high - low <= step + 0.01 or search["tries"] > MAX_TRIES:
        return high, True
    return (low + high) / 2, False


def reused_columns(search: dict, context, box, height: float, bottom_space: float, top: float, page_is_empty: bool,
                   shapes: int, width: float, gap: float):
    """The last try's columns, moved across into place, when laying them out again would make the same boxes:
    (columns, next_page, the tallest column's margin height); None otherwise.

    The same: the try was at `height` and everything fitted, with the same room below; nothing in the columns
    is a placeholder WeasyPrint removed after the try (a float, footnote, positioned box, running element); and
    if the page was empty before them, which the try did not say (it only lets the first box of a column
    overflow, which a try that fitted did not need), no box that opens a column has a top margin to lose.
    """
    laid = search.pop("laid", None)
    if laid is None:
        return None
    tried, columns, next_page, shapes_after = laid
    if (tried != height or bottom_space != context.page_bottom - top - height or not columns
            or shapes_after != shapes or len(context.excluded_shapes) != shapes):
        return None
    if page_is_empty and context.current_page > 1 and any(_opens_with_margin(column) for column in columns):
        return None
    for column in columns:
        for child in column.descendants():
            position = child.style["position"]  # a running element's is a tuple
            if (not isinstance(position, str) or position in ("absolute", "fixed") or child.is_floated()
                    or child.footnote or child.note or child in context.broken_out_of_flow):
                return None
    rtl = box.style["direction"] == "rtl"
    for i, column in enumerate(columns):
        column.translate(box.width - (i + 1) * width - i * gap if rtl else i * (width + gap), 0)
    return columns, next_page, max(column.margin_height() for column in columns)


def _opens_with_margin(column) -> bool:
    """Whether a box that opens the column (its first block, that block's first, …) has a top margin."""
    from weasyprint.formatting_structure import boxes

    box = column
    while True:
        first = next((child for child in box.children if child.is_in_normal_flow()), None)
        if not isinstance(first, boxes.BlockLevelBox):
            return False
        if first.margin_top:
            return True
        box = first


def search_column_heights() -> bool:
    """Make WeasyPrint balance columns with balance_step(); False, changing nothing, if its loop has moved.

    Idempotent; a forked layout process inherits it.
    """
    from weasyprint.layout import block, column

    if getattr(block.columns_layout, "_searches", False):
        return True
    try:
        source = inspect.getsource(column)
    except OSError:  # no source installed
        return False
    if any(source.count(upstream) != 1
           for upstream in (_SEARCH_STARTS, _FIRST_UPSTREAM, _STEP_UPSTREAM, _PROBE_UPSTREAM, _FINAL_UPSTREAM)):
        return False
    source = (source.replace(_SEARCH_STARTS, _SEARCH_STARTS + "        search = {}\n")
              .replace(_FIRST_UPSTREAM, _FIRST_OURS).replace(_STEP_UPSTREAM, _STEP_OURS)
              .replace(_PROBE_UPSTREAM, _PROBE_OURS).replace(_FINAL_UPSTREAM, _FINAL_OURS))
    namespace = {"__name__": column.__name__, "__package__": column.__package__, "__file__": column.__file__,
                 "_balance_start": balance_start, "_balance_step": balance_step, "_reused_columns": reused_columns}
    exec(compile(source, column.__file__, "exec"), namespace)  # noqa: S102 — WeasyPrint's own code, changed as above
    patched = namespace["columns_layout"]
    patched._searches = True
    patched.upstream = column.columns_layout  # for the tests that compare the two
    block.columns_layout = column.columns_layout = patched
    return True
