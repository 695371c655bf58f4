"""A PDF file → its preflight findings, page by page, as a newspaper printer's preflight profile reports them.

Checks, with pikepdf: colour spaces and operators (RGB, Lab or spot where the
press wants CMYK), fonts not embedded, TrimBox and BleedBox (bleed under 3 mm),
pictures' effective resolution at their placed size, the highest total ink,
the PDF/X identification and the output intent. Runs on any PDF.
"""

from __future__ import annotations

import logging
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

logging.getLogger("pikepdf").setLevel(logging.WARNING)

import pikepdf  # noqa: E402

from publish.products.press.preflight_parts import (  # noqa: E402
    PreflightMemo, check_fonts, check_picture, check_space_resources, measure_ink_ahead, page_digest,
    picture_ppi)
from publish.forkpool import cpus  # noqa: E402
from publish.products.press.separate import space_kind  # noqa: E402

MIN_BLEED_MM = 3.0
TEXT_SHOW = {"Tj", "TJ", "'", '"'}
# the operators the walk reads (qpdf leaves the others out); an inline image needs all of BI, ID and EI,
# or qpdf drops the rest of the stream with it
WALKED = "q Q Tj TJ ' \" cm rg RG k K g sc scn cs CS Do BI ID EI"
WITH_OPERANDS = {"cm", "k", "K", "cs", "CS", "Do", "INLINE IMAGE"}
DEFAULT_INK_LIMIT = 240  # newsprint
PT_PER_MM = 72 / 25.4
CMYK_HOW = "export the file in CMYK for the printer's profile (convert pictures and colours)"


@dataclass(frozen=True)
class Finding:
    page: int | None  # None: the whole document
    level: str  # "error" | "warning"
    what: str
    fix: str

    def line(self) -> str:
        where = f"page {self.page}" if self.page else "document"
        tag = "" if self.level == "error" else "warning: "
        return f"{where}: {tag}{self.what} — {self.fix}"


def preflight(path: Path, ink_limit: int = DEFAULT_INK_LIMIT,
              memo: PreflightMemo | None = None) -> list[Finding]:
    """Every finding for the PDF at `path`; no error among them means press-ready. With `memo`, pictures
    measured before (the same bytes) are not measured again, nor pages walked again that draw the same."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError:
        return [Finding(None, "error", "the PDF is encrypted and needs a password (PDF/X forbids encryption)",
                        "export it again without a password or restrictions")]
    except (pikepdf.PdfError, OSError) as exc:
        return [Finding(None, "error", f"not a PDF pikepdf can read ({exc})", "export it again as PDF/X-4")]
    with pdf:
        findings = _document(pdf)
        if pdf.is_encrypted:
            findings.append(Finding(None, "error", "the PDF is encrypted (PDF/X forbids encryption)",
                                    "export it again without a password or restrictions"))
        if not pdf.pages:
            findings.append(Finding(None, "error", "the file has no pages", "export it again"))
        pictures: dict = {}
        with ThreadPoolExecutor(max_workers=max(1, min(2, cpus()))) as pool:
            try:
                measure_ink_ahead(pdf, pictures, pool, memo=memo)
                findings += _pages(pdf, ink_limit, pictures, memo)
            except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
                findings.append(Finding(None, "error", f"the PDF is damaged and cannot be checked past this point "
                                        f"({type(exc).__name__}: {exc})", "export it again as PDF/X-4"))
            finally:
                pool.shutdown(cancel_futures=True)  # what the walk never reached is not measured
    return findings


def _pages(pdf, ink_limit: int, pictures: dict, memo: PreflightMemo | None) -> list[Finding]:
    """Each page's boxes and walk; with `memo`, a page that draws the very same as one walked before (in an
    earlier build) has that walk's findings without being walked again."""
    found: list[Finding] = []
    seen: dict = {}  # the digest of each object shared by the pages (fonts, pictures)
    for number, page in enumerate(pdf.pages, start=1):
        found += _boxes(number, page)
        digest = page_digest(page, ink_limit, seen) if memo is not None else ""
        known = memo.page(digest) if memo is not None else None
        if known is None:
            walked = _Walker(number, ink_limit, pictures).page(page)
            if memo is not None:
                memo.put_page(digest, [(f.level, f.what, f.fix) for f in walked])
            found += walked
        else:
            found += [Finding(number, level, what, fix) for level, what, fix in known]
    return found


