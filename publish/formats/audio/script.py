"""An Issue → its reading script: the opening, then one Segment per article and standing page, as spoken text.

Read from the model and the parsed Markdown (never from HTML): section, title,
byline, standfirst, body, then the footnotes as "Notes". What is read and the
words said around the text come from the layout's audio/reading.toml; every
sentence goes through publish.formats.audio.speech.
"""

from __future__ import annotations

import html
import tomllib
from dataclasses import dataclass

import nh3
from markdown_it.tree import SyntaxTreeNode

from publish import BUILTIN_LAYOUTS, markdown
from publish.errors import PublishError
from publish.formats.audio.speech import Speech
from publish.model import Article, Issue, Publication
from publish.render import long_date

SETTINGS = "audio/reading.toml"


@dataclass(frozen=True)
class Segment:
    """One file of the audio edition: what it is called and the paragraphs the voice says."""

    slug: str  # the article's key ("" for the opening)
    title: str
    paragraphs: tuple[str, ...]
    article: Article | None = None

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs) + "\n"

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


# what reading.toml may set, with the type each must have and an example for the message
SHAPES = {"language": (str, 'language = "en"'), "pictures": (bool, "pictures = false"),
          "table-rows": (int, "table-rows = 12"), "pause": ((int, float), "pause = 1.5"),
          "words": (dict, '[words] notes = "Notes."'), "currencies": (dict, '[currencies] "£" = ["pound", …]'),
          "scales": (dict, '[scales] m = "million"'), "abbreviations": (dict, '[abbreviations] "e.g." = "for example"'),
          "words-not-letters": (list, 'words-not-letters = ["NATO"]')}


def reading_settings(pub: Publication) -> dict:
    """The layout's audio/reading.toml, else the built-in one; a value of the wrong kind is a located error."""
    for folder in (pub.layout_dir, BUILTIN_LAYOUTS / "default"):
        path = folder / SETTINGS
        if path.is_file():
            where = f"layouts/{pub.layout if folder == pub.layout_dir else 'default'}/{SETTINGS}"
            try:
                settings = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise PublishError(f"{where}: {exc} — fix the TOML") from None
            for key, (kind, example) in SHAPES.items():
                value = settings.get(key)
                if value is not None and (not isinstance(value, kind) or (kind is int and isinstance(value, bool))):
                    raise PublishError(f"{where}: {key} has the wrong kind of value ({value!r}) — write e.g. {example}")
            return settings
    return {}


def _sentence(text: str) -> str:
    """Text ending as a sentence, so that the voice pauses after a heading or a list item."""
    text = " ".join(text.split())
    return text if not text or text[-1] in ".!?…:;" else text + "."


class Reader:
    """Turns an issue's articles into spoken paragraphs."""

    def __init__(self, pub: Publication):
        self.pub = pub
        self.settings = reading_settings(pub)
        self.speech = Speech(pub.language, self.settings)
        # another language's layout words are not said: only names, numbers and the text itself
        self.words = {**FALLBACK, **(self.settings.get("words", {}) if self.speech.own_words else {})}
        self.pictures = bool(self.settings.get("pictures", False))
        self.table_rows = int(self.settings.get("table-rows", 12))

    def say(self, name: str, **values) -> str:
        template = str(self.words.get(name, ""))
        try:
            return self.speech.say(template.format(**values)) if template else ""
        except (KeyError, IndexError, ValueError) as exc:
            raise PublishError(f"layouts/{self.pub.layout}/{SETTINGS}: [words] {name} = {template!r} cannot be "
                               f"filled in ({exc}) — use only {', '.join('{' + k + '}' for k in values) or 'no {}'}"
                               ) from None

    def opening(self, issue: Issue) -> Segment:
        pub = self.pub
        text = self.say("opening", title=pub.title, number=issue.number, headline=issue.headline,
                        date=long_date(issue.date, pub.language))
        return Segment("", pub.title, (_sentence(text),))

    def article(self, article: Article) -> Segment:
        paragraphs: list[str] = []
        section = self.pub.section(article.section)
        if section:
            paragraphs.append(self.say("section", section=section.title))
        paragraphs.append(_sentence(self.speech.say(article.full_title)))
        if article.byline:
            paragraphs.append(self.say("byline", byline=article.byline))
        if article.standfirst:
            paragraphs.append(_sentence(self.speech.say(article.standfirst)))
        if article.image and self.pictures:
            paragraphs.append(self._picture(article.image.alt, article.image.caption))
        walker = _Body(self, article)
        paragraphs += walker.read()
        if walker.notes:
            paragraphs.append(self.say("notes"))
            paragraphs += [self.say("note", number=n, text=t) for n, t in enumerate(walker.notes, start=1)]
        if self.say("end"):
            paragraphs.append(self.say("end"))
        return Segment(article.key, article.full_title, tuple(p for p in paragraphs if p), article)

    def _picture(self, alt: str, caption: str) -> str:
        text = ". ".join(t.strip().rstrip(".") for t in (alt, caption) if t.strip())
        return _sentence(self.say("picture", text=text)) if text else ""


