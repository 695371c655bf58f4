"""An Issue → its front page's HTML: the lead story set in columns down to the foot, the jump, the teasers.

The front page is laid out twice. First a measuring layout sets all the text
the lead story could give it (its paragraphs and subheadings, `candidates`)
and every teaser, with page numbers standing in, in columns as tall as the
page leaves them: what lies wholly on page 1 is what the front page keeps
(`kept_on_front`). Inside, the story picks up under a "Continued from page 1"
head with every block the front page did not take (`Jump.rest`: its pictures,
boxes, tables, notes and the rest of its text). Once the body pages are laid
out, the front page is laid out again for good with the real numbers
("Continued on page N", the contents box), set in figures of one width so
that nothing moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lxml import html as lxml_html
from markupsafe import Markup

from publish.model import Article, Issue
from publish.products.print_layout.html import meta
from publish.render import body_html, render_template

# what a front page's columns carry of the lead: its running text and subheadings
_FRONT_TAGS = {"p", "h2", "h3"}
_HEADINGS = {"h2", "h3"}
PLACEHOLDER_PAGE = 88  # as wide as any two-digit page number in the paper's figures
JUMP_PX = 24.0  # the jump line's height and the space above it, CSS px
# the most opening text worth measuring, in characters of an A4 page (scaled by the page's area): three
# columns of the whole page below the masthead would hold about 6,500; the measure's cost grows with it
_MEASURE_LIMIT = 7000
TEASERS = 6  # the most teasers a front page's columns could hold after a short lead
INSIDE = 16  # the most stories the contents box lists (`inside`), beside the cover picture


@dataclass(frozen=True)
class Jump:
    """Where the lead story breaks: the blocks `order[:kept]` are on the front page, every other one inside."""

    key: str = ""  # the lead story's key; "" when there is none
    kept: int = 0
    blocks: tuple[str, ...] = ()  # the story's body, block by block (sanitised HTML)
    teasers: tuple[str, ...] = ()  # keys of the other stories teased on the front page
    order: tuple[int, ...] = ()  # the blocks that may open on the front page, in reading order
    room: float = 0.0  # how tall the front page's columns are, CSS px (from the measure; 0: not measured)

    @property
    def on_front(self) -> tuple[int, ...]:
        return self.order[:self.kept]

    @property
    def continues(self) -> bool:
        return bool(self.key) and self.kept < len(self.blocks)

    def front_blocks(self) -> Markup:
        """The blocks on the front page; their note calls stay, unlinked (the notes are at the story's end)."""
        return Markup("\n".join(_unlink(self.blocks[i], "fn-") for i in self.on_front))

    def rest(self) -> Markup:
        """The blocks inside; a note's way back to a call on the front page is unlinked."""
        front = "".join(self.blocks[i] for i in self.on_front)
        shown = set(self.on_front)
        return Markup("\n".join(_unlink(block, "fnref-", lambda name: f'id="{name}"' in front)
                                for i, block in enumerate(self.blocks) if i not in shown))


def _unlink(block: str, prefix: str, where=lambda name: True) -> str:
    """The block with its links to `#<prefix>…` anchors (that `where` accepts) turned into their text."""
    if f'href="#{prefix}' not in block:
        return block
    element = lxml_html.fragment_fromstring(block)
    for link in element.iter("a"):
        target = link.get("href", "")
        if target.startswith(f"#{prefix}") and where(target[1:]):
            link.drop_tag()
    return lxml_html.tostring(element, encoding="unicode")


def blocks(article: Article, language: str, picture_url, site_url: str) -> tuple[str, ...]:
    """The article's body as its top-level blocks, each one sanitised HTML."""
    body = str(body_html(article, language, picture_url, site_url=site_url))
    if not body.strip():
        return ()
    holder = lxml_html.fragment_fromstring(body, create_parent="div")
    found = [lxml_html.tostring(child, encoding="unicode", with_tail=False) for child in holder]
    if holder.text and holder.text.strip():  # stray text before the first block stays with the first
        found = [str(Markup.escape(holder.text))] + found
    return tuple(found)


@lru_cache(maxsize=4096)
def _shape(block: str) -> tuple[str, str, bool]:
    """A block's tag, its id, and whether the front page may carry it (text or a subheading, no picture)."""
    element = lxml_html.fragment_fromstring(block)
    opens = (element.tag in _FRONT_TAGS and element.find(".//img") is None
             and "footnotes" not in element.get("class", ""))
    return element.tag, element.get("id", ""), opens


def measure_limit(scale: float) -> int:
    return int(_MEASURE_LIMIT * scale * scale)


def candidates(blocks_: tuple[str, ...], limit: int) -> tuple[int, ...]:
    """The blocks worth measuring for the front page: its text, in order, up to about `limit` characters.

    Pictures, boxes, quotations, lists, tables and the notes stay inside, where the story picks up.
    """
    total, chosen = 0, []
    opens = [_shape(block)[2] for block in blocks_]
    for index, block in enumerate(blocks_):
        if chosen and total > limit:
            break
        heading = _shape(block)[0] in _HEADINGS
        # a subheading goes where what it heads goes: a table after it keeps it inside
        if opens[index] and not (heading and not (index + 1 < len(blocks_) and opens[index + 1])):
            total += len(block)
            chosen.append(index)
    return tuple(chosen)


def kept_on_front(anchors: list[list[str]], boxes: dict[str, list[float]], jump: Jump,
                  page_foot: float | None = None) -> Jump:
    """From the measuring layout's anchors per page and boxes (id → page, left, top, right, bottom, of its
    first box): how many of `jump.order` the front page keeps, and which teasers.

    The blocks and teasers wholly on page 1; one block fewer if the jump line would not fit under the
    last one; never ending on a subheading. `page_foot` (CSS px) is where the columns may reach down to:
    the final page's columns are given that height as their minimum (`Jump.room`).
    """
    ids = [_shape(jump.blocks[i])[1] for i in jump.order]
    # the foot of the columns: the box's, or the lowest line set on the page (the last may overhang it)
    foot = max([boxes["cover-text"][4] if "cover-text" in boxes else 0.0]
               + [boxes[i][4] for i in ids if i in boxes and boxes[i][0] == 0])
    later = {a for page in anchors[1:] for a in page}

    def whole(anchor: str) -> bool:
        box = boxes.get(anchor)
        return box is not None and box[0] == 0 and anchor not in later and box[4] <= foot + 0.5

    kept = 0
    while kept < len(ids) and whole(ids[kept]):
        kept += 1
    runs_on = kept < len(jump.blocks)
    if runs_on and kept and not whole("front-jump") and not _room_after(boxes, ids, kept):
        kept -= 1  # the room for "Continued on page N"
    while kept and _shape(jump.blocks[jump.order[kept - 1]])[0] in _HEADINGS:
        kept -= 1
    everything = kept == len(ids)
    teasers = tuple(key for key in jump.teasers if whole(f"teaser-{key}")) if everything else ()
    # the columns' room: down to the page's foot (`page_foot`), or the box's own height; half a pixel
    # less, as a box ending exactly at the foot may be pushed to a page of its own by rounding
    box = boxes.get("cover-text")
    room = ((page_foot if page_foot is not None else box[4]) - box[2] - 0.5) if box else 0.0
    return Jump(jump.key, kept, jump.blocks, teasers, jump.order, round(max(room, 0.0), 2))


def _room_after(boxes: dict[str, list[float]], ids: list[str], kept: int) -> bool:
    """Whether the jump line fits where the first block left off the front page began on it."""
    box = boxes.get(ids[kept]) if kept < len(ids) else None
    return box is not None and box[0] == 0 and box[4] - box[2] >= JUMP_PX


def inside(issue: Issue) -> set[str]:
    """The stories the contents box lists: every section's first story, then every section's second…, up to
    INSIDE; the box names how many more there are. A 50-story issue's box would not fit the page."""
    listed: set[str] = set()
    for rank in range(max((len(s.articles) for s in issue.sections), default=0)):
        for section in issue.sections:
            if rank < len(section.articles) and len(listed) < INSIDE:
                listed.add(section.articles[rank].key)
    return listed


def front_html(issue: Issue, jump: Jump, starts: dict[str, int] | None, page_css: Markup, picture_url) -> str:
    """The front page; `starts` None lays it out for measuring (every block of `jump.order`, every teaser,
    the page numbers 88), else for good with what `jump` keeps."""
    pub = issue.publication
    page = (lambda slug: PLACEHOLDER_PAGE) if starts is None else (lambda slug: starts.get(slug, ""))
    by_key = {a.key: a for a in issue.articles}
    cover = by_key.get(jump.key)
    shown = Jump(jump.key, len(jump.order), jump.blocks, jump.teasers, jump.order) if starts is None else jump
    listed = inside(issue)
    contents = [{"section": section.section.title, "entries": entries} for section in issue.sections
                if (entries := [{"article": a, "page": page(a.slug)} for a in section.articles if a.key in listed])]
    teasers = [{"article": by_key[key], "page": page(by_key[key].slug)} for key in shown.teasers]
    return render_template(
        pub, "pdf/front.html", issue=issue, cover=cover, contents=contents, teasers=teasers,
        more_inside=len(issue.articles) - len(listed),
        opening=shown.front_blocks(), continues=shown.continues,
        cover_page=page(cover.slug) if cover else "", final=starts is not None, room=shown.room,
        page_css=page_css, picture_url=picture_url, meta=meta(issue),
    )
