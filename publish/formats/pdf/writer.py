"""An Issue → the download PDF (`<slug>-<n>.pdf`) and the press PDF (`<slug>-<n>-print.pdf`), and their checks.

Both are written from the run's one print layout (publish.products.print_layout),
which the EPUB's page-list shares.
"""

from __future__ import annotations

from pathlib import Path

import logging

from publish.atomic import write_bytes
from publish.errors import PublishError
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.press.preflight import DEFAULT_INK_LIMIT, preflight
from publish.products.press.preflight_parts import PreflightMemo
from publish.products.print_layout.edition import CACHE_KEY, edition

log = logging.getLogger("publish")
INK_LIMIT_KEY = "print.ink_limit"
INKS = Path(".publish-cache") / "ink"  # the preflight's measures of pictures and pages, per issue (PreflightMemo)


def write_pdf(issue: Issue, out: Path, context: Context) -> list[Path]:
    """The download PDF: trimmed pages, bookmarks, links, tagged, screen-resolution pictures."""
    return [write_bytes(out / f"{issue.name}.pdf", edition(issue, context, "screen").pdfs["screen"])]


def write_print(issue: Issue, out: Path, context: Context) -> list[Path]:
    """The press PDF: PDF/X-4 in the printer's CMYK, bleed, crop and registration marks, preflighted."""
    path = write_bytes(out / f"{issue.name}-print.pdf", edition(issue, context, "press").pdfs["press"])
    context.cache[INK_LIMIT_KEY] = issue.publication.print.ink_limit
    memo = PreflightMemo(issue.publication.root / INKS / f"{issue.number}.json", fresh=context.options.force)
    findings = preflight(path, issue.publication.print.ink_limit, memo)
    memo.save()
    name = f"dist/{issue.number}/{path.name}"
    errors = [f"{name}: {f.line()}" for f in findings if f.level == "error"]
    if errors and context.options.strict:
        raise PublishError("the press PDF fails its preflight (an error with --strict):\n" + "\n".join(errors))
    # what preflight finds is the copy's (a picture too small for print), which the editor decides on:
    # said at every build, an error with --strict, and with --validate (the print format's validator)
    for finding in findings:
        log.warning("%s: %s%s", name, "warning: " if finding.level == "error" else "", finding.line())
    return [path]

# --- validation (publish build --validate) --------------------------------------------------


def validate_pdf(files: list[Path], context: Context) -> list[str]:
    from publish.formats.pdf.check import check_screen

    return [message for path in files for message in check_screen(path)] + _layout_findings(files, context)


def validate_print(files: list[Path], context: Context) -> list[str]:
    from publish.formats.pdf.check import check_press

    return [message for path in files for message in check_press(path) + _preflight(path, context)] \
        + _layout_findings(files, context)


def _preflight(path: Path, context: Context) -> list[str]:
    """`publish preflight` on the press PDF, at the ink limit of [print]."""
    limit = context.cache.get(INK_LIMIT_KEY, DEFAULT_INK_LIMIT)  # the print format wrote it this run, else newsprint's
    findings = preflight(path, limit)
    if not findings:
        return [f"ok: preflight: press-ready (CMYK, fonts embedded, bleed, ink under {limit}%)"]
    return [f"{f.level}: preflight: {f.line()}" for f in findings]


def _layout_findings(files: list[Path], context: Context) -> list[str]:
    """What the layout of this run reported (e.g. empty boxes for missing characters)."""
    made = context.cache.get(CACHE_KEY)
    if not files or made is None:
        return []
    if not made.warnings:
        return ["ok: every character has a glyph in the paper's fonts"]
    return [f"warning: {message.replace(': warning: ', ': ', 1)}" for message in made.warnings]
