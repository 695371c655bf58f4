"""Plain strings and Markdown text tokens → typeset text: curly quotes, dashes, ellipses, non-breaking spaces.

The quote and dash work is markdown-it's own typographer; this module chooses
its settings per language and adds the non-breaking spaces it does not make.
"""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

NBSP = "\u00a0"
NNBSP = "\u202f"

# What a source's double and single straight quotes become, per language
# (markdown-it's order: double open, double close, single open, single close).
QUOTES = {
    "en": "“”‘’",
    "de": "„“‚‘",
    "fr": "«»“”",
    "es": "«»“”",
    "it": "«»“”",
    "pt": "«»“”",
    "pl": "„”‚’",
    "cs": "„“‚‘",
    "tr": "“”‘’",
    "el": "«»“”",
    "nl": "“”‘’",
    "ru": "«»„“",
}

_UNITS = (
    r"%|‰|°C|°F|°|km|m|cm|mm|kg|g|mg|t|l|ml|kWh|MWh|GW|MW|kW|W|mph|km/h|"
    r"hours?|hrs?|mins?|days?|weeks?|years?|am|pm|p|m²|km²|ha|bn|m(?:illion)?|"
    r"billion|trillion|per\s+cent"
)
# "40 hours", "5 km", "12 %": keep a number with its unit.
_NUMBER_UNIT = re.compile(rf"(?<![\w.])(\d[\d,.]*) (?=(?:{_UNITS})(?![\w]))")
# "J. R. Hartley", "J. Smith": keep initials with what follows.
_INITIAL = re.compile(r"(?<![\w.])([A-Z]\.) (?=[A-Z])")
# "£ 5", "No. 5", "p. 12", "issue 1112"
_BEFORE_NUMBER = re.compile(r"(?<![\w])(No\.|no\.|p\.|pp\.|£|€|\$) (?=\d)")
# French: a thin space before ; : ! ? and inside guillemets.
_FR_BEFORE = re.compile(r" ?([;:!?»])")
_FR_AFTER = re.compile(r"(«) ?")


def language_key(language: str) -> str:
    lang = language.lower()
    return lang if lang in QUOTES else lang.split("-")[0]


def quotes_for(language: str) -> str:
    return QUOTES.get(language_key(language), QUOTES["en"])


def add_spaces(text: str, language: str) -> str:
    """Put non-breaking spaces where a line must not break."""
    text = _NUMBER_UNIT.sub(rf"\1{NBSP}", text)
    text = _INITIAL.sub(rf"\1{NBSP}", text)
    text = _BEFORE_NUMBER.sub(rf"\1{NBSP}", text)
    if language_key(language) == "fr":
        text = _FR_BEFORE.sub(lambda m: NNBSP + m.group(1), text)
        text = _FR_AFTER.sub(lambda m: m.group(1) + NNBSP, text)
    return text


def nbsp_rule(language: str):
    """A markdown-it core rule that spaces the text tokens of every inline run."""

    def rule(state) -> None:
        for block in state.tokens:
            if block.type != "inline" or not block.children:
                continue
            for token in block.children:
                if token.type == "text":
                    token.content = add_spaces(token.content, language)

    return rule


@lru_cache(maxsize=16)
def _plain_parser(language: str) -> MarkdownIt:
    # "zero" keeps every character literal: only the typographer runs.
    md = MarkdownIt("zero", {"typographer": True, "quotes": quotes_for(language)})
    md.enable(["replacements", "smartquotes"])
    return md


def smarten(text: str, language: str) -> str:
    """Typeset a plain string (a title, a caption) the way bodies are typeset."""
    if not text:
        return text
    tokens = _plain_parser(language).parseInline(text)
    parts: list[str] = []
    for token in tokens[0].children or []:
        if token.type == "text":
            parts.append(token.content)
        elif token.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return add_spaces("".join(parts), language)
