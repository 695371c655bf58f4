"""An EPUB's bytes → a Kobo kepub's bytes: every sentence in a koboSpan, Kobo's column hooks, the cover marked.

Kobo's readers switch to their better renderer (reading position, page turns, statistics) for books whose text
sits in `<span class="koboSpan" id="kobo.P.S">`: P counts the paragraphs, S the fragments within one. The
transform never changes text (the spans only add elements around it), never reaches into script, style, SVG or
MathML, and leaves everything else in the package (OPF, NCX, pictures, CSS) as it was, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree

from publish.errors import PublishError

XHTML = "http://www.w3.org/1999/xhtml"
OPF = "http://www.idpf.org/2007/opf"
CONTAINER = "urn:oasis:names:tc:opendocument:xmlns:container"
SPAN = f"{{{XHTML}}}span"

# elements whose content is not the reader's running text (or may not hold a span)
SKIP = frozenset({"head", "script", "style", "template", "textarea", "select", "option", "optgroup", "rp",
                  "iframe", "object", "video", "audio", "canvas", "noscript", "picture"})
# elements whose own text is only inter-element white space: a span there would be invalid
NO_TEXT = frozenset({"html", "ul", "ol", "dl", "menu", "table", "thead", "tbody", "tfoot", "tr", "colgroup",
                     "hgroup", "datalist"})
# elements that start a new Kobo paragraph
BLOCKS = frozenset({"address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog",
                    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
                    "h4", "h5", "h6", "header", "hr", "legend", "li", "main", "nav", "ol", "p", "pre", "section",
                    "summary", "table", "td", "th", "tr", "ul"})
# a sentence ends at . ! ? or … (with any closing quotes or brackets) followed by white space
SENTENCE_END = re.compile(r"[.!?…]+[\"'’”»)\]]*\s+")
# Kobo lays out pages in #book-columns and measures #book-inner: margins there would shift every page
HOOKS = "\n#book-columns, #book-inner { margin: 0; padding: 0; border: 0; }\n"
# XHTML's void elements: every other element is written with an end tag, as Kobo's HTML parser expects
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                  "wbr"})
DOS_FIRST, DOS_LAST = (1980, 1, 1, 0, 0, 0), (2107, 12, 31, 23, 59, 58)


def kepub_bytes(epub: bytes, when: dt.datetime) -> bytes:
    """The kepub for one EPUB (EPUB 3, XHTML content documents); the same input always gives the same bytes."""
    try:
        source = zipfile.ZipFile(io.BytesIO(epub))
    except zipfile.BadZipFile as exc:
        raise PublishError(f"kepub: the EPUB is not a zip file ({exc}) — rebuild the EPUB first") from None
    with source:
        names = source.namelist()
        opf_path = _rootfile(source)
        opf = _read(source, opf_path)
        documents, cover = _manifest(opf, opf_path)
        changed = {name: kobo_document(_read(source, name), name) for name in documents if name in names}
        marked = _mark_cover(opf, cover)
        if marked is not None:
            changed[opf_path] = marked
        return _repack(source, changed, _zip_time(when))


# --- the package --------------------------------------------------------------------------------------------


def _read(source: zipfile.ZipFile, name: str) -> bytes:
    try:
        return source.read(name)
    except KeyError:
        raise PublishError(f"kepub: {name}: missing from the EPUB — rebuild the EPUB") from None


def _xml(data: bytes, name: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise PublishError(f"kepub: {name}:{exc.lineno}: not well-formed XML ({exc.msg}) — "
                           "rebuild the EPUB") from None


def _rootfile(source: zipfile.ZipFile) -> str:
    """The OPF's path inside the zip, from META-INF/container.xml."""
    container = _xml(_read(source, "META-INF/container.xml"), "META-INF/container.xml")
    paths = container.xpath("//c:rootfile/@full-path", namespaces={"c": CONTAINER})
    if not paths:
        raise PublishError("kepub: META-INF/container.xml: no rootfile — rebuild the EPUB")
    return paths[0]


def _manifest(opf: bytes, opf_path: str) -> tuple[list[str], str | None]:
    """The zip paths of the XHTML content documents (not the navigation document), and the cover image's id."""
    package = _xml(opf, opf_path)
    base = posixpath.dirname(opf_path)
    documents, cover = [], None
    for item in package.iterfind(f"{{{OPF}}}manifest/{{{OPF}}}item"):
        properties = (item.get("properties") or "").split()
        if "cover-image" in properties and cover is None:
            cover = item.get("id")
        # the nav's structure is checked strictly by reading systems and epubcheck: no spans there
        if item.get("media-type") == "application/xhtml+xml" and "nav" not in properties:
            documents.append(posixpath.normpath(posixpath.join(base, unquote(item.get("href", "")))))
    return documents, cover


def _mark_cover(opf: bytes, cover: str | None) -> bytes | None:
    """The OPF with `<meta name="cover">` naming the cover image (Kobo's library shows it); None if already so."""
    if cover is None:
        return None
    package = etree.fromstring(opf, etree.XMLParser(resolve_entities=False, no_network=True))
    metadata = package.find(f"{{{OPF}}}metadata")
    if metadata is None or metadata.find(f"{{{OPF}}}meta[@name='cover']") is not None:
        return None
    meta = etree.SubElement(metadata, f"{{{OPF}}}meta", name="cover", content=cover)
    meta.tail, meta.getprevious().tail = metadata[-2].tail, (metadata.text or "\n")
    return etree.tostring(package.getroottree(), xml_declaration=True, encoding="utf-8")


def _zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """`when` as a zip entry's date (UTC; naive means UTC), clamped to the DOS range 1980..2107."""
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc)
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    return min(max(stamp, DOS_FIRST), DOS_LAST)


