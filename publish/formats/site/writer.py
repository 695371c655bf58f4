"""The whole publication and the files already in dist/ → the download site: archive, issue, article and
keyword pages, Atom and OPDS feeds.

Links. Pages link to each other relatively (`../index.html`, `1112/index.html`), always: the same dist/
then works opened from a file system, from `publish serve`, on a static host or under a sub-path. When
publication.toml sets `url`, pages also name their absolute address (`<link rel="canonical">`) and the
feeds use absolute links and ids, because feed readers and OPDS apps keep entries apart from the feed
they came from. Without `url` the feeds' links are relative (Atom and OPDS resolve them against the feed's
own address) and their ids are stable `urn:uuid:`s made from the slug and issue number.

Updating. The site never reads sources: the pipeline hands it the publication's issues
(`context.issues`), each with the digest of its inputs and, on request, checked. Reading a whole
archive's sources takes seconds per fifty issues, so each issue's site record (kept outside dist/,
see `Records`) holds that digest and the summary the archive, keyword pages and feeds need; only
issues whose inputs changed are read and their article pages rendered. An issue whose build failed in this run keeps its pages as last built. Every file is
compared with what is on disk; the changed ones are staged and go live together (site_stage), in an
order that never shows a link to a page that is not there yet: pictures and covers, article pages,
issue pages, keyword pages, then the archive and the feeds; stale pages go last.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import time
from stat import S_ISREG
from dataclasses import asdict, dataclass, field
from pathlib import Path

from publish.errors import PublishError, rel
from publish.formats import FORMATS, REGISTRY
from publish.formats.site import feeds as site_feeds
from publish.formats.site import podcast as site_podcast
from publish.formats.site.audio import find_audio, stamp as audio_stamp
from publish.formats.site import pages as site_pages
from publish.formats.site.feeds import validate_site
from publish.formats.site.stage import Records, Stage, TimeLimit
from publish.model import Article, Issue, Publication
from publish.pipeline.types import CheckedIssues, Context
from publish.products.cover import favicon

log = logging.getLogger("publish")

STATE_VERSION = 1  # of the site's records (site_stage.Records)


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


# (format, suffix, label, media type) of every per-issue download, in the registry's order
FILE_KINDS = tuple((fmt.id, fmt.download.suffix, fmt.download.label, fmt.download.media_type)
                   for fmt in REGISTRY if fmt.download)
FOR_PRINTERS = {"print"}  # the press PDF is listed for printers only, never in feeds


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
    audio: object = field(default=None, compare=False)  # site.audio.IssueAudio, found in dist/<n>/ like downloads

    @property
    def articles(self) -> tuple[ArticleEntry, ...]:
        return tuple(a for _, run in self.sections for a in run)

    @property
    def for_readers(self) -> tuple[DownloadFile, ...]:
        """The downloads offered to readers (pages, feeds, catalogues)."""
        return tuple(d for d in self.downloads if d.fmt not in FOR_PRINTERS)

    @property
    def for_printers(self) -> tuple[DownloadFile, ...]:
        """The press PDF: kept in dist/ for the printer, named on the issue page only in a "For printers" line."""
        return tuple(d for d in self.downloads if d.fmt in FOR_PRINTERS)

    @property
    def year(self) -> str:
        return str(self.date.year)

    def to_json(self) -> dict:
        data = asdict(self)
        data.pop("downloads")
        data.pop("audio")
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


# --- downloads ---------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


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
        if not S_ISREG(stat.st_mode):  # only a finished file is a download
            continue
        stamp = [stat.st_size, stat.st_mtime_ns]
        old = known.get(file)
        sha = old[2] if isinstance(old, list) and len(old) == 3 and old[:2] == stamp else _sha256(path)
        hashes[file] = [*stamp, sha]
        found.append(DownloadFile(fmt, file, label, mime, FORMATS[fmt].description, stat.st_size, sha))
    return tuple(found), hashes


# --- the build ------------------------------------------------------------------------------------


@dataclass
class _IssueWork:
    folder: Path
    out_dir: Path
    entry: IssueEntry
    state: dict
    key: str
    issue: Issue | None = None  # read this time: its article pages are rendered
    keep: bool = False  # failed in this build, or its sources have errors: its pages stay as they are
    files: list[str] = field(default_factory=list)
    hashes: dict = field(default_factory=dict)


def write(pub: Publication, out_root: Path, context: Context) -> list[Path]:
    """Bring the site in `out_root` up to date with every issue's sources and downloads.

    Issues in `context.failed` (their build failed in this run) keep their pages as last built. The
    changed files go live together at the end, or, on any error, not at all.
    """
    started = time.perf_counter()
    out_root = Path(out_root)
    options = context.options
    failed = context.failed
    records = Records(context.state / "site", out_root, STATE_VERSION)
    stage = Stage(out_root)
    try:
        works = _gather(pub, out_root, records, failed, context.issues, force=options.force)
        entries, site_record = _stage_site(pub, out_root, works, stage, records.load(), TimeLimit(),
                                          context.issues.subscription())
        stage.commit()
        for work in works:
            records.save(work.folder.name, {"sources": work.key, "entry": work.entry.to_json(),
                                            "files": sorted(set(work.files)), "hashes": work.hashes})
        records.save("", site_record)
    except OSError as exc:
        where = exc.filename2 or exc.filename or out_root  # a rename names its target second
        raise PublishError(f"{where}: cannot write the site ({exc.strerror or exc}) — check free space and "
                           "permissions; the site was left as it was") from None
    finally:
        stage.discard()
    read = sum(w.issue is not None for w in works)
    log.info("site: %s (%d read afresh), %s written, %d unchanged (%.1f s)", plural(len(entries), "issue"),
             read, plural(len(stage.written), "file"), stage.kept, time.perf_counter() - started)
    return stage.written


def _stage_site(pub: Publication, out_root: Path, works: list[_IssueWork], stage: Stage, root_state: dict,
                limit: TimeLimit, subscription: Article | None) -> tuple[list[IssueEntry], dict]:
    """Stage every changed file in going-live order; returns the issues' entries and the site's record."""
    stage.put(out_root / "site.css", site_pages.stylesheet(pub))
    stage.put(out_root / "favicon.png", favicon(pub))
    for work in works:  # pictures, covers and article pages first: nothing links to them yet
        if work.issue is not None:
            with limit.step(f"{rel(work.folder, pub.root)}: the site's pictures, cover and article pages"):
                work.files = site_pages.write_issue_files(work.issue, work.entry, work.out_dir, stage, limit)
        else:
            work.files = [f for f in work.state.get("files", []) if f != "index.html" or work.keep]
    entries = []
    with limit.step("the site's issue pages, keyword pages, archive and feeds"):
        root_files = site_pages.write_root_pages(pub, out_root, stage, subscription)
        for work in works:
            downloads, work.hashes = find_downloads(work.out_dir, work.entry.name, work.state.get("hashes", {}))
            entry = IssueEntry(**{**work.entry.__dict__, "downloads": downloads,
                                  "audio": find_audio(work.out_dir, work.entry.name)})
            entries.append(entry)
            if not work.keep:
                stage.put(work.out_dir / "index.html", site_pages.issue_page(pub, entry))
                work.files.append("index.html")
        entries.sort(key=lambda e: e.number, reverse=True)  # newest first, everywhere
        keyword_files = site_pages.write_keyword_pages(pub, entries, out_root / "keywords", stage)
        stage.put(out_root / "index.html", site_pages.archive_page(pub, entries))
        stage.put(out_root / "feed.atom", site_feeds.atom(pub, entries))
        podcast = site_podcast.podcast(pub, entries)
        if podcast:  # listed with the root files, so it goes when the last issue's audio does
            stage.put(out_root / "podcast.xml", podcast)
            root_files.append("podcast.xml")
        catalogue_pages = site_feeds.catalogues(pub, entries)
        for name, text in catalogue_pages.items():
            stage.put(out_root / name, text)
    # last: what no page links to any more
    _remove_stale(stage, out_root / "keywords", root_state.get("keywords", []), keyword_files)
    _remove_stale(stage, out_root, root_state.get("root_files", []), root_files)
    for old in out_root.glob("opds-*.*"):  # pages of a longer catalogue than today's
        if old.name not in catalogue_pages:
            stage.remove(old)
    for work in works:
        if not work.keep:
            _remove_stale(stage, work.out_dir, work.state.get("files", []), work.files)
    return entries, {"keywords": sorted(keyword_files), "root_files": sorted(root_files)}


def _gather(pub: Publication, out_root: Path, records: Records, failed: frozenset[int],
            issues: CheckedIssues, force: bool) -> list[_IssueWork]:
    """Every issue's summary: from its record while its inputs are unchanged (unless `force`), else checked afresh.

    Issues whose sources have errors are kept as last built; the pipeline reports their errors.
    """
    works: list[_IssueWork] = []
    for folder in issues.folders():
        out_dir = out_root / folder.name
        state = records.load(folder.name)
        recorded = state.get("entry")
        if int(folder.name) in failed:
            _keep(works, folder, out_dir, state, "its build failed")
            continue
        # the article pages carry the audio players: re-render them when the audio appears or changes
        key = issues.digest(folder) + audio_stamp(find_audio(out_dir, f"{pub.slug}-{folder.name}"))
        if (not force and state.get("sources") == key and recorded
                and all((out_dir / f).is_file() for f in state.get("files", []))):
            works.append(_IssueWork(folder, out_dir, IssueEntry.from_json(recorded), state, key))
            continue
        issue = issues.read(folder, "its site pages were kept as last built" if recorded
                            else "it was left out of the site")
        if issue is None:
            _keep(works, folder, out_dir, state, "it has errors")
            continue
        works.append(_IssueWork(folder, out_dir, summarize(issue), state, key, issue))
    return works


def _keep(works: list[_IssueWork], folder: Path, out_dir: Path, state: dict, why: str) -> None:
    """An issue whose pages stay exactly as last built (or that stays out of a site it was never in)."""
    recorded = state.get("entry")
    if recorded:
        log.warning("site: issue %s: %s; its pages stay as last built", folder.name, why)
        works.append(_IssueWork(folder, out_dir, IssueEntry.from_json(recorded), state,
                                state.get("sources", ""), keep=True))
    else:
        log.warning("site: issue %s: %s; it is left out of the site", folder.name, why)


def _remove_stale(stage: Stage, folder: Path, before: list[str], now: list[str]) -> None:
    keep = set(now)
    for name in before:
        if name in keep or ".." in Path(name).parts:
            continue
        path = folder / name
        if path.is_file():
            stage.remove(path)


def plural(count: int, word: str) -> str:
    """"1 issue", "2 issues"."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def validate(files: list[Path], context: Context) -> list[str]:
    """The site's checks: its feeds parsed back (the site is validated as a whole, in context.out)."""
    return validate_site(context.out) + site_podcast.validate_podcast(context.out)
