"""Article Markdown → markdown-it token streams, parsed once and shared by the checks and every format.

The dialect: CommonMark with GFM tables and strikethrough, footnotes,
`::: box Title` sidebars, and `[text]{lang=ja}` spans (lang and dir only);
markdown-it's typographer plus our non-breaking spaces; blocks of right-to-left
text marked dir="rtl".
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.footnote import footnote_plugin

from publish.direction import direction_rule
from publish.typography import nbsp_rule, quotes_for

BOX = "box"
# what `[text]{…}` may set: a passage's language and direction (their values are checked by safehtml);
# every other attribute (class, id, style, on…) is dropped by the parser
SPAN_ATTRIBUTES = ("lang", "dir")


def _box_title(info: str) -> str:
    return info.strip()[len(BOX):].strip()


def box_title(token: Token) -> str:
    """The title written after `::: box`."""
    return _box_title(token.info)


def _mark_figures(state) -> None:
    """A paragraph holding only a picture becomes a figure: hide its <p>."""
    tokens = state.tokens
    for i in range(len(tokens) - 2):
        opening, inline, closing = tokens[i : i + 3]
        if (
            opening.type == "paragraph_open"
            and inline.type == "inline"
            and closing.type == "paragraph_close"
            and inline.children
            and [c.type for c in inline.children if not (c.type == "text" and not c.content.strip())]
            == ["image"]
        ):
            opening.hidden = closing.hidden = True
            inline.meta["figure"] = True
            next(c for c in inline.children if c.type == "image").meta["figure"] = True


@lru_cache(maxsize=16)
def parser(language: str) -> MarkdownIt:
    """The one Markdown parser for a publication's language."""
    md = MarkdownIt(
        "commonmark",
        {"typographer": True, "quotes": quotes_for(language), "html": True, "linkify": False},
    )
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.use(footnote_plugin)
    md.use(container_plugin, BOX, validate=lambda params, *a: params.strip().split(" ", 1)[0] == BOX)
    md.use(attrs_plugin, spans=True, after=("span_close",), allowed=SPAN_ATTRIBUTES)
    md.core.ruler.push("nbsp", nbsp_rule(language))
    md.core.ruler.push("direction", direction_rule)
    md.core.ruler.push("figures", _mark_figures)
    return md


@lru_cache(maxsize=4096)
def _parse(text: str, language: str, doc_id: str) -> tuple[tuple[Token, ...], tuple]:
    env: dict = {"docId": doc_id}
    tokens = parser(language).parse(text, env)
    return tuple(tokens), tuple(sorted(env.get("footnotes", {}).get("refs", {}).items()))


def parse(text: str, language: str, doc_id: str = "") -> list[Token]:
    """Tokens for a Markdown body; cached, so the checks and the formats share one parse.

    Callers must not mutate the tokens.
    """
    return list(_parse(text, language, doc_id)[0])


def walk(tokens: list[Token]):
    """Every token, inline children included, in document order."""
    for token in tokens:
        yield token
        if token.children:
            yield from walk(token.children)
