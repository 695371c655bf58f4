"""An Issue → the HTML documents WeasyPrint lays out: body parts (whole sections), and the front page with furniture.

The body is cut into parts at section openings (every section starts a page),
balanced by an estimate of their length, so that parts can be laid out in
parallel. The front page is made last, when every article's page is known; it
is followed by one empty page per body page that carries only that page's
running head and number, laid over the body pages when they are joined.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from publish.model import Article, Issue, Picture
from publish.render import body_html, long_date, render_template, source_date

MM = 96 / 25.4  # CSS px per millimetre
SLUG_MM = 9.0  # room beyond the bleed for crop and registration marks
SIDE_MARGIN_MM = 12.0  # must match @page in css/print.css
BOTTOM_MARGIN_MM = 15.0
FRONT_BOTTOM_MM = BOTTOM_MARGIN_MM + 1  # the front page's columns end 1 mm above the body pages' foot
MASTHEAD_MM = 38.0
_UNITS = {"mm": 1.0, "cm": 10.0, "q": 0.25, "in": 25.4, "pt": 25.4 / 72, "pc": 25.4 / 6, "px": 25.4 / 96}


def length_mm(text: str) -> float:
    """A CSS length from publication.toml ("3mm", "0.125in", "0") in millimetres."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", text.lower())
    if not match or (match.group(2) and match.group(2) not in _UNITS) or (not match.group(2) and float(match.group(1))):
        raise ValueError(f"{text!r} is not a length")
    return float(match.group(1)) * _UNITS.get(match.group(2) or "mm", 1.0)


@dataclass
class Run:
    """One section's run of articles in a part, with the anchor its opening page gets."""

    anchor: str
    section: object
    articles: tuple[Article, ...]


@dataclass
class Part:
    index: int
    runs: list[Run] = field(default_factory=list)
    standing: list[Article] = field(default_factory=list)

    @property
    def articles(self) -> list[Article]:
        return [a for run in self.runs for a in run.articles] + list(self.standing)


def runs(issue: Issue) -> list[Run]:
    return [Run(f"section-{i}-{s.section.id}", s.section, s.articles) for i, s in enumerate(issue.sections, 1)]


def _weight(article: Article) -> float:
    """A rough cost of laying an article out: its text, plus a picture's worth per picture."""
    return len(article.body) + 1500 * (len(article.pictures) + bool(article.image)) + 800


PARTS = 4  # fixed, so that the output does not depend on how many cores the machine has


def split(issue: Issue, parts: int = PARTS) -> list[Part]:
    """Cut the issue at section openings into at most `parts` runs of nearly equal weight."""
    all_runs = runs(issue)
    weights = [sum(_weight(a) for a in r.articles) for r in all_runs]
    standing_weight = sum(_weight(a) for a in issue.standing_pages)
    if all_runs:
        weights[-1] += standing_weight
    parts = max(1, min(parts, len(all_runs)))
    target = sum(weights) / parts if weights else 0
    cut: list[Part] = [Part(0)]
    acc = 0.0
    for run, weight in zip(all_runs, weights):
        remaining_runs = len(all_runs) - all_runs.index(run)
        remaining_parts = parts - len(cut)
        if cut[-1].runs and (acc + weight / 2 > target * len(cut) or remaining_runs <= remaining_parts):
            if len(cut) < parts:
                cut.append(Part(len(cut)))
        cut[-1].runs.append(run)
        acc += weight
    cut[-1].standing = list(issue.standing_pages)
    return cut


def picture_url(picture: Picture) -> str:
    return picture.path.resolve().as_uri()


def meta(issue: Issue) -> dict:
    pub = issue.publication
    created = source_date(issue).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = f"{pub.title} — issue {issue.number}, {long_date(issue.date, pub.language)}"
    return {"title": title, "created": created}


