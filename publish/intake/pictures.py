"""A picture's bytes from a document or beside a web page → a Picture to write (JPEG, PNG, SVG), or a note why not."""

from __future__ import annotations

import io
import warnings

from PIL import Image

from publish.intake.draft import Draft, Picture
from publish.picture_kinds import sniff

MAX_PIXELS = 80_000_000  # what publish check accepts is checked again there; this only keeps Pillow safe
EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "svg": ".svg"}


def token(number: int, ext: str) -> str:
    """The name a body uses for picture `number` until the writer gives it its real one."""
    return f"images/intake-picture-{number}{ext}"


def picture_from_bytes(data: bytes, number: int, name: str, draft: Draft) -> Picture | None:
    """JPEG, PNG and SVG as they are; GIF, BMP, TIFF, WebP converted to PNG; others noted as left out."""
    kind = sniff(data[:512])
    if kind:
        picture = Picture(data, EXTENSIONS[kind], token(number, EXTENSIONS[kind]))
        draft.pictures.append(picture)
        return picture
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise ValueError("too many pixels")
                image.load()
                out = io.BytesIO()
                image.convert("RGBA" if "A" in image.getbands() or image.mode == "P" else "RGB").save(out, "PNG")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        draft.note(f"picture {number} ({name}) is not a JPEG, PNG or SVG picture we can convert "
                   "(e.g. a Windows metafile): it was left out — export it as PNG and add it by hand")
        return None
    picture = Picture(out.getvalue(), ".png", token(number, ".png"))
    draft.pictures.append(picture)
    return picture
