"""An issue and the publication's fonts → the site's cover pictures (front page in small, thumbnail) and favicon."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from publish import fonts_dir
from publish.drawing import wrap_words
from publish.model import Issue, Picture, Publication
from publish.render import long_date

COVER_SIZE = (600, 849)  # the A-series ratio of the printed paper
THUMB_SIZE = (200, 283)
MASTHEAD_RED = (179, 0, 0)


def _fonts(pub: Publication) -> tuple[Path | None, Path | None]:
    """(a bold sans for the masthead, a bold serif for the headline) from the publication's fonts/."""
    files = sorted(p for p in fonts_dir(pub.root).glob("*") if p.suffix.lower() in (".ttf", ".otf"))
    bold = [p for p in files if "bold" in p.stem.lower() and "italic" not in p.stem.lower()] or files

    def serif(path: Path) -> bool:
        name = path.stem.lower()
        return "serif" in name and "sans" not in name

    sans = next((p for p in bold if not serif(p)), bold[0] if bold else None)
    serifs = next((p for p in bold if serif(p)), sans)
    return sans, serifs


def _font(path: Path | None, size: int) -> ImageFont.FreeTypeFont:
    if path is not None:
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            pass
    return ImageFont.load_default(size=size)


# The narrowest a character of a bold cover font gets, in ems ("i", "l", a space: about 0.25;
# 0.15 leaves room for condensed faces). No more text than this could fit in a box is ever measured.
NARROWEST_EM = 0.15
ELLIPSIS = "\u2026"


def clip_text(text: str, box: tuple[int, int], smallest: int) -> str:
    """`text` cut (at a space, with an ellipsis) to what could possibly fit in `box` at `smallest`."""
    lines = max(1, box[1] // int(smallest * 1.15))
    most = lines * int(box[0] / (smallest * NARROWEST_EM))
    text = " ".join(text[: most * 2].split())  # whitespace runs count as one space when wrapped
    if len(text) <= most:
        return text
    cut = text[:most].rsplit(" ", 1)[0] if " " in text[:most] else text[:most]
    return cut + ELLIPSIS


def _fit(text: str, path: Path | None, box: tuple[int, int], largest: int, smallest: int = 14):
    """The largest font size at which `text` wraps into `box`: (font, lines, line height).

    The work is bounded whatever the text's length: the text is first cut to what could fit at the
    smallest size, font sizes are searched by halving, and the last resort keeps only the lines that fit.
    """
    text = clip_text(text, box, smallest)
    sizes = list(range(largest, smallest - 1, -2))

    def attempt(size: int):
        font = _font(path, size)
        lines = wrap_words(text, font, box[0])
        height = int(size * 1.15)
        if len(lines) * height <= box[1] and all(font.getlength(line) <= box[0] for line in lines):
            return font, lines, height
        return None

    low, high, best = 0, len(sizes) - 1, None  # sizes shrink as the index grows; find the first that fits
    while low <= high:
        middle = (low + high) // 2
        fitted = attempt(sizes[middle])
        if fitted:
            best, high = fitted, middle - 1
        else:
            low = middle + 1
    if best:
        return best
    font = _font(path, smallest)
    height = int(smallest * 1.15)
    lines = wrap_words(text, font, box[0])
    keep = max(1, box[1] // height)
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = lines[-1].rstrip(ELLIPSIS) + ELLIPSIS
    return font, lines, height


def _picture(picture: Picture | None) -> Image.Image | None:
    if picture is None or picture.path.suffix.lower() == ".svg":
        return None
    try:
        with Image.open(picture.path) as image:
            return ImageOps.exif_transpose(image).convert("RGB")
    except OSError:
        return None


def draw_cover(issue: Issue) -> Image.Image:
    """The front page in small: masthead, issue line, cover picture, headline (typographic without a picture)."""
    pub = issue.publication
    width, height = COVER_SIZE
    sans, serif = _fonts(pub)
    cover = Image.new("RGB", COVER_SIZE, "white")
    draw = ImageDraw.Draw(cover)
    margin = 28
    band = 128
    draw.rectangle((0, 0, width, band), fill=MASTHEAD_RED)
    font, lines, line_height = _fit(pub.title, sans, (width - 2 * margin, band - 24), 92, 20)
    y = (band - line_height * len(lines)) // 2
    for line in lines:
        draw.text((margin, y), line, font=font, fill="white")
        y += line_height
    info = f"Issue {issue.number}  ·  {long_date(issue.date, pub.language)}"
    draw.text((margin, band + 14), info, font=_font(sans, 24), fill=(34, 34, 34))
    top = band + 56
    picture = _picture(issue.cover_picture)
    if picture is not None:
        area = (width, 400)
        cover.paste(ImageOps.fit(picture, area, Image.Resampling.LANCZOS), (0, top))
        top += area[1] + 18
        largest = 60
    else:
        draw.line((margin, top, width - margin, top), fill=MASTHEAD_RED, width=4)
        top += 30
        largest = 96
    box = (width - 2 * margin, height - top - margin)
    font, lines, line_height = _fit(issue.headline, serif, box, largest, 18)
    for line in lines:
        draw.text((margin, top), line, font=font, fill=(17, 17, 17))
        top += line_height
    return cover


def favicon(pub: Publication) -> bytes:
    """The masthead in a square: the title's first letter, white on red."""
    size = 64
    icon = Image.new("RGB", (size, size), MASTHEAD_RED)
    letter = (pub.title.strip()[:1] or "?").upper()
    font = _font(_fonts(pub)[0], 52)
    ImageDraw.Draw(icon).text((size / 2, size / 2), letter, font=font, fill="white", anchor="mm")
    buffer = io.BytesIO()
    icon.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()

