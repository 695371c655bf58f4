"""A Pandoc syntax tree from any reader → the same tree in our dialect's terms: no Word noise, headings at ## and ###.

Pandoc's JSON tree is nested lists and {"t": type, "c": content} nodes. This
module unwraps what our Markdown has no syntax for (styled spans, underline,
small caps, citations), turns manual line breaks into spaces, drops empty
paragraphs, bookmarks and attributes, and keeps superscript and subscript as
the raw <sup>/<sub> our sanitiser allows.
"""

from __future__ import annotations

import html
from typing import Callable

BLOCKS = {"Plain", "Para", "LineBlock", "CodeBlock", "RawBlock", "BlockQuote", "OrderedList", "BulletList",
          "DefinitionList", "Header", "HorizontalRule", "Table", "Div", "Null", "Figure"}
UNWRAP = {"Underline", "SmallCaps", "Span"}
NO_ATTR = ["", [], []]
BOX_CLASS = "publish-box"


def text(inlines) -> str:
    """The plain text of inlines (or blocks), spaces collapsed."""
    parts: list[str] = []

    def collect(node) -> None:
        if isinstance(node, list):
            for item in node:
                collect(item)
        elif isinstance(node, dict):
            kind = node.get("t")
            if kind == "Str":
                parts.append(node["c"])
            elif kind in ("Space", "SoftBreak", "LineBreak"):
                parts.append(" ")
            elif kind in ("Code", "Math"):
                parts.append(node["c"][-1])
            elif kind == "Note":
                return
            elif kind == "Image":
                collect(node["c"][1])
            else:
                collect(node.get("c"))

    collect(inlines)
    return " ".join("".join(parts).split())


def style(block: dict) -> str:
    """The Word/LibreOffice paragraph style a reader kept on a Div ("custom-style"), else ''."""
    if block.get("t") != "Div":
        return ""
    return dict(block["c"][0][2]).get("custom-style", "")


def _is_blocks(value: list) -> bool:
    return bool(value) and isinstance(value[0], dict) and value[0].get("t") in BLOCKS


def clean(value, on_image: Callable[[dict], list] | None = None):
    """The tree (or part) in our terms; `on_image(node)` returns the inlines to put in an image's place."""
    if isinstance(value, list):
        if value and isinstance(value[0], dict) and "t" in value[0]:
            return _blocks(value, on_image) if _is_blocks(value) else _inlines(value, on_image)
        return [clean(item, on_image) for item in value]
    return value


def _blocks(blocks: list, on_image) -> list:
    out = []
    for block in blocks:
        kind, content = block["t"], block.get("c")
        if kind in ("Null", "RawBlock"):
            continue
        if kind == "Div" and BOX_CLASS in content[0][1]:  # made by box(): our sidebar syntax around it
            title = dict(content[0][2]).get("title", "")
            out += [{"t": "RawBlock", "c": ["markdown", f"::: box {title}".rstrip()]},
                    *_blocks(content[1], on_image), {"t": "RawBlock", "c": ["markdown", ":::"]}]
            continue
        if kind == "Div":
            out.extend(_blocks(content[1], on_image))
            continue
        if kind in ("Para", "Plain"):
            inlines = _inlines(content, on_image)
            if not text(inlines) and not any(i["t"] in ("Image", "Note") for i in inlines):
                continue  # Word's empty paragraphs (spacing made with the Enter key)
            out.append({"t": kind, "c": inlines})
        elif kind == "Header":
            out.append({"t": "Header", "c": [content[0], NO_ATTR, _inlines(content[2], on_image)]})
        elif kind == "CodeBlock":
            out.append({"t": "CodeBlock", "c": [NO_ATTR, content[1]]})
        elif kind == "LineBlock":  # poetry and addresses: one paragraph, lines kept by spaces
            joined = [i for line in content for i in [*line, {"t": "Space"}]][:-1]
            out.append({"t": "Para", "c": _inlines(joined, on_image)})
        elif kind == "HorizontalRule":
            out.append(block)
        else:
            out.append({"t": kind, "c": clean(content, on_image)})
    return out


def _inlines(inlines: list, on_image) -> list:
    out: list = []
    for node in inlines:
        kind, content = node["t"], node.get("c")
        if kind in UNWRAP:
            out.extend(_inlines(content[1] if kind == "Span" else content, on_image))
        elif kind in ("LineBreak", "SoftBreak"):
            out.append({"t": "Space"})
        elif kind == "Cite":
            out.extend(_inlines(content[1], on_image))
        elif kind == "Math":
            out.append({"t": "Str", "c": content[1]})
        elif kind == "RawInline":
            continue
        elif kind in ("Superscript", "Subscript"):
            tag = "sup" if kind == "Superscript" else "sub"
            out.append({"t": "RawInline", "c": ["html", f"<{tag}>{html.escape(text(content))}</{tag}>"]})
        elif kind == "Link":
            out.append({"t": "Link", "c": [NO_ATTR, _inlines(content[1], on_image), content[2]]})
        elif kind == "Image":
            out.extend(on_image(node) if on_image else [])
        elif kind == "Note":
            out.append({"t": "Note", "c": _blocks(content, on_image)})
        elif kind in ("Emph", "Strong", "Strikeout"):
            inner = _inlines(content, on_image)
            if text(inner):
                out.append({"t": kind, "c": inner})
            else:
                out.extend(inner)
        elif kind == "Quoted":
            out.append({"t": kind, "c": [content[0], _inlines(content[1], on_image)]})
        else:
            out.append(node)
    return _merge_spaces(out)


def _merge_spaces(inlines: list) -> list:
    """No doubled, leading or trailing spaces (left by unwrapped breaks and dropped anchors)."""
    out: list = []
    for node in inlines:
        if node["t"] == "Space" and (not out or out[-1]["t"] == "Space"):
            continue
        out.append(node)
    while out and out[-1]["t"] == "Space":
        out.pop()
    return out


def shift_headings(blocks: list) -> list:
    """Headings moved so the highest becomes ## and the rest ###: # is the title, and we have two levels."""
    levels = sorted({b["c"][0] for b in blocks if b["t"] == "Header"})
    if not levels:
        return blocks
    return [{"t": "Header", "c": [2 if b["c"][0] == levels[0] else 3, *b["c"][1:]]} if b["t"] == "Header" else b
            for b in blocks]


def image_parts(node: dict) -> tuple[str, str, str]:
    """(src, alt text, caption) of an Image node; Pandoc marks a figure's title with 'fig:'."""
    _attr, alt, (src, title) = node["c"]
    return src, text(alt), title[4:] if title.startswith("fig:") else title


def image(src: str, alt: str, caption: str) -> dict:
    return {"t": "Image", "c": [NO_ATTR, [{"t": "Str", "c": alt}] if alt else [], [src, caption]]}


def para(words: str) -> dict:
    return {"t": "Para", "c": [{"t": "Str", "c": words}]}


def box(title: str, blocks: list) -> dict:
    """A sidebar: written as `::: box Title` … `:::` by clean()."""
    return {"t": "Div", "c": [["", [BOX_CLASS], [["title", " ".join(title.split())]]], blocks]}
