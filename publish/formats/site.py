"""The whole publication and the files already in dist/ → the download site: archive, issue, article and
keyword pages, Atom and OPDS feeds.

Links. Pages link to each other relatively (`../index.html`, `1112/index.html`), always: the same dist/
then works opened from a file system, from `publish serve`, on a static host or under a sub-path. When
publication.toml sets `url`, pages also name their absolute address (`<link rel="canonical">`) and the
feeds use absolute links and ids, because feed readers and OPDS apps keep entries apart from the feed
they came from. Without `url` the feeds' links are relative (Atom and OPDS resolve them against the feed's
own address) and their ids are stable `urn:uuid:`s made from the slug and issue number.

Updating. Reading a whole archive's sources takes seconds per fifty issues, so each issue's site
record (dist/<n>/.publish-site.json) keeps a fingerprint of its sources and the summary the archive,
keyword pages and feeds need; only issues whose sources changed are read and their article pages
rendered. Every file is compared with what is on disk and written (atomically) only if it differs, in
an order that never shows a link to a page that is not there yet: pictures and covers, article pages,
issue pages, keyword pages, then the archive and the feeds; stale pages go last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from publish import __version__
from publish.atomic import TEMP_MARK, write_bytes
from publish.check import read_issues
from publish.formats import FORMATS
from publish.formats import site_feeds, site_pages
from publish.model import Issue, Publication
from publish import BUILTIN_LAYOUTS, fonts_dir
from publish.source import issue_folders

log = logging.getLogger("publish")

STATE_FILE = ".publish-site.json"
STATE_VERSION = 1
CODE_FILES = ("site.py", "site_pages.py", "site_feeds.py")


# --- what the archive knows of each issue ---------------------------------------------------


@dataclass(frozen=True)
class DownloadFile:
    """One format file of `FILE_KINDS`, as found in dist/<n>/."""

    fmt: str
    file: str
    label: str
    mime: str
    description: str
    size: int
    sha256: str


# format id, file name after "<slug>-<n>", label on the page, media type
FILE_KINDS = (
    ("epub", ".epub", "EPUB", "application/epub+zip"),
    ("kindle", ".azw3", "Kindle (AZW3)", "application/x-mobi8-ebook"),
    ("pdf", ".pdf", "PDF", "application/pdf"),
    ("print", "-print.pdf", "Press PDF", "application/pdf"),
    ("text", ".txt", "Text", "text/plain; charset=utf-8"),
)


@dataclass(frozen=True)
class ArticleEntry:
    slug: str
    file: str  # the page's file name in dist/<n>/
    title: str
    kicker: str = ""
    standfirst: str = ""
    byline: str = ""
    keywords: tuple[str, ...] = ()

    @property
    def full_title(self) -> str:
        return f"{self.kicker}: {self.title}" if self.kicker else self.title


@dataclass(frozen=True)
class IssueEntry:
    """What the archive, the keyword pages and the feeds need of an issue, kept between builds."""

    number: int
    date: dt.date
    headline: str
    name: str  # <slug>-<n>
    sections: tuple[tuple[str, tuple[ArticleEntry, ...]], ...]
    standing: tuple[ArticleEntry, ...] = ()
    downloads: tuple[DownloadFile, ...] = field(default=(), compare=False)

    @property
    def articles(self) -> tuple[ArticleEntry, ...]:
        return tuple(a for _, run in self.sections for a in run)

    @property
    def year(self) -> str:
        return str(self.date.year)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("downloads")
        data["date"] = self.date.isoformat()
        return data

    @classmethod
    def from_json(cls, data: dict) -> IssueEntry:
        def article(a: dict) -> ArticleEntry:
            return ArticleEntry(**{**a, "keywords": tuple(a.get("keywords", ()))})

        return cls(
            number=int(data["number"]), date=dt.date.fromisoformat(data["date"]), headline=str(data["headline"]),
            name=str(data["name"]),
            sections=tuple((str(t), tuple(article(a) for a in run)) for t, run in data["sections"]),
            standing=tuple(article(a) for a in data.get("standing", ())),
        )


def page_files(issue: Issue) -> dict[str, str]:
    """Each article's (and standing page's) page file name in dist/<n>/, by slug."""
    names: dict[str, str] = {}
    taken = {"index"}
    for article in issue.all_pages:
        stem = article.slug
        while stem.casefold() in taken:  # a slug "index", or a standing page sharing an article's slug
            stem = f"{stem}-page"
        taken.add(stem.casefold())
        names[article.slug if not article.standing else f"standing:{article.slug}"] = f"{stem}.html"
    return names


def summarize(issue: Issue) -> IssueEntry:
    files = page_files(issue)

    def entry(article, key) -> ArticleEntry:
        return ArticleEntry(article.slug, files[key], article.title, article.kicker, article.standfirst,
                            article.byline, tuple(article.keywords))

    return IssueEntry(
        number=issue.number, date=issue.date, headline=issue.headline, name=issue.name,
        sections=tuple((run.section.title, tuple(entry(a, a.slug) for a in run.articles))
                       for run in issue.sections),
        standing=tuple(entry(a, f"standing:{a.slug}") for a in issue.standing_pages),
    )


# --- fingerprints -------------------------------------------------------------------------------


def _hash_tree(digest, folder: Path, base: Path, content: bool) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or TEMP_MARK in path.name or "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(base).as_posix().encode() + b"\0")
        if content:
            digest.update(path.read_bytes())
        else:
            stat = path.stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
        digest.update(b"\0")


def _publication_key(pub: Publication) -> str:
    """Everything every issue's pages depend on besides the issue itself."""
    digest = hashlib.sha256(f"publish {__version__} site {STATE_VERSION}\0".encode())
    here = Path(__file__).resolve().parent
    for name in CODE_FILES:
        digest.update((here / name).read_bytes())
    for page in ("publication.toml", *pub.standing_pages):
        path = pub.root / page
        digest.update(page.encode() + b"\0" + (path.read_bytes() if path.is_file() else b"") + b"\0")
    _hash_tree(digest, BUILTIN_LAYOUTS / "default", BUILTIN_LAYOUTS, content=True)
    if pub.layout_dir.is_dir():
        _hash_tree(digest, pub.layout_dir, pub.root, content=True)
    _hash_tree(digest, fonts_dir(pub.root), fonts_dir(pub.root).parent, content=False)  # covers are drawn with them
    return digest.hexdigest()