FALLBACK = {"notes": "", "note": "{number}: {text}", "box": "{title}.", "opening": "{title}. {number}. {date}.",
            "section": "{section}.", "byline": "{byline}."}


class _Body:
    """One article's Markdown body → spoken paragraphs, with its footnotes gathered for the end."""

    def __init__(self, reader: Reader, article: Article):
        self.reader, self.article = reader, article
        tokens = markdown.parse(article.body, reader.pub.language, article.key)
        self.tree = SyntaxTreeNode(tokens)
        self.footnotes = {n.meta["id"]: n for n in self.tree.walk() if n.type == "footnote"}
        self.notes: list[str] = []
        self._seen: set[int] = set()

    def read(self) -> list[str]:
        return self.blocks(self.tree.children)

    def say(self, text: str) -> str:
        return _sentence(self.reader.speech.say(text))

    def inline(self, node: SyntaxTreeNode) -> str:
        out: list[str] = []
        for child in node.children:
            kind = child.type
            if kind in ("text", "code_inline"):
                out.append(child.content)
            elif kind in ("softbreak", "hardbreak"):
                out.append(" ")
            elif kind == "image":
                if self.reader.pictures:
                    picture = self.article.picture(str(child.attrs.get("src", "")))
                    caption = str(child.attrs.get("title") or "") or (picture.caption if picture else "")
                    out.append(" " + self.reader._picture(self.inline(child) or (picture.alt if picture else ""),
                                                          caption) + " ")
            elif kind == "html_inline":
                out.append(html.unescape(nh3.clean(child.content, tags=set(), strip_comments=True)))
            elif kind == "footnote_ref":
                self._footnote(child.meta["id"])
            elif child.children:
                out.append(self.inline(child))  # links say their text, never their address
            else:
                out.append(child.content or "")
        return "".join(out)

    def _footnote(self, footnote_id: int) -> None:
        if footnote_id in self._seen or footnote_id not in self.footnotes:
            return
        self._seen.add(footnote_id)
        self.notes.append(" ".join(self.blocks(self.footnotes[footnote_id].children)))

    def blocks(self, nodes) -> list[str]:
        out: list[str] = []
        for node in nodes:
            out += [p for p in self.block(node) if p.strip()]
        return out

    def block(self, node: SyntaxTreeNode) -> list[str]:
        kind, reader = node.type, self.reader
        if kind in ("paragraph", "heading"):
            return [self.say(self.inline(node.children[0]))] if node.children else []
        if kind in ("bullet_list", "ordered_list"):
            return [self.say(" ".join(self.blocks(item.children))) for item in node.children]
        if kind == "blockquote":
            return [reader.say("quote"), *self.blocks(node.children), reader.say("quote-end")]
        if kind == f"container_{markdown.BOX}":
            title = markdown.box_title(node.nester_tokens.opening) if hasattr(node, "nester_tokens") else ""
            return [_sentence(reader.say("box", title=title)), *self.blocks(node.children), reader.say("box-end")]
        if kind == "table":
            return self._table(node)
        if kind in ("fence", "code_block"):
            return [reader.say("code")]
        if kind == "html_block":
            return [self.say(html.unescape(nh3.clean(node.content, tags=set(), strip_comments=True)))]
        if kind in ("footnote_block", "hr"):
            return []
        return self.blocks(node.children) if node.children else []

    def _table(self, node: SyntaxTreeNode) -> list[str]:
        """Row by row, each cell after its column head; a table past the layout's size is announced only."""
        head: list[str] = []
        rows: list[list[str]] = []
        for part in node.children:
            for row in part.children:
                cells = [self.inline(c.children[0]).strip() if c.children else "" for c in row.children]
                if part.type == "thead":
                    head = cells
                else:
                    rows.append(cells)
        if len(rows) > self.reader.table_rows:
            return [self.reader.say("table-skipped", rows=len(rows))]
        spoken = [self.reader.say("table", rows=len(rows))]
        for cells in rows:
            pairs = [f"{h}: {c}" if h and c else c for h, c in zip(head or [""] * len(cells), cells) if c]
            spoken.append(self.say("; ".join(pairs)))
        return spoken + [self.reader.say("table-end")]


def reading_script(issue: Issue) -> tuple[Segment, list[Segment]]:
    """The opening, and one segment per article then standing page, in reading order."""
    reader = Reader(issue.publication)
    return reader.opening(issue), [reader.article(a) for a in issue.all_pages]
