"""An issue → where each page of its print edition begins, kept under the digest of the print layout's inputs.

Light on purpose (no WeasyPrint): the EPUB's page-list reads it first, and
only lays the issue out (publish.products.print_layout.edition) when no layout of these very
inputs was made before.
"""

from __future__ import annotations

import json
from pathlib import Path

from publish.atomic import write_text
from publish.model import Issue

# The print format's digest covers exactly what the layout depends on.
BREAKS_CACHE = Path(".publish-cache") / "page-breaks"


def _breaks_file(issue: Issue) -> tuple[Path, str]:
    from publish.pipeline.plan import Inputs

    digest = Inputs(issue.publication).digest(issue.folder, "print")
    return issue.publication.root / BREAKS_CACHE / f"{issue.number}.json", digest


def stored_breaks(issue: Issue) -> list[tuple[int, str]] | None:
    path, digest = _breaks_file(issue)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("inputs") != digest or not isinstance(data.get("breaks"), list):
        return None
    return [(int(page), str(anchor)) for page, anchor in data["breaks"]]


def store_breaks(issue: Issue, breaks: list[tuple[int, str]]) -> None:
    path, digest = _breaks_file(issue)
    try:
        write_text(path, json.dumps({"inputs": digest, "breaks": breaks}) + "\n")
    except OSError:
        pass  # a read-only publication folder: the cache only saves time
