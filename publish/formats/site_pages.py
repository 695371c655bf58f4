"""Issues and their summaries → the site's HTML pages, pictures and cover thumbnails (the layout's site/ templates).

Every page is rendered from the layout's `site/*.html` templates, which extend `base.html`; article pages
include `partials/article.html`, the same markup the EPUB uses. Links between pages are relative.
"""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import jinja2
from PIL import Image, ImageDraw, ImageFont, ImageOps

from publish.errors import PublishError
from publish import fonts_dir
from publish.drawing import wrap_words
from publish.model import Issue, Picture, Publication
from publish.render import body_html, environment, long_date, render_template
from publish.source import slugify

COVER_SIZE = (600, 849)  # the A-series ratio of the printed paper
THUMB_SIZE = (200, 283)
MASTHEAD_RED = (179, 0, 0)
KEYWORDS_DIR = "keywords"


# --- names and addresses ----------------------------------------------------------------------


@dataclass(frozen=True)
class PictureNames:
    """Picture → its path under dist/<n>/ (and, called, its URL from a page there).

    Frozen and compared by value, so render.body_html's cache recognises it from build to build.
    """

    folder: Path  # the issue's folder, resolved
    root: Path  # the publication's folder, resolved

    def target(self, picture: Picture) -> str:
        path = picture.path.resolve()
        if path.is_relative_to(self.folder):
            rel = path.relative_to(self.folder).as_posix()
            return rel if rel.startswith("images/") else f"images/{rel}"
        return f"images/_publication/{path.relative_to(self.root).as_posix()}"

    def __call__(self, picture: Picture) -> str:
        return quote(self.target(picture))


def keyword_slug(keyword: str) -> str:
    """A keyword's page name; keywords differing only in case or punctuation share a page."""
    ascii_text = unicodedata.normalize("NFKD", keyword).encode("ascii", "ignore").decode()
    if not re.search(r"[A-Za-z0-9]", ascii_text):
        return "k-" + hashlib.sha256(keyword.casefold().encode()).hexdigest()[:10]
    return slugify(keyword)


def absolute(pub: Publication, path: str) -> str:
    """The address of `path` (relative to dist/) under the publication's url, or "" without one."""
    if not pub.url:
        return ""
    return pub.url.rstrip("/") + "/" + path


def _render(pub: Publication, template: str, **context) -> str:
    return render_template(pub, template, long_date=long_date, keyword_slug=keyword_slug,
                           keywords_dir=KEYWORDS_DIR, quote=quote, **context)


def stylesheet(pub: Publication) -> str:
    """The layout's css/site.css (the publication's own if it has one)."""
    env = environment(pub)
    try:
        return env.loader.get_source(env, "css/site.css")[0]
    except jinja2.TemplateNotFound:
        raise PublishError(f"layouts/{pub.layout}/css/site.css: not found — add it, or remove the "
                           "layout folder to use the built-in default") from None


# --- one issue's own files --------------------------------------------------------------------------


def write_issue_files(issue: Issue, entry, out_dir: Path, writer) -> list[str]:
    """Pictures, covers and article pages of one issue; returns their names under dist/<n>/."""
    pub = issue.publication
    names = PictureNames(issue.folder.resolve(), pub.root.resolve())
    files: list[str] = []
    for article in issue.all_pages:
        for picture in (article.image, *article.pictures):
            if picture is not None:
                target = names.target(picture)
                if target not in files:
                    writer.copy(picture.path, out_dir / target)
                    files.append(target)
    cover = draw_cover(issue)
    writer.put(out_dir / "cover.jpg", _jpeg(cover))
    writer.put(out_dir / "cover-thumb.jpg", _jpeg(cover.resize(THUMB_SIZE, Image.Resampling.LANCZOS)))
    files += ["cover.jpg", "cover-thumb.jpg"]
    pages = [*entry.articles, *entry.standing]
    for i, (article, page) in enumerate(zip(issue.all_pages, pages)):
        html = _render(
            pub, "site/article.html", root="../", issue=entry, article=article, page=page,
            body=body_html(article, pub.language, names), picture_url=names,
            previous=pages[i - 1] if i else None, next=pages[i + 1] if i + 1 < len(pages) else None,
            canonical=absolute(pub, f"{issue.number}/{quote(page.file)}"),
            description=article.standfirst,
        )
        writer.put(out_dir / page.file, html)
        files.append(page.file)
    return files


def issue_page(pub: Publication, entry) -> str:
    return _render(pub, "site/issue.html", root="../", issue=entry,
                   canonical=absolute(pub, f"{entry.number}/"),
                   description=f"Issue {entry.number}, {long_date(entry.date)}: {entry.headline}")


def archive_page(pub: Publication, entries: list) -> str:
    years: list[tuple[str, list]] = []
    for entry in entries:  # newest first
        if not years or years[-1][0] != entry.year:
            years.append((entry.year, []))
        years[-1][1].append(entry)
    return _render(pub, "site/archive.html", root="", issues=entries, years=years,
                   canonical=absolute(pub, ""), description=pub.tagline,
                   feeds={name: absolute(pub, name) for name in ("feed.atom", "opds.xml", "opds.json")})


def write_keyword_pages(pub: Publication, entries: list, folder: Path, writer) -> list[str]:
    """keywords/index.html and one page per keyword, listing every article with it, newest first."""
    groups: dict[str, dict] = {}
    for entry in entries:
        for article in entry.articles:
            slugs: dict[str, str] = {}
            for keyword in article.keywords:  # "Strikes" and "strikes" in one article: listed once
                slugs.setdefault(keyword_slug(keyword), keyword)
            for slug, keyword in slugs.items():
                groups.setdefault(slug, {"name": keyword, "items": []})["items"].append((entry, article))
    files = []
    for slug, group in sorted(groups.items()):
        name = f"{slug}.html"
        writer.put(folder / name, _render(
            pub, "site/keyword.html", root="../", keyword=group["name"], items=group["items"],
            canonical=absolute(pub, f"{KEYWORDS_DIR}/{name}"),
            description=f"Articles about {group['name']}"))
        files.append(name)
    listing = sorted(((g["name"], slug, len(g["items"])) for slug, g in groups.items()),
                     key=lambda k: k[0].casefold())
    writer.put(folder / "index.html", _render(
        pub, "site/keywords.html", root="../", keywords=listing,
        canonical=absolute(pub, f"{KEYWORDS_DIR}/"), description="Articles by keyword"))
    files.append("index.html")
    return files


# --- covers --------------------------------------------------------------------------------------


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


def _fit(text: str, path: Path | None, box: tuple[int, int], largest: int, smallest: int = 14):
    """The largest font size at which `text` wraps into `box`: (font, lines, line height)."""
    for size in range(largest, smallest - 1, -2):
        font = _font(path, size)
        lines = wrap_words(text, font, box[0])
        height = int(size * 1.15)
        if len(lines) * height <= box[1] and all(font.getlength(line) <= box[0] for line in lines):
            return font, lines, height
    font = _font(path, smallest)
    height = int(smallest * 1.15)
    return font, wrap_words(text, font, box[0])[: max(1, box[1] // height)], height


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
    info = f"Issue {issue.number}  ·  {long_date(issue.date)}"
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


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, optimize=True)
    return buffer.getvalue()

