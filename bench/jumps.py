"""A PDF in, its jump lines out: every "Continued on/from page N" (pdftotext words) and the link that covers it.

A jump line is the words "continued", "on" or "from", "page" and a number, in this
order, case-insensitive, with any line break between them (a column may break the
phrase). The words' boxes come from `pdftotext -bbox`; the link annotations from pypdf.
A jump is *linked* when an internal /Link annotation (a /Dest or a /GoTo action) of
its page overlaps the box of its words; its *target* is the page number (from 1) the
link leads to, when pypdf can resolve it.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

WORD = re.compile(r"[^\w.]+", re.UNICODE)  # the punctuation around a word: "page 5." -> "5"
SLACK = 2.0  # points: a link box this close to the words still covers them


@dataclass(frozen=True)
class Jump:
    page: int  # from 1
    direction: str  # "on" or "from"
    to: int  # the page number printed in the line
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in points, origin top left (pdftotext's)
    linked: bool = False
    target: int | None = None  # the page the link leads to, from 1, if it could be resolved

    def __str__(self) -> str:
        link = "not linked" if not self.linked else f"linked to page {self.target or '?'}"
        return f"page {self.page}: Continued {self.direction} page {self.to} ({link})"

    def to_json(self) -> dict:
        return {"page": self.page, "direction": self.direction, "to": self.to, "linked": self.linked,
                "target": self.target}


def _words(pdf: Path) -> list[tuple[float, list[tuple[str, tuple[float, float, float, float]]]]]:
    """Per page: its height and its words with their boxes, in reading order."""
    out = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", str(pdf), "-"],
                         check=True, capture_output=True).stdout
    tree = etree.fromstring(out, etree.XMLParser(recover=True, huge_tree=True))
    pages = []
    for page in tree.iter("{*}page"):
        words = [(WORD.sub("", w.text or "").strip(".").lower(),
                  tuple(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
                 for w in page.iter("{*}word")]
        pages.append((float(page.get("height")), words))
    return pages


def _phrases(words: list) -> list[tuple[str, int, tuple[float, float, float, float]]]:
    """(direction, page number, box) of every jump phrase in a page's words."""
    found = []
    for i in range(len(words) - 3):
        (w0, b0), (w1, _), (w2, _), (w3, b3) = words[i:i + 4]
        if w0 == "continued" and w1 in ("on", "from") and w2 == "page" and w3.isdigit():
            boxes = [b for _, b in words[i:i + 4]]
            box = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                   max(b[2] for b in boxes), max(b[3] for b in boxes))
            found.append((w1, int(w3), box))
    return found


def _links(pdf: Path) -> list[list[tuple[tuple[float, float, float, float], int | None]]]:
    """Per page: the internal links' boxes (points, origin top left) and their target pages (from 1)."""
    import pypdf

    reader = pypdf.PdfReader(pdf)
    named = reader.named_destinations
    pages = []
    for page in reader.pages:
        top = float(page.mediabox.top)
        links = []
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") != "/Link":
                continue
            action = annot.get("/A")
            dest = annot.get("/Dest")
            if dest is None and action is not None and action.get_object().get("/S") == "/GoTo":
                dest = action.get_object().get("/D")
            if dest is None:
                continue  # an external (URI) link
            x0, y0, x1, y1 = (float(v) for v in annot["/Rect"])
            box = (min(x0, x1), top - max(y0, y1), max(x0, x1), top - min(y0, y1))
            links.append((box, _target(reader, named, dest)))
        pages.append(links)
    return pages


def _target(reader, named: dict, dest) -> int | None:
    """The page number (from 1) a destination leads to, or None."""
    try:
        dest = dest.get_object() if hasattr(dest, "get_object") else dest
        if isinstance(dest, str):
            dest = named.get(dest)
        elif isinstance(dest, list) and dest:
            return reader.get_page_number(dest[0].get_object()) + 1
        return None if dest is None else reader.get_destination_page_number(dest) + 1
    except Exception:  # a malformed destination: the jump is then reported without a target
        return None


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] - SLACK <= b[2] and b[0] - SLACK <= a[2] and a[1] - SLACK <= b[3] and b[1] - SLACK <= a[3]


def find_jumps(pdf: Path) -> list[Jump]:
    """Every jump line of the PDF, in page order, with whether a link covers it."""
    links = _links(pdf)
    jumps = []
    for number, (_, words) in enumerate(_words(pdf), start=1):
        page_links = links[number - 1] if number <= len(links) else []
        for direction, to, box in _phrases(words):
            over = [target for lbox, target in page_links if _overlaps(lbox, box)]
            jumps.append(Jump(number, direction, to, box, bool(over), over[0] if over else None))
    return jumps
