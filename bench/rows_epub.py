"""Rows for the ebook: `publish build --format epub` against Pandoc's EPUB writer on the same Markdown."""

from __future__ import annotations

import shutil

from bench.harness import BaselineMissing, Context, Row


def epub(ctx: Context) -> list[str]:
    return ctx.publish("build", *ctx.issue_args(), "--format", "epub", "--out", str(ctx.scratch), "--force")


def pandoc_epub(ctx: Context) -> list[str]:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        raise BaselineMissing("install pandoc")
    files = [str(p) for p in ctx.articles() + ctx.standing_pages()]
    # --resource-path: the articles name their pictures relative to the issue folder
    folders = ":".join(sorted({str(p.parent) for p in ctx.articles()}))
    return [pandoc, "-f", "markdown", "-t", "epub3", "--resource-path", folders, *files,
            "-o", str(ctx.scratch / "pandoc.epub")]


ROWS = [
    Row("epub", epub, pandoc_epub,
        "publish build --format epub --force (pictures, typographic cover, XHTML, OPF/NCX, Kindle pre-flight) "
        "vs. pandoc -t epub3 on the issue's articles and standing pages with their pictures; an EPUB-only "
        "build never lays the print edition out (its page-list comes only when a PDF was built before)"),
]
