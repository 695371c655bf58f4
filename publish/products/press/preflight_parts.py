"""Parts of a page's content (fonts, pictures, shadings) → preflight findings added to a page's walker."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import math
from concurrent.futures import Future
from pathlib import Path

import pikepdf

from publish.atomic import write_text
from publish.products.press.separate import space_kind

WARN_PPI, ERROR_PPI = 200, 120
INK_AREA = 4  # pixels: total ink is measured over small areas, as printers' preflight does, not single pixels


def check_fonts(walker, resources) -> None:
    """Fonts of this resource dictionary that are not embedded."""
    for font in resources.get("/Font", pikepdf.Dictionary()).values():
        subtype = str(font.get("/Subtype", ""))
        if subtype == "/Type3":
            continue  # drawn by its own glyph procedures
        described = font
        if subtype == "/Type0":
            kids = font.get("/DescendantFonts", [])
            described = kids[0] if len(kids) else font
        descriptor = described.get("/FontDescriptor")
        embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        if not embedded:
            name = str(font.get("/BaseFont", "?")).lstrip("/")
            walker.add("error", f"font {name} is not embedded",
                       "embed all fonts when exporting (the press has no fonts of its own)")


def check_space_resources(walker, resources) -> None:
    """Colour spaces of shadings (and shading patterns) that the press cannot print."""
    for shading in resources.get("/Shading", pikepdf.Dictionary()).values():
        walker.space(shading.get("/ColorSpace"), "gradient")
    for pattern in resources.get("/Pattern", pikepdf.Dictionary()).values():
        if pattern.get("/PatternType") == 2 and "/Shading" in pattern:
            walker.space(pattern.Shading.get("/ColorSpace"), "gradient")


def picture_ppi(walker, width_px: int, ctm, what: str) -> None:
    """The picture's effective resolution at its placed size (its narrower way)."""
    placed_in = math.hypot(ctm[0], ctm[1]) / 72
    if width_px <= 1 or placed_in < 0.2:  # rules, dots and icons: resolution does not show
        return
    ppi = width_px / placed_in
    if ppi < ERROR_PPI:
        walker.add("error", f"{what} at {ppi:.0f} ppi, under {ERROR_PPI} ppi at its placed size",
                   f"supply it at {WARN_PPI} ppi or more for its printed width ({placed_in * 25.4:.0f} mm), "
                   "or print it smaller")
    elif ppi < WARN_PPI:
        walker.add("warning", f"{what} at {ppi:.0f} ppi, under {WARN_PPI} ppi at its placed size",
                   f"supply it at {WARN_PPI} ppi or more for its printed width ({placed_in * 25.4:.0f} mm)")


def check_picture(walker, image, ctm) -> None:
    if image.get("/ImageMask"):
        return
    walker.space(image.get("/ColorSpace"), "picture")
    picture_ppi(walker, int(image.get("/Width", 0)), ctm, f"picture {int(image.get('/Width', 0))}×"
                f"{int(image.get('/Height', 0))} px")
    key = image.objgen if image.objgen != (0, 0) else id(image)
    if key not in walker.pictures:
        walker.pictures[key] = _picture_ink(image)
    elif isinstance(walker.pictures[key], Future):  # measured ahead, in a thread (measure_ink_ahead)
        walker.pictures[key] = walker.pictures[key].result()
    walker.max_ink = max(walker.max_ink, walker.pictures[key])