def _issue_key(folder: Path, publication_key: str) -> str:
    # sizes and modification times: reading 50 issues' pictures to hash them would cost more than
    # re-rendering, and a false "changed" only costs time (pages are compared before writing)
    digest = hashlib.sha256(publication_key.encode())
    _hash_tree(digest, folder, folder, content=False)
    return digest.hexdigest()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_downloads(out_dir: Path, name: str, known: dict) -> tuple[tuple[DownloadFile, ...], dict]:
    """The format files present in dist/<n>/, with SHA-256s reused from `known` while unchanged."""
    found, hashes = [], {}
    for fmt, suffix, label, mime in FILE_KINDS:
        file = f"{name}{suffix}"
        path = out_dir / file
        try:
            stat = path.stat()
        except OSError:
            continue
        stamp = [stat.st_size, stat.st_mtime_ns]
        old = known.get(file)
        sha = old[2] if isinstance(old, list) and len(old) == 3 and old[:2] == stamp else _sha256(path)
        hashes[file] = [*stamp, sha]
        found.append(DownloadFile(fmt, file, label, mime, FORMATS[fmt].description, stat.st_size, sha))
    return tuple(found), hashes


# --- state --------------------------------------------------------------------------------------


def _load_state(folder: Path) -> dict:
    try:
        data = json.loads((folder / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == STATE_VERSION else {}


def _state_bytes(data: dict) -> bytes:
    return (json.dumps({"version": STATE_VERSION, **data}, indent=1, sort_keys=True, ensure_ascii=False)
            + "\n").encode("utf-8")


class Writer:
    """Writes a file only if its bytes differ from what is there; counts what it did."""

    def __init__(self) -> None:
        self.written: list[Path] = []
        self.kept = 0

    def put(self, target: Path, data: bytes | str) -> Path:
        if isinstance(data, str):
            data = data.encode("utf-8")
        try:
            same = target.stat().st_size == len(data) and target.read_bytes() == data
        except OSError:
            same = False
        if same:
            self.kept += 1
        else:
            write_bytes(target, data)
            self.written.append(target)
        return target

    def copy(self, source: Path, target: Path) -> Path:
        try:
            same = target.stat().st_size == source.stat().st_size and target.read_bytes() == source.read_bytes()
        except OSError:
            same = False
        if same:
            self.kept += 1
            return target
        return self.put(target, source.read_bytes())


# --- the build ------------------------------------------------------------------------------------


@dataclass
class _IssueWork:
    folder: Path
    out_dir: Path
    entry: IssueEntry
    state: dict
    key: str
    issue: Issue | None = None  # read this time: its article pages are rendered
    files: list[str] = field(default_factory=list)
    hashes: dict = field(default_factory=dict)


def write(pub: Publication, out_root: Path, context=None) -> list[Path]:
    """Bring the site in `out_root` up to date with every issue's sources and downloads."""
    started = time.perf_counter()
    out_root = Path(out_root)
    options = getattr(context, "options", None)
    works = _gather(pub, out_root, strict=bool(getattr(options, "strict", False)),
                    force=bool(getattr(options, "force", False)))
    writer = Writer()
    writer.put(out_root / "site.css", site_pages.stylesheet(pub))
    writer.put(out_root / "favicon.png", site_pages.favicon(pub))
    for work in works:  # pictures, covers and article pages first: nothing links to them yet
        if work.issue is not None:
            work.files = site_pages.write_issue_files(work.issue, work.entry, work.out_dir, writer)
        else:
            work.files = [f for f in work.state.get("files", []) if f != "index.html"]
    entries = []
    for work in works:
        downloads, work.hashes = find_downloads(work.out_dir, work.entry.name, work.state.get("hashes", {}))
        entry = IssueEntry(**{**work.entry.__dict__, "downloads": downloads})
        entries.append(entry)
        writer.put(work.out_dir / "index.html", site_pages.issue_page(pub, entry))
        work.files.append("index.html")
    entries.sort(key=lambda e: e.number, reverse=True)  # newest first, everywhere
    root_state = _load_state(out_root)
    keyword_files = site_pages.write_keyword_pages(pub, entries, out_root / "keywords", writer)
    writer.put(out_root / "index.html", site_pages.archive_page(pub, entries))
    writer.put(out_root / "feed.atom", site_feeds.atom(pub, entries))
    catalogue_pages = site_feeds.catalogues(pub, entries)
    for name, text in catalogue_pages.items():
        writer.put(out_root / name, text)
    # last: what no page links to any more, and the records of what was made
    _remove_stale(out_root / "keywords", root_state.get("keywords", []), keyword_files)
    for old in out_root.glob("opds-*.*"):  # pages of a longer catalogue than today's
        if old.name not in catalogue_pages:
            old.unlink()
    for work in works:
        _remove_stale(work.out_dir, work.state.get("files", []), work.files)
        state = {"sources": work.key, "entry": work.entry.to_json(), "files": sorted(set(work.files)),
                 "hashes": work.hashes}
        writer.put(work.out_dir / STATE_FILE, _state_bytes(state))
    writer.put(out_root / STATE_FILE, _state_bytes({"keywords": sorted(keyword_files)}))
    pages = [p for p in writer.written if p.name != STATE_FILE]
    log.info("site: %d issues, %d files written, %d unchanged (%.1f s)",
             len(entries), len(pages), writer.kept, time.perf_counter() - started)
    return pages


def _gather(pub: Publication, out_root: Path, strict: bool, force: bool) -> list[_IssueWork]:
    """Every issue's summary: from its record while its sources are unchanged (unless `force`), else read afresh."""
    publication_key = _publication_key(pub)
    works: list[_IssueWork] = []
    for folder in issue_folders(pub):
        out_dir = out_root / folder.name
        state = _load_state(out_dir)
        key = _issue_key(folder, publication_key)
        recorded = state.get("entry")
        if (not force and state.get("sources") == key and recorded
                and all((out_dir / f).is_file() for f in state.get("files", []))):
            works.append(_IssueWork(folder, out_dir, IssueEntry.from_json(recorded), state, key))
            continue
        result = read_issues(pub, [folder])[0]
        if result.failed(strict):
            if recorded:
                log.warning("site: issue %s has errors; its pages stay as last built", folder.name)
                works.append(_IssueWork(folder, out_dir, IssueEntry.from_json(recorded), state,
                                        state.get("sources", "")))
            else:
                log.warning("site: issue %s has errors and is left out of the site", folder.name)
            continue
        works.append(_IssueWork(folder, out_dir, summarize(result.issue), state, key, result.issue))
    return works


def _remove_stale(folder: Path, before: list[str], now: list[str]) -> None:
    keep = set(now)
    for name in before:
        if name in keep or ".." in Path(name).parts:
            continue
        path = folder / name
        if path.is_file():
            path.unlink()
            log.debug("site: removed %s", path)



ATOM = "{http://www.w3.org/2005/Atom}"


def validate_site(out_root: Path) -> list[str]:
    """The feeds parsed back and checked against the structure Atom and OPDS require ("ok: …"/"error: …")."""
    from lxml import etree

    messages = []
    for name, acquisition in (("feed.atom", False), ("opds.xml", True)):
        path = out_root / name
        try:
            root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            messages.append(f"error: {name} does not parse: {exc}")
            continue
        missing = [f"feed/{tag}" for tag in ("id", "title", "updated") if root.find(ATOM + tag) is None]
        entries = root.findall(ATOM + "entry")
        for entry in entries:
            missing += [f"entry/{tag}" for tag in ("id", "title", "updated") if entry.find(ATOM + tag) is None]
            links = entry.findall(ATOM + "link")
            if acquisition and not any(l.get("rel", "").startswith("http://opds-spec.org/acquisition")
                                       and l.get("type") for l in links):
                missing.append(f"an acquisition link in {entry.findtext(ATOM + 'id')}")
        if root.tag != ATOM + "feed" or missing:
            messages.append(f"error: {name} lacks {', '.join(sorted(set(missing))) or 'an Atom <feed> root'}")
        else:
            messages.append(f"ok: {name} parses, {len(entries)} entries with the required elements")
    try:
        catalogue = json.loads((out_root / "opds.json").read_text(encoding="utf-8"))
        good = (isinstance(catalogue.get("metadata", {}).get("title"), str)
                and any(l.get("rel") == "self" for l in catalogue.get("links", []))
                and all(p.get("metadata", {}).get("title") and p.get("links")
                        for p in catalogue.get("publications", [])))
        messages.append("ok: opds.json parses, with metadata, a self link and linked publications" if good
                        else "error: opds.json lacks metadata.title, a self link or publications' links")
    except (OSError, ValueError, AttributeError) as exc:
        messages.append(f"error: opds.json does not parse: {exc}")
    return messages
