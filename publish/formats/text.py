"""An Issue → the plain-text edition (`<slug>-<n>.txt`): UTF-8, LF, 72 columns, rendered from the parsed Markdown.

The walker below turns an article's token tree into text blocks; the layout's
`text/edition.txt` template arranges masthead, contents and articles.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import nh3
from markdown_it.tree import SyntaxTreeNode

from publish import markdown
from publish.atomic import write_text
from publish.model import Article, Issue
from publish.pipeline.types import Context
from publish.render import render_template, wrap
from publish.safehtml import link_target

WIDTH = 72
BULLET = "•"
# Nested lists, quotes and boxes indent their content; past this width they stop taking room from
# it, so deep nesting or a huge list number (`123456789.`) gives long lines, never an unreadable column.
MIN_WIDTH = 30


def _inner(width: int, indent: int) -> int:
    return max(MIN_WIDTH, width - indent)


@dataclass
class ArticleText:
    """An article's body as text, and the notes (footnotes and links) it refers to."""

    body: str
    notes: list[tuple[int, str]] = field(default_factory=list)


def _strip_html(fragment: str) -> str:
    return html.unescape(nh3.clean(fragment, tags=set(), strip_comments=True))


class _Walker:
    def __init__(self, article: Article, language: str, site_url: str = ""):
        self.article = article
        self.site_url = site_url
        self.notes: list[tuple[int, str]] = []
        self.footnote_numbers: dict[int, int] = {}
        self.footnotes: dict[int, SyntaxTreeNode] = {}
        self.language = language

    # inline ---------------------------------------------------------------------------------

    def inline(self, node: SyntaxTreeNode) -> str:
        out: list[str] = []
        for child in node.children:
            kind = child.type
            if kind == "text":
                out.append(child.content)
            elif kind in ("softbreak",):
                out.append(" ")
            elif kind == "hardbreak":
                out.append("\n")
            elif kind == "code_inline":
                out.append(child.content)
            elif kind in ("em", "strong", "s"):
                out.append(self.inline(child))
            elif kind == "link":
                out.append(self._link(child))
            elif kind == "image":
                out.append(self._picture(child))
            elif kind == "html_inline":
                out.append(_strip_html(child.content))
            elif kind == "footnote_ref":
                out.append(f"[{self._footnote_number(child.meta['id'])}]")
            elif child.children:
                out.append(self.inline(child))
            else:
                out.append(child.content or "")
        return "".join(out)

    def _link(self, node: SyntaxTreeNode) -> str:
        text = self.inline(node)
        href = link_target(str(node.attrs.get("href", "")), self.site_url, self.article.source.parent.name)
        if not href or href.startswith("#"):  # a link the policy drops, or one within the page
            return text
        shown = re.sub(r"^mailto:", "", href)
        if text.strip() in (href, shown):
            return text
        number = len(self.notes) + 1
        self.notes.append((number, shown))
        return f"{text} [{number}]"

    def _picture(self, node: SyntaxTreeNode) -> str:
        picture = self.article.picture(str(node.attrs.get("src", "")))
        alt = self.inline(node) or (picture.alt if picture else "")
        caption = str(node.attrs.get("title") or "") or (picture.caption if picture else "")
        return picture_label(alt, caption, picture.credit if picture else "")

    def _footnote_number(self, footnote_id: int) -> int:
        if footnote_id not in self.footnote_numbers:
            number = len(self.notes) + 1
            self.footnote_numbers[footnote_id] = number
            self.notes.append((number, ""))  # text filled in once the footnote is rendered
            definition = self.footnotes.get(footnote_id)
            text = " ".join(self.blocks(definition.children, WIDTH)) if definition else ""
            self.notes[number - 1] = (number, " ".join(text.split()))
        return self.footnote_numbers[footnote_id]

    # blocks ---------------------------------------------------------------------------------

    def blocks(self, nodes, width: int) -> list[str]:
        out: list[str] = []
        for node in nodes:
            block = self.block(node, width)
            if block is not None and block.strip():
                out.append(block)
        return out

    def block(self, node: SyntaxTreeNode, width: int) -> str | None:
        kind = node.type
        if kind == "paragraph":
            text = self.inline(node.children[0]) if node.children else ""
            return "\n".join(wrap(line, width) for line in text.split("\n"))
        if kind == "heading":
            text = self.inline(node.children[0])
            if node.tag == "h2":
                return wrap(text, width) + "\n" + "-" * min(len(text), width)
            return wrap(text, width)
        if kind in ("bullet_list", "ordered_list"):
            return self._list(node, width)
        if kind == "blockquote":
            inner = self.blocks(node.children, _inner(width, 4))
            return _indent("\n\n".join(inner), "    ")
        if kind == f"container_{markdown.BOX}":
            return self._box(node, width)
        if kind == "table":
            return self._table(node, width)
        if kind in ("fence", "code_block"):
            return _indent(node.content.rstrip("\n"), "    ")
        if kind == "hr":
            return " " * ((width - 9) // 2) + "*   *   *"
        if kind == "html_block":
            text = _strip_html(node.content).strip()
            return wrap(" ".join(text.split()), width) if text else None
        if kind == "footnote_block":
            return None
        if node.children:
            return "\n\n".join(self.blocks(node.children, width))
        return None

    def _list(self, node: SyntaxTreeNode, width: int) -> str:
        items = []
        start = int(node.attrs.get("start", 1) or 1)
        ordered = node.type == "ordered_list"
        marks = [f"{start + i}." if ordered else BULLET for i in range(len(node.children))]
        pad = max(len(m) for m in marks) + 1 if marks else 2
        tight = any(child.type == "paragraph" and child.hidden for item in node.children for child in item.children)
        for mark, item in zip(marks, node.children):
            inner = self.blocks(item.children, _inner(width, 2 + pad))
            text = ("\n" if tight else "\n\n").join(inner) if inner else ""
            lines = text.split("\n") if text else [""]
            first = "  " + mark.ljust(pad) + lines[0]
            rest = [("  " + " " * pad + line) if line else "" for line in lines[1:]]
            items.append("\n".join([first] + rest))
        return ("\n" if tight else "\n\n").join(items)

    def _box(self, node: SyntaxTreeNode, width: int) -> str:
        title = markdown.box_title(node.nester_tokens.opening) if hasattr(node, "nester_tokens") else ""
        width = max(width, MIN_WIDTH + 4)
        inner = self.blocks(node.children, width - 4)
        body = "\n\n".join(inner).split("\n")
        label = f"+-- {title} " if title else "+"
        top = label + "-" * max(0, width - len(label) - 1) + "+"
        lines = [top]
        for line in body:
            lines.append("| " + line.ljust(width - 4) + " |")
        lines.append("+" + "-" * (width - 2) + "+")
        return "\n".join(lines)

    def _table(self, node: SyntaxTreeNode, width: int) -> str:
        rows: list[list[str]] = []
        aligns: list[str] = []
        header_rows = 0
        for part in node.children:
            for row in part.children:
                cells = []
                for cell in row.children:
                    cells.append(self.inline(cell.children[0]).strip() if cell.children else "")
                    if part.type == "thead":
                        style = str(cell.attrs.get("style", ""))
                        aligns.append("right" if "right" in style else "center" if "center" in style else "left")
                rows.append(cells)
                header_rows += part.type == "thead"
        columns = max((len(r) for r in rows), default=0)
        rows = [r + [""] * (columns - len(r)) for r in rows]
        widths = [max(len(r[i]) for r in rows) for i in range(columns)]
        if sum(widths) + 2 * (columns - 1) > width:
            return self._table_as_records(rows, header_rows, width)
        aligns += ["left"] * (columns - len(aligns))

        def line(cells):
            parts = []
            for text, size, align in zip(cells, widths, aligns):
                parts.append(text.rjust(size) if align == "right" else text.center(size) if align == "center"
                             else text.ljust(size))
            return "  ".join(parts).rstrip()

        out = [line(r) for r in rows[:header_rows]]
        if header_rows:
            out.append("  ".join("-" * w for w in widths))
        out += [line(r) for r in rows[header_rows:]]
        return "\n".join(out)

    def _table_as_records(self, rows, header_rows: int, width: int) -> str:
        header = rows[0] if header_rows else [f"Column {i + 1}" for i in range(len(rows[0]))]
        records = []
        for row in rows[header_rows:]:
            records.append("\n".join(wrap(f"{h}: {c}", width, "    ", "") for h, c in zip(header, row)))
        return "\n\n".join(records)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line if line.strip() else "" for line in text.split("\n"))


