"""One HTML document → laid out once by WeasyPrint → its press and screen PDF bytes, page anchors and size.

The press variant keeps the bleed, at full picture resolution (the marks are
drawn when the parts are joined), and is separated into the printer's CMYK here,
in the layout's own process; the screen variant has the pictures at screen
resolution and is tagged. A body part or the furniture is written once for both
(_write_once); the front page, whose metadata the joined editions keep, once
for each. A layout that runs past the time limit, or asks for a file it may not
have, fails with the article it was working on named.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable

from publish import lifeline
from publish.products.press.inks import Inks
from publish.products.press.separate import separate
from publish.products.print_layout.laid import boxes_with_ids, content_bottom
from publish.products.print_layout.urls import VIRTUAL_ROOT, root_url
from publish.products.print_layout.screen_copy import COPIES, kept_copy, with_screen_pictures
from publish.products.print_layout.weasy_adapter import (open_font_arrays, page_marks, screen_copies, set_image_dpi,
                                                          set_page_marks)
from publish.products.print_layout.weasy_columns import search_column_heights
from publish.products.print_layout.weasy_lines import fewer_line_tries

SCREEN_DPI = 150


@dataclass
class Job:
    """What a worker needs: the HTML, the publication folder, which variants, and who to blame."""

    html: str
    root: Path
    variants: tuple[str, ...]  # "press", "screen"
    articles: dict[str, str]  # anchor id ("article-<slug>") → source file as users see it
    time_limit: float
    label: str = ""
    layout: str = "layouts/default"  # named when a URL comes from no article
    kind: str = "part"  # "part" (body pages), "front" (the front page), "folios" (running heads, numbers)
    inks: Inks | None = None  # the printer's: the press variant is separated into CMYK where it is written
    renew: bool = False  # --force: what is kept beside the layout (its pictures' screen copies) is made again


@dataclass
class Result:
    pages: int = 0
    width: float = 0.0  # CSS px, trim size
    height: float = 0.0
    anchors: list[list[str]] = field(default_factory=list)  # per page: anchor names on it
    bottoms: list[float] = field(default_factory=list)  # per page: where its lowest content ends (CSS px)
    # a measuring layout's (kind "measure") boxes: id → [page index, left, top, right, bottom], CSS px
    boxes: dict[str, list[float]] = field(default_factory=dict)
    pdf: dict[str, bytes] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    error: str = ""
    warnings: list[str] = field(default_factory=list)  # located, e.g. a character the fonts do not have
    pictures: list[str] = field(default_factory=list)  # the press's converted pictures (PictureStore keys)

    def laid(self) -> Result:
        """What the layout tells before anything is written: pages, size, anchors, bottoms, a measure's boxes."""
        return Result(self.pages, self.width, self.height, self.anchors, self.bottoms, self.boxes)


class TimeLimit(BaseException):
    """The layout ran past its time limit; the message is the anchor of the article it was in. Not an
    Exception: WeasyPrint (and its URL fetching) catches Exception in many places and would report it as a
    missing file or a picture it could not load."""


@dataclass
class _Timer:
    """What the alarm saw: `fired` is None until the limit is reached, then the article's anchor (or "")."""

    fired: str | None = None


@contextlib.contextmanager
def _alarm(seconds: float, timer: _Timer):
    """Raise TimeLimit in this (main) thread after `seconds`; a no-op where signals are not available."""

    def on_alarm(signum, frame):
        # recorded before raising: whatever becomes of the exception, render() reports the time limit
        timer.fired = _article_in_frames(frame)
        raise TimeLimit(timer.fired)

    usable = hasattr(signal, "setitimer") and seconds > 0
    if usable:
        try:
            previous = signal.signal(signal.SIGALRM, on_alarm)
        except ValueError:  # not the main thread
            usable = False
    if usable:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if usable:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _article_in_frames(frame) -> str:
    """The id of the <article> a layout was inside when interrupted, from the layout's call stack."""
    while frame is not None:
        for name in ("box", "parent_box", "containing_block"):
            box = frame.f_locals.get(name)
            element = getattr(box, "element", None)
            anchor = element.get("id", "") if element is not None and hasattr(element, "get") else ""
            if anchor.startswith(("article-", "standing-")):
                return anchor.replace("standing-", "article-", 1)
        frame = frame.f_back
    return ""


def _culprit(job: Job, anchor: str = "", url: str = "") -> str:
    """Which source to name: the article being laid out, the one naming the URL, or the layout."""
    if anchor and anchor in job.articles:
        return job.articles[anchor]
    if url:
        tail = url.rsplit("/", 1)[-1]
        for anchor_id, source in job.articles.items():
            if _names(job.html, anchor_id, url, tail):
                return source
        return job.layout
    return job.label or ", ".join(sorted(set(job.articles.values())))


def _names(html: str, anchor: str, url: str, tail: str) -> bool:
    """Whether the <article id=anchor> element of `html` mentions the URL (or its file name)."""
    start = html.find(f'id="{anchor}"')
    if start < 0:
        return False
    end = html.find("</article>", start)
    chunk = html[start:end if end > 0 else len(html)]
    return url in chunk or (bool(tail) and tail in chunk)


