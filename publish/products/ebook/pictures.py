"""A checked picture file → the bytes an ebook carries: long edge ≤ 1600 px, RGB, no metadata; SVG sanitised.

Bitmaps that already fit (small enough, RGB or grey, no EXIF/ICC/XMP/comments,
baseline JPEG) are copied as they are, so a well-prepared issue costs no
re-encoding; everything else is decoded once, turned upright, converted to
sRGB, shrunk and saved again without metadata.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishError
from publish.picture_clean import publishable
from publish.picture_kinds import sniff
from publish.svg_clean import sanitize_svg

MAX_EDGE = 1600
JPEG_QUALITY = 85
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "svg": "image/svg+xml"}
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "svg": ".svg"}

# JPEG/PNG header facts that are not metadata worth stripping
_HARMLESS = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "transparency", "gamma", "aspect", "srgb"}
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}


@dataclass(frozen=True)
class Prepared:
    data: bytes
    media_type: str
    size: tuple[int, int] | None = None  # pixels, for bitmaps


def kind(path: Path) -> str:
    """jpeg, png or svg (the files were sniffed when the issue was read; this asks again, cheaply)."""
    with open(path, "rb") as handle:
        found = sniff(handle.read(512))
    if found is None:
        raise PublishError(f"{path}: not a JPEG, PNG or SVG file — convert it to JPEG or PNG")
    return found


def prepare(path: Path, max_edge: int = MAX_EDGE) -> Prepared:
    """The picture as the ebook carries it."""
    found = kind(path)
    if found == "svg":
        return Prepared(sanitize_svg(path), MEDIA_TYPES["svg"])
    return _bitmap(path, max_edge)


def _bitmap(path: Path, max_edge: int) -> Prepared:
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as image:
            if _fits(image, max_edge):
                # the file's own bytes, less anything Pillow does not show (trailing data, private chunks)
                data, _ = publishable(path, image.format.lower())
                return Prepared(data, MEDIA_TYPES[image.format.lower()], image.size)
            is_jpeg = image.format == "JPEG"
            if is_jpeg and max(image.size) > max_edge:
                image.draft(image.mode, _scaled(image.size, max_edge))  # let libjpeg decode at a smaller scale
            image.load()
            if max(image.size) >= 2 * max_edge:
                # shrink by a whole factor first: turning and converting a 36 MP PNG would hold half a GB
                image = image.reduce(max(image.size) // max_edge)
            upright = ImageOps.exif_transpose(image) or image
            picture = _to_srgb(upright, keep_alpha=not is_jpeg)
            if max(picture.size) > max_edge:
                picture = picture.resize(_scaled(picture.size, max_edge), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            if is_jpeg:
                picture.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=False)
            else:
                picture.save(out, "PNG", optimize=False, compress_level=9)
            return Prepared(out.getvalue(), "image/jpeg" if is_jpeg else "image/png", picture.size)
    except (OSError, ValueError, SyntaxError) as exc:
        raise PublishError(f"{path}: cannot prepare the picture for the ebook ({exc}) — export it again") from None


def _scaled(size: tuple[int, int], max_edge: int) -> tuple[int, int]:
    width, height = size
    scale = max_edge / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _fits(image, max_edge: int) -> bool:
    """Whether the file can go into the ebook untouched."""
    if max(image.size) > max_edge or getattr(image, "is_animated", False):
        return False
    if not set(image.info) <= _HARMLESS:
        return False
    if image.format == "JPEG":
        markers_ok = all(marker == "APP0" and data.startswith(b"JFIF") for marker, data in image.applist)
        return image.mode in ("RGB", "L") and markers_ok and "progressive" not in image.info
    return image.format == "PNG" and image.mode in _PNG_MODES


def _to_srgb(image, keep_alpha: bool):
    """Any mode and colour profile → sRGB (or grey), with alpha kept for PNG."""
    icc = image.info.get("icc_profile")
    has_alpha = keep_alpha and (image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info)
    target = "RGBA" if has_alpha else ("L" if image.mode in ("L", "1") and not icc else "RGB")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        from PIL import ImageCms

        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" and has_alpha else "RGB"
            converted = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: fall back to Pillow's plain conversion below
    if image.mode != target:
        image = image.convert(target)
    image.info.clear()
    return image
