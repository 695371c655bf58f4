"""Separately laid-out PDFs (the front page with furniture, the body parts) → one PDF, with pypdf.

Pages are appended in order; each body page gets its running head and page
number drawn from the furniture document (as an artifact, outside the
structure tree); named destinations, bookmarks (section → article), the
structure trees of tagged parts, page boxes, metadata and the document ID
are rebuilt for the whole.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
    RectangleObject,
    TextStringObject,
)

from publish.products.print_layout.pypdf_adapter import add_object, catalog, document_info, set_document_id

INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate",
             "/ModDate", "/Trapped")
CATALOG_KEYS = ("/Lang", "/Metadata", "/OutputIntents", "/ViewerPreferences", "/MarkInfo")


@dataclass
class Bookmark:
    title: str
    anchor: str
    children: list["Bookmark"]


def join(front: bytes, folios: bytes | None, parts: list[bytes], outline: list[Bookmark], *,
         press_bleed_pt: float | None, tagged: bool, version: str, document_id: str,
         content_digest: bytes = b"") -> bytes:
    """The whole edition: page 1 of `front`, then every page of `parts`, with `folios` page i laid on page i."""
    writer = PdfWriter()
    front_reader = PdfReader(io.BytesIO(front))
    readers = [front_reader] + [PdfReader(io.BytesIO(p)) for p in parts]
    pages_of: list[list] = []
    writer.add_page(front_reader.pages[0])
    pages_of.append([writer.pages[-1]])
    for reader in readers[1:]:
        start = len(writer.pages)
        for page in reader.pages:
            writer.add_page(page)
        pages_of.append(list(writer.pages[start:]))
    links = _lay_folios(writer, PdfReader(io.BytesIO(folios))) if folios is not None else []
    dests = _merge_dests(writer, readers)
    if tagged:
        _merge_structure(writer, readers, pages_of)
        _tag_links(writer, links)
    _outline(writer, outline, dests)
    _boxes(writer, press_bleed_pt)
    if press_bleed_pt is not None:
        _marks(writer, press_bleed_pt)
    _catalog(writer, front_reader, tagged, document_id)
    writer.pdf_header = f"%PDF-{version}".encode()
    # a stable ID: the same sources (the HTML laid out) and SOURCE_DATE_EPOCH give the same bytes
    set_document_id(writer, hashlib.md5(b"%s\0%s\0%s" % (content_digest, document_id.encode(),
                                                          version.encode())).digest())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _lay_folios(writer: PdfWriter, folios: PdfReader) -> list:
    """Draw furniture page i - 1 over page i (i ≥ 2) as a form XObject marked as a pagination artifact.

    Its links (the jump lines') are copied onto the page; they are returned, to be tagged.
    """
    links = []
    for index in range(1, min(len(writer.pages), len(folios.pages) + 1)):
        page = writer.pages[index]
        source = folios.pages[index - 1]
        form = DecodedStreamObject()
        form.set_data(source.get_contents().get_data() if source.get_contents() is not None else b"")
        form.update({
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): RectangleObject(source.mediabox),
            NameObject("/Resources"): source["/Resources"].clone(writer),
        })
        form = form.flate_encode()
        name = f"/PublishFolio{index + 1}"
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        resources["/XObject"].get_object()[NameObject(name)] = add_object(writer, form)
        before = add_object(writer, _stream(b"q\n"))
        after = add_object(writer, _stream(f"Q\n/Artifact <</Type /Pagination>> BDC q {name} Do Q EMC\n".encode()))
        contents = page.raw_get("/Contents")
        existing = list(contents) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([before, *existing, after])
        links += _copy_links(writer, source, page)
    return links


def _copy_links(writer: PdfWriter, source, page) -> list:
    """The furniture page's links (its jump lines) onto the body page; named targets resolve in the whole."""
    links = [a.get_object() for a in source.get("/Annots", []) or []]
    links = [a for a in links if a.get("/Subtype") == "/Link" and ("/Dest" in a or "/A" in a)]
    if not links:
        return []
    annots = page.get("/Annots")
    annots = annots.get_object() if annots is not None else ArrayObject()
    copied = []
    for link in links:
        copy = link.clone(writer, ignore_fields=["/P", "/StructParent"])
        ref = copy if isinstance(copy, IndirectObject) else add_object(writer, copy)
        ref.get_object()[NameObject("/P")] = page.indirect_reference
        annots.append(ref)
        copied.append((page, ref))
    page[NameObject("/Annots")] = annots
    return copied


def _tag_links(writer: PdfWriter, links: list) -> None:
    """Each copied link as a Link structure element (with its object reference) under the Document."""
    root = catalog(writer).get("/StructTreeRoot")
    if root is None or not links:
        return
    root = root.get_object()
    document_ref = root["/K"][0]
    nums = root["/ParentTree"].get_object()["/Nums"]
    key = int(root["/ParentTreeNextKey"])
    for page, ref in links:
        objr = DictionaryObject({NameObject("/Type"): NameObject("/OBJR"), NameObject("/Obj"): ref,
                                 NameObject("/Pg"): page.indirect_reference})
        element = add_object(writer, DictionaryObject({
            NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Link"),
            NameObject("/P"): document_ref, NameObject("/Pg"): page.indirect_reference,
            NameObject("/K"): ArrayObject([objr]),
        }))
        document_ref.get_object()["/K"].append(element)
        annot = ref.get_object()
        annot[NameObject("/StructParent")] = NumberObject(key)
        annot.setdefault(NameObject("/Contents"), TextStringObject("Jump line: where the story goes on or came from"))
        nums.extend([NumberObject(key), element])
        key += 1
    root[NameObject("/ParentTreeNextKey")] = NumberObject(key)


def _marks(writer: PdfWriter, bleed: float) -> None:
    """Crop marks at the corners and registration targets on each side, in the slug beyond the bleed.

    One form XObject serves every page of a size; it is drawn last, outside the structure, as an artifact.
    """
    forms: dict[tuple, object] = {}
    for index, page in enumerate(writer.pages):
        media = tuple(round(float(v), 3) for v in page.mediabox)
        trim = tuple(round(float(v), 3) for v in page.trimbox)
        key = (media, trim)
        if key not in forms:
            form = DecodedStreamObject()
            form.set_data(_marks_ops(media, trim, bleed))
            form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                         NameObject("/BBox"): RectangleObject(media)})
            forms[key] = add_object(writer, form.flate_encode())
        resources = page["/Resources"].get_object()
        if "/XObject" not in resources:
            resources[NameObject("/XObject")] = DictionaryObject()
        name = f"/PublishMarks{list(forms).index(key)}"
        resources["/XObject"].get_object()[NameObject(name)] = forms[key]
        after = add_object(writer, _stream(f"/Artifact <</Type /Pagination>> BDC q {name} Do Q EMC\n".encode()))
        contents = page.raw_get("/Contents")
        page[NameObject("/Contents")] = ArrayObject([*contents, after] if isinstance(contents, ArrayObject)
                                                    else [contents, after])


