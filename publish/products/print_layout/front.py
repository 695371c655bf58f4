"""An Issue → its front page's HTML: the lead story set in columns down to the foot, the jump, the teasers.

The front page is laid out twice. First `measure` lays out every opening
block the lead story could give it (and every teaser) with page numbers
standing in, on as many pages as they take: what fits on page 1 is what the
front page keeps. The lead story then continues inside from the first block
left over, under a "Continued from page 1" head (`Jump`), and once the body
pages are laid out the front page is laid out again for good (`final`) with
the real numbers ("Continued on page N", the contents box), which are set in
figures of one width so that nothing moves.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import html as lxml_html
from markupsafe import Markup

from publish.model import Article, Issue
from publish.products.print_layout.html import meta
from publish.render import body_html, render_template

# what a front page's columns may not carry: a table (it would span them), the notes (they end the story)
_INSIDE_ONLY = {"table", "section", "hr"}
_HEADINGS = {"h2", "h3"}
PLACEHOLDER_PAGE = 88
JUMP_PX = 24.0  # the jump line's height and space above it, CSS px  # as wide as any two-digit page number in the paper's figures
# the most opening text worth measuring, in characters of an A4 page (scaled by the page's area):
# three columns of two thirds of a page hold about 7,000
_MEASURE_LIMIT = 11000


@dataclass(frozen=True)
class Jump:
    """Where the lead story breaks: its first `kept` opening blocks are on the front page, the rest inside."""

    key: str = ""  # the lead story's key; "" when there is none
    kept: int = 0
    blocks: tuple[str, ...] = ()  # the story's body, block by block (sanitised HTML)
    teasers: tuple[str, ...] = ()  # keys of the other stories teased on the front page

    @property
    def continues(self) -> bool:
        return bool(self.key) and self.kept < len(self.blocks)

    def front_blocks(self) -> Markup:
        """The blocks on the front page; their note calls stay, unlinked (the notes are at the story's end)."""
        return Markup("\n".join(_unlink(block, "fn-") for block in self.blocks[:self.kept]))

    def rest(self) -> Markup:
        """The blocks inside; a note's way back to a call on the front page is unlinked."""
        front = "".join(self.blocks[:self.kept])
        return Markup("\n".join(_unlink(block, "fnref-", lambda name: f'id="{name}"' in front)
                                for block in self.blocks[self.kept:]))


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


def openable(blocks_: tuple[str, ...]) -> int:
    """How many of the story's first blocks could open on the front page: up to its first table or its notes."""
    count = 0
    for block in blocks_:
        element = lxml_html.fragment_fromstring(block)
        if element.tag in _INSIDE_ONLY or "footnotes" in element.get("class", "") or element.find(".//table") is not None:
            break
        count += 1
    return count


def measure_limit(scale: float) -> int:
    return int(_MEASURE_LIMIT * scale * scale)


def candidates(blocks_: tuple[str, ...], limit: int) -> int:
    """The opening blocks worth measuring: those that could open, up to about `limit` characters."""
    total, count = 0, 0
    for block in blocks_[:openable(blocks_)]:
        if count and total > limit:
            break
        total += len(block)
        count += 1
    return count


def kept_on_front(anchors: list[list[str]], boxes: dict[str, list[float]], jump: Jump, offered: int) -> Jump:
    """From the measuring layout's anchors per page and boxes (id → page, left, top, right, bottom, of its
    first box): what the front page keeps.

    The blocks and teasers wholly on page 1; one block fewer if the jump line would not fit under the
    last one; never ending on a subheading.
    """
    ids = [_block_id(block) for block in jump.blocks[:offered]]
    foot = max((boxes[i][4] for i in ids + [f"teaser-{k}" for k in jump.teasers] if i in boxes and boxes[i][0] == 0),
               default=0.0)

    later = {a for page in anchors[1:] for a in page}

    def whole(anchor: str) -> bool:
        box = boxes.get(anchor)
        return box is not None and box[0] == 0 and anchor not in later and box[4] <= foot + 0.5

    kept = 0
    while kept < offered and whole(ids[kept]):
        kept += 1
    runs_on = kept < len(jump.blocks)
    if runs_on and kept and boxes[ids[kept - 1]][4] + JUMP_PX > foot and not whole("front-jump"):
        kept -= 1  # the room for "Continued on page N"
    while kept and lxml_html.fragment_fromstring(jump.blocks[kept - 1]).tag in _HEADINGS:
        kept -= 1
    everything = kept == offered
    teasers = tuple(key for key in jump.teasers if whole(f"teaser-{key}")) if everything else ()
    return Jump(jump.key, kept, jump.blocks, teasers)


def _block_id(block: str) -> str:
    return lxml_html.fragment_fromstring(block).get("id", "")


def front_html(issue: Issue, jump: Jump, starts: dict[str, int] | None, page_css: Markup, picture_url,
               offered: int | None = None) -> str:
    """The front page; `starts` None lays it out for measuring (`offered` blocks, every teaser, numbers 88)."""
    pub = issue.publication
    page = (lambda slug: PLACEHOLDER_PAGE) if starts is None else (lambda slug: starts.get(slug, ""))
    by_key = {a.key: a for a in issue.articles}
    cover = by_key.get(jump.key)
    shown = Jump(jump.key, offered, jump.blocks) if starts is None and offered is not None else jump
    contents = [{"section": section.section.title,
                 "entries": [{"article": a, "page": page(a.slug)} for a in section.articles]}
                for section in issue.sections]
    teasers = [{"article": by_key[key], "page": page(by_key[key].slug)} for key in jump.teasers]
    continues = (starts is None and offered is not None and offered < len(jump.blocks)) or \
        (starts is not None and jump.continues)
    return render_template(
        pub, "pdf/front.html", issue=issue, cover=cover, contents=contents, teasers=teasers,
        opening=shown.front_blocks(), continues=continues,
        cover_page=page(cover.slug) if cover else "", final=starts is not None, page_css=page_css, picture_url=picture_url,
        meta=meta(issue),
    )
