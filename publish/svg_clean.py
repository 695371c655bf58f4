"""SVG bytes → the SVG any output may publish: no code, no foreign markup, no reference out of its folder.

What is left can only draw. Scripts, event handlers, foreign elements,
entities, metadata and animation go. CSS (the `style` attribute, `<style>`
and presentation attributes) is read with a CSS parser, so escapes such as
`\\75 rl(` or `@\\69mport` are seen for what they are, and only an allow-list
of drawing properties with plain values survives. A reference may name a part
of the picture itself (`#id`), or a JPEG or PNG inside the picture's issue
folder, which is inlined cleaned; anything else is removed and reported.
"""

from __future__ import annotations

import base64
import os
import re
import stat
from pathlib import Path
from urllib.parse import unquote, urlsplit

import tinycss2
from lxml import etree

from publish.errors import PublishError
from publish.picture_kinds import sniff
from publish.raster_clean import clean_raster
from publish.xmltree import remove_keeping_tail

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
MAX_INLINED_BYTES = 16 * 1024 * 1024

# elements that run code, embed other documents, animate links or carry metadata
BANNED = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "handler", "listener",
          "animate", "animateMotion", "animateTransform", "animateColor", "set", "discard", "metadata",
          "font-face-uri", "color-profile", "cursor", "tref"}
# CSS properties that only draw (the SVG presentation properties, less anything that loads a file)
PROPERTIES = {
    "alignment-baseline", "baseline-shift", "clip", "clip-path", "clip-rule", "color", "color-interpolation",
    "color-interpolation-filters", "color-rendering", "direction", "display", "dominant-baseline", "fill",
    "fill-opacity", "fill-rule", "filter", "flood-color", "flood-opacity", "font", "font-family", "font-size",
    "font-size-adjust", "font-stretch", "font-style", "font-variant", "font-weight", "image-rendering",
    "isolation", "letter-spacing", "lighting-color", "marker", "marker-end", "marker-mid", "marker-start",
    "mask", "mix-blend-mode", "opacity", "overflow", "paint-order", "shape-rendering", "stop-color",
    "stop-opacity", "stroke", "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-opacity", "stroke-width", "text-anchor", "text-decoration",
    "text-rendering", "transform", "transform-origin", "unicode-bidi", "vector-effect", "visibility",
    "white-space", "word-spacing", "writing-mode",
}
_FUNCTIONS = {"rgb", "rgba", "hsl", "hsla", "calc", "matrix", "translate", "translatex", "translatey",
              "scale", "scalex", "scaley", "rotate", "skew", "skewx", "skewy"}
_PLAIN = {"whitespace", "ident", "number", "percentage", "dimension", "hash", "string", "literal"}
_DATA_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,([A-Za-z0-9+/=\s]*)$", re.I | re.S)


def sanitize_svg(path: Path, base: Path | None = None) -> bytes:
    """The sanitised SVG of a file (references confined to `base`, by default its issue folder)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PublishError(f"{shown(path)}: the picture cannot be read ({exc.strerror}) — check the file") from None
    return clean_svg(data, path, base or issue_folder(path))[0]


def shown(path: Path) -> str:
    """A picture's path as users see it: relative to the publication folder (the one with publication.toml)."""
    for parent in path.parents:
        if (parent / "publication.toml").is_file():
            return path.relative_to(parent).as_posix()
    return str(path)


def issue_folder(path: Path) -> Path:
    """The folder a picture's references must stay in: its issue's, else the publication's, else its own."""
    for parent in path.parents:
        if parent.parent.name == "issues" and (parent / "issue.toml").is_file():
            return parent
        if (parent / "publication.toml").is_file():
            return parent
    return path.parent