def identification(path: Path) -> str:
    """What the file says it is: PDF/X version, output intent and its colour model, pages ("" if unreadable)."""
    try:
        pdf = pikepdf.open(path)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError):
        return ""
    with pdf:
        xmp = pdf.Root.get("/Metadata")
        text = bytes(xmp.read_bytes()).decode("utf-8", "replace") if xmp is not None else ""
        found = re.search(r"GTS_PDFXVersion>([^<]+)<|GTS_PDFXVersion=\"([^\"]+)\"", text)
        info = pdf.trailer.get("/Info")
        version = (found and (found[1] or found[2])) or (str(info.get("/GTS_PDFXVersion", "")) if info else "")
        parts = [version or "no PDF/X identification"]
        for intent in pdf.Root.get("/OutputIntents", []):
            profile = intent.get("/DestOutputProfile")
            model = {1: "grey", 3: "RGB", 4: "CMYK"}.get(int(profile.get("/N", 0)) if profile is not None else 0, "?")
            parts.append(f"output intent {str(intent.get('/OutputConditionIdentifier', ''))!r} ({model})")
        parts.append(f"{len(pdf.pages)} page{'s' if len(pdf.pages) != 1 else ''}")
        return ", ".join(parts)


def _document(pdf) -> list[Finding]:
    found = []
    xmp = pdf.Root.get("/Metadata")
    text = bytes(xmp.read_bytes()).decode("utf-8", "replace") if xmp is not None else ""
    info = pdf.trailer.get("/Info")
    version = str(info.get("/GTS_PDFXVersion", "")) if info is not None else ""
    if "GTS_PDFXVersion" not in text and not version:
        found.append(Finding(None, "error", "no PDF/X identification (GTS_PDFXVersion)",
                             "export as PDF/X-4 (or PDF/X-1a) with the printer's output intent"))
    intents = [i for i in pdf.Root.get("/OutputIntents", []) if i.get("/S") == "/GTS_PDFX"]
    if not intents:
        found.append(Finding(None, "error", "no PDF/X output intent", "export with the printer's CMYK profile "
                             "as output intent"))
    else:
        profile = intents[0].get("/DestOutputProfile")
        n = int(profile.get("/N", 0)) if profile is not None else 0
        if n != 4:
            kind = {1: "grey", 3: "RGB"}.get(n, "no")
            found.append(Finding(None, "error", f"the output intent is a {kind} profile, not CMYK",
                                 "export with the printer's CMYK profile as output intent"))
    return found


def _boxes(number: int, page) -> list[Finding]:
    found = []
    media = [float(v) for v in page.mediabox]
    trim, bleed = page.obj.get("/TrimBox"), page.obj.get("/BleedBox")
    if trim is None:
        found.append(Finding(number, "error", "no TrimBox", "export with the trim size set (PDF/X needs it)"))
    if bleed is None or trim is None:
        found.append(Finding(number, "error", f"no bleed (no BleedBox): the page needs {MIN_BLEED_MM:g} mm "
                             "beyond the trim", f"extend backgrounds and pictures {MIN_BLEED_MM:g} mm past the "
                             "trim and export with bleed"))
        return found
    t, b = [float(v) for v in trim], [float(v) for v in bleed]
    least = min(t[0] - b[0], t[1] - b[1], b[2] - t[2], b[3] - t[3]) / PT_PER_MM
    if least < 0.05:
        found.append(Finding(number, "error", "no bleed (the BleedBox is the TrimBox): the page needs "
                             f"{MIN_BLEED_MM:g} mm beyond the trim", f"extend backgrounds and pictures "
                             f"{MIN_BLEED_MM:g} mm past the trim and export with bleed"))
    elif least < MIN_BLEED_MM - 0.05:
        found.append(Finding(number, "error", f"bleed is {max(least, 0):.1f} mm, under {MIN_BLEED_MM:g} mm",
                             f"export with at least {MIN_BLEED_MM:g} mm bleed on every side"))
    if b[0] < media[0] - 0.5 or b[1] < media[1] - 0.5 or b[2] > media[2] + 0.5 or b[3] > media[3] + 0.5:
        found.append(Finding(number, "error", "the BleedBox reaches outside the MediaBox",
                             "export with the page (media) size including the bleed"))
    return found


def _multiply(a, b):
    """The PDF matrix a × b (a applied first)."""
    return (a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3], a[2] * b[0] + a[3] * b[2],
            a[2] * b[1] + a[3] * b[3], a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5])


