"""An issue → its front cover as a Pillow image of any size: the one cover painter of every format.

The finished cover image is used when the issue gives one (a portrait front
page); otherwise a typographic cover is drawn with Pillow in the publication's
`fonts/`: masthead, issue number and date, the cover story's picture, kicker
and the cover headline. Its proportions, colours and font files come from the
layout's `epub/cover.toml`, so a paper restyles it without code; every measure
scales with the size asked for, so the ebook's 1600×2400 cover and the site's
600×849 one are the same design. Text is fitted with bounded work whatever its
length (see `fit`): a headline is untrusted input.
"""

from __future__ import annotations

import io
import logging
import tomllib
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, ImageOps

from publish import fonts_dir
from publish.drawing import wrap_words
from publish.errors import PublishError
from publish.model import Issue, Picture, Publication
from publish.render import environment, long_date

log = logging.getLogger("publish")

DESIGN_TEMPLATE = "epub/cover.toml"
COLOURS = (("background", "#ffffff"), ("ink", "#111111"), ("accent", "#c8102e"), ("on-accent", "#ffffff"))
FACES = (("masthead", "RobotoCondensed-Bold.ttf"), ("label", "RobotoCondensed-Regular.ttf"),
         ("kicker", "RobotoCondensed-Bold.ttf"), ("headline", "NotoSerif-Bold.ttf"))
# The narrowest a character of a bold cover font gets, in ems ("i", "l", a space: about 0.25;
# 0.15 leaves room for condensed faces). No more text than this could fit in a box is ever measured.
NARROWEST_EM = 0.15
ELLIPSIS = "\u2026"


def design(pub: Publication) -> dict:
    """The layout's cover settings (epub/cover.toml of the layout, else the built-in default), checked."""
    env = environment(pub)
    try:
        text, _, _ = env.loader.get_source(env, DESIGN_TEMPLATE)
    except Exception:  # noqa: BLE001 - jinja2.TemplateNotFound: no cover design anywhere
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: not found — add it, or remove the "
                           "layout folder to use the built-in default") from None
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: {exc} — fix the TOML") from None
    for key, default in FACES:
        name = spec.setdefault(f"{key}-font", default)
        if not isinstance(name, str) or Path(name).name != name or name in (".", ".."):
            raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: {key}-font {name!r} must be a file name "
                               "in the publication's fonts/ folder — write e.g. \"NotoSerif-Bold.ttf\"")
    for key, default in COLOURS:
        spec.setdefault(key, default)
    return spec


def is_finished_cover(picture: Picture) -> bool:
    """A given cover image that is a whole front page (portrait), not just a picture for one."""
    if picture.path.suffix.lower() == ".svg":
        return False
    with Image.open(picture.path) as image:
        width, height = image.size
    return height >= 1.2 * width


def front_cover(issue: Issue, size: tuple[int, int] | None = None) -> Image.Image:
    """The cover in RGB: the finished cover fitted into `size`, else the typographic one drawn at `size`.

    Without `size`: the design's size, or a finished cover's own (at most 1600×2560, Kindle's advice).
    """
    given = issue.cover_image
    if given is not None and is_finished_cover(given):
        return finished(given.path, size)
    spec = design(issue.publication)
    size = size or (int(spec.get("width", 1600)), int(spec.get("height", 2400)))
    picture = issue.cover_picture
    if picture is not None and picture.path.suffix.lower() == ".svg":
        picture = None  # Pillow cannot draw SVG; the cover does without the picture
    return draw(issue, picture.path if picture else None, spec, size)


def finished(path: Path, size: tuple[int, int] | None, largest: tuple[int, int] = (1600, 2560)) -> Image.Image:
    """A finished cover image, upright and in RGB: fitted to `size`, or shrunk to at most `largest`."""
    with Image.open(path) as image:
        image.draft("RGB", size or largest)
        cover = (ImageOps.exif_transpose(image) or image).convert("RGB")
    if size:
        return ImageOps.fit(cover, size, Image.Resampling.LANCZOS)
    cover.thumbnail(largest, Image.Resampling.LANCZOS)
    cover.info = {}  # Pillow writes a source JPEG's comment (and more) back out from info
    return cover


