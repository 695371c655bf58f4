"""Separately laid-out PDFs (the front page with furniture, the body parts) → one PDF, with pikepdf.

Pages are appended in order; each body page gets its running head and page
number drawn from the furniture document (as an artifact, outside the
structure tree); named destinations, bookmarks (section → article), the
structure trees of tagged parts, page boxes, metadata and the document ID
are rebuilt for the whole. qpdf reads the parts, copies each page with what it
uses and writes the whole; only the objects rebuilt here pass through Python.
"""

from __future__ import annotations

import hashlib
import io
import re
import warnings
from dataclasses import dataclass

import pikepdf
from pikepdf import Array, Dictionary, Name, NameTree, NumberTree, Pdf, String

INFO_KEYS = ("/Title", "/Author", "/Subject", "/Keywords", "/Creator", "/Producer", "/CreationDate",
             "/ModDate", "/Trapped")
CATALOG_KEYS = ("/Lang", "/OutputIntents", "/ViewerPreferences", "/MarkInfo")


@dataclass
class Bookmark:
    title: str
    anchor: str
    children: list["Bookmark"]


def join(front: bytes, folios: bytes | None, parts: list[bytes], outline: list[Bookmark], *,
         press_bleed_pt: float | None, tagged: bool, version: str, document_id: str,
         content_digest: bytes = b"") -> bytes:
    """The whole edition: page 1 of `front`, then every page of `parts`, with `folios` page i laid on page i."""
    out, sources, furniture = Pdf.new(), [], None
    try:
        for data in [front, *parts]:
            sources.append(Pdf.open(io.BytesIO(data)))
        furniture = Pdf.open(io.BytesIO(folios)) if folios is not None else None
        out.pages.append(sources[0].pages[0])
        pages_of = [[out.pages[0]]]
        for source in sources[1:]:
            start = len(out.pages)
            with warnings.catch_warnings():  # pikepdf 10 would have us carry named destinations: merged below
                warnings.simplefilter("ignore", getattr(pikepdf, "PageCopyWarning", UserWarning))
                out.pages.extend(source.pages)
            pages_of.append([out.pages[i] for i in range(start, len(out.pages))])
        links = _lay_folios(out, furniture) if furniture is not None else []
        dests = _merge_dests(out, sources)
        if tagged:
            _merge_structure(out, sources, pages_of)
            _tag_links(out, links)
        else:
            _untag(out)
        _outline(out, outline, dests)
        _boxes(out, press_bleed_pt)
        if press_bleed_pt is not None:
            _marks(out, press_bleed_pt)
        _catalog(out, sources[0], tagged, document_id)
        # a stable ID: the same sources (the HTML laid out) and SOURCE_DATE_EPOCH give the same bytes; qpdf
        # keeps the first half and makes the second from the content (deterministic_id)
        identifier = String(hashlib.md5(b"%s\0%s\0%s" % (content_digest, document_id.encode(),
                                                        version.encode())).digest())
        out.trailer.ID = Array([identifier, identifier])
        written = io.BytesIO()
        out.save(written, force_version=version, deterministic_id=True, fix_metadata_version=False,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return written.getvalue()
    finally:
        for pdf in [out, *sources, *([furniture] if furniture is not None else [])]:
            pdf.close()


def _copied(out: Pdf, obj, source: Pdf):
    """A foreign object as one of `out`'s: qpdf copies it with all it refers to (pages already copied are
    reused, not copied again). A direct array or dictionary is made indirect in its own document first, for
    qpdf copies only indirect objects; a number, name or string is a value, used as it is."""
    if not isinstance(obj, (Dictionary, Array, pikepdf.Stream)):
        return obj
    return out.copy_foreign(obj if obj.is_indirect else source.make_indirect(obj))


def _lay_folios(out: Pdf, folios: Pdf) -> list:
    """Draw furniture page i - 1 over page i (i ≥ 2) as a form XObject marked as a pagination artifact.

    Its links (the jump lines') are copied onto the page; they are returned, to be tagged.
    """
    links = []
    for index in range(1, min(len(out.pages), len(folios.pages) + 1)):
        page = out.pages[index]
        source = folios.pages[index - 1]
        source.contents_coalesce()
        contents = source.obj.get("/Contents")
        form = out.make_stream(contents.read_bytes() if contents is not None else b"",
                               Type=Name.XObject, Subtype=Name.Form,
                               BBox=Array([float(v) for v in source.mediabox]),
                               Resources=_copied(out, source.obj.Resources, folios))
        name = Name(f"/PublishFolio{index + 1}")
        resources = page.obj.Resources
        if "/XObject" not in resources:
            resources.XObject = Dictionary()
        resources.XObject[name] = form
        before = out.make_stream(b"q\n")
        after = out.make_stream(f"Q\n/Artifact <</Type /Pagination>> BDC q {name} Do Q EMC\n".encode())
        existing = page.obj.Contents
        page.obj.Contents = Array([before, *(existing if isinstance(existing, Array) else [existing]), after])
        links += _copy_links(out, folios, source, page)
    return links


def _copy_links(out: Pdf, folios: Pdf, source, page) -> list:
    """The furniture page's links (its jump lines) onto the body page; named targets resolve in the whole."""
    links = [a for a in source.obj.get("/Annots", Array())
             if a.get("/Subtype") == Name.Link and ("/Dest" in a or "/A" in a)]
    if not links:
        return []
    annots = page.obj.get("/Annots", Array())
    copied = []
    for link in links:
        for key in ("/P", "/StructParent"):  # in the furniture's own copy: its page and tree stay behind
            if key in link:
                del link[key]
        copy = _copied(out, link, folios)
        copy.P = page.obj
        annots.append(copy)
        copied.append((page, copy))
    page.obj.Annots = annots
    return copied


def _tag_links(out: Pdf, links: list) -> None:
    """Each copied link as a Link structure element (with its object reference) under the Document."""
    root = out.Root.get("/StructTreeRoot")
    if root is None or not links:
        return
    document = root.K[0]
    kids, nums = list(document.K), list(root.ParentTree.Nums)  # pikepdf's arrays grow slowly: built here
    key = int(root.ParentTreeNextKey)
    for page, annot in links:
        objr = Dictionary(Type=Name.OBJR, Obj=annot, Pg=page.obj)
        element = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Link, P=document, Pg=page.obj,
                                               K=Array([objr])))
        kids.append(element)
        annot.StructParent = key
        if "/Contents" not in annot:
            annot.Contents = String("Jump line: where the story goes on or came from")
        nums += [key, element]
        key += 1
    document.K, root.ParentTree.Nums = Array(kids), Array(nums)
    root.ParentTreeNextKey = key


