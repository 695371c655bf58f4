"""A picture path named in a source → a checked Picture, or located problems.

Pictures must be real JPEG, PNG or SVG files inside the folder that names
them; they are decoded here once so that a broken or hostile file is caught
before any format touches it.
"""

from __future__ import annotations

import os
import re
import stat
import warnings
from pathlib import Path, PurePosixPath

from publish.errors import Problem, rel
from publish.model import Picture

MAX_PICTURE_BYTES = 64 * 1024 * 1024
KINDS = {"jpeg": (".jpg", ".jpeg"), "png": (".png",), "svg": (".svg",)}
_URL = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def sniff(head: bytes) -> str | None:
    """The picture kind from a file's first bytes: jpeg, png, svg, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head:
        return "svg"
    return None


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
    inside = "the issue's folder" if base != root else "the publication folder"
    example = "images/" + PurePosixPath(src.replace("\\", "/")).name
    if _URL.match(src) and not re.match(r"^[a-zA-Z]:[\\/]", src):
        return error(f"{what} {src!r} is a URL; pictures are never fetched",
                     f"save the file in {inside} and name it, e.g. {example}")
    if src.startswith(("/", "\\")) or re.match(r"^[a-zA-Z]:[\\/]", src):
        return error(f"{what} {src!r} is an absolute path",
                     f"copy it into {inside} and name it relative to it, e.g. {example}")
    parts = PurePosixPath(src.replace("\\", "/")).parts
    if ".." in parts:
        return error(f"{what} {src!r} points outside {inside}",
                     f"copy it into {inside} and name it relative to it, e.g. {example}")
    path = base.joinpath(*parts)
    try:
        resolved = path.resolve(strict=True)
    except (FileNotFoundError, RuntimeError, OSError):
        return error(f"{what} {src!r} does not exist", f"add the file {rel(path, root)} or fix the name")
    if not resolved.is_relative_to(base.resolve()):
        return error(f"{what} {src!r} leads outside {inside} (through a link)",
                     "copy the file itself into the folder instead of linking to it")
    try:
        info = os.stat(resolved)
    except OSError as exc:
        return error(f"{what} {src!r} cannot be read ({exc.strerror})", "check the file's permissions")
    if not stat.S_ISREG(info.st_mode):
        return error(f"{what} {src!r} is not a regular file", "name a JPEG, PNG or SVG file")
    if info.st_size > MAX_PICTURE_BYTES:
        return error(f"{what} {src!r} is {info.st_size // 2**20} MB, over the 64 MB limit",
                     "save it smaller (a 3000 px JPEG is plenty for print)")
    try:
        with open(resolved, "rb") as handle:
            head = handle.read(512)
    except OSError as exc:
        return error(f"{what} {src!r} cannot be read ({exc.strerror})", "check the file's permissions")
    kind = sniff(head)
    if kind is None:
        return error(f"{what} {src!r} is {_named_kind(head)}, not a JPEG, PNG or SVG file",
                     "convert it to JPEG (photos) or PNG (drawings)")
    trouble = _decode_svg(resolved) if kind == "svg" else _decode_bitmap(resolved)
    if trouble:
        return error(f"{what} {src!r} {trouble[0]}", trouble[1])
    if resolved.suffix.lower() not in KINDS[kind]:
        problems.append(Problem(where, line, f"{what} {src!r} is a {kind.upper()} file with a "
                                f"{resolved.suffix or 'missing'} extension",
                                f"rename it to end in {KINDS[kind][0]}", "warning"))
    picture = Picture(src=src, path=resolved, alt=alt.strip() if isinstance(alt, str) else "",
                      caption=caption, credit=credit, line=line)
    return picture, problems


def _decode_bitmap(path: Path) -> tuple[str, str] | None:
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                width, height = image.size
                if width * height > (Image.MAX_IMAGE_PIXELS or 89_478_485):
                    raise Image.DecompressionBombError("too many pixels")
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
    if etree.QName(root).localname != "svg":
        return ("is XML but not SVG", "name an SVG, JPEG or PNG file")
    return None
