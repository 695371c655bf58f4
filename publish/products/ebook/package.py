"""Finished documents, pictures and metadata → the EPUB container's bytes: OPF, NCX, guide, and a deterministic zip.

ebooklib writes the package (OPF metadata, manifest, spine, guide and the EPUB 2
NCX); this module adds what a weekly issue needs on top (series, accessibility,
ISSN, a two-level NCX with its depth and language) and then re-packs the zip so
that the same sources give the same bytes: `mimetype` first and stored, entries
in a fixed order, every timestamp the issue's source date.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
import zipfile
from dataclasses import dataclass, field

from ebooklib import epub
from lxml import etree

from publish.products.ebook import ebooklib_adapter

XML = "http://www.w3.org/XML/1998/namespace"
NCX = "http://www.daisy.org/z3986/2005/ncx/"
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:publish:issue")  # fixed: identifiers never change
CONFORMANCE = "EPUB Accessibility 1.1 - WCAG 2.1 Level AA"


@dataclass(frozen=True)
class Document:
    name: str  # path inside the EPUB folder, e.g. "a01-strike.xhtml"
    content: bytes
    title: str
    linear: bool = True
    properties: tuple[str, ...] = ()


@dataclass(frozen=True)
class Resource:
    name: str
    content: bytes
    media_type: str
    properties: tuple[str, ...] = ()


@dataclass
class Metadata:
    identifier: str
    title: str
    language: str
    publisher: str
    date: dt.date
    modified: dt.datetime
    description: str
    series: str
    series_index: int
    creators: tuple[str, ...] = ()
    contributors: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ()
    rights: str = ""
    issn: str = ""
    has_pictures: bool = True
    accessibility_summary: str = ""
    page_source: str = ""  # the print edition the page-list follows ("": no page-list)


@dataclass
class Package:
    metadata: Metadata
    documents: list[Document]  # spine order
    resources: list[Resource]
    nav: Document
    cover_image: Resource
    toc: list = field(default_factory=list)  # [(section title, href, [(title, href), …]) | (title, href)]
    guide: list[tuple[str, str, str]] = field(default_factory=list)  # (type, title, href)


def identifier(slug: str, number: int) -> str:
    """The issue's stable identifier: the same for every rebuild of the same paper's issue."""
    return f"urn:uuid:{uuid.uuid5(ID_NAMESPACE, f'{slug}/{number}')}"


def _metadata(book: epub.EpubBook, meta: Metadata) -> None:
    book.set_identifier(meta.identifier)
    book.set_title(meta.title)
    book.set_language(meta.language)
    for i, name in enumerate(meta.creators, 1):
        book.add_metadata("DC", "creator", name, {"id": f"creator-{i}"})
    for i, name in enumerate(meta.contributors, 1):
        book.add_metadata("DC", "contributor", name, {"id": f"contributor-{i}"})
        book.add_metadata(None, "meta", "aut", {"refines": f"#contributor-{i}", "property": "role",
                                                "scheme": "marc:relators"})
    book.add_metadata("DC", "publisher", meta.publisher)
    book.add_metadata("DC", "date", meta.date.isoformat())
    book.add_metadata("DC", "description", meta.description)
    for subject in meta.subjects:
        book.add_metadata("DC", "subject", subject)
    if meta.rights:
        book.add_metadata("DC", "rights", meta.rights)
    if meta.issn:
        book.add_metadata("DC", "identifier", f"urn:issn:{meta.issn}", {"id": "issn"})
        book.add_metadata("DC", "source", f"urn:issn:{meta.issn}")
    book.add_metadata(None, "meta", meta.series, {"property": "belongs-to-collection", "id": "series"})
    book.add_metadata(None, "meta", "series", {"refines": "#series", "property": "collection-type"})
    book.add_metadata(None, "meta", str(meta.series_index), {"refines": "#series", "property": "group-position"})
    if meta.page_source:
        # where the page-list's numbers come from (EPUB Accessibility; replaces dc:source + source-of)
        book.add_metadata(None, "meta", meta.page_source, {"property": "pageBreakSource"})
    _accessibility(book, meta)
    book.add_metadata(None, "meta", "", {"name": "cover", "content": "cover-image"})


def _accessibility(book: epub.EpubBook, meta: Metadata) -> None:
    """EPUB Accessibility 1.1 metadata (printPageNumbers when there is a page-list)."""
    modes = ["textual", "visual"] if meta.has_pictures else ["textual"]
    for mode in modes:
        book.add_metadata(None, "meta", mode, {"property": "schema:accessMode"})
    book.add_metadata(None, "meta", "textual", {"property": "schema:accessModeSufficient"})
    if meta.has_pictures:
        book.add_metadata(None, "meta", "textual,visual", {"property": "schema:accessModeSufficient"})
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"]
    if meta.page_source:
        features.append("printPageNumbers")
    if meta.has_pictures:
        features.insert(0, "alternativeText")
    for feature in features:
        book.add_metadata(None, "meta", feature, {"property": "schema:accessibilityFeature"})
    book.add_metadata(None, "meta", "none", {"property": "schema:accessibilityHazard"})
    book.add_metadata(None, "meta", meta.accessibility_summary, {"property": "schema:accessibilitySummary"})
    # the conformance claim: the publisher vouches for it; epubcheck and DAISY Ace check what machines can
    book.add_metadata(None, "meta", CONFORMANCE, {"property": "dcterms:conformsTo", "id": "conformance"})
    book.add_metadata(None, "meta", meta.publisher, {"property": "a11y:certifiedBy", "id": "certifier"})


def _toc(entries: list) -> list:
    out, count = [], 0
    for entry in entries:
        if len(entry) == 3:
            title, href, children = entry
            links = []
            for child_title, child_href in children:
                count += 1
                links.append(epub.Link(child_href, child_title, f"nav-{count}"))
            out.append((epub.Section(title, href), links))
        else:
            count += 1
            out.append(epub.Link(entry[1], entry[0], f"nav-{count}"))
    return out


def _ncx(book: epub.EpubBook, data: bytes) -> bytes:
    """ebooklib's NCX, stating its depth and language, with one playOrder per target."""
    root = etree.fromstring(data)
    root.set(f"{{{XML}}}lang", book.language)
    order: dict[str, int] = {}
    for point in root.iter(f"{{{NCX}}}navPoint"):
        src = point.find(f"{{{NCX}}}content").get("src")
        point.set("playOrder", str(order.setdefault(src, len(order) + 1)))
    depth = 2 if any(isinstance(entry, tuple) for entry in book.toc) else 1
    for meta in root.iter(f"{{{NCX}}}meta"):
        if meta.get("name") == "dtb:depth":
            meta.set("content", str(depth))
    return etree.tostring(root, encoding="utf-8", xml_declaration=True)