def clean_svg(data: bytes, path: Path, base: Path) -> tuple[bytes, list[str]]:
    """Sanitised SVG bytes, and the references that were removed (for `check` to report)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_comments=True,
                             remove_pis=True, huge_tree=False, dtd_validation=False)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise PublishError(f"{shown(path)}: not well-formed SVG ({exc}) — export the SVG again") from None
    if root.tag not in (f"{{{SVG}}}svg", "svg"):  # an XHTML root in an .svg file is an HTML page, scripts and all
        raise PublishError(f"{shown(path)}: the root element is {root.tag!r}, not an SVG <svg> — export the SVG again")
    removed: list[str] = []
    for element in list(root.iter()):
        if element is not root and root not in element.iterancestors():
            continue  # inside something already removed
        if not isinstance(element.tag, str):  # entity references
            remove_keeping_tail(element)
            continue
        name = etree.QName(element)
        if name.namespace not in (SVG, None) or name.localname in BANNED:
            remove_keeping_tail(element)
            continue
        if name.localname == "style":
            element.text = _clean_stylesheet(element.text or "", removed)
            if not element.text.strip():
                remove_keeping_tail(element)
                continue
        _clean_attributes(element, path, base, removed)
        if name.localname in ("image", "use", "feImage") and not _href(element):
            remove_keeping_tail(element)
    _namespace(root)
    _ensure_viewbox(root)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n", removed


def _href(element) -> str | None:
    return element.get("href") or element.get(f"{{{XLINK}}}href")


def _clean_attributes(element, path: Path, base: Path, removed: list[str]) -> None:
    for attribute in list(element.attrib):
        qname = etree.QName(attribute)
        value = element.get(attribute) or ""
        local = qname.localname
        if qname.namespace not in (None, XLINK, XML) or local.lower().startswith("on") or (
                qname.namespace == XML and local not in ("space", "lang")):
            del element.attrib[attribute]  # foreign, event handlers, xml:base
        elif local == "href":
            kept = _reference(value, etree.QName(element).localname, path, base, removed)
            if kept is None:
                del element.attrib[attribute]
            else:
                element.set(attribute, kept)
        elif local == "style":
            declarations = _safe_declarations(tinycss2.parse_component_value_list(value), removed)
            if declarations:
                element.set(attribute, declarations)
            else:
                del element.attrib[attribute]
        elif local in PROPERTIES or "url(" in value.lower() or "\\" in value or "javascript:" in value.lower():
            if not _safe_value(tinycss2.parse_component_value_list(value), removed):
                del element.attrib[attribute]


def _reference(value: str, tag: str, path: Path, base: Path, removed: list[str]) -> str | None:
    """What an href may become: itself (#id), an inlined cleaned picture, or None (removed)."""
    value = value.strip()
    if value.startswith("#"):
        return value
    data = _DATA_IMAGE.match(value)
    try:
        if data and tag in ("image", "feImage"):
            raw = base64.b64decode(re.sub(r"\s", "", data.group(2)), validate=True)
            kind = "jpeg" if data.group(1).lower() == "jpeg" else "png"
            return _data_uri(clean_raster(raw, kind), kind)
        target = _confined(value, path, base) if tag in ("image", "feImage") else None
        if target is not None:
            return _data_uri(clean_raster(target[0], target[1]), target[1])
    except (OSError, ValueError, SyntaxError):
        pass
    removed.append(value[:80] + ("…" if len(value) > 80 else ""))
    return None


def _confined(value: str, path: Path, base: Path) -> tuple[bytes, str] | None:
    """The bytes and kind of a JPEG or PNG a reference names inside `base`, or None."""
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith(("/", "\\")):
        return None
    named = path.parent / unquote(parts.path)
    try:
        target = named.resolve(strict=True)
        info = os.stat(target)
    except (OSError, RuntimeError, ValueError):
        return None
    if (not target.is_relative_to(base.resolve()) or not stat.S_ISREG(info.st_mode) or info.st_nlink > 1
            or info.st_size > MAX_INLINED_BYTES):
        return None
    raw = target.read_bytes()
    kind = sniff(raw[:512])
    return (raw, kind) if kind in ("jpeg", "png") else None


def _data_uri(data: bytes, kind: str) -> str:
    return f"data:image/{kind};base64," + base64.b64encode(data).decode("ascii")


def _clean_stylesheet(text: str, removed: list[str]) -> str:
    """A <style> sheet → its plain rules with allowed declarations only; at-rules go."""
    rules = []
    for rule in tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True):
        if rule.type != "qualified-rule" or not _safe_selector(rule.prelude):
            if rule.type == "at-rule":
                removed.append("@" + rule.lower_at_keyword)
            continue
        declarations = _safe_declarations(rule.content, removed)
        if declarations:
            rules.append(f"{tinycss2.serialize(rule.prelude).strip()}{{{declarations}}}")
    return "\n".join(rules)


def _safe_selector(tokens) -> bool:
    for token in tokens:
        if token.type == "[] block":
            if not _safe_selector(token.content):
                return False
        elif token.type not in _PLAIN and not (token.type == "function" and token.lower_name in ("not", "is")
                                                and _safe_selector(token.arguments)):
            return False
    return True


def _safe_declarations(tokens, removed: list[str]) -> str:
    """Allowed declarations among CSS tokens, serialised again from what the parser read."""
    kept = []
    for item in tinycss2.parse_blocks_contents(tokens, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration" or item.lower_name not in PROPERTIES:
            continue
        if _safe_value(item.value, removed):
            value = tinycss2.serialize(item.value).strip()
            kept.append(f"{item.lower_name}:{value}{' !important' if item.important else ''}")
    return ";".join(kept)


def _safe_value(tokens, removed: list[str]) -> bool:
    """Whether a CSS value only draws: plain tokens, colour and transform functions, url(#id)."""
    for token in tokens:
        if token.type in _PLAIN or token.type == "comment":
            continue
        if token.type == "url" and token.value.strip().startswith("#"):
            continue
        if token.type == "function" and token.lower_name == "url":
            target = "".join(t.value for t in token.arguments if t.type in ("string", "ident", "literal"))
            if target.strip().startswith("#"):
                continue
        if token.type == "function" and token.lower_name in _FUNCTIONS and _safe_value(token.arguments, removed):
            continue
        if token.type in ("url", "function"):
            removed.append(tinycss2.serialize([token])[:80])
        return False
    return True


def _namespace(root) -> None:
    """Elements written without the SVG namespace are put into it (readers need it to draw them)."""
    for element in root.iter():
        if isinstance(element.tag, str) and etree.QName(element).namespace is None:
            element.tag = f"{{{SVG}}}{element.tag}"
    etree.cleanup_namespaces(root, top_nsmap={None: SVG, "xlink": XLINK})


def _ensure_viewbox(root) -> None:
    """A viewBox lets the picture scale to the reader's screen."""
    if root.get("viewBox"):
        return
    sizes = []
    for key in ("width", "height"):
        match = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", root.get(key) or "")
        sizes.append(match.group(1) if match else None)
    if all(sizes):
        root.set("viewBox", f"0 0 {sizes[0]} {sizes[1]}")
