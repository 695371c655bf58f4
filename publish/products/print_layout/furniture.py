"""The laid-out body pages → what the furniture document adds to each: jump lines and fillers for holes.

Parts open a page each and end where their last article ends, and a picture or
box that does not fit at a page's foot moves on, so a body page can end with a
band of white. Each band deeper than FILL_MIN_MM is filled the way sub-editors
fill one: a house advert for a standing page (Join, Subscribe…) and, where there
is room, a box of the issue's other stories with their pages. Where a story
turns from a right-hand page to the next (not facing) page, the foot of the
one says "Continued on page N", a link to where the story goes on, and the head
of the other "Continued from page N", a link back to that page (the joined PDF
names every page `page-N`).
"""

from __future__ import annotations

import re

from publish.model import Issue
from publish.products.print_layout.html import BOTTOM_MARGIN_MM, MM

TOP_MARGIN_MM = 17.0  # must match @page in css/print.css
FILL_MIN_MM = 22.0  # a shallower band is left as it is
GAP_MM = 4.0  # between the last line and a filler
SHALLOW_MM = 40.0  # a band shallower than this holds a one-line advert
BOX_MM = 95.0  # a band deeper than this holds the advert and a box of the issue's stories
BLOCK_ANCHOR = re.compile(r"(.+)-b(\d+)")  # a body block's anchor: <article key>-b<n> (publish.render)


def furnish(issue: Issue, folios: list[dict], bottoms: list[float], breaks: list[tuple[int, str]],
            starts: dict[str, int], page_height_px: float) -> list[dict]:
    """Each folio (pages 2..N) with its `filler` (or None), `jump_on` and `jump_from` (or None)."""
    offers = [{"title": a.title, "standfirst": a.standfirst} for a in issue.standing_pages]
    pub = issue.publication
    offers = offers or [{"title": pub.title, "standfirst": pub.tagline}]
    limit_mm = page_height_px / MM - BOTTOM_MARGIN_MM
    holes = 0
    turns = _turns(issue, breaks)
    out = []
    for folio, bottom in zip(folios, bottoms):
        page = folio["page"]
        top_mm = max(bottom / MM, TOP_MARGIN_MM) + GAP_MM
        filler = None
        if limit_mm - top_mm >= FILL_MIN_MM - GAP_MM:
            depth = limit_mm - top_mm
            filler = {"top": top_mm - TOP_MARGIN_MM, "height": depth,
                      "depth": "shallow" if depth < SHALLOW_MM else "deep" if depth >= BOX_MM else "",
                      "advert": offers[holes % len(offers)],
                      "stories": _stories(issue, starts, page) if limit_mm - top_mm >= BOX_MM else []}
            holes += 1
        out.append({**folio, "filler": filler, "jump_on": turns.get(page),
                    "jump_from": {"page": page - 1, "anchor": f"page-{page - 1}"} if page - 1 in turns else None,
                    "type_height": limit_mm - TOP_MARGIN_MM})
    return out


def _turns(issue: Issue, breaks: list[tuple[int, str]]) -> dict[int, dict]:
    """Right-hand page → the story that turns over from it: {"page": next page, "anchor": where it goes on}."""
    keys = {a.key for a in issue.all_pages}
    turns = {}
    for page, anchor in breaks:
        match = BLOCK_ANCHOR.fullmatch(anchor)
        if page > 2 and page % 2 == 0 and match and match.group(1) in keys:
            turns[page - 1] = {"page": page, "anchor": anchor}
    return turns


def _stories(issue: Issue, starts: dict[str, int], page: int) -> list[dict]:
    """The issue's stories that start on another page, with their pages, for a "more in this issue" box."""
    return [{"article": a, "page": starts[a.slug]} for a in issue.articles
            if a.slug in starts and starts[a.slug] != page][:8]
