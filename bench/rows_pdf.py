"""Rows for the PDF formats: `publish build --format pdf|print|pdf,print` against one plain WeasyPrint pass.

The baseline is this module run as a script: it renders the issue's whole
body (every section and standing page, as one HTML document through the same
layout templates and fonts) and writes it with a single
`weasyprint.HTML(...).write_pdf()` — what a straightforward one-pass PDF
builder would do. Python start-up and the template rendering are in both.

    python -m bench.rows_pdf ROOT ISSUE --out DIR

The `pdf-edit` row measures what an editor waits for after changing one
article: `python -m bench.rows_pdf --edit ROOT ISSUE -- BUILD-ARGS…` changes
one word of the issue's first article (a different one each run, so that it
is always a real edit) and then runs `publish build` with BUILD-ARGS in the
same interpreter, before any of the bench's own modules is imported; its
baseline is a forced full build of both PDFs.
"""

from __future__ import annotations

import sys
from pathlib import Path


def edit_and_build(root: Path, issue: str, build_args: list[str]) -> int:
    """Change one word of the issue's first article (toggling between two), then run `python -m publish
    BUILD-ARGS` in this process and interpreter, as an editor's one command would: nothing of the bench is
    imported before it (this runs ahead of the module's other imports)."""
    import runpy

    first = sorted((root / "issues" / issue).glob("*.md"))[0]
    text = first.read_text(encoding="utf-8")
    marker = ("bench-edit-a", "bench-edit-b")
    if marker[0] in text:
        text = text.replace(marker[0], marker[1])
    elif marker[1] in text:
        text = text.replace(marker[1], marker[0])
    else:
        head, sep, body = text.partition("\n---\n")  # after the front matter
        text = f"{head}{sep}{marker[0]} {body}"
    first.write_text(text, encoding="utf-8")
    sys.argv = ["publish", "--root", str(root), *build_args]
    runpy.run_module("publish", run_name="__main__", alter_sys=True)  # exits with publish's own status
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["--edit"]:  # the edit row: publish alone is timed
    _rest = sys.argv[2:]
    sys.exit(edit_and_build(Path(_rest[0]).resolve(), _rest[1], _rest[_rest.index("--") + 1:]))

if not __package__:  # run as a file (python path/to/bench/rows_pdf.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Context, Row  # noqa: E402


def _build(formats: str):
    def command(ctx: Context) -> list[str]:
        return ctx.publish("build", *ctx.issue_args(), "--format", formats, "--out", str(ctx.scratch), "--force")

    return command


def one_pass(ctx: Context) -> list[str]:
    return [ctx.python, "-m", "bench.rows_pdf", str(ctx.root), *ctx.issue_args(),
            "--out", str(ctx.scratch / "one-pass")]


NOTE = ("publish build --format {f} --force vs. one weasyprint HTML(...).write_pdf() of the same issue's body "
        "HTML (same templates and fonts), Python start-up in both")
def edited(ctx: Context) -> list[str]:
    return [ctx.python, "-m", "bench.rows_pdf", "--edit", str(ctx.root), *ctx.issue_args(), "--",
            "build", *ctx.issue_args(), "--format", "pdf,print", "--out", str(ctx.scratch)]


ROWS = [
    Row("pdf", _build("pdf"), one_pass, NOTE.format(f="pdf")),
    Row("print", _build("print"), one_pass, NOTE.format(f="print")),
    Row("pdf+print", _build("pdf,print"), one_pass, NOTE.format(f="pdf,print") + "; both PDFs from one layout"),
    Row("pdf-edit", edited, _build("pdf,print"),
        "one word of one article changed, then publish build --format pdf,print vs. the forced full build of "
        "both PDFs of the same issue (the goal of issue 17: <= 0.35)"),
]


def main(argv: list[str]) -> int:
    import argparse

    from weasyprint import HTML

    from publish.check import load_issues
    from publish.products.print_layout import html as pdf_html
    from publish.products.print_layout.urls import root_url
    ap = argparse.ArgumentParser(prog="python -m bench.rows_pdf")
    ap.add_argument("root", type=Path)
    ap.add_argument("issues", nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    _, issues, _ = load_issues(args.root.resolve(), tuple(args.issues))
    args.out.mkdir(parents=True, exist_ok=True)
    for issue in issues:
        html = pdf_html.part_html(issue, pdf_html.split(issue, 1)[0])
        base = root_url(issue.publication.root)
        HTML(string=html, base_url=base).write_pdf(args.out / f"{issue.number}.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
