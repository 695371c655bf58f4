"""WeasyPrint's multi-column layout in fewer passes: a search for the balanced height, and no pass twice.

The other place, with .weasy_adapter, that touches WeasyPrint's private API: its column loop, a few lines of
it replaced (below). `tests/test_column_balance.py` fails, naming this module, when an upgrade moves them.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from math import inf, isfinite
from typing import Any

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
                height, found = _balance_step(
                    search, height, column_skip_stack is None, lost_space, max_height)
                if found:
                    break
"""
# and, after the search, WeasyPrint lays the columns out once more at the height found, in place: where the
# last layout (a try, or the first at the full height when the columns run on over the page) was at that height
# and would come out the same, its columns are moved into place instead
_LAID_UPSTREAM = """\
            remove_placeholders(context, new_boxes, [], [])

            if last_loop:
"""
_LAID_OURS = """\
            remove_placeholders(context, new_boxes, [], [])
            # (not one cut short by a column that took nothing, which the last layout handles its own way)
            search["laid"] = _Laid(height, new_boxes, next_page, column_skip_stack, len(context.excluded_shapes),
                                   page_is_empty or not balancing) \\
                if column_skip_stack is None or len(new_boxes) == count else None

            if last_loop:
"""
_FINAL_UPSTREAM = """\
        columns = []
        while True:
            column_box = _create_column_box(
"""
_FINAL_OURS = """\
        columns = []
        reused = _reused_columns(
            search, context, box, height, bottom_space, current_position_y, original_page_is_empty,
            len(original_excluded_shapes), width, gap, height_defined, absolute_boxes, fixed_boxes)
        if reused is not None:
            columns, next_page, max_column_height, column_skip_stack = reused
            skip_stack = column_skip_stack
            if skip_stack is None:
                bottom_space = original_bottom_space
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


@dataclass
class _Laid:
    """A layout of the columns in the search: at what height, its column boxes, where it stopped, how many
    excluded shapes the context then had, and whether it was laid out as on an empty page."""

    height: float
    columns: list
    next_page: Any
    resume_at: Any
    shapes: int
    as_if_empty: bool


def reused_columns(search: dict, context, box, height: float, bottom_space: float, top: float, page_is_empty: bool,
                   shapes: int, width: float, gap: float, height_defined: bool, absolute_boxes: list,
                   fixed_boxes: list):
    """The last layout's columns, moved across into place, when laying them out again would make the same
    boxes: (columns, next_page, the tallest column's margin height, where they stop); None otherwise.

    The same: the last layout was at `height` with the same room below; nothing in its columns is a
    placeholder WeasyPrint removed after it (a float, footnote, running element; positioned boxes, such as
    list markers, are handed on as the layout would have handed them); and it was
    laid out as on an empty page or not, as this one is, or where that made no difference:
    - a try laid out as on a page with something on it; on an empty one, only a box that opens a column could
      differ: it may overflow the column (which a try that fitted did not need) and loses its top margin
      (CSS's margin-break), so none may have one;
    - the first layout, at the full height, as on an empty page; on a page with something on it, the box
      that opens each column must have been neither forced into it nor broken at its foot (a column of two
      boxes or more, the first within the column), and, again, have no top margin to lose; and each column
      must end inside a box that goes on after it (between two boxes, a break to avoid is taken on an empty
      page when there is no other, and the whole column given up on one with something on it).
    """
    laid: _Laid | None = search.pop("laid", None)
    if laid is None:
        return None
    if (laid.height != height or bottom_space != context.page_bottom - top - height or not laid.columns
            or laid.shapes != shapes or len(context.excluded_shapes) != shapes
            or (height_defined and laid.resume_at is not None)):  # a set height adds columns beyond the count
        return None
    if laid.as_if_empty != page_is_empty:
        if context.current_page > 1 and any(_opens_with_margin(column) for column in laid.columns):
            return None
        if laid.as_if_empty and not (all(_opened_within(column, context.page_bottom - bottom_space)
                                         for column in laid.columns) and _breaks_inside(laid)):
            return None
    positioned: list = []
    for column in laid.columns:
        if not _plain(column, context, positioned, False):
            return None
    for placeholder in positioned:  # as the layout adds them, for the containing block to place
        (absolute_boxes if placeholder.style["position"] == "absolute" else fixed_boxes).append(placeholder)
    rtl = box.style["direction"] == "rtl"
    for i, column in enumerate(laid.columns):
        column.translate(box.width - (i + 1) * width - i * gap if rtl else i * (width + gap), 0)
    return (laid.columns, laid.next_page, max(column.margin_height() for column in laid.columns),
            laid.resume_at)


def _plain(box, context, positioned: list, placed: bool) -> bool:
    """Whether `box` and what it holds are free of what a layout registers beyond its boxes (floats, footnotes,
    running elements, boxes broken out of flow); the positioned boxes a layout would hand on to the containing
    block (not those a relatively positioned box inside places itself, `placed`) are added to `positioned`."""
    position = box.style["position"]  # a running element's is a tuple
    if (not isinstance(position, str) or box.is_floated() or box.footnote or box.note
            or box in context.broken_out_of_flow):
        return False
    if position in ("absolute", "fixed"):
        if position == "fixed" or not placed:
            positioned.append(box)
        return True  # its content is laid out later, by absolute_layout
    placed = placed or position == "relative"
    return all(_plain(child, context, positioned, placed) for child in getattr(box, "children", ()))


def _breaks_inside(laid: _Laid) -> bool:
    """Whether every column but the last ends inside a box the next one goes on with, and the last, if the
    content goes on past it, inside a box too."""
    flows = [[child for child in column.children if child.is_in_normal_flow()] for column in laid.columns]
    for before, after in zip(flows, flows[1:]):
        # the same child of the columns' content on both sides (its index there, which the layout sets)
        index = getattr(before[-1], "index", None) if before and after else None
        if index is None or getattr(after[0], "index", None) != index:
            return False
    if laid.resume_at is None:
        return True
    (inner,) = laid.resume_at.values() if len(laid.resume_at) == 1 else (None,)
    return inner is not None


def _opened_within(column, bottom: float) -> bool:
    """Whether the column holds two boxes or more in flow, the first ending above `bottom`."""
    flow = [child for child in column.children if child.is_in_normal_flow()]
    return len(flow) >= 2 and flow[0].position_y + flow[0].margin_height() <= bottom + 1e-6


def _opens_with_margin(column) -> bool:
    """Whether a box that opens the column inside its first block (that block's first, its first, …) has a top
    margin, as laid out or as its style gives it (a layout as on an empty page may have dropped it).

    The column's own first block keeps its margin on an empty page: a column box begins a formatting
    context, so no margin adjoins it from above (WeasyPrint truncates only adjoining ones).
    """
    from weasyprint.formatting_structure import boxes

    box = next((child for child in column.children if child.is_in_normal_flow()), None)
    if not isinstance(box, boxes.BlockLevelBox):
        return False
    while True:
        first = next((child for child in box.children if child.is_in_normal_flow()), None)
        if not isinstance(first, boxes.BlockLevelBox):
            return False
        margin = first.style["margin_top"]
        if first.margin_top or getattr(margin, "value", margin) != 0:
            return True
        box = first


def search_column_heights() -> bool:
    """Make WeasyPrint balance columns with balance_step(), without its look at the next box once the search
    steps by a line, and move its last layout into place where it may (reused_columns()); False, changing
    nothing, if its loop has moved.

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
           for upstream in (_SEARCH_STARTS, _FIRST_UPSTREAM, _STEP_UPSTREAM, _PROBE_UPSTREAM, _LAID_UPSTREAM,
                            _FINAL_UPSTREAM)):
        return False
    source = (source.replace(_SEARCH_STARTS, _SEARCH_STARTS + "        search = {}\n")
              .replace(_FIRST_UPSTREAM, _FIRST_OURS).replace(_STEP_UPSTREAM, _STEP_OURS)
              .replace(_PROBE_UPSTREAM, _PROBE_OURS).replace(_LAID_UPSTREAM, _LAID_OURS)
              .replace(_FINAL_UPSTREAM, _FINAL_OURS))
    namespace = {"__name__": column.__name__, "__package__": column.__package__, "__file__": column.__file__,
                 "_balance_start": balance_start, "_balance_step": balance_step, "_reused_columns": reused_columns,
                 "_Laid": _Laid}
    exec(compile(source, column.__file__, "exec"), namespace)  # noqa: S102 — WeasyPrint's own code, changed as above
    patched = namespace["columns_layout"]
    patched._searches = True
    patched.upstream = column.columns_layout  # for the tests that compare the two
    block.columns_layout = column.columns_layout = patched
    return True