def _repack(source: zipfile.ZipFile, changed: dict[str, bytes], stamp: tuple[int, ...]) -> bytes:
    """The entries in their order (mimetype first, stored), each with the same date and attributes."""
    infos = source.infolist()
    infos.sort(key=lambda info: info.filename != "mimetype")  # stable: the others keep their order
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for old in infos:
            info = zipfile.ZipInfo(old.filename, date_time=stamp)
            info.create_system, info.external_attr = 3, 0o100644 << 16
            stored = old.filename == "mimetype" or old.compress_type == zipfile.ZIP_STORED
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            data = changed.get(old.filename)
            target.writestr(info, source.read(old) if data is None else data, compresslevel=None if stored else 9)
    return out.getvalue()


# --- one content document -----------------------------------------------------------------------------------


def kobo_document(data: bytes, name: str = "document.xhtml") -> bytes:
    """One XHTML content document with its text in koboSpans, its body in Kobo's columns, and the style hooks."""
    root = _xml(data, name)
    body = root.find(f"{{{XHTML}}}body")
    if body is None or root.find(f".//{{{XHTML}}}div[@id='book-columns']") is not None:
        return data  # no body, or a kepub already: nothing to add
    _walk(body, _Counter())
    _columns(body)
    _hooks(root)
    _end_tags(root)
    text = etree.tostring(root.getroottree(), xml_declaration=True, encoding="utf-8")
    return text + b"\n" if data.endswith(b"\n") else text  # lxml drops what follows the root


@dataclass
class _Counter:
    """Kobo's numbering: a new paragraph starts at the first fragment after a block boundary."""

    paragraph: int = 0
    fragment: int = 0
    pending: bool = True

    def next_id(self) -> str:
        if self.pending:
            self.paragraph, self.fragment, self.pending = self.paragraph + 1, 0, False
        self.fragment += 1
        return f"kobo.{self.paragraph}.{self.fragment}"


def _name(element) -> str | None:
    """The local name of an XHTML element; None for comments, PIs and other namespaces (SVG, MathML)."""
    if not isinstance(element.tag, str) or not element.tag.startswith(f"{{{XHTML}}}"):
        return None
    return element.tag[len(XHTML) + 2:]


def _walk(element, counter: _Counter) -> None:
    """Wrap the text of `element` and its descendants, in document order."""
    holds_text = _name(element) not in NO_TEXT
    children = list(element)  # before the spans go in: they need no walk
    if element.text and holds_text:
        element.text = _fill(element, 0, element.text, counter)
    for child in children:
        name = _name(child)
        if name == "img" and holds_text:
            child = _wrap_image(element, child, counter)
        elif name is not None and name not in SKIP:
            if name in BLOCKS:
                counter.pending = True
            _walk(child, counter)
            if name in BLOCKS:
                counter.pending = True  # the text after a block is a paragraph of its own
        if child.tail and holds_text:
            child.tail = _fill(element, element.index(child) + 1, child.tail, counter)


def _wrap_image(parent, image, counter: _Counter):
    """Put an image in a koboSpan of its own paragraph, as Kobo does, so a reading position can rest on it."""
    counter.pending = True
    span = etree.Element(SPAN, {"class": "koboSpan", "id": counter.next_id()})
    span.tail, image.tail = image.tail, None
    parent.replace(image, span)
    span.append(image)
    counter.pending = True
    return span


def _fill(parent, position: int, text: str, counter: _Counter) -> str | None:
    """Insert a koboSpan per sentence of `text` at `position` in `parent`; returns the white space before them."""
    lead, pieces = _sentences(text)
    if not pieces:
        return text
    for offset, (sentence, space) in enumerate(pieces):
        span = etree.Element(SPAN, {"class": "koboSpan", "id": counter.next_id()})
        span.text, span.tail = sentence, space or None
        parent.insert(position + offset, span)
    return lead or None


def _sentences(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Leading white space, then (sentence, white space after it) pairs; joined they give `text` back."""
    cuts = [0, *(match.end() for match in SENTENCE_END.finditer(text)), len(text)]
    lead, pieces = "", []
    for start, end in zip(cuts, cuts[1:]):
        chunk = text[start:end]
        core = chunk.strip()
        before = chunk[:len(chunk) - len(chunk.lstrip())]  # all of it when the chunk is only white space
        if pieces:
            pieces[-1] = (pieces[-1][0], pieces[-1][1] + before)
        else:
            lead += before
        if core:
            pieces.append((core, chunk[len(before) + len(core):]))
    return lead, pieces


def _columns(body) -> None:
    """Move the body's content into `<div id="book-columns"><div id="book-inner">`: Kobo paginates those."""
    columns = etree.Element(f"{{{XHTML}}}div", id="book-columns")
    inner = etree.SubElement(columns, f"{{{XHTML}}}div", id="book-inner")
    inner.text, body.text = body.text, None  # no white space of our own: the body's text stays the same
    for child in list(body):
        inner.append(child)  # its tail moves with it
    body.append(columns)


def _end_tags(root) -> None:
    """Give empty non-void elements an end tag: `<a id="x"/>` read as HTML would swallow what follows."""
    for element in root.iter(f"{{{XHTML}}}*"):
        if element.text is None and len(element) == 0 and _name(element) not in VOID:
            element.text = ""


def _hooks(root) -> None:
    """Kobo's style hooks, in the document's head (a `<style>`, so the manifest need not change)."""
    head = root.find(f"{{{XHTML}}}head")
    if head is None:
        return
    style = etree.SubElement(head, f"{{{XHTML}}}style", id="kobo-style-hooks")
    style.text = HOOKS
    style.tail = head[-2].tail if len(head) > 1 else "\n"
    if len(head) > 1:
        head[-2].tail = head.text or "\n"