def render(job: Job, told: Callable[[Result], None] | None = None) -> Result:
    """Lay the document out once and write the requested variants; errors come back in Result.error.
    `told` hears the layout (Result.laid) before the pages are written: what waits for them starts then."""
    # WeasyPrint is loaded where a layout runs (a forked process inherits it): the building process that only
    # joins cached parts never loads it
    from weasyprint.urls import FatalURLFetchingError

    from publish.products.print_layout.fetch import isolated_fonts

    result = Result()
    timer = _Timer()
    try:
        with isolated_fonts(job.root) as fonts, _alarm(job.time_limit, timer):
            _lay_out_and_write(job, fonts, result, told)
    except TimeLimit:
        pass  # reported below
    except FatalURLFetchingError as exc:
        result.error = _fetch_error(job, exc)
    except Exception:
        if timer.fired is None:
            raise
    # the time limit wins wherever it fired: inside a file fetch, or under code that caught it
    if timer.fired is not None:
        return Result(error=f"{_culprit(job, anchor=timer.fired)}: the PDF layout took longer than "
                            f"{job.time_limit:g} s and was stopped — look for a very long table, list or "
                            "unbroken line in it, or a very large picture, or raise PUBLISH_PDF_TIME_LIMIT")
    return result


def _lay_out_and_write(job: Job, fonts, result: Result, told) -> None:
    """The layout and the variants' bytes, into `result`."""
    from weasyprint import HTML

    from publish.products.print_layout.fetch import ConfinedFetcher

    search_column_heights()  # balanced columns in a few layouts, not one per pixel (weasy_columns)
    fewer_line_tries()  # no Pango layout for a line that cannot fit (weasy_lines)
    open_font_arrays()  # one C type for the font subsetter's arrays, not one per length (weasy_adapter)
    # WeasyPrint names pictures after their URLs: a fixed root keeps the folder's path out of the PDF
    page = job.html.replace(root_url(job.root), VIRTUAL_ROOT)
    html = HTML(string=page, base_url=VIRTUAL_ROOT, url_fetcher=ConfinedFetcher(job.root))
    images: dict = {}  # url → WeasyPrint image; their resolution is set per variant below
    with _missing_glyphs(job, html.etree_element, result.warnings):
        _write_variants(job, html, fonts, images, result, told)


def _write_variants(job: Job, html, fonts, images: dict, result: Result, told=None) -> None:
    """Lay `html` out once, then write each variant the job asks for."""
    started = time.perf_counter()
    lifeline.crash_point(f"laying-out:{job.kind}")  # in a worker, while the others lay out their parts
    document = html.render(font_config=fonts, cache=images)
    result.seconds["layout"] = time.perf_counter() - started
    _no_attachments(document)
    result.pages = len(document.pages)
    if document.pages:
        result.width, result.height = document.pages[0].width, document.pages[0].height
    result.anchors = [sorted(page.anchors) for page in document.pages]
    result.bottoms = [content_bottom(page) for page in document.pages]
    if job.kind == "measure":
        result.boxes = boxes_with_ids(document)
    if told is not None:
        told(result.laid())
    _write(job, document, images, result)
    if job.inks is not None and "press" in result.pdf:  # the press's pages in the printer's CMYK, here
        t0 = time.perf_counter()
        # the front page's document gives the joined edition its catalogue: the output intent with it
        result.pdf["press"], result.pictures = separate(result.pdf["press"], job.inks, intent=job.kind == "front")
        result.seconds["separate"] = time.perf_counter() - t0


def _write(job: Job, document, images: dict, result: Result) -> None:
    """The variants the job asks for, from the laid-out `document`."""
    if job.kind in ("part", "folios"):
        t0 = time.perf_counter()
        # one write whichever editions the run makes: each comes out the same bytes in any run (and a part
        # in the cache is the same whichever run made it)
        written = _write_once(document, images, tagged=job.kind == "part", screen="screen" in job.variants,
                              kept=partial(kept_copy, job.root / COPIES, renew=job.renew))
        result.pdf.update((variant, written[variant]) for variant in job.variants)
        result.seconds["write"] = time.perf_counter() - t0
        return
    # the front page, whose catalogue and metadata the joined editions take: each edition written on its own,
    # the press first (writing at screen resolution replaces each picture by its thumbnail)
    writes = {"press": lambda: _write_press(document, images),
              "screen": lambda: _write_screen(document, images)}
    for name in writes:
        if name in job.variants:
            t0 = time.perf_counter()
            result.pdf[name] = writes[name]()
            result.seconds[name] = time.perf_counter() - t0


