"""The publication as pure data: Publication → Issue → sections → Article → Picture. No I/O, no formats."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from publish.slug import slugify

_XML_NAME = re.compile(r"[a-z][a-z0-9-]*")


def anchor_key(slug: str) -> str:
    """A slug as the start of XML ids and anchors: itself if plain ASCII, else a folded form plus a hash."""
    if _XML_NAME.fullmatch(slug):
        return slug
    plain = slugify(slug, fallback="")[:40].strip("-")
    digest = hashlib.sha1(slug.encode("utf-8")).hexdigest()[:8]
    return f"a-{plain}-{digest}" if plain else f"a-{digest}"


@dataclass(frozen=True)
class Section:
    id: str
    title: str


@dataclass(frozen=True)
class PrintSettings:
    page_size: str = "A4"
    bleed: str = "3mm"
    columns: int = 3
    output_intent: str = ""  # the printer's CMYK profile, relative to the publication; "": the installed default
    output_condition: str = ""  # the condition name the printer gave for that profile
    ink_limit: int = 240  # total area coverage, percent
    creep: str = "0mm"  # the booklet's creep per sheet (paper thickness)


@dataclass(frozen=True)
class AudioSettings:
    """publication.toml's [audio]: the speech engine ("" lets the build choose) and its voice."""

    engine: str = ""  # "piper" | "espeak-ng" | "": Piper when the voice is a Piper model, else espeak-ng
    voice: str = ""  # a Piper model (.onnx) in the publication, an installed voice package, or an espeak-ng voice


@dataclass(frozen=True)
class Publication:
    root: Path
    title: str
    slug: str
    publisher: str
    language: str
    sections: tuple[Section, ...]
    tagline: str = ""
    url: str = ""
    issn: str = ""
    layout: str = "default"
    standing_pages: tuple[str, ...] = ()
    print: PrintSettings = field(default_factory=PrintSettings)
    formats: tuple[str, ...] = ()  # what a build makes when no --format is given (empty: all it can)
    audio: AudioSettings | None = None  # None: no [audio] table
    tables: frozenset[str] = frozenset()  # the tables publication.toml has ("print", "audio"): opt-in formats
    subscription: str = ""  # the subscription page (relative path), from which the site makes subscribe.html
    import_html: tuple[tuple[str, str], ...] = ()  # [import.html]: (field, CSS selector) for archived pages

    def section(self, section_id: str) -> Section | None:
        return next((s for s in self.sections if s.id == section_id), None)

    @property
    def issues_dir(self) -> Path:
        return self.root / "issues"

    @property
    def layout_dir(self) -> Path:
        return self.root / "layouts" / self.layout


@dataclass(frozen=True)
class Picture:
    src: str  # as written in the source
    path: Path  # the file, resolved inside the publication folder
    alt: str
    caption: str = ""
    credit: str = ""
    line: int | None = None  # where the source names it

    @property
    def label(self) -> str:
        """What a reader without the picture is told: caption, else alt text."""
        return self.caption or self.alt


@dataclass(frozen=True)
class Article:
    slug: str
    source: Path
    title: str
    section: str  # a section id; "" for standing pages
    kicker: str = ""
    standfirst: str = ""
    authors: tuple[str, ...] = ()
    affiliation: str = ""
    keywords: tuple[str, ...] = ()
    image: Picture | None = None
    body: str = ""  # Markdown, front matter removed
    body_line: int = 1  # the source line of the body's first line
    pictures: tuple[Picture, ...] = ()  # pictures inside the body
    standing: bool = False
    language: str = ""  # a BCP 47 tag when the article is not in the publication's language

    @property
    def byline(self) -> str:
        names = list(self.authors)
        if not names:
            return self.affiliation
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        return f"{joined}, {self.affiliation}" if self.affiliation else joined

    @property
    def key(self) -> str:
        """The slug as a valid id: anchors, footnote and block ids in every format start with it."""
        return anchor_key(self.slug)

    @property
    def full_title(self) -> str:
        return f"{self.kicker}: {self.title}" if self.kicker else self.title

    def picture(self, src: str) -> Picture | None:
        return next((p for p in self.pictures if p.src == src), None)


@dataclass(frozen=True)
class IssueSection:
    """A run of an issue's articles under one section, in reading order."""

    section: Section
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Issue:
    publication: Publication
    number: int
    date: dt.date
    headline: str
    folder: Path
    articles: tuple[Article, ...]  # reading order
    standing_pages: tuple[Article, ...] = ()
    cover_article: str = ""
    cover_image: Picture | None = None

    @property
    def sections(self) -> tuple[IssueSection, ...]:
        runs: list[IssueSection] = []
        for article in self.articles:
            if runs and runs[-1].section.id == article.section:
                runs[-1] = IssueSection(runs[-1].section, runs[-1].articles + (article,))
            else:
                section = self.publication.section(article.section) or Section(article.section, article.section)
                runs.append(IssueSection(section, (article,)))
        return tuple(runs)

    @property
    def cover_story(self) -> Article | None:
        if self.cover_article:
            return next((a for a in self.articles if a.slug == self.cover_article), None)
        return self.articles[0] if self.articles else None

    @property
    def cover_picture(self) -> Picture | None:
        """The cover image if given, else the cover story's picture."""
        if self.cover_image:
            return self.cover_image
        story = self.cover_story
        return story.image if story else None

    @property
    def all_pages(self) -> tuple[Article, ...]:
        return self.articles + self.standing_pages

    @property
    def keywords(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for article in self.articles:
            for keyword in article.keywords:
                seen.setdefault(keyword, None)
        return tuple(seen)

    @property
    def name(self) -> str:
        """The file stem of this issue's outputs: <slug>-<n>."""
        return f"{self.publication.slug}-{self.number}"
