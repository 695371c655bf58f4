"""With .weasy_columns, the only place that touches WeasyPrint's private API: a laid-out page's marks, a
loaded picture's resolution, a font configuration's fontconfig handle (here); the column layout (there).

WeasyPrint offers no public way to change any of these; `tests/test_adapters.py` (and, for the
columns, `tests/test_column_balance.py`) fails, naming the module, when an upgrade moves them.
"""

from __future__ import annotations

from functools import lru_cache
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