def article_text(article: Article, language: str, width: int = WIDTH, site_url: str = "") -> ArticleText:
    """An article's body as wrapped text blocks, with its numbered notes (links under the shared link policy)."""
    tokens = markdown.parse(article.body, language, article.key)
    tree = SyntaxTreeNode(tokens)
    walker = _Walker(article, language, site_url)
    for node in tree.walk():
        if node.type == "footnote":
            walker.footnotes[node.meta["id"]] = node
    blocks = walker.blocks(tree.children, width)
    return ArticleText(body="\n\n".join(blocks), notes=walker.notes)


def notes_text(notes: list[tuple[int, str]], width: int = WIDTH) -> str:
    return "\n".join(wrap(text, width, " " * (len(str(n)) + 3), f"[{n}] ") for n, text in notes)


def picture_label(alt: str, caption: str, credit: str = "") -> str:
    """What a reader of the text is told of a picture: its alt text (what it shows), then its caption and credit."""
    alt, caption, credit = alt.strip(), caption.strip(), credit.strip()
    text = f"Picture: {alt}" if alt else "Picture"
    if caption and caption != alt:
        text += ("" if text[-1] in ".!?…" else ".") + f" Caption: {caption}"
    if credit:
        text += f" ({credit})"
    return f"[{text}]"


def lead_picture(article: Article) -> str:
    picture = article.image
    if not picture:
        return ""
    return picture_label(picture.alt, picture.caption, picture.credit)


def render_text(issue: Issue) -> str:
    """The whole text edition as a string."""
    pub = issue.publication
    texts = {a.slug: article_text(a, pub.language, site_url=pub.url) for a in issue.all_pages}
    text = render_template(
        pub, "text/edition.txt", issue=issue, texts=texts, width=WIDTH,
        lead_picture=lead_picture, notes_text=notes_text,
    )
    return tidy(text)


def tidy(text: str) -> str:
    """LF line ends, no trailing spaces, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip("\n") + "\n"


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    target = out / f"{issue.name}.txt"
    write_text(target, render_text(issue))
    return [target]
