"""What a laid-out document tells the layouts after it: where each page's content ends, and where the elements
with ids lie (the front page's measure)."""

from __future__ import annotations


def content_bottom(page) -> float:
    """How far down the page its lowest line, picture or box reaches (CSS px from the top edge)."""
    from weasyprint.formatting_structure import boxes

    lowest = 0.0
    for root in page._page_box.children:
        if isinstance(root, boxes.MarginBox):
            continue
        for box in root.descendants():
            if box is root or box.element_tag in ("body", "html"):
                continue
            if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)) or painted(box):
                lowest = max(lowest, box.border_box_y() + box.border_height())
    return round(lowest, 2)


def painted(box) -> bool:
    """Whether a block shows where it ends: a background or a bottom border (a column container, a
    section or an article that only holds what moved on to the next page does not)."""
    from weasyprint.formatting_structure import boxes

    if not isinstance(box, boxes.BlockBox):
        return False
    style = box.style
    return style["background_color"].alpha > 0 or (style["border_bottom_width"] > 0
                                                      and style["border_bottom_style"] != "none")


def boxes_with_ids(document) -> dict[str, list[float]]:
    """Every element with an id → where its first box lies: [page index, left, top, right, bottom]."""
    found: dict[str, list[float]] = {}
    for index, page in enumerate(document.pages):
        for box in page._page_box.descendants():
            element = getattr(box, "element", None)
            anchor = element.get("id") if element is not None and hasattr(element, "get") else None
            if anchor and anchor not in found and hasattr(box, "border_box_x"):
                x, y = box.border_box_x(), box.border_box_y()
                found[anchor] = [index, round(x, 2), round(y, 2), round(x + box.border_width(), 2),
                                 round(y + box.border_height(), 2)]
    return found
