"""A layout job → its Result from an earlier build, if nothing it is made from has changed since; and back.

The body parts of the print edition are laid out separately, and none depends
on another's page numbers (the front page and the running heads are laid out
afterwards), so a part whose HTML, pictures, layout, fonts and code are the
same as last time is not laid out again: editing one article lays out its own
part only. Kept in the publication's .publish-cache/layout/<issue>/ as JSON
(page count, size, anchors, warnings, the press's pictures) beside the PDF bytes of each variant (the
press's separated into CMYK, so its key holds the printer's inks);
only the parts of an issue's latest layout are kept. A damaged entry is a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import json
import re
from pathlib import Path
from urllib.parse import unquote

from publish.atomic import write_bytes, write_text
from publish.products.print_layout.urls import root_url
from publish.products.print_layout.render import Job, Result

CACHE = Path(".publish-cache") / "layout"
VERSION = "5"
_URL = re.compile(r"""(?:src|href)=["']([^"'#?]+)""")


class PartCache:
    """The cached parts of one issue's print layout; `base` is what every part depends on besides its HTML."""

    def __init__(self, root: Path, number: int, base: str) -> None:
        self.folder = root / CACHE / str(number)
        self.root = root
        self.base = base
        self.used: set[str] = set()
        # id(job) → (the job, its key), computed once; the job is held so that its id is not reused
        self._keys: dict[int, tuple[Job, str]] = {}

    def holds_any(self) -> bool:
        """Whether a layout of this issue has been kept (an earlier build laid it out)."""
        try:
            return any(path.suffix == ".json" for path in self.folder.iterdir())
        except OSError:
            return False

    def key(self, job: Job) -> str:
        """The digest of what the job's layout is made from: its HTML and the local files it names."""
        known = self._keys.get(id(job))
        if known is None or known[0] is not job:
            known = self._keys[id(job)] = (job, self._digest(job))
        return known[1]

    def _digest(self, job: Job) -> str:
        here = root_url(self.root)
        digest = hashlib.sha256(f"{VERSION}\0{self.base}\0{job.kind}\0".encode())
        if job.inks is not None and "press" in job.variants:  # the press variant is kept separated
            digest.update(f"inks {job.inks.identity()}\0".encode())
        digest.update(job.html.replace(here, "/").encode())
        for url in sorted({html.unescape(found) for found in _URL.findall(job.html)}):
            if url.startswith(here):  # a picture of the publication: its bytes, not only its name
                path = Path(unquote(url[len("file://"):]))
                try:
                    digest.update(url[len(here):].encode() + b"\0" + _file_digest(path) + b"\0")
                except OSError:
                    digest.update(url.encode() + b"\0missing\0")
        return digest.hexdigest()

    def get(self, job: Job) -> Result | None:
        """The result laid out before from the same inputs, holding every variant the job asks for."""
        if not self.base:
            return None
        key = self.key(job)
        try:
            data = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
            pdfs = {v: (self.folder / f"{key}.{v}.pdf").read_bytes() for v in job.variants}
            if any(hashlib.sha256(pdf).hexdigest() != data["sha256"][v] for v, pdf in pdfs.items()):
                return None  # a damaged or half-written file
            result = Result(pages=int(data["pages"]), width=float(data["width"]), height=float(data["height"]),
                          anchors=[[str(a) for a in page] for page in data["anchors"]], pdf=pdfs,
                          bottoms=[float(b) for b in data["bottoms"]],
                          boxes={str(k): [float(v) for v in box] for k, box in data["boxes"].items()},
                          warnings=[str(w) for w in data["warnings"]],
                          pictures=[str(p) for p in data["pictures"]])
            self.used.add(key)
            return result
        except (OSError, ValueError, KeyError, TypeError, RecursionError):  # RecursionError: JSON nested too deep
            return None

    def keep(self, job: Job) -> None:
        """Keep the job's entry at the next prune (one found by another process's get())."""
        if self.base:
            self.used.add(self.key(job))

    def put(self, job: Job, result: Result) -> None:
        """Keep a finished result (never an error) for the next build; a read-only folder only costs time."""
        if not self.base or result.error:
            return
        key = self.key(job)
        self.used.add(key)
        meta = {"kind": job.kind, "pages": result.pages, "width": result.width, "height": result.height,
                "anchors": result.anchors, "bottoms": result.bottoms, "boxes": result.boxes,
                "warnings": result.warnings, "pictures": result.pictures,
                "sha256": {v: hashlib.sha256(pdf).hexdigest() for v, pdf in result.pdf.items()}}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for variant, pdf in result.pdf.items():
                write_bytes(self.folder / f"{key}.{variant}.pdf", pdf)
            write_text(self.folder / f"{key}.json", json.dumps(meta) + "\n")  # last: it makes the entry
        except OSError:
            pass

    def prune(self) -> None:
        """Drop the parts no longer in this issue's layout."""
        if not self.base or not self.folder.is_dir():
            return
        with contextlib.suppress(OSError):  # a read-only folder only keeps what it has
            for path in self.folder.iterdir():
                if path.name.split(".", 1)[0] not in self.used:
                    path.unlink(missing_ok=True)



def _file_digest(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").digest()
