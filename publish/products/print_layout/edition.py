"""An Issue → its print layout, once per run: the download and press PDFs' bytes, page starts and page breaks.

The body is cut into parts at section openings and the parts are laid out
in parallel processes (.body), each written twice from its one layout:
trimmed, tagged and with screen-resolution pictures for the download PDF,
with bleed, marks and full-resolution pictures for the press. The front page
and the running heads are laid out last, once every page number is known, and
.join puts each edition together. The pdf and print formats
and the EPUB's page-list of one run share the work
through `context.cache`.
"""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from pathlib import Path

from publish.errors import PublishError, rel
from publish.forkpool import cpus, shares_cores
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.press.store import PictureStore
from publish.products.press.setup import press_inks
from publish.products.print_layout import html as pdf_html
from publish.products.print_layout.body import body, cached, languages, raise_errors, sources, time_limit
from publish.products.print_layout.breaks import LAYOUT_KEY, store_breaks, stored_breaks
from publish.products.print_layout.front import Jump, front_html
from publish.products.print_layout.furniture import BLOCK_ANCHOR, furnish
from publish.products.print_layout.urls import VIRTUAL_ROOT, root_url
from publish.products.print_layout.join import Bookmark, join
from publish.products.print_layout.parallel import call, run
from publish.products.print_layout.partcache import PartCache
from publish.products.print_layout.render import Job, Result
from publish.render import source_date

log = logging.getLogger("publish")

CACHE_KEY = LAYOUT_KEY
PICTURES = Path(".publish-cache") / "cmyk"  # the press's pictures in CMYK, per issue


@dataclass
class Edition:
    """Both PDFs of an issue (those asked for), and where each article starts in them."""

    pdfs: dict[str, bytes]  # "screen", "press"
    starts: dict[str, int]  # article or standing page slug → first page number
    pages: int
    timings: dict[str, float] = field(default_factory=dict)
    breaks: list[tuple[int, str]] = field(default_factory=list)  # page number → the anchor it starts at
    warnings: list[str] = field(default_factory=list)  # located: characters the fonts do not have


def page_starts(issue: Issue, context: Context) -> dict[str, int]:
    """Article slug → the print edition's page where it begins (for the EPUB's page-list)."""
    return dict(edition(issue, context, None).starts)


def page_breaks(issue: Issue, context: Context) -> list[tuple[int, str]]:
    """(page, anchor) for every page of the print edition: where in the text each page begins.

    Page 1 is the front page ("front-page"); each body page starts at the first article or
    block anchor (`<key>-b<n>`, publish.render) that begins on it, or, if none does, at the
    block that runs on over it. The layout is the run's shared one: the PDF variants this
    run will write are written from it, and an EPUB-only run lays out without writing any.
    """
    made = context.cache.get(CACHE_KEY)
    if made is None:
        stored = stored_breaks(issue, context.layout_digest)
        if stored is not None:  # this layout was made before, from the very same inputs
            return stored
        made = _laid_out(issue, context, _variants_to_build(context))
        context.cache[CACHE_KEY] = made
    return list(made.breaks)


def _variants_to_build(context: Context) -> tuple[str, ...]:
    """The PDF variants whose formats this run still builds (a format already current is not rebuilt)."""
    formats, done = context.options.formats, context.outputs
    return tuple(sorted(variant for variant, fmt in (("press", "print"), ("screen", "pdf"))
                        if (formats is None or fmt in formats) and fmt not in done))


# --- one layout for both -------------------------------------------------------------------


def edition(issue: Issue, context: Context, variant: str | None) -> Edition:
    """The issue laid out once per run; `variant` must be among what that layout wrote."""
    made = context.cache.get(CACHE_KEY)
    if made is not None and (variant is None or variant in made.pdfs):
        return made
    variants = _variants_wanted(issue, context, variant)
    made = _laid_out(issue, context, variants)
    context.cache[CACHE_KEY] = made
    return made


def _laid_out(issue: Issue, context: Context, variants: tuple[str, ...]) -> Edition:
    """lay_out(), with its warnings said once; with --strict they fail the build."""
    made = lay_out(issue, variants, workers=_workers(), base=context.layout_base, fresh=context.options.force,
                   spare=context.spare)
    store_breaks(issue, made.breaks, context.layout_digest)
    if made.warnings and context.options.strict:
        raise PublishError("\n".join(w.replace(": warning: ", ": ", 1) + " (an error with --strict)"
                                     for w in made.warnings))
    for message in made.warnings:
        log.warning("%s", message)
    return made