class _GlyphWatch(logging.Filter):
    """WeasyPrint's ".notdef glyph rendered" log lines → located warnings (and no bare log line)."""

    def __init__(self, job: Job, root, warnings: list[str]):
        super().__init__()
        self.job, self.warnings = job, warnings
        self.articles = {}  # element → the id of the <article> it is in
        for element in root.iter():
            anchor = element.get("id", "")
            if anchor.startswith(("article-", "standing-")):
                for inner in element.iter():
                    self.articles[inner] = anchor.replace("standing-", "article-", 1)

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(".notdef glyph rendered"):
            return True
        char = record.args[0] if record.args else "?"
        where = _culprit(self.job, anchor=self._article(sys._getframe()))
        message = (f"{where}: warning: the PDF shows an empty box for {char!r} (U+{ord(char[:1] or '?'):04X}): "
                   "the paper's fonts do not have that character — write another one, or add a font that "
                   "has it to fonts/ and the layout")
        if message not in self.warnings:  # each variant draws the pages again
            self.warnings.append(message)
        return False

    def _article(self, frame) -> str:
        """The article of the text being drawn, from the draw call's `textbox`."""
        while frame is not None:
            box = frame.f_locals.get("textbox")
            if box is not None and getattr(box, "element", None) is not None:
                return self.articles.get(box.element, "")
            frame = frame.f_back
        return ""


@contextlib.contextmanager
def _missing_glyphs(job: Job, root, warnings: list[str]):
    """While active, characters drawn without a glyph are added to `warnings`, naming their article."""
    watch = _GlyphWatch(job, root, warnings)
    logger = logging.getLogger("weasyprint")
    logger.addFilter(watch)
    try:
        yield
    finally:
        logger.removeFilter(watch)


def _fetch_error(job: Job, exc) -> str:
    """A file the layout asked for and could not have, with the source that named it."""
    from publish.products.print_layout.fetch import Refused

    cause = exc.__cause__
    if isinstance(cause, Refused):
        url = cause.url.replace(VIRTUAL_ROOT, root_url(job.root))
        shown = url.replace(root_url(job.root), "")
        return (f"{_culprit(job, url=url)}: the PDF may not load {shown!r}: {cause.reason} — "
                "use files inside the publication folder only (pictures in the issue's images/)")
    return f"{_culprit(job)}: the PDF could not load a file ({cause or exc}) — check the file"


def _no_attachments(document) -> None:
    """Raw HTML may not attach files to the PDF: drop any attachment WeasyPrint found."""
    document.metadata.attachments = []
    for page in document.pages:
        page.links = [link for link in page.links if link[0] != "attachment"]


@contextlib.contextmanager
def _page_setup(document, bleed: bool, marks: bool):
    """Take the bleed and/or the marks off the laid-out pages while writing, then put them back."""
    # The Page's bleed sets the PDF boxes; what the page box paints beyond them is clipped away.
    saved = [(page.bleed, page_marks(page)) for page in document.pages]
    try:
        for page in document.pages:
            if not bleed:
                page.bleed = dict.fromkeys(page.bleed, 0)
            if not marks:
                set_page_marks(page, ())
        yield
    finally:
        for page, (saved_bleed, saved_marks) in zip(document.pages, saved):
            page.bleed = saved_bleed
            set_page_marks(page, saved_marks)


def _resolution(images: dict, dpi: int | None) -> None:
    """WeasyPrint fixes a picture's maximum resolution when it loads it; set it for the next write."""
    for image in images.values():
        set_image_dpi(image, dpi)


def _write_screen(document, images: dict) -> bytes:
    """The trimmed variant: no bleed, no marks, pictures at screen resolution, tagged (PDF/UA-1)."""
    _resolution(images, SCREEN_DPI)
    with _page_setup(document, bleed=False, marks=False):
        return document.write_pdf(pdf_variant="pdf/ua-1")


def _write_press(document, images: dict) -> bytes:
    """The press variant: bleed as laid out, full-resolution pictures, PDF/X-4 with an sRGB intent.

    The crop and registration marks are added when the parts are joined: WeasyPrint draws
    them as an SVG on every page, which costs more than the rest of the page.
    """
    saved_intent, saved_profiles = document.output_intent, dict(document.color_profiles)
    _resolution(images, None)
    try:
        document.output_intent = "srgb"
        with _page_setup(document, bleed=True, marks=False):
            return document.write_pdf(pdf_variant="pdf/x-4", output_intent="srgb")
    finally:
        document.output_intent, document.color_profiles = saved_intent, saved_profiles


def _write_once(document, images: dict, tagged: bool, screen: bool, kept=None) -> dict[str, bytes]:
    """A part's (or the furniture's) variants from one write: with bleed, no marks, tagged (PDF/UA-1) if
    `tagged`, full-resolution pictures: the press's. The download's (if `screen`) is that file with each
    picture swapped for its screen-resolution copy (.screen_copy; `kept` keeps the copies between builds).
    The join trims the download's pages to the TrimBox and leaves the press's tags out."""
    options = {"pdf_variant": "pdf/ua-1"} if tagged else {}
    with screen_copies(images, SCREEN_DPI, kept) as pairs, _page_setup(document, bleed=True, marks=False):
        press = document.write_pdf(**options)
    return {"press": press, **({"screen": with_screen_pictures(press, pairs)} if screen else {})}
