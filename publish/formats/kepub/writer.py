"""An Issue → the Kobo edition (`<slug>-<n>.kepub.epub`): this run's EPUB with koboSpans, and its checks.

The EPUB comes from publish.products.ebook (this run's, or made anew when only
the Kobo edition was asked for); spans.py adds Kobo's markup. The result is
checked like the EPUB: epubcheck and DAISY Ace.
"""

from __future__ import annotations

from pathlib import Path

from publish.atomic import write_bytes
from publish.formats.kepub.spans import kepub_bytes
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.ebook.ace import ace
from publish.products.ebook.book import this_runs_epub
from publish.products.ebook.checks import epubcheck
from publish.render import source_date


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    target = out / f"{issue.name}.kepub.epub"
    write_bytes(target, kepub_bytes(this_runs_epub(issue, context), source_date(issue)))
    return [target]


def validate_kepub(files: list[Path], context: Context | None = None) -> list[str]:
    """epubcheck and DAISY Ace on each built kepub."""
    messages: list[str] = []
    for path in files:
        if path.name.endswith(".kepub.epub"):
            messages += epubcheck(path) + ace(path)
    return messages