def _variants_wanted(issue: Issue, context: Context, variant: str | None) -> tuple[str, ...]:
    """This variant, and the other too if this run builds its format (one layout serves both)."""
    other = {"screen": ("press", "print"), "press": ("screen", "pdf"), None: ("press", "print")}[variant]
    formats = context.options.formats
    wanted = {variant} if variant else set()
    if variant is None or formats is None or other[1] in formats:
        wanted.add(other[0])
    return tuple(sorted(wanted))


def _workers() -> int:
    """Every core when this issue is built alone; one inside an archive's worker (which is busy with it)."""
    return 1 if shares_cores() else cpus()


def lay_out(issue: Issue, variants: tuple[str, ...], workers: int = 1, base: str = "",
            fresh: bool = False, spare=None) -> Edition:
    """Lay the body parts out (in parallel), then the front page and furniture; join each variant.

    With `base` (what every part depends on besides its HTML: the pipeline's Context.layout_base), parts
    laid out before from the same inputs come from the part cache (.partcache) instead; `fresh`
    (--force) lays every part out again and renews the cache. A `spare` process (publish.ahead's Spare or
    Zygote, loaded while the issue was read) takes the first layout, or all. The front page and the
    furniture start as soon as every body page is laid out, while the last parts are still being written
    (body's `then`).
    """
    started, pub = time.perf_counter(), issue.publication
    cache = PartCache(pub.root, issue.number, base)
    inks = _inks(issue, variants, base, fresh)
    tails: list[_Tail] = []

    def then(jump: Jump, parts: list, laid: list[Result]) -> list[Job]:
        tails.append(_tail(issue, variants, inks, jump, parts, laid))
        tails[0].results = [None if fresh else cache.get(job) for job in tails[0].jobs]
        return [job for job, result in zip(tails[0].jobs, tails[0].results) if result is None]

    jump, parts, jobs, results, late = body(issue, variants, cache, workers, fresh, inks, spare, then)
    laid = time.perf_counter()
    tail = tails[0] if late is not None else _tail(issue, variants, inks, jump, parts, results)
    if not variants:  # only where the pages begin (an EPUB-only run): no front page, no PDF
        laid = time.perf_counter() - started
        return Edition({}, tail.starts, tail.pages, {"parts": laid, "total": laid}, tail.breaks, _warnings(results))
    hyphenated = languages(issue)
    if late is None:
        front, furniture, *filler = cached(cache, tail.jobs, workers, fresh, spare, hyphenated)
    else:
        front, furniture, *filler = _late(cache, tail, late)
    front_job = tail.jobs[0]
    if front.pages != 1 and jump.room:  # the measured height did not hold after all: columns as tall as needed
        front_job = replace(front_job, html=front_html(issue, replace(jump, room=0.0), tail.starts,
                                                       pdf_html.page_css(issue, front=True), pdf_html.picture_url))
        front = cached(cache, [front_job], workers, fresh, spare, hyphenated)[0]
    cache.prune()
    filler_pdf, filler = _filler(issue, filler, tail.gap, tail.jobs[2:], workers, spare)
    if inks is not None and inks.store is not None:  # the store keeps the pictures of this layout's pages
        inks.store.used.update(key for r in [*results, front, furniture, *filler] for key in r.pictures)
        inks.store.prune()
    if front.pages != 1:
        raise PublishError(f"{tail.toml}: the front page does not fit on one page ({front.pages} pages) — shorten "
                           "the cover headline or the cover story's standfirst, or use a smaller cover picture")
    fronted = time.perf_counter()

    pdfs = _join_variants(issue, variants, [*jobs, front_job, tail.jobs[1]], (front, furniture, results, filler_pdf),
                          tail.outline, workers)
    done = time.perf_counter()
    timings = {"parts": laid - started, "front": fronted - laid, "join": done - fronted, "total": done - started}
    log.debug("issue %s: PDF in %d part(s), %d pages: %s", issue.number, len(parts), tail.pages,
              ", ".join(f"{k} {v:.2f}s" for k, v in timings.items()))
    return Edition(pdfs, tail.starts, tail.pages, timings, tail.breaks, _warnings([*results, front, furniture]))


