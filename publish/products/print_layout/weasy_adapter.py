"""The only place that touches WeasyPrint's private API: a laid-out page's marks, a loaded picture's resolution.

WeasyPrint offers no public way to change either after layout; `tests/test_adapters.py`
fails, naming this module, when an upgrade moves them.
"""

from __future__ import annotations

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