def page_css(issue: Issue, front: bool = False) -> Markup:
    """The stylesheet lines that depend on publication.toml's [print] (values checked by the reader)."""
    settings = issue.publication.print
    bleed = length_mm(settings.bleed)
    outer = SIDE_MARGIN_MM + bleed
    scale = front_scale(issue.publication)
    masthead = MASTHEAD_MM * scale
    lines = [
        f"@page {{ size: {settings.page_size}; bleed: {bleed + SLUG_MM:.3f}mm; }}",
        f".article-body, .cover-text {{ column-count: {settings.columns}; }}",
        f".masthead {{ margin: -{bleed:.3f}mm -{outer:.3f}mm 0 -{outer:.3f}mm; "
        f"padding: {bleed + 5:.3f}mm {outer:.3f}mm 3mm {outer:.3f}mm; "
        f"height: {masthead + bleed:.3f}mm; box-sizing: border-box; }}",
        # the front page's type and contents column follow the page width (A4 = 1)
        f".masthead .paper {{ font-size: {_title_size(issue.publication, scale):.1f}pt; }}",
        f".masthead .strap {{ font-size: {9.5 * min(scale, 1.2):.1f}pt; }}",
        f".inside {{ flex-basis: {58 * scale:.1f}mm; }}",
    ]
    if front:
        _, height = page_size_mm(settings.page_size)
        body = height - masthead - BOTTOM_MARGIN_MM
        lines.append(f".cover-picture img {{ max-height: {max(body * 0.3, 30):.1f}mm; }}")
        # the front page is one page tall: the lead's columns take what the rest leaves, down to 1 mm above
        # the body pages' foot
        lines.append(f"@page front {{ margin-bottom: {FRONT_BOTTOM_MM:.1f}mm; }}")
        # a long headline or a long contents list gets smaller type, so the front keeps room for the story
        words = len(issue.headline)
        size = (50 if words <= 45 else 42 if words <= 70 else 34) * scale
        lines.append(f".cover-headline {{ font-size: {size:.1f}pt; }}")
        entries = len(issue.articles)
        if entries > 14 * scale:
            lines.append(f".inside {{ font-size: {max(6.5, 8.5 - (entries - 14 * scale) * 0.12):.2f}pt; }}")
    return Markup("\n".join(lines))


WIDE = 1.45  # a picture this much wider than tall spans the columns (css/print.css: figure.wide)…
WIDE_PPI = 200  # …if it has the pixels to print across them at this resolution (preflight warns below it)
_FIGURE_IMG = re.compile(r'<figure class="picture"((?: id="[^"]*")?)>(<img src="([^"]+)")')


def widened(html: str, article: Article, pub) -> Markup:
    """Body HTML whose landscape pictures (a figure of their own, with the pixels for it) are marked to span the
    page's columns."""
    if "<figure" not in html:
        return Markup(html)
    sizes = {}
    for pic in article.pictures:
        try:
            from PIL import Image

            with Image.open(pic.path) as image:
                sizes[picture_url(pic)] = image.size
        except (OSError, ValueError):  # an SVG or a file Pillow cannot read keeps to its column
            continue

    enough = text_widths(pub)[0] / 25.4 * WIDE_PPI

    def mark(match: re.Match) -> str:
        width, height = sizes.get(match.group(3).replace("&amp;", "&"), (0, 1))
        wide = " wide" if height and width / height >= WIDE and width >= enough else ""
        return f'<figure class="picture{wide}"{match.group(1)}>{match.group(2)}'

    return Markup(_FIGURE_IMG.sub(mark, str(html)))


# URLs and e-mail addresses in running text: with a scheme or www., or a domain followed by a path
_URL = re.compile(r"(?:\b(?:https?://|mailto:|www\.)[^\s<>\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
                  r"|\b[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/[^\s<>\"]*)", re.I)
_TRAILING = ".,;:!?)]}'\"\u2019\u201d"
_LONG = 30  # characters: a longer piece between slashes may still break anywhere, or it overflows the column


def unbreakable_urls(html: str) -> Markup:
    """Body HTML with each URL or e-mail address in a <span class="url">, breakable only after its slashes.

    Hyphenation would add hyphens that are not in the address; the pieces between
    slashes are kept whole (css/print.css) and a break opportunity after each slash
    is the only place to break.
    """
    from lxml import html as lxml_html

    if not _URL.search(html):
        return Markup(html)
    holder = lxml_html.fragment_fromstring(html, create_parent="div")
    for element in list(holder.iter()):
        if not isinstance(element.tag, str):  # comments (the sanitiser drops them anyway)
            continue
        if element.text and element.tag not in ("pre", "code"):
            _mark_urls(element, "text")
        if element.tail and element is not holder:
            _mark_urls(element, "tail")
    children = "".join(lxml_html.tostring(child, encoding="unicode") for child in holder)
    return Markup(escape(holder.text or "") + Markup(children))


def _mark_urls(element, where: str) -> None:
    """Replace URLs in `element`'s text (or tail) by url spans."""
    from lxml import etree

    text = getattr(element, where)
    pieces, last = [], 0
    for match in _URL.finditer(text):
        url = match.group(0).rstrip(_TRAILING)
        if "/" not in url and "@" not in url and not url.lower().startswith("www."):
            continue
        pieces.append((text[last:match.start()], url))
        last = match.start() + len(url)
    if not pieces:
        return
    spans = []
    for _, url in pieces:
        span = etree.Element("span", {"class": "url"})
        segments = [seg for seg in re.split(r"(?<=/)(?!/)", url) if seg]
        for index, segment in enumerate(segments):
            part = etree.SubElement(span, "span", {"class": "url-part" if len(segment) <= _LONG else "url-long"})
            part.text = segment
            # what <wbr> is in WeasyPrint: a zero-width space, drawn as no glyph (copying the URL keeps it whole)
            part.tail = "\u200b" if index < len(segments) - 1 else None
        spans.append(span)
    rest = text[last:]
    if where == "text":
        element.text = pieces[0][0]
        for index, span in enumerate(spans):
            element.insert(index, span)
            span.tail = pieces[index + 1][0] if index + 1 < len(pieces) else rest
    else:
        element.tail = pieces[0][0]
        parent, position = element.getparent(), element.getparent().index(element)
        for index, span in enumerate(spans):
            parent.insert(position + 1 + index, span)
            span.tail = pieces[index + 1][0] if index + 1 < len(pieces) else rest


