"""An Issue → the HTML documents WeasyPrint lays out: body parts (whole sections), and the front page with furniture.

The body is cut into parts at section openings (every section starts a page),
balanced by an estimate of their length, so that parts can be laid out in
parallel. The front page is made last, when every article's page is known; it
is followed by one empty page per body page that carries only that page's
running head and number, laid over the body pages when they are joined.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field

from markupsafe import Markup

from publish.formats.pdf_fetch import root_url
from publish.model import Article, Issue, Picture
from publish.render import body_html, long_date, render_template, source_date

MM = 96 / 25.4  # CSS px per millimetre
SLUG_MM = 9.0  # room beyond the bleed for crop and registration marks
SIDE_MARGIN_MM = 12.0  # must match @page in css/print.css
BOTTOM_MARGIN_MM = 15.0
MASTHEAD_MM = 34.0
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


def split(issue: Issue, parts: int) -> list[Part]:
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
    return root_url(picture.path.parent) + picture.path.name


def _meta(issue: Issue) -> dict:
    pub = issue.publication
    created = source_date(issue).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"title": f"{pub.title} — issue {issue.number}, {long_date(issue.date)}", "created": created}


def page_css(issue: Issue, front_height_px: float | None = None) -> Markup:
    """The stylesheet lines that depend on publication.toml's [print] (values checked by the reader)."""
    settings = issue.publication.print
    bleed = length_mm(settings.bleed)
    outer = SIDE_MARGIN_MM + bleed
    lines = [
        f"@page {{ size: {settings.page_size}; bleed: {bleed + SLUG_MM:.3f}mm; }}",
        f".article-body {{ column-count: {settings.columns}; }}",
        f".masthead {{ margin: -{bleed:.3f}mm -{outer:.3f}mm 0 -{outer:.3f}mm; "
        f"padding: {bleed + 6:.3f}mm {outer:.3f}mm 3mm {outer:.3f}mm; "
        f"height: {MASTHEAD_MM + bleed:.3f}mm; box-sizing: border-box; }}",
    ]
    if front_height_px:
        body = front_height_px - (MASTHEAD_MM + BOTTOM_MARGIN_MM) * MM
        lines.append(f".front-body {{ height: {body:.2f}px; overflow: hidden; }}")
        lines.append(f".cover-picture img {{ max-height: {max(body * 0.42, 30 * MM):.2f}px; }}")
    return Markup("\n".join(lines))


def part_html(issue: Issue, part: Part) -> str:
    pub = issue.publication
    return render_template(
        pub, "pdf/part.html", issue=issue, runs=part.runs, standing=part.standing, meta=_meta(issue),
        page_css=page_css(issue), picture_url=picture_url,
        body_of=lambda article: body_html(article, pub.language, picture_url),
    )


def opening(article: Article | None, language: str) -> str:
    """The cover story's first paragraph as plain text, for the front page."""
    if article is None:
        return ""
    match = re.search(r"<p>(.*?)</p>", str(body_html(article, language, picture_url)), re.S)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else ""


def front_html(issue: Issue, starts: dict[str, int], folios: list[dict], page_height_px: float) -> str:
    """The front page (contents with page numbers) followed by the furniture pages 2..N."""
    pub = issue.publication
    contents = [
        {"section": run.section.title,
         "entries": [{"article": a, "page": starts[a.slug]} for a in run.articles]}
        for run in runs(issue)
    ]
    cover = issue.cover_story
    return render_template(
        pub, "pdf/front.html", issue=issue, cover=cover, contents=contents, meta=_meta(issue),
        cover_page=starts.get(cover.slug, "") if cover else "", opening=opening(cover, pub.language), folios=folios,
        page_css=page_css(issue, page_height_px), picture_url=picture_url,
    )

