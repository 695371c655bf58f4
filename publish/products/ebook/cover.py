"""An issue → its ebook cover as JPEG bytes: the finished cover image if one is given, else a typographic cover.

The typographic cover (masthead, issue number and date, the cover story's
picture, kicker and the cover headline) is drawn with Pillow in the fonts of
the publication's `fonts/` folder; its sizes, colours and font files come from
the layout's `epub/cover.toml`, so a paper restyles it without code.
"""

from __future__ import annotations

import io
import logging
import tomllib
from pathlib import Path

from publish import fonts_dir
from publish.drawing import wrap_words
from publish.errors import PublishError
from publish.model import Issue, Picture
from publish.render import environment, long_date

log = logging.getLogger("publish")

DESIGN_TEMPLATE = "epub/cover.toml"
MAX_COVER = (1600, 2560)  # Kindle's recommended cover size
JPEG_QUALITY = 88


def design(issue: Issue) -> dict:
    """The layout's cover settings (epub/cover.toml of the layout, else the built-in default)."""
    pub = issue.publication
    env = environment(pub)
    try:
        text, filename, _ = env.loader.get_source(env, DESIGN_TEMPLATE)
    except Exception:  # noqa: BLE001 - jinja2.TemplateNotFound: no cover design anywhere
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: not found — add it, or remove the "
                           "layout folder to use the built-in default") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: {exc} — fix the TOML") from None


def is_finished_cover(picture: Picture) -> bool:
    """A given cover image that is a whole front page (portrait), not just a picture for one."""
    from PIL import Image

    if picture.path.suffix.lower() == ".svg":
        return False
    with Image.open(picture.path) as image:
        width, height = image.size
    return height >= 1.2 * width


def cover_jpeg(issue: Issue) -> bytes:
    """The cover as the EPUB and the Kindle edition carry it."""
    given = issue.cover_image
    if given is not None and is_finished_cover(given):
        return _finished(given.path)
    picture = issue.cover_picture
    if picture is not None and picture.path.suffix.lower() == ".svg":
        picture = None  # Pillow cannot draw SVG; the cover does without the picture
    return draw(issue, picture.path if picture else None, design(issue))


def _finished(path: Path) -> bytes:
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image.draft("RGB", MAX_COVER)
        cover = ImageOps.exif_transpose(image) or image
        cover = cover.convert("RGB")
    cover.thumbnail(MAX_COVER, Image.Resampling.LANCZOS)
    cover.info = {}  # Pillow writes a source JPEG's comment (and more) back out from info
    out = io.BytesIO()
    cover.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue()


# --- the typographic cover -----------------------------------------------------------------


def _font(fonts: Path, name: str, size: int):
    from PIL import ImageFont

    path = fonts / name
    if path.is_file():
        return ImageFont.truetype(str(path), size)
    log.info("%s not found: the cover uses Pillow's built-in font", path)
    return ImageFont.load_default(size)


def _fit_line(text: str, fonts: Path, name: str, size: int, width: float):
    """The largest font (down from `size`) that sets `text` on one line within `width`."""
    font = _font(fonts, name, size)
    while size > 12 and font.getlength(text) > width:
        size = int(size * 0.92)
        font = _font(fonts, name, size)
    return font


def _fit_block(text: str, fonts: Path, name: str, size: int, width: float, height: float, leading: float):
    """The largest font whose wrapped lines fit the box; returns (font, lines, line height)."""
    while True:
        font = _font(fonts, name, size)
        lines = (wrap_words(text, font, width) or [""])
        step = int(size * leading)
        widest = max(font.getlength(line) for line in lines)
        if (len(lines) * step <= height and widest <= width) or size <= 28:
            return font, lines, step
        size = int(size * 0.94)