def part_html(issue: Issue, part: Part, jump=None) -> str:
    """One body part; the lead story, if it opens on the front page (`jump`), picks up where that left off.

    A lead told whole on the front page is not repeated, and a section it leaves empty is not shown.
    """
    pub = issue.publication
    whole = jump.key if jump is not None and jump.key and not jump.continues else None
    shown = [Run(r.anchor, r.section, tuple(a for a in r.articles if a.key != whole)) for r in part.runs]

    def body_of(article):
        if jump is not None and article.key == jump.key:
            return widened(unbreakable_urls(jump.rest()), article, pub)
        return widened(unbreakable_urls(body_html(article, pub.language, picture_url, site_url=pub.url)), article, pub)

    return render_template(
        pub, "pdf/part.html", issue=issue, runs=[r for r in shown if r.articles], standing=part.standing,
        meta=meta(issue),
        page_css=page_css(issue), picture_url=picture_url, jump=jump, body_of=body_of,
    )


def folios_html(issue: Issue, folios: list[dict]) -> str:
    """Pages 2..N, empty but for each one's running head, page number, jump lines and filler (.furniture)."""
    targets = sorted({f[side]["anchor"] for f in folios for side in ("jump_on", "jump_from") if f.get(side)})
    return render_template(issue.publication, "pdf/folios.html", issue=issue, folios=folios, meta=meta(issue),
                           page_css=page_css(issue), picture_url=picture_url, targets=targets)


def filler_html(issue: Issue, pages: int) -> str:
    """`pages` house adverts: the standing pages' titles in turn, else the paper's own name and tagline."""
    pub = issue.publication
    offers = [{"title": a.title, "standfirst": a.standfirst} for a in issue.standing_pages]
    offers = offers or [{"title": pub.title, "standfirst": pub.tagline}]
    _, height = page_size_mm(pub.print.page_size)
    return render_template(pub, "pdf/filler.html", issue=issue, adverts=[offers[i % len(offers)] for i in range(pages)],
                           meta=meta(issue), advert_height_mm=height - 17 - BOTTOM_MARGIN_MM - 2,
                           page_css=page_css(issue))


def blank_html(issue: Issue, pages: int) -> str:
    """`pages` empty pages of the press size, whatever the layout's templates do."""
    breaks = '<div style="break-after: page"></div>' * (pages - 1)
    return f"<!DOCTYPE html><html><head><style>{page_css(issue)}</style></head><body>{breaks}<div></div></body></html>"


PAGE_SIZES_MM = {
    "a3": (297, 420), "a4": (210, 297), "a5": (148, 210), "a6": (105, 148), "b4": (250, 353), "b5": (176, 250),
    "letter": (215.9, 279.4), "legal": (215.9, 355.6), "ledger": (279.4, 431.8),
    "jis-b4": (257, 364), "jis-b5": (182, 257),
}
COLUMN_GAP_MM = 4.5  # must match .article-body in css/print.css


def page_size_mm(text: str) -> tuple[float, float]:
    """A CSS page size from [print] page-size ("A4", "A3 landscape", "289mm 380mm") in millimetres."""
    words = text.lower().split()
    if words and words[0] in PAGE_SIZES_MM:
        width, height = PAGE_SIZES_MM[words[0]]
        return (height, width) if "landscape" in words[1:] else (width, height)
    sizes = [length_mm(w) for w in words]
    return (sizes[0], sizes[-1]) if sizes else PAGE_SIZES_MM["a4"]


def text_widths(pub) -> tuple[float, float]:
    """The printed width of the text area and of one column, in millimetres."""
    width, _ = page_size_mm(pub.print.page_size)
    text = width - 2 * SIDE_MARGIN_MM
    columns = pub.print.columns
    return text, (text - (columns - 1) * COLUMN_GAP_MM) / columns


def front_scale(pub) -> float:
    """How much larger than on A4 the front page's big type is set: the page width over 210 mm."""
    width, _ = page_size_mm(pub.print.page_size)
    return max(0.6, min(1.5, width / 210))


def _title_size(pub, scale: float) -> float:
    """The masthead's type size: 64 pt on A4, smaller if the paper's name would not fit on one line."""
    width, _ = page_size_mm(pub.print.page_size)
    # uppercase Roboto Condensed Bold averages about 0.53 em a letter; 1 pt = 0.3528 mm
    fits = (width - 2 * SIDE_MARGIN_MM) / (max(len(pub.title), 1) * 0.53 * 0.3528)
    return min(64 * scale, fits)
