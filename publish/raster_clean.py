"""JPEG or PNG bytes → the same picture upright, with its colour profile and no metadata.

Cleaned without re-encoding where possible: segments or chunks are walked and
only what draws the picture (and its ICC profile) is kept, so GPS positions,
camera serials, authors, comments, XMP, IPTC, thumbnails and anything after the
image's end never leave the tool. A picture that must be turned upright is
decoded, turned and encoded again with its own quantisation tables.
"""

from __future__ import annotations

import io

ORIENTATION = 0x0112  # the EXIF tag
# a JPEG turned upright beyond this is decoded at half size: 6000 px is more than any page prints,
# and a full 9000 × 9000 decode and turn would hold 650 MB
MAX_TURNED_EDGE = 6000

# JPEG APPn segments that draw the picture: JFIF (rewritten without its thumbnail),
# the ICC profile (possibly in several parts) and Adobe's colour-transform flag
_KEEP_APP = {0xE0: b"JFIF\x00", 0xE2: b"ICC_PROFILE\x00", 0xEE: b"Adobe"}
# PNG chunks that draw the picture; text, time, EXIF, animation and private chunks go
_KEEP_PNG = {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"gAMA", b"cHRM", b"sRGB", b"iCCP", b"sBIT",
             b"bKGD", b"pHYs"}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Pillow's modes for a 16-bit greyscale PNG (older Pillows read it as "I")
SIXTEEN_BIT_GREY = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


def clean_raster(data: bytes, kind: str) -> bytes:
    """JPEG or PNG bytes → the same picture, upright, with its ICC profile and nothing else."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if (image.format or "").lower() != kind:
            raise ValueError(f"expected {kind.upper()}, found {image.format}")
        orientation = _valid_orientation(_orientation(image, data, kind))
        if orientation == 1:
            stripped = _strip_jpeg(data) if kind == "jpeg" else _strip_png(data)
            if stripped is not None:
                return stripped
        return _reencode(image, kind, orientation)


def eight_bit(data: bytes, kind: str) -> bytes:
    """A cleaned 16-bit greyscale PNG → the same picture in 8 bits a sample, as a PDF embeds it; any other
    picture as it is.

    WeasyPrint writes a picture's samples as they are decoded, and declares 8 bits: a 16-bit grey one would
    come out as noise, or stop the press's conversion. Browsers and e-readers show it as it is.
    """
    if kind != "png":
        return data
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        if image.mode not in SIXTEEN_BIT_GREY:
            return data
        import numpy

        samples = numpy.asarray(image)
        if samples.dtype != numpy.uint16:  # "I": 32-bit samples holding 16-bit values
            samples = numpy.clip(samples, 0, 65535).astype(numpy.uint16)
        grey = Image.fromarray((samples >> 8).astype(numpy.uint8), "L")  # the high byte: 65535 is 255
        transparent = image.info.get("transparency")
        if isinstance(transparent, int):  # one grey value that is see-through (tRNS): an alpha channel
            grey = Image.merge("LA", (grey, Image.fromarray(numpy.where(samples == transparent, 0, 255)
                                                            .astype(numpy.uint8), "L")))
        icc = image.info.get("icc_profile")
    out = io.BytesIO()
    grey.save(out, "PNG", **({"icc_profile": icc} if icc else {}))
    return out.getvalue()


def _valid_orientation(value) -> int:
    """EXIF orientation 1–8; anything else (a string, a list, out of range) means upright, as viewers read it."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= 8 else 1


def _orientation(image, data: bytes, kind: str) -> int:
    """The EXIF orientation, read without decoding the picture (Pillow's PNG getexif() decodes it all)."""
    from PIL import Image

    if kind == "jpeg":
        return image.getexif().get(ORIENTATION, 1) or 1
    exif = Image.Exif()
    i = len(PNG_SIGNATURE)
    while i + 12 <= len(data):
        length, name = int.from_bytes(data[i:i + 4], "big"), data[i + 4:i + 8]
        if name == b"eXIf":
            exif.load(data[i + 8:i + 8 + length])
            return exif.get(ORIENTATION, 1) or 1
        if name == b"IEND":
            break
        i += 12 + length
    return 1


def _reencode(image, kind: str, orientation: int) -> bytes:
    """Decode, turn upright, encode again with the source's own settings and no metadata."""
    from PIL import Image, JpegImagePlugin

    icc = image.info.get("icc_profile")
    options: dict = {"icc_profile": icc} if icc else {}
    if kind == "jpeg":
        options.update(qtables=image.quantization, subsampling=JpegImagePlugin.get_sampling(image),
                       optimize=False, progressive=False)
        if max(image.size) > MAX_TURNED_EDGE:
            image.draft(image.mode, (image.width // 2, image.height // 2))
    elif "transparency" in image.info:
        options["transparency"] = image.info["transparency"]
    image.load()
    turn = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
            4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
            6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}.get(orientation)
    picture = image.transpose(turn) if turn is not None else image.copy()
    picture.info = {}  # Pillow carries comments and EXIF over from info; nothing may pass
    if options.get("subsampling") == -1:
        del options["subsampling"]
    out = io.BytesIO()
    picture.save(out, "JPEG" if kind == "jpeg" else "PNG", **options)
    return out.getvalue()


def _strip_jpeg(data: bytes) -> bytes | None:
    """The JPEG's drawing segments and scans up to its end marker; None if it cannot be walked."""
    out = bytearray(b"\xff\xd8")
    i, n = 2, len(data)
    while i < n:
        if data[i] != 0xFF:
            return None
        while i < n and data[i] == 0xFF:  # fill bytes
            i += 1
        if i >= n:
            return None
        marker = data[i]
        i += 1
        if marker == 0xD9:
            return bytes(out + b"\xff\xd9")
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            out += bytes((0xFF, marker))
            continue
        if i + 2 > n:
            return None
        length = int.from_bytes(data[i:i + 2], "big")
        if length < 2 or i + length > n:
            return None
        payload = data[i + 2:i + length]
        if marker == 0xE0 and payload.startswith(b"JFIF\x00") and len(payload) >= 12:
            # JFIF without its thumbnail: version, units and density only
            out += b"\xff\xe0\x00\x10" + payload[:12] + b"\x00\x00"
        elif not (0xE0 <= marker <= 0xEF or marker == 0xFE) or (
                marker in _KEEP_APP and marker != 0xE0 and payload.startswith(_KEEP_APP[marker])):
            out += bytes((0xFF, marker)) + data[i:i + length]
        i += length
        if marker == 0xDA:  # entropy-coded data runs to the next marker that is not a stuffed byte or restart
            j = i
            while True:
                j = data.find(b"\xff", j)
                if j < 0 or j + 1 >= n:
                    return None
                following = data[j + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    j += 2
                    continue
                break
            out += data[i:j]
            i = j
    return None


def _strip_png(data: bytes) -> bytes | None:
    """The PNG's drawing chunks up to IEND; None if it cannot be walked."""
    if not data.startswith(PNG_SIGNATURE):
        return None
    out = bytearray(PNG_SIGNATURE)
    i, n = len(PNG_SIGNATURE), len(data)
    while i + 12 <= n:
        length = int.from_bytes(data[i:i + 4], "big")
        end = i + 12 + length
        if end > n:
            return None
        name = data[i + 4:i + 8]
        if name in _KEEP_PNG:
            out += data[i:end]
        if name == b"IEND":
            return bytes(out)
        i = end
    return None