def measure_ink_ahead(pdf, pictures: dict, pool, budget: int = 256 * 2**20,
                      memo: PreflightMemo | None = None) -> None:
    """Start measuring the ink of the PDF's CMYK JPEGs in `pool`'s threads, while the pages are walked here:
    `pictures[objgen]` becomes a future that check_picture waits for (or the figure `memo` kept for the
    same bytes).

    Pillow's decoder and numpy let go of the GIL, so the threads share the cores. pikepdf does not share its
    objects between threads: only each JPEG's bytes go to a thread, up to `budget` bytes in all (a hostile
    file holds no more than that in memory at once); the rest are measured where the walk finds them.
    """
    for image in pdf.objects:
        if (not isinstance(image, pikepdf.Stream) or image.get("/Subtype") != "/Image" or image.get("/ImageMask")
                or space_kind(image.get("/ColorSpace")) != "cmyk" or _filters(image) != ["/DCTDecode"]):
            continue
        data = bytes(image.read_raw_bytes())
        digest = hashlib.sha256(data).hexdigest() if memo is not None else ""
        known = memo.get(digest) if memo is not None else None
        if known is not None:
            pictures[image.objgen] = known
            continue
        budget -= len(data)
        if budget < 0:
            return
        pictures[image.objgen] = pool.submit(_jpeg_ink, data)
        if memo is not None:
            pictures[image.objgen].add_done_callback(lambda done, digest=digest: _remember(memo, digest, done))


def _remember(memo: PreflightMemo, digest: str, done: Future) -> None:
    """A finished measure into the memo; one cancelled (the walk stopped early) is not a figure."""
    if not done.cancelled() and done.exception() is None:
        memo.put(digest, done.result())


class PreflightMemo:
    """What a preflight measured, kept between builds in a JSON file by the digest of what it measured:
    pictures' highest ink (by their bytes) and pages' findings (by all that a page draws, page_digest). An
    edit's preflight measures and walks only what changed. `fresh` (--force) reads nothing; `save()` keeps
    what this preflight used."""

    VERSION = "2"  # bump it when a measure or a page's checks change; the area and Pillow's version are added

    def __init__(self, path: Path, fresh: bool = False) -> None:
        self.path, self.used, self.used_pages = path, {}, {}
        self.known: dict = {}
        self.pages: dict = {}
        if not fresh:
            with contextlib.suppress(OSError, ValueError, RecursionError):  # RecursionError: nested too deep
                kept = json.loads(path.read_text(encoding="utf-8"))
                mine = isinstance(kept, dict) and kept.get("version") == self.version()
                inks, pages = (kept.get("inks"), kept.get("pages")) if mine else (None, None)
                if isinstance(inks, dict):  # anything else in the file: measured again
                    self.known = {k: float(v) for k, v in inks.items()
                                  if isinstance(v, (int, float)) and not isinstance(v, bool)}
                if isinstance(pages, dict):
                    self.pages = {k: [tuple(f) for f in v] for k, v in pages.items() if _findings(v)}

    @classmethod
    def version(cls) -> str:
        """What the kept measures depend on besides what they measure: the area, Pillow's and pikepdf's
        versions, and the checks' own code (a changed check walks every page again)."""
        import PIL

        return f"{cls.VERSION} {INK_AREA} {PIL.__version__} {pikepdf.__version__} {_checks_digest()}"

    def get(self, digest: str) -> float | None:
        value = self.known.get(digest)
        if value is not None:
            self.used[digest] = value
        return value

    def put(self, digest: str, value: float) -> None:
        self.used[digest] = value

    def page(self, digest: str) -> list[tuple[str, str, str]] | None:
        """A page's findings as (level, what, fix), if a page drawing the very same was walked before."""
        found = self.pages.get(digest)
        if found is not None:
            self.used_pages[digest] = found
        return found

    def put_page(self, digest: str, findings: list[tuple[str, str, str]]) -> None:
        self.used_pages[digest] = findings

    def save(self) -> None:
        with contextlib.suppress(OSError):  # a read-only folder only costs time
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_text(self.path, json.dumps({"version": self.version(), "inks": dict(sorted(self.used.items())),
                                              "pages": dict(sorted(self.used_pages.items()))}))


@functools.lru_cache(maxsize=1)
def _checks_digest() -> str:
    """The digest of the preflight's code: this module, the walk's (preflight.py) and the colour spaces'."""
    digest = hashlib.sha256()
    for name in ("preflight_parts.py", "preflight.py", "separate.py"):
        with contextlib.suppress(OSError):
            digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def _findings(value) -> bool:
    """Whether a kept page's findings are a list of (level, what, fix) strings."""
    return isinstance(value, list) and all(
        isinstance(f, list) and len(f) == 3 and all(isinstance(v, str) for v in f) and f[0] in ("error", "warning")
        for f in value)