def _marks_ops(media: tuple, trim: tuple, bleed: float) -> bytes:
    left, bottom, right, top = trim
    gap = bleed + 3  # marks start 3 pt beyond the bleed
    out = ["q 0.25 w 0 G"]
    for x, y, dx, dy in ((left, bottom, -1, -1), (right, bottom, 1, -1), (left, top, -1, 1), (right, top, 1, 1)):
        edge_x = media[2] if dx > 0 else media[0]
        edge_y = media[3] if dy > 0 else media[1]
        out.append(f"{x + dx * gap:.3f} {y:.3f} m {edge_x:.3f} {y:.3f} l S")  # horizontal crop mark
        out.append(f"{x:.3f} {y + dy * gap:.3f} m {x:.3f} {edge_y:.3f} l S")  # vertical crop mark
    middle_x, middle_y = (left + right) / 2, (bottom + top) / 2
    slug = min(left - media[0], media[3] - top) - gap
    radius = max(1.5, min(5.0, slug / 3))
    for cx, cy in ((middle_x, (media[1] + bottom - gap) / 2),
                   (middle_x, (top + gap + media[3]) / 2), ((media[0] + left - gap) / 2, middle_y),
                   ((right + gap + media[2]) / 2, middle_y)):
        k = radius * 0.5523
        out.append(f"{cx + radius:.3f} {cy:.3f} m "
                   f"{cx + radius:.3f} {cy + k:.3f} {cx + k:.3f} {cy + radius:.3f} {cx:.3f} {cy + radius:.3f} c "
                   f"{cx - k:.3f} {cy + radius:.3f} {cx - radius:.3f} {cy + k:.3f} {cx - radius:.3f} {cy:.3f} c "
                   f"{cx - radius:.3f} {cy - k:.3f} {cx - k:.3f} {cy - radius:.3f} {cx:.3f} {cy - radius:.3f} c "
                   f"{cx + k:.3f} {cy - radius:.3f} {cx + radius:.3f} {cy - k:.3f} {cx + radius:.3f} {cy:.3f} c S")
        out.append(f"{cx - 1.6 * radius:.3f} {cy:.3f} m {cx + 1.6 * radius:.3f} {cy:.3f} l S "
                   f"{cx:.3f} {cy - 1.6 * radius:.3f} m {cx:.3f} {cy + 1.6 * radius:.3f} l S")
    out.append("Q")
    return "\n".join(out).encode()