@dataclass
class _Tail:
    """What waits for every body page: where each article starts, the bookmarks, the page breaks, and the
    jobs of the front page, the running heads and the press's filler pages (none in an EPUB-only run)."""

    starts: dict[str, int]
    outline: list[Bookmark]
    breaks: list[tuple[int, str]]
    pages: int  # the edition's, front page included
    gap: int  # the press's filler pages
    toml: str
    jobs: list[Job]
    results: list[Result | None] = field(default_factory=list)  # the jobs' from the part cache, where found


def _tail(issue: Issue, variants: tuple[str, ...], inks, jump: Jump, parts, results: list[Result]) -> _Tail:
    """The tail of the layout, from the body's pages (their layouts: laid out, or told before being written)."""
    pub = issue.publication
    layout, limit = f"layouts/{pub.layout}", time_limit()
    starts, folios, outline = _pages(issue, parts, results)
    if jump.key and not jump.continues:  # the whole lead story is on the front page
        starts[next(a.slug for a in issue.articles if a.key == jump.key)] = 1
    breaks = _breaks(issue, results)
    body_pages = sum(r.pages for r in results)
    toml = rel(issue.folder / "issue.toml", pub.root)
    if not variants:
        return _Tail(starts, outline, breaks, body_pages + 1, 0, toml, [])
    height = results[0].height if results and results[0].pages else 0.0
    folios = furnish(issue, folios, [b for r in results for b in r.bottoms], breaks, starts, height)
    front_job = Job(front_html(issue, jump, starts, pdf_html.page_css(issue, front=True), pdf_html.picture_url),
                    pub.root, variants, sources(issue, list(issue.articles)), limit, label=toml, layout=layout,
                    kind="front", inks=inks)
    folios_job = Job(pdf_html.folios_html(issue, folios), pub.root, variants, {}, limit, label=toml,
                     layout=layout, kind="folios", inks=inks)
    gap = -(body_pages + 1) % 4 if "press" in variants else 0  # the press prints folded sheets of 4 pages
    filler_jobs = [Job(pdf_html.filler_html(issue, gap), pub.root, ("press",), {}, limit, label=toml,
                       layout=layout, inks=inks)] if gap else []
    return _Tail(starts, outline, breaks, body_pages + 1, gap, toml, [front_job, folios_job, *filler_jobs])


def _late(cache: PartCache, tail: _Tail, late: list[Result]) -> list[Result]:
    """The tail's results: those found in the part cache, and those laid out beside the body (kept now)."""
    laid = iter(late)
    results = [found if found is not None else next(laid) for found in tail.results]
    raise_errors(results)
    for job, found, result in zip(tail.jobs, tail.results, results):
        if found is None:
            cache.put(job, result)
    return results


def _inks(issue: Issue, variants: tuple[str, ...], base: str, fresh: bool):
    """The printer's inks if the press variant is made (each layout separates its own press pages), with the
    store of pictures in CMYK that is kept with the parts' layouts. What converting the pictures needs is
    loaded here (for the layouts forked here; with a zygote, for the preflight, while the zygote loads)."""
    if "press" not in variants:
        return None
    inks = press_inks(issue.publication)
    if base:
        inks.store = PictureStore(issue.publication.root / PICTURES / str(issue.number), fresh)
    if inks.store is None or inks.store.empty():  # every picture is to be converted, in the layouts' processes
        inks.warm()
    return inks


def _join_variants(issue: Issue, variants: tuple[str, ...], jobs: list[Job], made: tuple, outline,
                   workers: int) -> dict[str, bytes]:
    """Each variant's pages joined into one PDF (the press's pages come separated into CMYK), the variants in
    parallel.

    `made` is (front page, furniture, body parts, the press's filler pages).
    """
    pub = issue.publication
    front, furniture, results, filler_pdf = made
    toml = rel(issue.folder / "issue.toml", pub.root)
    document_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{pub.url or pub.slug}#{issue.number}@{source_date(issue)}"))
    content = hashlib.sha256()
    here = root_url(pub.root)  # the folder's own path must not change the ID
    for job in jobs:
        content.update(job.html.replace(here, VIRTUAL_ROOT).encode())
    bleed_pt = pdf_html.length_mm(pub.print.bleed) * 72 / 25.4
    settings = {"screen": dict(press_bleed_pt=None, tagged=True, version="1.7"),
                "press": dict(press_bleed_pt=bleed_pt, tagged=False, version="1.6")}
    extra = {"press": filler_pdf, "screen": []}
    joins = [lambda v=v: join(front.pdf[v], furniture.pdf[v], [r.pdf[v] for r in results] + extra[v], outline,
                              document_id=document_id, content_digest=content.digest(), **settings[v])
             for v in variants]
    pdfs = dict(zip(variants, call(joins, workers, [toml] * len(joins), [time_limit()] * len(joins))))
    raise_errors([p for p in pdfs.values() if isinstance(p, Result)])
    return pdfs


