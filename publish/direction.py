"""Text → its direction by HTML's dir=auto rule, and Markdown block tokens → dir="rtl" where their text is right-to-left.

WeasyPrint does not implement dir=auto, EPUB readers vary: so every format gets
an explicit dir="rtl" on each paragraph, heading, list item, quotation and table
cell whose first strong character is right-to-left (Arabic, Hebrew, Syriac…).
"""

from __future__ import annotations

import unicodedata

from markupsafe import Markup

# the blocks that carry a direction; a list item or quotation takes that of its first text
_BLOCKS = frozenset({"paragraph_open", "heading_open", "list_item_open", "blockquote_open",
                     "th_open", "td_open"})


def direction(text: str) -> str:
    """"rtl" or "ltr" from the first strong character (HTML's dir=auto rule); "" when there is none."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return ""


def dir_attribute(text: str) -> Markup:
    """` dir="rtl"` for right-to-left text, else nothing: for templates (titles, standfirsts)."""
    return Markup(' dir="rtl"') if direction(str(text)) == "rtl" else Markup("")


def _inline_text(token) -> str:
    """The text an inline token shows (raw HTML and attribute syntax left out, as dir=auto ignores markup)."""
    return "".join(child.content for child in token.children or () if child.type in ("text", "code_inline"))


def direction_rule(state) -> None:
    """Core rule: each block whose first text is right-to-left gets dir="rtl" (an author's own dir stays)."""
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type not in _BLOCKS or token.attrGet("dir") is not None:
            continue
        depth = 0
        for later in tokens[index + 1:]:
            depth += later.nesting
            if depth < 0:  # the block closed without any text
                break
            if later.type == "inline":
                if direction(_inline_text(later)) == "rtl":
                    token.attrSet("dir", "rtl")
                if direction(_inline_text(later)):
                    break
