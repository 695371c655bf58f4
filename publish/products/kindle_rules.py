"""An EPUB's bytes → the problems that make Amazon's Send to Kindle reject it (error E999), as messages.

The known causes checked here: an XHTML document without an XML declaration
saying encoding="utf-8", links to a <body>'s id, a missing or malformed
dc:language, an <img> without a src (or one that names no file of the book),
WebP pictures, a missing guide, and pop-up footnotes whose back-link is not
their first content. It reads only the zip; it needs neither calibre nor Java.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from urllib.parse import unquote, urldefrag

from lxml import etree

NS = {
    "opf": "http://www.idpf.org/2007/opf",
    "dc": "http://purl.org/dc/elements/1.1/",
    "x": "http://www.w3.org/1999/xhtml",
    "epub": "http://www.idpf.org/2007/ops",
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
}
LANGUAGE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(-[A-Za-z0-9]{5,8}|-\d[A-Za-z0-9]{3})*$")
DECLARATION = re.compile(rb"""^\xef?\xbb?\xbf?<\?xml[^>]*\bencoding\s*=\s*["']utf-8["'][^>]*\?>""")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def preflight(data: bytes) -> list[str]:
    """Every reason Send to Kindle would refuse this EPUB; an empty list when there is none."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        return [f"not a zip file ({exc})"]
    with book:
        names = set(book.namelist())
        try:
            container = etree.fromstring(book.read("META-INF/container.xml"), _PARSER)
            opf_path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
            opf = etree.fromstring(book.read(opf_path), _PARSER)
        except (KeyError, IndexError, etree.XMLSyntaxError) as exc:
            return [f"no readable package document ({exc})"]
        base = posixpath.dirname(opf_path)
        problems = _package(opf, base, names)
        items = opf.xpath("/opf:package/opf:manifest/opf:item", namespaces=NS)
        manifest = {posixpath.normpath(posixpath.join(base, unquote(i.get("href", "")))) for i in items}
        documents = [posixpath.normpath(posixpath.join(base, unquote(i.get("href", ""))))
                     for i in items if i.get("media-type") == "application/xhtml+xml"]
        trees, body_ids = {}, set()
        for name in documents:
            if name not in names:
                problems.append(f"{name}: listed in the manifest but missing from the zip")
                continue
            content = book.read(name)
            if not DECLARATION.match(content):
                problems.append(f'{name}: does not start with <?xml version="1.0" encoding="utf-8"?>')
            try:
                trees[name] = etree.fromstring(content, _PARSER)
            except etree.XMLSyntaxError as exc:
                problems.append(f"{name}: not well-formed XML ({exc})")
                continue
            body_ids.update(f"{name}#{i}" for i in trees[name].xpath("/x:html/x:body/@id", namespaces=NS))
        for name, tree in trees.items():
            problems += _document(name, tree, manifest, body_ids)
    return problems


def _package(opf, base: str, names: set[str]) -> list[str]:
    problems = []
    languages = opf.xpath("/opf:package/opf:metadata/dc:language/text()", namespaces=NS)
    if not languages:
        problems.append("the package has no dc:language")
    for language in languages:
        if not LANGUAGE.match(language.strip()):
            problems.append(f"dc:language {language!r} is not a valid language tag")
    if not opf.xpath("/opf:package/opf:guide/opf:reference", namespaces=NS):
        problems.append("the package has no guide (Kindle needs one to find the cover, contents and text)")
    for item in opf.xpath("/opf:package/opf:manifest/opf:item", namespaces=NS):
        href = item.get("href", "")
        if item.get("media-type") == "image/webp" or href.lower().endswith(".webp"):
            problems.append(f"{href}: WebP pictures are not accepted; use JPEG or PNG")
    for name in names:
        if name.lower().endswith(".webp"):
            problems.append(f"{name}: WebP pictures are not accepted; use JPEG or PNG")
    return sorted(set(problems))


def _document(name: str, tree, manifest: set[str], body_ids: set[str]) -> list[str]:
    problems = []
    folder = posixpath.dirname(name)
    for img in tree.iter(f"{{{NS['x']}}}img"):
        src = (img.get("src") or "").strip()
        line = f"{name}:{img.sourceline}"
        if not src:
            problems.append(f"{line}: <img> without a src")
        elif "://" not in src and posixpath.normpath(posixpath.join(folder, unquote(src))) not in manifest:
            problems.append(f"{line}: <img src={src!r}> names no file of the book")
    for link in tree.iter(f"{{{NS['x']}}}a"):
        href = link.get("href") or ""
        if "://" in href or href.startswith("mailto:"):
            continue
        path, fragment = urldefrag(href)
        if not fragment:
            continue
        target = posixpath.normpath(posixpath.join(folder, unquote(path))) if path else name
        if f"{target}#{fragment}" in body_ids:
            problems.append(f"{name}:{link.sourceline}: a link to the <body> id {fragment!r}; "
                            "link to an element inside the body")
    for note in tree.xpath("//*[contains(concat(' ', normalize-space(@epub:type), ' '), ' footnote ')]",
                           namespaces=NS):
        if not _backlink_first(note):
            problems.append(f"{name}:{note.sourceline}: the footnote {note.get('id')!r} does not start with "
                            "its back-link, so it will not pop up on Kindle")
    return problems


def _backlink_first(note) -> bool:
    """Whether the note's first content (before any text) is a link back into the text."""
    if (note.text or "").strip():
        return False
    for node in note.iterdescendants():
        if not isinstance(node.tag, str):
            continue
        if etree.QName(node).localname == "a":
            return bool(node.get("href"))
        if (node.text or "").strip():
            return False
        if (node.tail or "").strip() and not node.xpath(".//*[local-name()='a']"):
            return False
    return False