def _marks(out: Pdf, bleed: float) -> None:
    """Crop marks at the corners and registration targets on each side, in the slug beyond the bleed.

    One form XObject serves every page of a size; it is drawn last, outside the structure, as an artifact.
    """
    forms: dict[tuple, object] = {}
    for page in out.pages:
        media = tuple(round(float(v), 3) for v in page.mediabox)
        trim = tuple(round(float(v), 3) for v in page.trimbox)
        key = (media, trim)
        if key not in forms:
            forms[key] = out.make_stream(_marks_ops(media, trim, bleed), Type=Name.XObject, Subtype=Name.Form,
                                         BBox=Array(list(media)))
        resources = page.obj.Resources
        if "/XObject" not in resources:
            resources.XObject = Dictionary()
        name = f"/PublishMarks{list(forms).index(key)}"
        resources.XObject[Name(name)] = forms[key]
        after = out.make_stream(f"/Artifact <</Type /Pagination>> BDC q {name} Do Q EMC\n".encode())
        contents = page.obj.Contents
        page.obj.Contents = Array([*contents, after] if isinstance(contents, Array) else [contents, after])


def _marks_ops(media: tuple, trim: tuple, bleed: float) -> bytes:
    left, bottom, right, top = trim
    gap = bleed + 3  # marks start 3 pt beyond the bleed
    out = ["q 0.25 w 0 0 0 1 K"]  # black ink: the press's parts come separated, and the marks are drawn after
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


def _merge_dests(out: Pdf, sources: list[Pdf]) -> dict[str, Array]:
    """Every named destination of the body parts, then the front page's own that point at its page, as one
    name tree pointing at the joined pages (a part's name wins over the front page's placeholder for it)."""
    dests: dict[str, Array] = {}
    for source in [*sources[1:], sources[0]]:  # the front page's own last: its page 1 alone is in the whole
        names = source.Root.get("/Names")
        if names is None or "/Dests" not in names:
            continue
        for name, dest in NameTree(_copied(out, names.Dests, source)).items():  # one copy of the tree, by qpdf
            if source is not sources[0] or _page_of(dest) == out.pages[0].obj.objgen:
                dests.setdefault(str(name), dest)
    for number, page in enumerate(out.pages, start=1):  # the targets of "Continued from page N"
        target = Array([page.obj, Name.XYZ, 0, int(float(page.trimbox[3])), 0])
        dests["front-page" if number == 1 else f"page-{number}"] = target
    tree = [item for name in sorted(dests) for item in (String(name), dests[name])]  # one array, made at once
    out.Root.Names = Dictionary(Dests=out.make_indirect(Dictionary(Names=Array(tree))))
    return dests


