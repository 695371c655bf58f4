"""A Word (.docx) or LibreOffice (.odt) file → a Draft: title, standfirst, author, body in our Markdown, pictures.

Pandoc reads the document (with Word's paragraph styles kept); this module
maps what a newsroom's documents carry onto our fields: the Title style (or the
first heading) is the title, the Subtitle style the standfirst, a "By …" line
(or the document's author property) the author and branch; paragraphs in a
"Box" style become a `::: box Title` sidebar, a "Caption" paragraph under a
picture its caption. Pictures come out of the archive itself, never from a link.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from publish.intake import tree
from publish.intake.container import open_office, read_member
from publish.intake.draft import Draft, IntakeError
from publish.intake.pandoc import read_document, write_markdown
from publish.intake.pictures import picture_from_bytes

BYLINE = re.compile(r"^(?:by|von|par|por|door)\s+(?P<name>[^,]{2,80})(?:,\s*(?P<where>.{2,120}))?$", re.I)
CAPTION_STYLES = re.compile(r"caption|figure ?caption|illustration|bildunterschrift", re.I)
BOX_STYLE = re.compile(r"\bbox\b|sidebar|text ?box", re.I)
BOX_TITLE_STYLE = re.compile(r"box ?(title|heading|head)", re.I)
ODT = {"text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
       "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
       "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
       "xlink": "http://www.w3.org/1999/xlink", "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0"}


def read_office(path: Path, shown: str) -> Draft:
    """The Draft of one office document; IntakeError when it cannot be read at all."""
    odt = path.suffix.lower() == ".odt"
    with open_office(path, shown) as archive:
        doc = read_document(path, "odt" if odt else "docx+styles", shown)
        hints = _odt_hints(archive, shown) if odt else {}
        draft = Draft(source=path)
        blocks = _front_matter(doc, draft, hints)
        _table_heads(blocks, hints.get("heads", []))
        blocks = _boxes_and_captions(blocks, hints)
        blocks = tree.clean(blocks, lambda node: _picture(node, archive, draft, hints))
    blocks = tree.shift_headings(blocks)
    if not blocks:
        draft.note("the document has no text after its title")
    draft.body = write_markdown(blocks, doc.get("pandoc-api-version"), shown).strip() + "\n"
    return draft


def _meta_text(meta: dict, key: str) -> str:
    value = meta.get(key) or {}
    if value.get("t") == "MetaList":
        return ", ".join(tree.text(item.get("c")) for item in value["c"])
    return tree.text(value.get("c") or [])


def _front_matter(doc: dict, draft: Draft, hints: dict) -> list:
    """Title, standfirst and author out of the document into draft.front; the blocks that remain."""
    meta, blocks = doc.get("meta", {}), list(doc.get("blocks", []))
    title, standfirst = _meta_text(meta, "title") or hints.get("Title", ""), \
        _meta_text(meta, "subtitle") or hints.get("Subtitle", "")
    author = _meta_text(meta, "author") or hints.get("Author", "")
    # LibreOffice's styled title lines come through as ordinary paragraphs: take them out of the body
    blocks = [b for b in blocks if not (b["t"] == "Para" and hints and tree.text(b["c"]) in
                                       (hints.get("Title"), hints.get("Subtitle"), hints.get("Author")))]
    if not title:
        first = next((i for i, b in enumerate(blocks) if b["t"] == "Header" or tree.text(b.get("c"))), None)
        if first is not None and blocks[first]["t"] == "Header":
            title = tree.text(blocks.pop(first)["c"][2])
    for index, block in enumerate(blocks[:4]):
        match = BYLINE.match(tree.text(_unwrap(block).get("c") or [])) if _unwrap(block)["t"] == "Para" else None
        if match:
            author = match["name"].strip()
            if match["where"]:
                draft.front["affiliation"] = match["where"].strip().rstrip(".")
            del blocks[index]
            break
    if title:
        draft.front["title"] = title
    else:
        draft.note("no title: the document has no Title style and does not start with a heading — "
                   "write title: in the front matter")
    if standfirst:
        draft.front["standfirst"] = standfirst
    if author:
        draft.front["author"] = author
    return blocks


def _unwrap(block: dict) -> dict:
    while block["t"] == "Div" and len(block["c"][1]) == 1:
        block = block["c"][1][0]
    return block


def _boxes_and_captions(blocks: list, hints: dict) -> list:
    """Consecutive Box-styled paragraphs → one sidebar; a caption paragraph → the title of the picture above it."""
    out: list = []
    for block in blocks:
        name = tree.style(block)
        if name and BOX_STYLE.search(name):
            if not (out and out[-1]["t"] == "Div" and tree.BOX_CLASS in out[-1]["c"][0][1]):
                out.append(tree.box("", []))
            box = out[-1]
            if BOX_TITLE_STYLE.search(name) and not dict(box["c"][0][2])["title"]:
                box["c"][0][2] = [["title", tree.text(block["c"][1])]]
            else:
                box["c"][1].extend(block["c"][1])
            continue
        caption = tree.text(block.get("c")) if block["t"] in ("Div", "Para") else ""
        is_caption = (name and CAPTION_STYLES.search(name)) or caption in hints.get("captions", ())
        if is_caption and caption and out and _set_caption(out[-1], caption):
            continue
        out.append(block)
    for block in out:  # a box without a title line: a first paragraph all in bold is its title
        if block["t"] == "Div" and tree.BOX_CLASS in block["c"][0][1] and not dict(block["c"][0][2])["title"]:
            inner = block["c"][1]
            first = _unwrap(inner[0]) if inner else {}
            if first.get("t") in ("Para", "Header") and (first["t"] == "Header" or (
                    len(first["c"]) == 1 and first["c"][0]["t"] == "Strong")):
                block["c"][0][2] = [["title", tree.text(first["c"])]]
                del inner[0]
    return out


def _set_caption(block: dict, caption: str) -> bool:
    """Put `caption` on the lone picture of `block`; False if it holds no lone picture."""
    inner = _unwrap(block)
    pictures = [i for i in inner.get("c") or [] if isinstance(i, dict) and i.get("t") == "Image"] \
        if inner["t"] in ("Para", "Plain") else []
    if len(pictures) != 1:
        return False
    _src, alt, _title = tree.image_parts(pictures[0])
    if caption != alt:  # Pandoc writes the alt text as the caption of a figure: not a caption of its own
        pictures[0]["c"][2][1] = caption
    return True


def _picture(node: dict, archive: zipfile.ZipFile, draft: Draft, hints: dict) -> list:
    src, alt, caption = tree.image_parts(node)
    alt = alt or hints.get("alts", {}).get(src, "")
    number = len(draft.pictures) + 1
    # Pandoc names a .docx picture by its path under word/, an .odt one by its path in the archive
    data = read_member(archive, src) or read_member(archive, f"word/{src}")
    if data is None:
        draft.note(f"picture {number} ({src}) is linked, not inside the document, or too large: it was left out")
        return []
    picture = picture_from_bytes(data, number, src, draft)
    if picture is None:
        return []
    if not alt:
        draft.note(f"picture {number} has no alt text (Word's description): describe it between the "
                   f"brackets of ![]({picture.token})")
    return [tree.image(picture.token, alt, caption)]


def _table_heads(blocks: list, heads: list) -> None:
    """Pandoc's ODT reader keeps a table's header row but empties its cells: refill them from content.xml,
    the k-th table of the tree (in document order) from the k-th table of the document."""
    tables: list[dict] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("t") == "Table":
                tables.append(node)
            walk(node.get("c"))
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks)
    for table, rows in zip(tables, heads) if len(tables) == len(heads) else ():
        head_rows = table["c"][3][1]
        for row, words in zip(head_rows, rows):
            cells = row[1]
            for cell, text in zip(cells, words) if len(cells) == len(words) else ():
                if text and not tree.text(cell[4]):
                    cell[4] = [{"t": "Plain", "c": tree.para(text)["c"]}]


def _odt_hints(archive: zipfile.ZipFile, shown: str) -> dict:
    """What Pandoc's ODT reader loses: the Title/Subtitle/Author lines, pictures' descriptions, caption lines,
    tables' header rows."""
    data = read_member(archive, "content.xml", 32 * 2**20)
    try:
        root = etree.fromstring(data or b"", etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise IntakeError(shown, f"the document is damaged (content.xml: {exc})", "save it again from LibreOffice")
    hints: dict = {"alts": {}, "captions": set()}
    for para in root.iter(f"{{{ODT['text']}}}p"):
        style_name = para.get(f"{{{ODT['text']}}}style-name", "").replace("_20_", " ")
        words = " ".join("".join(para.itertext()).split())
        if style_name in ("Title", "Subtitle", "Author") and words and style_name not in hints:
            hints[style_name] = words
        elif CAPTION_STYLES.search(style_name) and words:
            hints["captions"].add(words)
    hints["heads"] = [[[" ".join("".join(cell.itertext()).split()) for cell in row.iter(f"{{{ODT['table']}}}table-cell")]
                       for row in table.iterchildren(f"{{{ODT['table']}}}table-header-rows")
                       for row in row.iterchildren(f"{{{ODT['table']}}}table-row")]
                      for table in root.iter(f"{{{ODT['table']}}}table")]
    for frame in root.iter(f"{{{ODT['draw']}}}frame"):
        described = [frame.findtext(f"{{{ODT['svg']}}}{tag}") for tag in ("desc", "title")]
        picture = frame.find(f"{{{ODT['draw']}}}image")
        if picture is not None and any(described):
            hints["alts"][picture.get(f"{{{ODT['xlink']}}}href", "")] = next(d for d in described if d).strip()
    return hints
