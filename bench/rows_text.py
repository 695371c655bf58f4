"""Rows for validation and the plain-text format: `publish check` and `publish build --format text`."""

from __future__ import annotations

import shutil

from bench.harness import BENCH_DIR, BaselineMissing, Context, Row


def check(ctx: Context) -> list[str]:
    return ctx.publish("check", *ctx.issue_args())


def mdit_parse(ctx: Context) -> list[str]:
    folders = [str(ctx.root / "issues" / n) for n in ctx.issue_args()]
    return [ctx.python, str(BENCH_DIR / "baselines" / "mdit_parse.py"), *folders]


def text(ctx: Context) -> list[str]:
    return ctx.publish("build", *ctx.issue_args(), "--format", "text", "--out", str(ctx.scratch), "--force")


def pandoc_plain(ctx: Context) -> list[str]:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        raise BaselineMissing("install pandoc")
    files = [str(p) for p in ctx.articles() + ctx.standing_pages()]
    return [pandoc, "-f", "markdown", "-t", "plain", *files, "-o", str(ctx.scratch / "pandoc.txt")]


ROWS = [
    Row("check", check, mdit_parse,
        "publish check vs. a script that loads each article's YAML and parses its Markdown with "
        "markdown-it (commonmark + table); Python start-up counted in both"),
    Row("text", text, pandoc_plain,
        "publish build --format text --force vs. pandoc -f markdown -t plain on the issue's "
        "articles and standing pages, concatenated"),
]