def draw(issue: Issue, picture: Path | None, spec: dict) -> bytes:
    """The typographic cover, as JPEG bytes."""
    from PIL import Image, ImageDraw, ImageOps

    pub = issue.publication
    fonts = fonts_dir(pub.root)
    width, height = int(spec.get("width", 1600)), int(spec.get("height", 2400))
    margin = int(spec.get("margin", 90))
    colours = {key: spec.get(key, default) for key, default in (
        ("background", "#ffffff"), ("ink", "#111111"), ("accent", "#c8102e"), ("on-accent", "#ffffff"))}
    faces = {key: spec.get(f"{key}-font", default) for key, default in (
        ("masthead", "RobotoCondensed-Bold.ttf"), ("label", "RobotoCondensed-Regular.ttf"),
        ("kicker", "RobotoCondensed-Bold.ttf"), ("headline", "NotoSerif-Bold.ttf"))}
    for key, name in faces.items():
        if not isinstance(name, str) or Path(name).name != name or name in (".", ".."):
            raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: {key}-font {name!r} must be a file name "
                               "in the publication's fonts/ folder — write e.g. \"NotoSerif-Bold.ttf\"")
    try:
        canvas = Image.new("RGB", (width, height), colours["background"])
        ink = ImageDraw.Draw(canvas)
        inner = width - 2 * margin

        # masthead band
        band = int(height * 0.155)
        ink.rectangle((0, 0, width, band), fill=colours["accent"])
        masthead = _fit_line(pub.title, fonts, faces["masthead"], int(band * 0.6), inner)
        ink.text((width / 2, band * 0.46), pub.title, font=masthead, fill=colours["on-accent"], anchor="mm")
        if pub.tagline:
            tagline = _fit_line(pub.tagline, fonts, faces["label"], int(band * 0.13), inner)
            ink.text((width / 2, band * 0.84), pub.tagline, font=tagline, fill=colours["on-accent"], anchor="mm")

        # issue number and date
        label = _font(fonts, faces["label"], int(height * 0.024))
        y = band + int(height * 0.035)
        ink.text((margin, y), f"Issue {issue.number}", font=label, fill=colours["ink"], anchor="lm")
        ink.text((width - margin, y), long_date(issue.date, pub.language), font=label, fill=colours["ink"], anchor="rm")
        y += int(height * 0.03)
        ink.rectangle((margin, y, width - margin, y + 5), fill=colours["ink"])
        y += int(height * 0.02)

        # the cover story's picture, cropped to fill the width
        if picture is not None:
            area = (width, int(height * 0.42))
            with Image.open(picture) as source:
                source.draft("RGB", area)
                photo = (ImageOps.exif_transpose(source) or source).convert("RGB")
            canvas.paste(ImageOps.fit(photo, area, Image.Resampling.LANCZOS), (0, y))
            y += area[1] + int(height * 0.03)
        else:
            y += int(height * 0.06)

        # kicker and headline
        story = issue.cover_story
        if story is not None and story.kicker:
            kicker = _font(fonts, faces["kicker"], int(height * 0.03))
            ink.text((margin, y), story.kicker.upper(), font=kicker, fill=colours["accent"], anchor="la")
            y += int(height * 0.05)
        footer = height - int(height * 0.075)
        box = footer - y - int(height * 0.03)
        font, lines, step = _fit_block(issue.headline, fonts, faces["headline"], int(height * 0.07), inner, box, 1.12)
        for line in lines:
            ink.text((margin, y), line, font=font, fill=colours["ink"], anchor="la")
            y += step

        # footer: publisher and address
        ink.rectangle((margin, footer, width - margin, footer + 3), fill=colours["accent"])
        small = _font(fonts, faces["label"], int(height * 0.018))
        ink.text((margin, footer + int(height * 0.03)), pub.publisher, font=small, fill=colours["ink"], anchor="lm")
        if pub.url:
            address = pub.url.split("://", 1)[-1].rstrip("/")
            ink.text((width - margin, footer + int(height * 0.03)), address, font=small, fill=colours["ink"],
                     anchor="rm")
    except (OSError, ValueError) as exc:
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: cannot draw the cover ({exc}) — "
                           "check the font files and colours it names") from None
    out = io.BytesIO()
    canvas.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()
