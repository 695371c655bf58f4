"""A picture path named in a source → a checked Picture, or located problems.

Pictures must be real JPEG, PNG or SVG files inside the folder that names
them; they are decoded here once so that a broken or hostile file is caught
before any format touches it. A bitmap whose very bytes decoded before is not
decoded again (.publish-cache/decoded-pictures.json, by SHA-256).
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import re
import stat
import warnings
import zlib
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

from publish.errors import Problem, rel
from publish.model import Picture
from publish.picture_kinds import sniff

MAX_PICTURE_BYTES = 64 * 1024 * 1024
# PNGs are drawings and screenshots: 40 MP is 8000 × 5000, more than a tabloid page at 300 dpi
# (a 9400 × 9400 blank PNG of 370 KB would take gigabytes to lay out)
MAX_PNG_PIXELS = 40_000_000
PICTURE_SUFFIXES = (".jpg", ".jpeg", ".png", ".svg")
KINDS = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "svg": (".svg",)}
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _named_kind(head: bytes) -> str:
    for magic, name in ((b"GIF8", "a GIF"), (b"RIFF", "a WebP"), (b"BM", "a BMP"),
                        (b"II*\x00", "a TIFF"), (b"MM\x00*", "a TIFF"), (b"%PDF", "a PDF")):
        if head.startswith(magic):
            return name
    return "not a picture"


def check_picture(
    src: object,
    *,
    alt: object,
    base: Path,
    root: Path,
    source: Path,
    line: int | None,
    caption: str = "",
    credit: str = "",
    what: str = "picture",
) -> tuple[Picture | None, list[Problem]]:
    """Check one picture reference; `base` is the folder it must live in."""
    where = rel(source, root)
    problems: list[Problem] = []

    def error(message: str, hint: str) -> tuple[None, list[Problem]]:
        problems.append(Problem(where, line, message, hint))
        return None, problems

    if not isinstance(alt, str) or not alt.strip():
        problems.append(Problem(where, line, f"{what} {src!r} has no alt text",
                                "describe the picture for readers who cannot see it"))
    if not isinstance(src, str) or not src.strip():
        return error(f"{what} has no file name", "give its path, e.g. images/photo.jpg")
    src = src.strip()
    if "\x00" in src or "\x00" in unquote(src):
        return error(f"{what} {src.replace(chr(0), '')!r} contains a NUL character",
                     "retype the file name without it")
    try:
        resolved = _locate(src, base, root)
        kind = _inspect(resolved, root)
    except _Bad as bad:
        return error(f"{what} {src!r} {bad.args[0]}", bad.args[1])
    if kind == "svg":
        problems.extend(Problem(where, line, f"{what} {src!r} refers to {gone!r}, which no output may load; "
                                "it is left out", "keep what the picture shows inside it, or in its issue's "
                                "folder as a JPEG or PNG", "warning") for gone in _svg_removals(resolved, base))
    if resolved.suffix.lower() not in KINDS[kind]:
        problems.append(Problem(where, line, f"{what} {src!r} is a {kind.upper()} file with a "
                                f"{resolved.suffix or 'missing'} extension",
                                f"rename it to end in {KINDS[kind][0]}", "warning"))
    picture = Picture(src=src, path=resolved, alt=alt.strip() if isinstance(alt, str) else "",
                      caption=caption, credit=credit, line=line)
    return picture, problems


class _Bad(Exception):
    """What is wrong with a picture (completing "picture 'x.jpg' …") and what to do."""


def _locate(src: str, base: Path, root: Path) -> Path:
    """The file a picture reference names, inside `base` and reached by no link out of it."""
    inside = "the issue's folder" if base != root else "the publication folder"
    # Markdown writes body pictures URL-encoded (images/caf%C3%A9.jpg); a literal name wins if it exists
    name = unquote(src) if "%" in src and not _exists(base, src) else src
    example = "images/" + PurePosixPath(name.replace("\\", "/")).name
    if _URL.match(name) and not re.match(r"^[a-zA-Z]:[\\/]", name):
        raise _Bad("is a URL; pictures are never fetched", f"save the file in {inside} and name it, e.g. {example}")
    if name.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", name):
        raise _Bad("is an absolute path", f"copy it into {inside} and name it relative to it, e.g. {example}")
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if ".." in parts:
        raise _Bad(f"points outside {inside}", f"copy it into {inside} and name it relative to it, e.g. {example}")
    path = base.joinpath(*parts)
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        close = _closest(name, base, root)
        raise _Bad("does not exist", f"did you mean {close!r}?" if close
                   else f"add the file {rel(path, root)} or fix the name") from None
    if not resolved.is_relative_to(base.resolve()):
        raise _Bad(f"leads outside {inside} (through a link)",
                   "copy the file itself into the folder instead of linking to it")
    return resolved


def _inspect(path: Path, root: Path | None = None) -> str:
    """The checked kind of a located picture file: a single-named regular file that decodes (a bitmap whose
    very bytes decoded before, in the publication `root`, is not decoded again: _decoded_bitmap)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _Bad(f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    if not stat.S_ISREG(info.st_mode):
        raise _Bad("is not a regular file", "name a JPEG, PNG or SVG file")
    if info.st_nlink > 1:
        # a hard link can be a file from anywhere on the disk, under a name inside the folder
        raise _Bad(f"is a hard link (the file has {info.st_nlink} names)",
                   "copy the file into the folder instead of linking it")
    if info.st_size > MAX_PICTURE_BYTES:
        raise _Bad(f"is {info.st_size // 2**20} MB, over the 64 MB limit",
                   "save it smaller (a 3000 px JPEG is plenty for print)")
    try:
        with open(path, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        raise _Bad(f"cannot be read ({exc.strerror})", "check the file's permissions") from None
    kind = sniff(head)
    if kind is None:
        raise _Bad(f"is {_named_kind(head)}, not a JPEG, PNG or SVG file",
                   "convert it to JPEG (photos) or PNG (drawings)")
    trouble = _decode_svg(path) if kind == "svg" else _decoded_bitmap(path, root)
    if trouble:
        raise _Bad(*trouble)
    return kind


DECODED = Path(".publish-cache") / "decoded-pictures.json"
_DECODED_FORMAT = "1"  # bump it when what makes a bitmap pass _decode_bitmap changes
_DECODED_MOST = 50_000  # digests kept (4,000 issues of a dozen pictures); past it, only the last read's
_memos: dict[Path, tuple[set[str], set[str]]] = {}  # root → (digests kept in DECODED, digests passed now)


def _decoded_bitmap(path: Path, root: Path | None) -> tuple[str, str] | None:
    """_decode_bitmap's verdict, skipped for a file whose bytes (by their SHA-256) passed it before in this
    publication: decoding every picture was a third of reading an issue (0.02 s of the bench issue's
    0.06 s), on the way to every build's first page."""
    if root is None:
        return _decode_bitmap(path)
    kept, passed = _memo(root)
    try:
        digest = _sha256(path)
        if digest in kept:
            passed.add(digest)
            return None
        trouble = _decode_bitmap(path)
        # the bytes decoded are those digested only if the file did not change meanwhile (an exporter
        # still writing it, during `serve`): else nothing is kept
        if trouble is None and _sha256(path) == digest:
            passed.add(digest)
    except OSError as exc:
        return (f"cannot be read ({exc.strerror})", "check the file's permissions")
    return trouble


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _memo(root: Path) -> tuple[set[str], set[str]]:
    if root not in _memos:
        _memos[root] = (_read_decoded(root / DECODED), set())
    return _memos[root]


def _decoded_version() -> str:
    from PIL import Image, __version__

    return f"{_DECODED_FORMAT} {__version__} {Image.MAX_IMAGE_PIXELS} {MAX_PNG_PIXELS}"


def _read_decoded(path: Path) -> set[str]:
    from publish.atomic import read_kept_json

    kept = read_kept_json(path, 80 * _DECODED_MOST)  # 67 bytes a digest in the file
    if not isinstance(kept, dict) or kept.get("version") != _decoded_version():
        return set()
    digests = kept.get("sha256")
    return {d for d in digests if isinstance(d, str) and _HEX64.fullmatch(d)} if isinstance(digests, list) else set()


_HEX64 = re.compile(r"[0-9a-f]{64}")


def keep_decoded(root: Path) -> None:
    """Write what this process found decodes to the publication's memo, where the builds keep their records
    (`publish check` alone writes nothing); a folder that cannot be written only costs time."""
    kept, passed = _memos.get(root, (set(), set()))
    if passed <= kept or not (root / DECODED).parent.is_dir():
        return
    digests = kept | passed if len(kept | passed) <= _DECODED_MOST else passed
    from publish.atomic import write_text

    with contextlib.suppress(OSError):
        write_text(root / DECODED, json.dumps({"version": _decoded_version(), "sha256": sorted(digests)}))
    _memos[root] = (digests, set())


def _decode_bitmap(path: Path) -> tuple[str, str] | None:
    from PIL import Image, ImageFile, UnidentifiedImageError

    # WeasyPrint, once imported, lets Pillow load truncated files for the whole process (a PDF build, serve):
    # the check must see them as they are
    lenient, ImageFile.LOAD_TRUNCATED_IMAGES = ImageFile.LOAD_TRUNCATED_IMAGES, False
    try:
        return _decode_strictly(path)
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = lenient


def _decode_strictly(path: Path) -> tuple[str, str] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > (Image.MAX_IMAGE_PIXELS or 89_478_485):
                    raise Image.DecompressionBombError("too many pixels")
                if image.format == "PNG":
                    if width * height > MAX_PNG_PIXELS:
                        return (f"is {width} × {height} pixels, over the {MAX_PNG_PIXELS // 1_000_000} MP limit "
                                "for PNG pictures", "save it smaller (5000 px on the long edge is plenty)")
                    # every byte is checked without holding the raster: a few MB, whatever the size
                    return _verify_png(path)
                if image.format == "JPEG":
                    # decode at 1/8 scale: every byte is still read (truncation shows), 8× faster
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return ("is too large to decode safely (a decompression bomb?)",
                "save it at most 9000 × 9000 pixels")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        return (f"is damaged or truncated ({exc})".replace(str(path), "file"),
                "export the picture again")
    return None


_CHANNELS = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}  # PNG colour type → samples per pixel
_ADAM7 = ((0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2))


def _verify_png(path: Path) -> tuple[str, str] | None:
    """Chunk checksums and the exact length of the inflated image data, streamed in small pieces."""
    damaged = ("is damaged or truncated", "export the picture again")
    with open(path, "rb") as handle:
        handle.read(8)
        inflate, total, expected = zlib.decompressobj(), 0, None
        while True:
            head = handle.read(8)
            if len(head) < 8:
                return damaged
            length, name = int.from_bytes(head[:4], "big"), head[4:]
            body, crc = handle.read(length), handle.read(4)
            if len(body) < length or len(crc) < 4 or zlib.crc32(name + body) != int.from_bytes(crc, "big"):
                return damaged
            if name == b"IHDR":
                expected = _png_data_size(body)
            elif name == b"IDAT" and expected is not None:
                try:
                    piece = inflate.decompress(body, 1 << 20)
                    while piece:
                        total += len(piece)
                        if total > expected:
                            return damaged
                        piece = inflate.decompress(inflate.unconsumed_tail, 1 << 20)
                except zlib.error:
                    return damaged
            elif name == b"IEND":
                return None if expected is not None and total == expected and inflate.eof else damaged


def _png_data_size(header: bytes) -> int | None:
    """How many bytes the image data inflates to, from the IHDR chunk."""
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlaced = header[8], header[9], header[12]
    bits = depth * _CHANNELS.get(colour, 0)
    if not bits:
        return None

    def size(w: int, h: int) -> int:
        return 0 if w == 0 or h == 0 else h * (1 + (w * bits + 7) // 8)

    if not interlaced:
        return size(width, height)
    return sum(size((width - x + dx - 1) // dx, (height - y + dy - 1) // dy) for x, y, dx, dy in _ADAM7)


def _decode_svg(path: Path) -> tuple[str, str] | None:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                             huge_tree=False, dtd_validation=False)
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        return (f"is not well-formed SVG ({exc.msg})", "export the SVG again")
    docinfo = tree.docinfo
    if docinfo.internalDTD is not None or (docinfo.doctype and "ENTITY" in docinfo.doctype):
        return ("declares entities or a DTD, which pictures may not", "export the SVG without a DOCTYPE")
    root = tree.getroot()
    name = etree.QName(root)
    if name.localname != "svg" or name.namespace not in (None, "http://www.w3.org/2000/svg"):
        return ("is XML but not SVG (its root is not an SVG <svg> element)", "name an SVG, JPEG or PNG file")
    return None


def _svg_removals(path: Path, base: Path) -> list[str]:
    """The references the sanitiser takes out of an SVG, for a warning."""
    from publish.errors import PublishError
    from publish.svg_clean import clean_svg

    try:
        return clean_svg(path.read_bytes(), path, base)[1]
    except (OSError, PublishError):
        return []


def _exists(base: Path, name: str) -> bool:
    try:
        return (base / name).exists()
    except (OSError, ValueError):
        return False


def _closest(name: str, base: Path, root: Path) -> str | None:
    """The picture file most like a name that does not exist: same name in other case first, then difflib."""
    wanted = name.replace("\\", "/").strip("/")
    names = _picture_names(base, skip=("issues", "dist") if base == root else ())
    for candidate in names:
        if candidate.lower() == wanted.lower():
            return candidate
    lowered = {candidate.lower(): candidate for candidate in names}
    close = difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def _picture_names(base: Path, skip: tuple[str, ...], limit: int = 5000) -> list[str]:
    """Picture files under `base`, as paths relative to it (hidden and skipped folders left out)."""
    found: list[str] = []
    for folder, dirs, files in os.walk(base):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not (Path(folder) == base and d in skip))
        found.extend(Path(folder, f).relative_to(base).as_posix() for f in sorted(files)
                     if f.lower().endswith(PICTURE_SUFFIXES))
        if len(found) >= limit:
            break
    return found