def page_digest(page, ink_limit: int, seen: dict) -> str:
    """The digest of all that a preflight's walk of the page reads: its content, resources (fonts, pictures,
    forms, each with its bytes) and transparency group, and the ink limit; never the objects' numbers, which
    change from one build to the next. `seen` keeps each shared object's digest for the next page."""
    digest = hashlib.sha256(f"{ink_limit}".encode())
    for name in ("/Contents", "/Resources", "/Group"):
        if name in page.obj:
            digest.update(name.encode() + _digest(page.obj[name], seen, set()))
    return digest.hexdigest()


def _digest(item, seen: dict, open_: set) -> bytes:
    """One object's digest, what it refers to included (a /Parent, which leads back up the page tree, not)."""
    number = item.objgen if isinstance(item, pikepdf.Object) else (0, 0)
    if number != (0, 0):
        if number in seen:
            return seen[number]
        if number in open_:  # a loop of references: the object is being digested further up
            return b"loop"
        open_.add(number)
    digest = hashlib.sha256()
    if isinstance(item, (pikepdf.Dictionary, pikepdf.Stream)):
        digest.update(b"S" if isinstance(item, pikepdf.Stream) else b"D")
        for key in sorted(item.keys()):
            if key != "/Parent":
                digest.update(key.encode() + _digest(item[key], seen, open_))
        if isinstance(item, pikepdf.Stream):
            digest.update(bytes(item.read_raw_bytes()))
    elif isinstance(item, pikepdf.Array):
        digest.update(b"A")
        for inner in item:
            digest.update(_digest(inner, seen, open_))
    elif isinstance(item, pikepdf.Object):
        digest.update(item.unparse())
    else:
        digest.update(repr(item).encode())
    value = digest.digest()
    if number != (0, 0):
        open_.discard(number)
        seen[number] = value
    return value


def _picture_ink(image) -> float:
    """The highest total ink of a CMYK picture, in percent, over small areas; 0 for others."""
    if space_kind(image.get("/ColorSpace")) != "cmyk":
        return 0.0
    return _ink(_cmyk_pixels(image))


def _jpeg_ink(data: bytes) -> float:
    return _ink(_decoded(lambda: data))


def _ink(pil) -> float:
    if pil is None:
        return 0.0
    if min(pil.size) >= 2 * INK_AREA:
        pil = pil.reduce(INK_AREA)
    import numpy

    pixels = numpy.asarray(pil, dtype=numpy.float32)
    return float(pixels.sum(axis=2).max()) / 255 * 100


def _filters(image) -> list[str]:
    filters = image.get("/Filter")
    return [str(f) for f in filters] if isinstance(filters, pikepdf.Array) else [str(filters or "")]


def _cmyk_pixels(image):
    """A CMYK picture's own pixels (without its soft mask, which pikepdf would merge into RGBA), or None."""
    from PIL import Image

    filters = _filters(image)
    if filters[-1] == "/DCTDecode":
        return _decoded(lambda: bytes(image.read_raw_bytes()) if len(filters) == 1 else _partly_decoded(image))
    try:
        if int(image.get("/BitsPerComponent", 8)) == 8 and "/Decode" not in image:
            width, height = int(image.Width), int(image.Height)
            return Image.frombytes("CMYK", (width, height), bytes(image.read_bytes()))
    except Exception:  # noqa: BLE001 - a picture that cannot be decoded is the viewer's finding, not ours
        return None
    return None


def _decoded(data) -> object:
    """A JPEG's pixels in CMYK from `data()`, its bytes; None if it cannot be decoded."""
    import io

    from PIL import Image

    try:
        return Image.open(io.BytesIO(data())).convert("CMYK")
    except Exception:  # noqa: BLE001 - a picture that cannot be decoded is the viewer's finding, not ours
        return None


def _partly_decoded(image) -> bytes:
    return bytes(image.read_bytes(decode_level=pikepdf.StreamDecodeLevel.generalized))
