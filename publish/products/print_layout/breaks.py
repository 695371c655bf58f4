"""An issue → where each page of its print edition begins, kept under the digest of the print layout's inputs.

Light on purpose (no WeasyPrint): the EPUB's page-list reads it first. An
ebook never costs a print layout nobody asked for: the issue is laid out for
it (publish.products.print_layout.edition) only when this run builds a PDF
anyway, or when --page-list asks for it; otherwise the ebook goes without a
page-list until the print edition has been laid out once.
"""

from __future__ import annotations

import json
from pathlib import Path

from publish.atomic import write_text
from publish.formats import PDF_FORMATS
from publish.model import Issue
from publish.pipeline.types import Context

# Kept under the print format's digest (the pipeline's Context.layout_digest): it covers exactly what
# the layout depends on.
BREAKS_CACHE = Path(".publish-cache") / "page-breaks"


LAYOUT_KEY = "pdf.edition"  # where the run's layout is kept in context.cache (publish.products.print_layout.edition)


def breaks_path(root: Path, number: int) -> Path:
    return root / BREAKS_CACHE / f"{number}.json"


def _read(path: Path, digest: str) -> list[tuple[int, str]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
        return None
    if not isinstance(data, dict) or data.get("inputs") != digest or not isinstance(data.get("breaks"), list):
        return None
    try:
        return [(int(page), str(anchor)) for page, anchor in data["breaks"]]
    except (TypeError, ValueError):
        return None


def stored_breaks(issue: Issue, digest: str) -> list[tuple[int, str]] | None:
    """The page breaks of a layout made before from these very inputs (`digest`, the print format's), or None."""
    return _read(breaks_path(issue.publication.root, issue.number), digest) if digest else None


def breaks_current(root: Path, number: int, print_digest: str) -> bool:
    """Whether page breaks of the layout of these inputs (the print format's digest) are kept."""
    return _read(breaks_path(root, number), print_digest) is not None


def lays_out_this_run(context: Context) -> bool:
    """Whether the print layout is made in this run anyway: a PDF format is built, or --page-list asks."""
    if context.options.page_list or LAYOUT_KEY in context.cache:
        return True
    formats = context.options.formats
    return any((formats is None or fmt in formats) and fmt not in context.outputs for fmt in PDF_FORMATS)


def store_breaks(issue: Issue, breaks: list[tuple[int, str]], digest: str) -> None:
    """Keep the page breaks of the layout of these inputs (`digest`) for later ebook builds."""
    if not digest:
        return
    try:
        write_text(breaks_path(issue.publication.root, issue.number),
                   json.dumps({"inputs": digest, "breaks": breaks}) + "\n")
    except OSError:
        pass  # a read-only publication folder: the cache only saves time
