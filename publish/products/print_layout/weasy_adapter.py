"""With .weasy_columns and .weasy_lines, the only place that touches WeasyPrint's private API (and cffi's): a
laid-out page's marks, a loaded picture's resolution, a font configuration's fontconfig handle, the C types
and hyphenation dictionaries a layout process would load first, cffi's parsing of those types (here); the
column layout and the line breaking (there).

WeasyPrint offers no public way to change any of these; `tests/test_adapters.py` (and, for the
columns, `tests/test_column_balance.py`) fails, naming the module, when an upgrade moves them.
"""

from __future__ import annotations

import contextlib
import re
from functools import lru_cache, partial
from typing import Any, Callable

# The C types WeasyPrint's text and PDF code ask cffi for. cffi parses a type the first time it is named, in
# every process (quick_type_parsing makes that 0.4 ms each instead of 5).
C_TYPES = ("PangoFcFontMap *", "uintptr_t", "FcConfig *", "FcChar8 **", "char[]", "PangoRectangle *",
           "PangoLogAttr[]", "unsigned int *", "hb_tag_t[]", "hb_codepoint_t[]")
_SIZED_ARRAY = re.compile(r"(\w+)\[(\d+)\]")
_WORD = re.compile(r"\w+")


def load_weasyprint() -> None:
    """Import WeasyPrint (once): its C libraries found in the loader's cache, 0.3 s sooner (publish.libfind),
    and its progress log quiet. It reports every step and page at INFO, from its first import on (when it
    parses its own stylesheets); the build's log says what matters."""
    import logging

    from publish.libfind import import_quickly

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    import_quickly("weasyprint")
    quick_type_parsing()


def quick_type_parsing() -> bool:
    """Make cffi parse a C type (ffi.new, ffi.typeof) with only the typedefs it names, not all of WeasyPrint's:
    0.4 ms instead of 5 for each of C_TYPES. pycparser needs to know which names are types, and only the
    names in the text parsed can matter. False, changing nothing, where cffi's parser has moved."""
    from cffi import cparser

    parse = getattr(cparser.Parser, "_parse", None)
    if parse is None or getattr(parse, "_quick", False):
        return parse is not None

    def quick(self, csource):
        declarations = getattr(self, "_declarations", None)
        if not isinstance(declarations, dict):
            return parse(self, csource)
        named = set(_WORD.findall(csource))
        self._declarations = {key: value for key, value in declarations.items()
                              if not key.startswith("typedef ") or key[8:] in named}
        try:
            return parse(self, csource)
        finally:
            self._declarations = declarations

    quick._quick = True
    cparser.Parser._parse = quick
    return True


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


@contextlib.contextmanager
def screen_copies(images: dict, dpi: int, kept: Callable | None = None):
    """While active, a write embeds each loaded raster picture at full resolution, and also makes the copy
    that a write capped at `dpi` would embed: yields the list of (full, copy) image XObjects (pydyf streams)
    that the write fills in, a copy only where the cap shrinks the picture. With `kept`, a copy is
    `kept(picture's bytes, interpolate, ratio, make)`, where make() makes it (screen_copy.kept_copy).

    WeasyPrint works out each picture's resolution as it draws it (hence `_dpi` set while drawing) and makes
    its XObject when the page is written (`get_x_object`); both XObjects are made there. WeasyPrint files a
    picture's data under its cap, so each call runs with the cap its XObject is for.
    """
    pairs: list = []
    wrapped = []
    for image in images.values():
        if not hasattr(image, "_dpi") or not callable(getattr(image, "get_x_object", None)):
            continue  # not a raster picture (an SVG is drawn as vectors), or data kept beside the pictures

        def both(interpolate, dpi_ratio, image=image, make=image.get_x_object):
            image._dpi = None
            full = make(interpolate, 1)
            image._dpi = dpi
            if dpi_ratio < 1:
                source = image.image_data  # making the copy replaces it with the copy's
                copy = partial(make, interpolate, dpi_ratio)
                pairs.append((full, copy() if kept is None else kept(source.data, interpolate, dpi_ratio, copy)))
                image.image_data = source
            return full

        image._dpi = dpi
        image.get_x_object = both
        wrapped.append(image)
    try:
        yield pairs
    finally:
        for image in wrapped:
            del image.get_x_object
            image._dpi = None


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


class _OpenArrays:
    """weasyprint.pdf.fonts' cffi, with `T[<n>]` made as the open array `T[]` of n items: the font subsetter
    names a new array length for every font it subsets, and cffi would parse each length as a new type."""

    def __init__(self, ffi):
        self._ffi = ffi

    def __getattr__(self, name: str):
        return getattr(self._ffi, name)

    def new(self, cdecl: str, init=None):
        sized = _SIZED_ARRAY.fullmatch(cdecl)
        if sized:
            length = int(sized.group(2))
            if init is None:
                return self._ffi.new(f"{sized.group(1)}[]", length)
            if isinstance(init, (list, tuple)) and len(init) == length:
                return self._ffi.new(f"{sized.group(1)}[]", init)
        return self._ffi.new(cdecl, init)


def open_font_arrays() -> bool:
    """Have WeasyPrint's font subsetter make its arrays of codepoints as one C type (_OpenArrays); False if
    the module no longer has its own `ffi` to wrap. Idempotent."""
    from weasyprint.pdf import fonts

    ffi = getattr(fonts, "ffi", None)
    if ffi is None or not hasattr(ffi, "new"):
        return False
    if not isinstance(ffi, _OpenArrays):
        fonts.ffi = _OpenArrays(ffi)
    return True


def warm(languages) -> None:
    """Load, in this process, what each layout would otherwise load on its first use: the C types of C_TYPES,
    the hyphenation dictionaries of `languages` (BCP 47 tags) and the changes of .weasy_columns and
    .weasy_lines (0.017 s). Processes forked afterwards inherit them."""
    import cffi
    import pyphen

    from publish.products.print_layout import hyphenation
    from publish.products.print_layout.weasy_columns import search_column_heights
    from publish.products.print_layout.weasy_lines import fewer_line_tries

    load_weasyprint()
    from weasyprint.text.ffi import ffi

    open_font_arrays()
    search_column_heights()
    fewer_line_tries()
    for name in C_TYPES:
        try:
            ffi.typeof(name)
        except (cffi.CDefError, cffi.FFIError):  # not declared by this WeasyPrint: its layouts never ask for it
            continue
    own = _fontconfig()
    if own is not None:
        own[0].typeof("FcConfig *")  # make_current's
    for tag in dict.fromkeys(languages):
        code = pyphen.language_fallback(tag.replace("-", "_")) if tag else None
        if code:
            hyphenation.load(code)