def _page_of(dest) -> tuple[int, int] | None:
    """The object number of the page a destination (an array, or a dictionary with /D) points at."""
    target = dest.get("/D") if isinstance(dest, Dictionary) else dest
    if isinstance(target, Array) and len(target) and isinstance(target[0], Dictionary):
        return target[0].objgen
    return None


def _outline(out: Pdf, outline: list[Bookmark], dests: dict[str, Array]) -> None:
    pages = {page.obj.objgen: index for index, page in enumerate(out.pages)}

    def item(mark: Bookmark):
        dest = dests.get(mark.anchor)
        if dest is None:
            return None
        page = pages.get(_page_of(dest), 0)
        if isinstance(dest, Dictionary):  # a destination dictionary: its /D is the array
            dest = dest.D
        entry = pikepdf.OutlineItem(mark.title, page, pikepdf.PageLocation.XYZ, left=float(dest[2]),
                                    top=float(dest[3]), zoom=0)
        entry.children.extend(child for child in map(item, mark.children) if child is not None)
        return entry

    with out.open_outline() as tree:
        tree.root.extend(entry for entry in map(item, outline) if entry is not None)


def _boxes(out: Pdf, bleed: float | None) -> None:
    """Press: TrimBox = the page, BleedBox = the page plus [print] bleed. Screen: all boxes the page."""
    for page in out.pages:
        trim = [float(v) for v in page.trimbox]
        for key in ("/CropBox", "/ArtBox") + (("/BleedBox",) if bleed is None else ()):
            if key in page.obj:
                del page.obj[key]
        page.obj.TrimBox = Array(trim)
        if bleed is None:
            page.obj.MediaBox = Array(trim)
            continue
        left, bottom, right, top = trim
        page.obj.BleedBox = Array([left - bleed, bottom - bleed, right + bleed, top + bleed])


def _merge_structure(out: Pdf, sources: list[Pdf], pages_of: list[list]) -> None:
    """One structure tree: the parts' Document elements' children under one Document, parent tree renumbered.

    Each part's tree is copied whole, by qpdf; its own root and Document element are left behind unreferenced
    (and so unwritten) once its top elements hang under the joined Document.
    """
    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array()))
    root.K = Array([document])
    tops, nums = [], []  # pikepdf's arrays grow slowly: made at once at the end
    offset = 0
    for source, pages in zip(sources, pages_of):
        if "/StructTreeRoot" not in source.Root:
            continue
        tree = _copied(out, source.Root.StructTreeRoot, source)
        kids = tree.K if isinstance(tree.K, Array) else [tree.K]
        top = kids[0].get("/K", Array())
        for kid in (top if isinstance(top, Array) else [top]):
            if isinstance(kid, Dictionary) and "/S" in kid:
                kid.P = document
            tops.append(kid)
        largest = -1
        for key, value in NumberTree(tree.ParentTree).items():
            largest = max(largest, key)
            nums += [key + offset, value]
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", Array()):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        offset += largest + 1
    document.K = Array(tops)
    root.ParentTree = out.make_indirect(Dictionary(Nums=Array(nums)))
    root.ParentTreeNextKey = offset
    out.Root.StructTreeRoot = root


def _untag(out: Pdf) -> None:
    """No reference into the structure trees left behind (the parts are written tagged for both editions)."""
    for page in out.pages:
        for key in ("/StructParents", "/Tabs"):
            if key in page.obj:
                del page.obj[key]
        for annot in page.obj.get("/Annots", Array()):
            if "/StructParent" in annot:
                del annot["/StructParent"]


def _catalog(out: Pdf, front: Pdf, tagged: bool, document_id: str) -> None:
    """Document-level entries (metadata, language, output intent, tagging marks) from the front document."""
    source = front.Root
    for key in CATALOG_KEYS:
        if key in source and (tagged or key != "/MarkInfo"):
            out.Root[key] = _copied(out, source[key], front)
    if "/Metadata" in source:
        # WeasyPrint gives PDF/X metadata a random document ID; ours follows from the issue and its date
        xmp = re.sub(rb"xmp\.did:[0-9a-f-]+", b"xmp.did:" + document_id.encode(), source.Metadata.read_bytes())
        out.Root.Metadata = out.make_stream(xmp, Type=Name.Metadata, Subtype=Name.XML)
    if tagged:
        out.Root.PageMode = Name.UseOutlines
    info = front.trailer.get("/Info")
    if info is not None:
        for key in INFO_KEYS:
            if key in info:
                out.docinfo[key] = _copied(out, info[key], front)