class _Walker:
    """One page's content (and its forms, with their matrices) → findings, each problem once per page."""

    def __init__(self, number: int, ink_limit: int, pictures: dict):
        self.number, self.ink_limit, self.pictures = number, ink_limit, pictures
        self.found: dict[str, Finding] = {}
        self.seen_forms: set = set()
        self.max_ink = 0.0

    def add(self, level: str, what: str, fix: str) -> None:
        self.found.setdefault(what, Finding(self.number, level, what, fix))

    def page(self, page) -> list[Finding]:
        self.content(page.obj, page.obj.get("/Resources", pikepdf.Dictionary()), (1, 0, 0, 1, 0, 0))
        group = page.obj.get("/Group")
        if group is not None and space_kind(group.get("/CS")) == "rgb":
            self.add("error", "the page's transparency group blends in RGB", CMYK_HOW)
        if self.max_ink > self.ink_limit + 0.5:
            self.add("error", f"total ink reaches {self.max_ink:.0f}%, over the limit of {self.ink_limit}%",
                     "reduce the colours' total ink (more black, less cyan, magenta and yellow), or convert "
                     "with the printer's profile")
        return list(self.found.values())

    def content(self, holder, resources, ctm) -> None:
        check_fonts(self, resources)
        check_space_resources(self, resources)
        stack, spaces = [], resources.get("/ColorSpace", pikepdf.Dictionary())
        fill: tuple = ()  # the CMYK fill colour, for the text drawn with it
        for instruction in pikepdf.parse_content_stream(holder, WALKED):
            op = str(instruction.operator)
            operands = instruction.operands if op in WITH_OPERANDS else ()  # made anew on each read: only if used
            if op == "q":
                stack.append((ctm, fill))
            elif op == "Q" and stack:
                ctm, fill = stack.pop()
            elif op in TEXT_SHOW and len(fill) == 4 and fill[3] >= 0.7 and sum(fill[:3]) > 0:
                self.add("warning", "text in rich black (cyan, magenta or yellow under the black)",
                         "set text in black ink only (0/0/0/100): four inks never register sharply on newsprint")
            elif op == "cm":
                ctm = _multiply(tuple(float(v) for v in operands), ctm)
            elif op in ("rg", "RG"):
                self.add("error", "RGB colour operators (rg/RG)", CMYK_HOW)
            elif op in ("k", "K"):
                self.max_ink = max(self.max_ink, 100 * sum(float(v) for v in operands))
                fill = tuple(float(v) for v in operands) if op == "k" else fill
            elif op in ("g", "sc", "scn"):
                fill = ()
            elif op in ("cs", "CS"):
                name = str(operands[0])
                self.space(spaces[name] if name in spaces else operands[0], "colours")
            elif op == "Do":
                self.xobject(resources, str(operands[0]), ctm)
            elif op == "INLINE IMAGE":
                self.inline(operands[0], ctm)

    def space(self, space, what: str) -> None:
        kind = space_kind(space)
        if kind in ("rgb", "indexed:rgb"):
            self.add("error", f"RGB {what}", CMYK_HOW)
        elif kind in ("lab", "indexed:lab"):
            self.add("error", f"Lab {what}", CMYK_HOW)
        elif kind == "spot":
            self.add("error", f"spot colour {what} (Separation/DeviceN)",
                     "convert spot colours to process CMYK unless the printer runs that ink")

    def xobject(self, resources, name: str, ctm) -> None:
        item = resources.get("/XObject", pikepdf.Dictionary()).get(name)
        if item is None:
            return
        if item.get("/Subtype") == "/Image":
            check_picture(self, item, ctm)
        elif item.get("/Subtype") == "/Form" and item.objgen not in self.seen_forms:
            if item.objgen != (0, 0):
                self.seen_forms.add(item.objgen)
            matrix = tuple(float(v) for v in item.get("/Matrix", [1, 0, 0, 1, 0, 0]))
            self.content(item, item.get("/Resources", resources), _multiply(matrix, ctm))

    def inline(self, image, ctm) -> None:
        space = image.obj.get("/ColorSpace", image.obj.get("/CS"))
        if space is not None:
            self.space(space, "picture (inline)")
        picture_ppi(self, int(image.obj.get("/Width", image.obj.get("/W", 0))), ctm, "inline picture")
