"""Rendered HTML pages → well-formed EPUB XHTML: namespaces, xml:lang, EPUB 3 pop-up footnotes, an XML declaration.

The layouts are written in HTML syntax and article bodies come from the shared
sanitised HTML (`publish.render.body_html`), so every document goes through
lxml's HTML parser once and is rebuilt as an XHTML tree. Markdown footnotes
become `noteref`/`footnote` pairs whose back-link comes first, as Kindle's
pop-up notes want.
"""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from publish.xmltree import remove_keeping_tail

XHTML = "http://www.w3.org/1999/xhtml"
OPS = "http://www.idpf.org/2007/ops"
XML = "http://www.w3.org/XML/1998/namespace"
NSMAP = {None: XHTML, "epub": OPS}
DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'

# characters XML 1.0 forbids, which a Markdown source may still carry
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xhtml(html: str, language: str, page_breaks: list[tuple[int, str]] = ()) -> bytes:
    """A whole rendered page (HTML syntax) → XHTML bytes with the declaration Kindle wants.

    `page_breaks` are (print page, element id): a page-break marker goes before each
    element (at the start of the body if the page has no such element).
    """
    document = lxml.html.document_fromstring(_NOT_XML.sub("", html))
    root = _rebuild(document)
    root.set("lang", root.get("lang") or language)
    root.set(f"{{{XML}}}lang", root.get("lang"))
    _page_breaks(root, page_breaks)
    _footnotes(root)
    _mirror_lang(root)
    return DECLARATION + etree.tostring(root, encoding="utf-8") + b"\n"


def _attribute(name: str) -> str | None:
    """An HTML attribute name → its XML name (None: drop it)."""
    if name == "xmlns" or name.startswith("xmlns:"):
        return None
    if name.startswith("epub:"):
        return f"{{{OPS}}}{name[5:]}"
    if name.startswith("xml:"):
        return f"{{{XML}}}{name[4:]}"
    if ":" in name:
        return None
    return name


def _rebuild(source, parent=None):
    """Copy an lxml.html tree into the XHTML namespace, dropping comments and processing instructions."""
    tag = f"{{{XHTML}}}{source.tag}"
    element = etree.Element(tag, nsmap=NSMAP) if parent is None else etree.SubElement(parent, tag)
    for name, value in source.attrib.items():
        xml_name = _attribute(name)
        if xml_name is not None:
            element.set(xml_name, value)
    element.text = source.text
    for child in source:
        if isinstance(child.tag, str):
            copy = _rebuild(child, element)
            copy.tail = child.tail
        elif child.tail:  # a comment's tail text belongs to the previous node
            previous = element[-1] if len(element) else None
            if previous is not None:
                previous.tail = (previous.tail or "") + child.tail
            else:
                element.text = (element.text or "") + child.tail
    return element


def _q(name: str) -> str:
    return f"{{{XHTML}}}{name}"


def _page_breaks(root, breaks: list[tuple[int, str]]) -> None:
    """An empty `pagebreak` span (id "page-N", labelled N) before the element where print page N begins."""
    if not breaks:
        return
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    body = root.find(_q("body"))
    at_start = 0
    for number, anchor in breaks:
        span = etree.Element(_q("span"))
        span.set(f"{{{OPS}}}type", "pagebreak")
        span.set("role", "doc-pagebreak")
        span.set("id", f"page-{number}")
        span.set("aria-label", str(number))
        target = ids.get(anchor)
        if target is not None and target.getparent() is not None and target is not body:
            target.addprevious(span)
        elif body is not None:
            if at_start == 0:
                span.tail, body.text = body.text, None
            body.insert(at_start, span)
            at_start += 1


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def _footnotes(root) -> None:
    """markdown-it's footnote list → <aside epub:type="footnote"> blocks; its references → noterefs."""
    for section in root.iter(_q("section")):
        if "footnotes" not in _classes(section):
            continue
        numbers: dict[str, str] = {}
        items = [li for ol in section.iter(_q("ol")) for li in ol if li.tag == _q("li")]
        notes = etree.Element(_q("div"))
        notes.set("class", "footnotes")
        for li in items:
            numbers[li.get("id", "")] = _footnote(li, notes)
        rule = section.getprevious()
        if rule is not None and rule.tag == _q("hr") and "footnotes-sep" in _classes(rule):
            remove_keeping_tail(rule)
        heading = etree.SubElement(notes, _q("h2"))
        heading.set("class", "footnotes-title")
        heading.text = "Notes"
        notes.insert(0, heading)
        notes.tail = section.tail
        section.getparent().replace(section, notes)
        for sup in list(root.iter(_q("sup"))):
            if "footnote-ref" in _classes(sup):
                _noteref(sup, numbers)
        break


def _footnote(li, notes) -> str:
    """One footnote list item → an aside whose first content is the back-link; returns its number."""
    aside = etree.SubElement(notes, _q("aside"))
    aside.set("id", li.get("id", ""))
    aside.set(f"{{{OPS}}}type", "footnote")
    aside.set("role", "doc-footnote")
    aside.set("class", "footnote")
    backlink = next((a for a in li.iter(_q("a")) if "footnote-backref" in _classes(a)), None)
    number = (backlink.text or "").strip().rstrip(".") if backlink is not None else ""
    if backlink is not None:
        remove_keeping_tail(backlink)
        backlink.tail = " "
        backlink.set("role", "doc-backlink")
    blocks = list(li)
    inline_text = (li.text or "").strip()
    if not blocks or blocks[0].tag != _q("p") or inline_text:
        # loose inline content: wrap it all in one paragraph
        paragraph = etree.SubElement(aside, _q("p"))
        paragraph.text = li.text
        for child in blocks:
            paragraph.append(child)
    else:
        for child in blocks:
            aside.append(child)
        paragraph = aside[0]
    if backlink is not None:
        backlink.tail = " " + (paragraph.text or "").lstrip()
        paragraph.text = None
        paragraph.insert(0, backlink)
    if len(aside) and aside[-1].tail:
        aside[-1].tail = aside[-1].tail.rstrip() or None
    return number


def _noteref(sup, numbers: dict[str, str]) -> None:
    link = sup.find(_q("a"))
    if link is None:
        return
    link.set(f"{{{OPS}}}type", "noteref")
    link.set("role", "doc-noteref")
    link.set("class", "noteref")
    number = numbers.get((link.get("href") or "").lstrip("#"))
    if number:
        link.text = number


def _mirror_lang(root) -> None:
    """Every lang="…" inside gets the matching xml:lang (readers look at one or the other)."""
    for element in root.iter():
        lang = element.get("lang")
        if lang is not None:
            element.set(f"{{{XML}}}lang", lang)
