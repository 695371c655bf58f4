"""Issues and their summaries → the site's HTML pages and cleaned pictures (the layout's site/ templates).

Every picture is published through picture_clean.publishable (no metadata, SVGs sanitised) under a
name unique to its source, ending in the extension of its checked content. Every page is rendered from the layout's `site/*.html` templates, which extend `base.html`; article pages
include `partials/article.html`, the same markup the EPUB uses. Links between pages are relative.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import quote

import jinja2
from PIL import Image

from publish.errors import PublishError, rel
from publish.formats.site.audio import duration, find_audio
from publish.products.cover import front_cover, jpeg
from publish.model import Article, Issue, Picture, Publication
from publish.picture_clean import publishable
from publish.picture_kinds import sniff
from publish.render import body_html, environment, long_date, render_template
from publish.slug import slugify

KEYWORDS_DIR = "keywords"
COVER_SIZE = (600, 849)  # the A-series ratio of the printed paper
THUMB_SIZE = (200, 283)


# --- names and addresses ----------------------------------------------------------------------


@dataclass(frozen=True)
class PictureNames:
    """Picture → its path under dist/<n>/ (and, called, its URL from a page there).

    Frozen and compared by value, so render.body_html's cache recognises it from build to build.
    `names` holds the names `name_pictures` chose; a picture not among them gets its natural name.
    """

    folder: Path | None  # the issue's folder, resolved (None for the publication's own pages)
    root: Path  # the publication's folder, resolved
    names: tuple[tuple[str, str], ...] = ()  # (resolved source path, name under dist/<n>/)

    def natural(self, path: Path) -> str:
        """The source's own place: images/… stays, other issue files go under images/."""
        if self.folder is not None and path.is_relative_to(self.folder):
            rel_path = path.relative_to(self.folder).as_posix()
            return rel_path if rel_path.startswith("images/") else f"images/{rel_path}"
        return f"images/_publication/{path.relative_to(self.root).as_posix()}"

    def own(self, path: Path) -> str:
        """The source's path as written (relative to the issue folder, or under images/_publication/)."""
        if self.folder is not None and path.is_relative_to(self.folder):
            return path.relative_to(self.folder).as_posix()
        return self.natural(path)

    @cached_property
    def _chosen(self) -> dict[str, str]:
        return dict(self.names)

    def target(self, picture: Picture) -> str:
        path = picture.path.resolve()
        return self._chosen.get(str(path)) or self.natural(path)

    def __call__(self, picture: Picture) -> str:
        return quote(self.target(picture))


def _with_extension(name: str, extension: str) -> str:
    """`name` ending in `extension`, the one matching its checked content (.jpeg stays for a JPEG)."""
    suffix = PurePosixPath(name).suffix
    if suffix.lower() == extension or (extension == ".jpg" and suffix.lower() == ".jpeg"):
        return name
    return name[: len(name) - len(suffix)] + extension


def name_pictures(folder: Path | None, root: Path, extensions: dict[Path, str]) -> PictureNames:
    """A distinct name for every source picture (resolved path → its checked extension).

    A picture keeps its natural name unless another source claims the same one (as `images/x.jpg`
    and a top-level `x.jpg` do, or two names differing only in case): then the one whose name is its
    own path keeps it, and the others get a short hash of their source path.
    """
    base = PictureNames(folder, root)
    wanted = {path: _with_extension(base.natural(path), ext) for path, ext in extensions.items()}
    groups: dict[str, list[Path]] = {}
    for path in sorted(wanted):
        groups.setdefault(wanted[path].casefold(), []).append(path)
    chosen: dict[str, str] = {}
    for group in groups.values():
        group.sort(key=lambda p: (wanted[p] != base.own(p), base.own(p)))
        for i, path in enumerate(group):
            name = wanted[path]
            if i:
                stem = PurePosixPath(name)
                tag = hashlib.sha256(base.own(path).encode("utf-8", "surrogateescape")).hexdigest()[:8]
                name = str(stem.with_name(f"{stem.stem}-{tag}{stem.suffix}"))
            chosen[str(path)] = name
    return PictureNames(folder, root, tuple(sorted(chosen.items())))


def clean_picture(path: Path, root: Path) -> tuple[bytes, str]:
    """A picture as the site may publish it: its checked kind cleaned (no metadata, SVG sanitised)."""
    try:
        stat = path.stat()
        return _cleaned(str(path), stat.st_size, stat.st_mtime_ns)
    except PublishError:
        raise
    except (OSError, ValueError) as exc:
        raise PublishError(f"{rel(path, root)}: the picture cannot be published ({exc}) — "
                           "replace it with a JPEG, PNG or SVG file") from None


@lru_cache(maxsize=64)  # `publish serve` re-renders an issue on every save: clean each picture once
def _cleaned(path: str, size: int, mtime_ns: int) -> tuple[bytes, str]:
    with open(path, "rb") as handle:
        kind = sniff(handle.read(4096))
    if kind is None:
        raise ValueError("not a JPEG, PNG or SVG file")
    data, extension = publishable(Path(path), kind)
    extension = "." + extension.lstrip(".").lower()
    return data, ".jpg" if extension == ".jpeg" else extension


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
    def dated(day):  # templates call long_date(day); the language is the publication's
        return long_date(day, pub.language)
    return xml_safe(render_template(pub, template, long_date=dated, keyword_slug=keyword_slug,
                                    keywords_dir=KEYWORDS_DIR, quote=quote, plural=plural, duration=duration,
                                    subscribe_page=bool(pub.subscription), **context))


