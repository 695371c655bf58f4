"""Rows for the PDF formats: `publish build --format pdf|print|pdf,print` against one plain WeasyPrint pass.

The baseline is this module run as a script: it renders the issue's whole
body (every section and standing page, as one HTML document through the same
layout templates and fonts) and writes it with a single
`weasyprint.HTML(...).write_pdf()` — what a straightforward one-pass PDF
builder would do. Python start-up and the template rendering are in both.

    python -m bench.rows_pdf ROOT ISSUE OUT.pdf
"""

from __future__ import annotations

import sys
from pathlib import Path

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
ROWS = [
    Row("pdf", _build("pdf"), one_pass, NOTE.format(f="pdf")),
    Row("print", _build("print"), one_pass, NOTE.format(f="print")),
    Row("pdf+print", _build("pdf,print"), one_pass, NOTE.format(f="pdf,print") + "; both PDFs from one layout"),
]


def main(argv: list[str]) -> int:
    import argparse

    from weasyprint import HTML

    from publish.check import load_issues
    from publish.products.print_layout import html as pdf_html

    ap = argparse.ArgumentParser(prog="python -m bench.rows_pdf")
    ap.add_argument("root", type=Path)
    ap.add_argument("issues", nargs="+")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)
    _, issues, _ = load_issues(args.root.resolve(), tuple(args.issues))
    args.out.mkdir(parents=True, exist_ok=True)
    for issue in issues:
        html = pdf_html.part_html(issue, pdf_html.split(issue, 1)[0])
        base = pdf_html.root_url(issue.publication.root)
        HTML(string=html, base_url=base).write_pdf(args.out / f"{issue.number}.pdf")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