def _stream(data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return stream


def _merge_dests(writer: PdfWriter, readers: list[PdfReader]) -> dict[str, ArrayObject]:
    """Every named destination of the body parts, pointing at the writer's pages, as one name tree."""
    dests: dict[str, ArrayObject] = {}
    for reader in readers[1:]:
        names = reader.trailer["/Root"].get("/Names", {}).get("/Dests", {}).get("/Names", [])
        for i in range(0, len(names) - 1, 2):
            dests.setdefault(str(names[i]), names[i + 1].clone(writer))
    first = writer.pages[0]
    dests["front-page"] = ArrayObject([first.indirect_reference, NameObject("/XYZ"), NumberObject(0),
                                       NumberObject(int(float(first.trimbox[3]))), NumberObject(0)])
    for number, page in enumerate(writer.pages[1:], start=2):  # the targets of "Continued from page N"
        dests[f"page-{number}"] = ArrayObject([page.indirect_reference, NameObject("/XYZ"), NumberObject(0),
                                               NumberObject(int(float(page.trimbox[3]))), NumberObject(0)])
    tree = ArrayObject()
    for name in sorted(dests):
        tree.extend([TextStringObject(name), dests[name]])
    catalog(writer)[NameObject("/Names")] = DictionaryObject(
        {NameObject("/Dests"): add_object(writer, DictionaryObject({NameObject("/Names"): tree}))})
    return dests


def _outline(writer: PdfWriter, outline: list[Bookmark], dests: dict[str, ArrayObject]) -> None:
    from pypdf.generic import Fit

    def add(mark: Bookmark, parent):
        dest = dests.get(mark.anchor)
        if dest is None:
            return
        page = writer.pages.index(dest[0].get_object()) if isinstance(dest[0], IndirectObject) else 0
        fit = Fit.xyz(float(dest[2]), float(dest[3]), 0)
        item = writer.add_outline_item(title=mark.title, page_number=page, parent=parent, fit=fit,
                                       is_open=bool(mark.children))
        for child in mark.children:
            add(child, item)

    for mark in outline:
        add(mark, None)


def _boxes(writer: PdfWriter, bleed: float | None) -> None:
    """Press: TrimBox = the page, BleedBox = the page plus [print] bleed. Screen: all boxes the page."""
    for page in writer.pages:
        trim = page.trimbox
        if bleed is None:
            page.mediabox = RectangleObject(trim)
            for key in ("/BleedBox", "/CropBox", "/ArtBox"):
                page.pop(key, None)
            page[NameObject("/TrimBox")] = RectangleObject(trim)
            continue
        left, bottom, right, top = (float(v) for v in trim)
        page[NameObject("/TrimBox")] = RectangleObject((left, bottom, right, top))
        page[NameObject("/BleedBox")] = RectangleObject((left - bleed, bottom - bleed, right + bleed, top + bleed))
        page.pop("/CropBox", None)
        page.pop("/ArtBox", None)


def _catalog(writer: PdfWriter, front: PdfReader, tagged: bool, document_id: str) -> None:
    """Document-level entries (metadata, language, output intent, tagging marks) from the front document."""
    source = front.trailer["/Root"]
    for key in CATALOG_KEYS:
        if key in source and key != "/Metadata" and (tagged or key != "/MarkInfo"):
            catalog(writer)[NameObject(key)] = source.raw_get(key).clone(writer)
    if "/Metadata" in source:
        # WeasyPrint gives PDF/X metadata a random document ID; ours follows from the issue and its date
        xmp = source["/Metadata"].get_object().get_data()
        xmp = re.sub(rb"xmp\.did:[0-9a-f-]+", b"xmp.did:" + document_id.encode(), xmp)
        stream = DecodedStreamObject()
        stream.set_data(xmp)
        stream.update({NameObject("/Type"): NameObject("/Metadata"), NameObject("/Subtype"): NameObject("/XML")})
        catalog(writer)[NameObject("/Metadata")] = add_object(writer, stream)
    if tagged:
        catalog(writer)[NameObject("/PageMode")] = NameObject("/UseOutlines")
    info = front.trailer.get("/Info")
    if info is not None:
        info = info.get_object()
        writer.add_metadata({key: info[key] for key in INFO_KEYS if key in info})
        if "/Trapped" in info:
            document_info(writer)[NameObject("/Trapped")] = NameObject(str(info["/Trapped"]))


def _merge_structure(writer: PdfWriter, readers: list[PdfReader], pages_of: list[list]) -> None:
    """One structure tree: the parts' Document elements' children under one Document, parent tree renumbered."""
    root = DictionaryObject({NameObject("/Type"): NameObject("/StructTreeRoot")})
    root_ref = add_object(writer, root)
    document = DictionaryObject({
        NameObject("/Type"): NameObject("/StructElem"), NameObject("/S"): NameObject("/Document"),
        NameObject("/P"): root_ref, NameObject("/K"): ArrayObject(),
    })
    document_ref = add_object(writer, document)
    root[NameObject("/K")] = ArrayObject([document_ref])
    nums = ArrayObject()
    offset = 0
    for reader, pages in zip(readers, pages_of):
        tree = reader.trailer["/Root"].get("/StructTreeRoot")
        if tree is None:
            continue
        tree = tree.get_object()
        kids = tree["/K"]
        kids = kids if isinstance(kids, list) else [kids]
        source_document = kids[0].get_object()
        top = source_document.get("/K", ArrayObject())
        top = top if isinstance(top, list) else [top]
        for kid in top:
            cloned = kid.clone(writer, ignore_fields=["/P"]) if isinstance(kid, IndirectObject) else kid
            document["/K"].append(cloned)
            _set_parents(cloned, document_ref)
        source_nums = tree["/ParentTree"].get_object().get("/Nums", [])
        largest = -1
        for i in range(0, len(source_nums) - 1, 2):
            key = int(source_nums[i])
            largest = max(largest, key)
            value = source_nums[i + 1]
            nums.extend([NumberObject(key + offset), value.clone(writer, ignore_fields=["/P"])])
        for number, page in enumerate(pages):
            if "/StructParents" in reader.pages[number]:
                page[NameObject("/StructParents")] = NumberObject(int(reader.pages[number]["/StructParents"]) + offset)
            for annot in page.get("/Annots", []) or []:
                annot = annot.get_object()
                if "/StructParent" in annot:
                    annot[NameObject("/StructParent")] = NumberObject(int(annot["/StructParent"]) + offset)
        offset += largest + 1
    root[NameObject("/ParentTree")] = add_object(writer, DictionaryObject({NameObject("/Nums"): nums}))
    root[NameObject("/ParentTreeNextKey")] = NumberObject(offset)
    catalog(writer)[NameObject("/StructTreeRoot")] = root_ref


def _set_parents(node, parent_ref) -> None:
    """Give every structure element below `node` its /P (dropped while cloning so old trees stay behind)."""
    stack = [(node, parent_ref)]
    seen: set[int] = set()
    while stack:
        item, parent = stack.pop()
        if not isinstance(item, IndirectObject):
            continue
        if item.idnum in seen:
            continue
        seen.add(item.idnum)
        element = item.get_object()
        if not isinstance(element, DictionaryObject) or element.get("/Type") not in ("/StructElem", None):
            continue
        if "/S" not in element:
            continue
        element[NameObject("/P")] = parent
        kids = element.get("/K")
        if kids is None:
            continue
        kids = kids if isinstance(kids, ArrayObject) else [element.raw_get("/K")]
        for kid in kids:
            stack.append((kid, item))