def font(fonts: Path, name: str, size: int) -> ImageFont.FreeTypeFont:
    """The publication's font file `name` at `size` pixels, else Pillow's built-in font (said in the log)."""
    path = fonts / name
    if path.is_file():
        try:
            return ImageFont.truetype(str(path), size)
        except OSError:
            log.info("%s cannot be read as a font: the cover uses Pillow's built-in font", path)
    else:
        log.info("%s not found: the cover uses Pillow's built-in font", path)
    return ImageFont.load_default(size)


def clip_text(text: str, box: tuple[int, int], smallest: int) -> str:
    """`text` cut (at a space, with an ellipsis) to what could possibly fit in `box` at `smallest`."""
    lines = max(1, box[1] // int(smallest * 1.15))
    most = lines * int(box[0] / (smallest * NARROWEST_EM))
    text = " ".join(text[: most * 2].split())  # whitespace runs count as one space when wrapped
    if len(text) <= most:
        return text
    cut = text[:most].rsplit(" ", 1)[0] if " " in text[:most] else text[:most]
    return cut + ELLIPSIS


def fit(text: str, face, box: tuple[int, int], largest: int, smallest: int, leading: float = 1.15):
    """The largest font size at which `text` wraps into `box`: (font, lines, line height).

    `face(size)` makes the font. The work is bounded whatever the text's length: the text is first
    cut to what could fit at the smallest size, sizes are searched by halving, and the last resort
    keeps only the lines that fit.
    """
    text = clip_text(text, box, smallest)
    sizes = list(range(largest, smallest - 1, -max(1, largest // 48)))

    def attempt(size: int):
        font_ = face(size)
        lines = wrap_words(text, font_, box[0]) or [""]
        height = int(size * leading)
        if len(lines) * height <= box[1] and all(font_.getlength(line) <= box[0] for line in lines):
            return font_, lines, height
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
    font_, height = face(smallest), int(smallest * leading)
    lines = wrap_words(text, font_, box[0]) or [""]
    keep = max(1, box[1] // height)
    if len(lines) > keep:
        lines = lines[:keep]
        lines[-1] = lines[-1].rstrip(ELLIPSIS) + ELLIPSIS
    return font_, lines, height


def draw(issue: Issue, picture: Path | None, spec: dict, size: tuple[int, int]) -> Image.Image:
    """The typographic cover at `size`, every measure a share of the width or height."""
    pub = issue.publication
    try:
        canvas = Image.new("RGB", size, spec["background"])
        pen = _Pen(canvas, spec, fonts_dir(pub.root))
        y = pen.masthead(pub.title, pub.tagline)
        y = pen.issue_line(y, f"Issue {issue.number}", long_date(issue.date, pub.language))
        y = pen.picture(y, picture)
        story = issue.cover_story
        y = pen.kicker(y, story.kicker if story is not None else "")
        footer = pen.height - int(pen.height * 0.075)
        pen.headline(y, footer, issue.headline)
        pen.footer(footer, pub.publisher, pub.url.split("://", 1)[-1].rstrip("/") if pub.url else "")
    except (OSError, ValueError) as exc:
        raise PublishError(f"layouts/{pub.layout}/{DESIGN_TEMPLATE}: cannot draw the cover ({exc}) — "
                           "check the font files and colours it names") from None
    return canvas


class _Pen:
    """Draws the parts of the typographic cover from top to bottom; each returns the next free y."""

    def __init__(self, canvas: Image.Image, spec: dict, fonts: Path) -> None:
        self.canvas, self.spec, self.fonts = canvas, spec, fonts
        self.ink = ImageDraw.Draw(canvas)
        self.width, self.height = canvas.size
        self.margin = round(self.width * int(spec.get("margin", 90)) / int(spec.get("width", 1600)))
        self.inner = self.width - 2 * self.margin

    def face(self, key: str):
        return lambda size: font(self.fonts, self.spec[f"{key}-font"], size)

    def masthead(self, title: str, tagline: str) -> int:
        band = int(self.height * 0.155)
        self.ink.rectangle((0, 0, self.width, band), fill=self.spec["accent"])
        title_box = (self.inner, int(band * (0.62 if tagline else 0.8)))
        masthead, lines, step = fit(title, self.face("masthead"), title_box, int(band * 0.6), 12, 1.0)
        top = (band * (0.46 if tagline else 0.5)) - step * (len(lines) - 1) / 2
        for i, line in enumerate(lines):
            self.ink.text((self.width / 2, top + i * step), line, font=masthead, fill=self.spec["on-accent"],
                          anchor="mm")
        if tagline:
            small, lines, _ = fit(tagline, self.face("label"), (self.inner, int(band * 0.16)),
                                  int(band * 0.13), 8, 1.0)
            self.ink.text((self.width / 2, band * 0.84), lines[0], font=small, fill=self.spec["on-accent"],
                          anchor="mm")
        return band

    def issue_line(self, y: int, left: str, right: str) -> int:
        label = self.face("label")(int(self.height * 0.024))
        y += int(self.height * 0.035)
        self.ink.text((self.margin, y), left, font=label, fill=self.spec["ink"], anchor="lm")
        self.ink.text((self.width - self.margin, y), right, font=label, fill=self.spec["ink"], anchor="rm")
        y += int(self.height * 0.03)
        self.ink.rectangle((self.margin, y, self.width - self.margin, y + max(1, self.height // 480)),
                           fill=self.spec["ink"])
        return y + int(self.height * 0.02)

    def picture(self, y: int, picture: Path | None) -> int:
        """The cover story's picture, cropped to fill the width."""
        if picture is None:
            return y + int(self.height * 0.06)
        area = (self.width, int(self.height * 0.42))
        with Image.open(picture) as source:
            source.draft("RGB", area)
            ImageOps.exif_transpose(source, in_place=True)  # in place: no copy of an upright picture
            photo = source.convert("RGB")
        self.canvas.paste(ImageOps.fit(photo, area, Image.Resampling.LANCZOS), (0, y))
        return y + area[1] + int(self.height * 0.03)

    def kicker(self, y: int, kicker: str) -> int:
        if not kicker:
            return y
        size = int(self.height * 0.03)
        face, lines, _ = fit(kicker.upper(), self.face("kicker"), (self.inner, int(size * 1.3)), size, 8)
        self.ink.text((self.margin, y), lines[0], font=face, fill=self.spec["accent"], anchor="la")
        return y + int(self.height * 0.05)

    def headline(self, y: int, footer: int, text: str) -> None:
        box = (self.inner, footer - y - int(self.height * 0.03))
        face, lines, step = fit(text, self.face("headline"), box, int(self.height * 0.07),
                                max(8, int(self.height * 0.012)), 1.12)
        for line in lines:
            self.ink.text((self.margin, y), line, font=face, fill=self.spec["ink"], anchor="la")
            y += step

    def footer(self, y: int, publisher: str, address: str) -> None:
        """A rule, then the publisher and the paper's address."""
        self.ink.rectangle((self.margin, y, self.width - self.margin, y + max(1, self.height // 800)),
                           fill=self.spec["accent"])
        small = self.face("label")(int(self.height * 0.018))
        middle = y + int(self.height * 0.03)
        self.ink.text((self.margin, middle), publisher, font=small, fill=self.spec["ink"], anchor="lm")
        if address:
            self.ink.text((self.width - self.margin, middle), address, font=small, fill=self.spec["ink"],
                          anchor="rm")


def cover_jpeg(issue: Issue, size: tuple[int, int] | None = None) -> bytes:
    """The cover as JPEG bytes (the EPUB, Kindle and Kobo editions carry it at the design's size)."""
    return jpeg(front_cover(issue, size))


def jpeg(image: Image.Image, quality: int = 88) -> bytes:
    """An image as baseline JPEG bytes, with no metadata."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, optimize=True)
    return buffer.getvalue()


def favicon(pub: Publication) -> bytes:
    """The masthead in a square, as PNG bytes: the title's first letter in the design's masthead colours."""
    spec = design(pub)
    size = 64
    icon = Image.new("RGB", (size, size), spec["accent"])
    letter = (pub.title.strip()[:1] or "?").upper()
    face = font(fonts_dir(pub.root), spec["masthead-font"], 52)
    ImageDraw.Draw(icon).text((size / 2, size / 2), letter, font=face, fill=spec["on-accent"], anchor="mm")
    buffer = io.BytesIO()
    icon.save(buffer, "PNG", optimize=True)
    return buffer.getvalue()
