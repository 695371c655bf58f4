"""A checked picture file → the bytes an ebook carries: long edge ≤ 1600 px, RGB, no metadata; SVG sanitised.

Bitmaps that already fit (small enough, RGB or grey, no EXIF/ICC/XMP/comments,
baseline JPEG) are copied as they are, so a well-prepared issue costs no
re-encoding; everything else is decoded once, turned upright, converted to
sRGB, shrunk and saved again without metadata.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from publish.errors import PublishError
from publish.formats.epub_xhtml import remove_keeping_tail
from publish.pictures import sniff

MAX_EDGE = 1600
JPEG_QUALITY = 85
SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
MEDIA_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "svg": "image/svg+xml"}
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "svg": ".svg"}

# JPEG/PNG header facts that are not metadata worth stripping
_HARMLESS = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "transparency", "gamma", "aspect", "srgb"}
_PNG_MODES = {"1", "L", "LA", "P", "RGB", "RGBA"}
# elements that run code, embed other documents or animate links
_SVG_BANNED = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler", "listener",
               "animate", "animateMotion", "animateTransform", "set", "discard"}
_EXTERNAL_URL = re.compile(r"url\(\s*['\"]?(?!#)", re.I)
_EXTERNAL_URL_TOKEN = re.compile(r"url\(\s*['\"]?(?!#)[^)]*\)", re.I)
_IMPORT = re.compile(r"@import[^;]*;?", re.I)
_EXTERNAL_DECLARATION = re.compile(r"[\w-]+\s*:[^;{}]*url\(\s*['\"]?(?!#)[^)]*\)[^;{}]*;?", re.I)


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
                return Prepared(path.read_bytes(), MEDIA_TYPES[image.format.lower()], image.size)
            is_jpeg = image.format == "JPEG"
            if is_jpeg and max(image.size) > max_edge:
                image.draft(image.mode, _scaled(image.size, max_edge))  # let libjpeg decode at a smaller scale
            image.load()
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


# --- SVG -----------------------------------------------------------------------------------


def sanitize_svg(path: Path) -> bytes:
    """An SVG without scripts, event handlers, external references, entities or foreign markup."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True, huge_tree=False)
    try:
        root = etree.parse(str(path), parser).getroot()
    except (etree.XMLSyntaxError, OSError) as exc:
        raise PublishError(f"{path}: not well-formed SVG ({exc}) — export the SVG again") from None
    for element in list(root.iter()):
        if element is not root and element.getparent() is None:
            continue  # inside something already removed
        if not isinstance(element.tag, str):  # entity references
            remove_keeping_tail(element)
            continue
        name = etree.QName(element)
        if name.namespace not in (SVG, None) or name.localname in _SVG_BANNED:
            remove_keeping_tail(element)
            continue
        if name.localname == "style" and element.text:
            # drop imports and every declaration that fetches something; what is left still styles the picture
            text = _EXTERNAL_DECLARATION.sub("", _IMPORT.sub("", element.text))
            element.text = _EXTERNAL_URL_TOKEN.sub("none", text)
        _clean_attributes(element)
        if name.localname in ("image", "use") and not _href(element):
            remove_keeping_tail(element)
    _namespace(root)
    _ensure_viewbox(root)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _href(element) -> str | None:
    return element.get("href") or element.get(f"{{{XLINK}}}href")


def _clean_attributes(element) -> None:
    for attribute in list(element.attrib):
        qname = etree.QName(attribute)
        value = element.get(attribute) or ""
        local = qname.localname
        if qname.namespace not in (None, XLINK, XML):
            del element.attrib[attribute]
        elif local.lower().startswith("on") or "javascript:" in value.lower().replace(" ", ""):
            del element.attrib[attribute]
        elif local == "href" and not value.startswith("#"):
            del element.attrib[attribute]
        elif _EXTERNAL_URL.search(value):
            del element.attrib[attribute]


def _namespace(root) -> None:
    """Elements written without the SVG namespace are put into it (readers need it to draw them)."""
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace is None:
            element.tag = f"{{{SVG}}}{element.tag}"
    etree.cleanup_namespaces(root, top_nsmap={None: SVG, "xlink": XLINK})


def _ensure_viewbox(root) -> None:
    """A viewBox lets the picture scale to the reader's screen."""
    if root.get("viewBox"):
        return
    sizes = []
    for key in ("width", "height"):
        match = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", root.get(key) or "")
        sizes.append(match.group(1) if match else None)
    if all(sizes):
        root.set("viewBox", f"0 0 {sizes[0]} {sizes[1]}")