def _filler(issue: Issue, filler: list[Result], gap: int, jobs: list[Job],
            workers: int, spare=None) -> tuple[list[bytes], list[Result]]:
    """The house adverts' PDF, and its layout; blank pages, with a warning, when the adverts do not fill the gap
    exactly."""
    if not gap:
        return [], []
    if filler[0].pages == gap:
        return [filler[0].pdf["press"]], filler
    blank = Job(pdf_html.blank_html(issue, gap), jobs[0].root, ("press",), {}, jobs[0].time_limit,
                label=jobs[0].label, layout=jobs[0].layout, inks=jobs[0].inks)
    result = run([blank], workers, spare, languages(issue))[0]
    raise_errors([result])
    log.warning("%s: warning: the press PDF has %d blank page(s) added to make its page count a multiple of 4 — "
                "the house adverts did not fit one page each; check pdf/filler.html in the layout", jobs[0].label, gap)
    return [result.pdf["press"]], [result]


def _warnings(results: list[Result]) -> list[str]:
    return list(dict.fromkeys(w for r in results for w in r.warnings))


def _pages(issue: Issue, parts, results) -> tuple[dict[str, int], list[dict], list[Bookmark]]:
    """Where each article starts, each body page's running-head section, and the bookmarks."""
    starts: dict[str, int] = {}
    folios: list[dict] = []
    run_titles = {run.anchor: run.section.title for part in parts for run in part.runs}
    standing_titles = {f"standing-{a.key}": a.title for a in issue.standing_pages}
    slug_of = {a.key: a.slug for a in issue.all_pages}  # anchors carry keys; starts are by slug
    number = 2
    current = ""
    for result in results:
        for anchors in result.anchors:
            for anchor in anchors:
                if anchor in run_titles:
                    current = run_titles[anchor]
                elif anchor in standing_titles:
                    current = standing_titles[anchor]
                elif anchor.startswith("article-"):
                    key = anchor[len("article-"):]
                    starts.setdefault(slug_of.get(key, key), number)
            folios.append({"section": current, "page": number, "side": "left" if number % 2 == 0 else "right"})
            number += 1
    outline = [Bookmark("Front page", "front-page", [])]
    for part in parts:
        for run_ in part.runs:
            outline.append(Bookmark(run_.section.title, run_.anchor,
                                    [Bookmark(a.full_title, f"article-{a.key}", []) for a in run_.articles]))
    outline += [Bookmark(a.title, f"standing-{a.key}", []) for a in issue.standing_pages]
    return starts, folios, outline


def _breaks(issue: Issue, results: list[Result]) -> list[tuple[int, str]]:
    """Each page's first article or block anchor in reading order (the front page is page 1)."""
    order = {a.key: i for i, a in enumerate(issue.all_pages)}
    starts = {f"article-{a.key}": i for i, a in enumerate(issue.all_pages)}

    def rank(anchor: str) -> tuple[int, int] | None:
        if anchor in starts:
            return (starts[anchor], 0)
        match = BLOCK_ANCHOR.fullmatch(anchor)
        if match and match.group(1) in order:
            return (order[match.group(1)], int(match.group(2)))
        return None

    breaks = [(1, "front-page")]
    number, seen = 2, set()
    for result in results:
        for anchors in result.anchors:
            # a box split over pages names its anchor on each of them: the page begins at the first new one,
            # or, if nothing begins on it, inside the last block that runs on
            ranked = sorted((a for a in anchors if rank(a) is not None), key=rank)
            new = [a for a in ranked if a not in seen]
            if new or ranked:
                breaks.append((number, new[0] if new else ranked[-1]))
            seen.update(ranked)
            number += 1
    return breaks