def build(package: Package) -> bytes:
    """The EPUB file's bytes."""
    meta = package.metadata
    book = epub.EpubBook()
    _metadata(book, meta)
    cover = epub.EpubCover(uid="cover-image", file_name=package.cover_image.name)
    cover.content = package.cover_image.content
    cover.media_type = package.cover_image.media_type
    book.add_item(cover)
    spine = []
    for i, document in enumerate([package.nav, *package.documents]):
        item = epub.EpubItem(uid="nav" if i == 0 else f"doc-{i}", file_name=document.name,
                             media_type="application/xhtml+xml", content=document.content)
        item.properties = list(document.properties)
        book.add_item(item)
        if i:
            spine.append((item, "yes" if document.linear else "no"))
    for i, resource in enumerate(package.resources, 1):
        item = epub.EpubItem(uid=f"res-{i}", file_name=resource.name, media_type=resource.media_type,
                             content=resource.content)
        item.properties = list(resource.properties)
        book.add_item(item)
    book.add_item(epub.EpubNcx())
    book.spine = spine
    book.toc = _toc(package.toc)
    book.guide = [{"type": kind, "title": title, "href": href} for kind, title, href in package.guide]
    options = {"mtime": meta.modified, "epub3_landmark": False, "epub3_pages": False, "compresslevel": 0,
               "raise_exceptions": True}
    raw = ebooklib_adapter.write(
        book, options,
        # the language of the metadata's own text (Ace: epub-lang)
        opf=lambda root: root.set(f"{{{XML}}}lang", book.language),
        ncx=lambda data: _ncx(book, data))
    return repack(raw, meta.modified)


def zip_time(when: dt.datetime) -> tuple[int, int, int, int, int, int]:
    """A zip entry's timestamp, clamped to what zip's DOS dates can say: 1980-01-01 to 2107-12-31."""
    when = when.astimezone(dt.timezone.utc)
    if when.year < 1980:
        return (1980, 1, 1, 0, 0, 0)
    if when.year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def repack(data: bytes, when: dt.datetime) -> bytes:
    """The same entries, in the same order, with fixed timestamps and attributes: byte-identical rebuilds."""
    stamp = zip_time(when)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        names.sort(key=lambda n: (n != "mimetype", n != "META-INF/container.xml"))  # stable: keeps the rest
        for name in names:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            content = source.read(name)
            stored = name == "mimetype" or name.lower().endswith((".jpg", ".jpeg", ".png"))
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            target.writestr(info, content, compresslevel=None if stored else 9)
    return out.getvalue()
