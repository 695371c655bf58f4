"""An Issue → the EPUB 3 edition (`<slug>-<n>.epub`) in dist/, and its checks: epubcheck, DAISY Ace, Kindle pre-flight.

The EPUB itself is made by publish.products.ebook (shared with the Kindle
edition); this format writes it and validates what was written.
"""

from __future__ import annotations

from pathlib import Path

from publish.atomic import write_bytes
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.ebook.ace import ace
from publish.products.ebook.book import make_epub
from publish.products.ebook.checks import epubcheck
from publish.products.kindle_rules import preflight


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    target = out / f"{issue.name}.epub"
    write_bytes(target, make_epub(issue, context))
    return [target]


# --- validation -------------------------------------------------------------------------------


def validate_epub(files: list[Path], context: Context | None = None) -> list[str]:
    """epubcheck, DAISY Ace and the Kindle pre-flight on each built EPUB."""
    messages: list[str] = []
    for path in files:
        if path.suffix != ".epub":
            continue
        messages += epubcheck(path)
        messages += ace(path)
        problems = preflight(path.read_bytes())
        messages += [f"error: Kindle pre-flight: {path.name}: {p}" for p in problems]
        if not problems:
            messages.append(f"ok: Kindle pre-flight: {path.name}: nothing Send to Kindle refuses")
    return messages