# What XML 1.0 cannot hold (C0 controls but tab and line ends, surrogates, U+FFFE/U+FFFF): the reader
# refuses them in sources, and the writers drop any that still arrive, so no page or feed is unparsable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_safe(text: str) -> str:
    return _NOT_XML.sub("", text)


def plural(count: int, word: str, words: str | None = None) -> str:
    """"1 article", "2 articles"."""
    return f"{count} {word}" if count == 1 else f"{count} {words or word + 's'}"


def stylesheet(pub: Publication) -> str:
    """The layout's css/site.css (the publication's own if it has one)."""
    env = environment(pub)
    try:
        return env.loader.get_source(env, "css/site.css")[0]
    except jinja2.TemplateNotFound:
        raise PublishError(f"layouts/{pub.layout}/css/site.css: not found — add it, or remove the "
                           "layout folder to use the built-in default") from None


# --- one issue's own files --------------------------------------------------------------------------


def write_issue_files(issue: Issue, entry, out_dir: Path, stage, limit=None) -> list[str]:
    """Pictures, covers and article pages of one issue; returns their names under dist/<n>/."""
    pub = issue.publication
    where = rel(issue.folder / "issue.toml", pub.root)
    doing = lambda what: setattr(limit, "doing", f"{where}: {what}") if limit else None  # noqa: E731
    doing("cleaning the site's pictures")
    cleaned: dict[Path, tuple[bytes, str]] = {}
    for article in issue.all_pages:
        for picture in (article.image, *article.pictures):
            if picture is not None and picture.path.resolve() not in cleaned:
                cleaned[picture.path.resolve()] = clean_picture(picture.path.resolve(), pub.root)
    names = name_pictures(issue.folder.resolve(), pub.root.resolve(), {p: ext for p, (_, ext) in cleaned.items()})
    files: list[str] = []
    for path, (data, _) in cleaned.items():
        target = names.target(Picture(src="", path=path, alt=""))
        stage.put(out_dir / target, data)
        files.append(target)
    doing(f"drawing the site cover (headline of {len(issue.headline):,} characters)")
    cover = front_cover(issue, COVER_SIZE)
    stage.put(out_dir / "cover.jpg", jpeg(cover, 85))
    stage.put(out_dir / "cover-thumb.jpg", jpeg(cover.resize(THUMB_SIZE, Image.Resampling.LANCZOS), 85))
    files += ["cover.jpg", "cover-thumb.jpg"]
    pages = [*entry.articles, *entry.standing]
    audio = find_audio(out_dir, issue.name)
    for i, (article, page) in enumerate(zip(issue.all_pages, pages)):
        doing(f"rendering the site page of {rel(article.source, pub.root)}")
        html = _render(
            pub, "site/article.html", root="../", issue=entry, article=article, page=page,
            body=body_html(article, pub.language, names, site_url=pub.url), picture_url=names,
            previous=pages[i - 1] if i else None, next=pages[i + 1] if i + 1 < len(pages) else None,
            canonical=absolute(pub, f"{issue.number}/{quote(page.file)}"),
            description=article.standfirst, track=audio.track(article.key) if audio else None,
        )
        stage.put(out_dir / page.file, html)
        files.append(page.file)
    return files


def write_root_pages(pub: Publication, out_root: Path, stage, article: Article | None) -> list[str]:
    """subscribe.html (from the checked subscription page) and its pictures; returns their names under dist/."""
    if article is None:
        return []
    cleaned = {p.path.resolve(): clean_picture(p.path.resolve(), pub.root)
               for p in (article.image, *article.pictures) if p is not None}
    names = name_pictures(None, pub.root.resolve(), {p: ext for p, (_, ext) in cleaned.items()})
    files = []
    for path, (data, _) in cleaned.items():
        target = names.target(Picture(src="", path=path, alt=""))
        stage.put(out_root / target, data)
        files.append(target)
    stage.put(out_root / "subscribe.html", _render(
        pub, "site/subscribe.html", root="", article=article, picture_url=names,
        body=body_html(article, pub.language, names, site_url=pub.url), canonical=absolute(pub, "subscribe.html"),
        description=article.standfirst, feeds=feed_addresses(pub)))
    return [*files, "subscribe.html"]


def feed_addresses(pub: Publication) -> dict[str, str]:
    return {name: absolute(pub, name) for name in ("feed.atom", "opds.xml", "opds.json")}


def issue_page(pub: Publication, entry) -> str:
    return _render(pub, "site/issue.html", root="../", issue=entry,
                   canonical=absolute(pub, f"{entry.number}/"),
                   description=f"Issue {entry.number}, {long_date(entry.date, pub.language)}: {entry.headline}")


def archive_page(pub: Publication, entries: list) -> str:
    years: list[tuple[str, list]] = []
    for entry in entries:  # newest first
        if not years or years[-1][0] != entry.year:
            years.append((entry.year, []))
        years[-1][1].append(entry)
    podcast = any(getattr(e, "audio", None) for e in entries)
    return _render(pub, "site/archive.html", root="", issues=entries, years=years, podcast=podcast,
                   canonical=absolute(pub, ""), description=pub.tagline,
                   feeds={**feed_addresses(pub), "podcast.xml": absolute(pub, "podcast.xml")})


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
