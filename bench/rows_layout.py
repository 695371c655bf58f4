"""The `layout` row: the issues' download PDFs in, issue 13's figures out (fill per page, jump lines, pages).

Not a timing: the row builds the download PDF once (`publish build N --format pdf`)
and measures its pages the way issue 13's judges do (bench/layout.py). The same
measurement over any publication, the demo paper for one:
`python -m bench.layout --build . 1111 1112 1113`.
"""

from __future__ import annotations

from bench.harness import Context, Row
from bench.layout import page_fill


def build(ctx: Context) -> list[str]:
    return ctx.publish("build", *ctx.issue_args(), "--format", "pdf", "--out", str(ctx.scratch), "--force")


def report(ctx: Context) -> tuple[str, list[dict]]:
    """Every PDF the build made, measured: the summaries for people and the figures as JSON."""
    pdfs = sorted(ctx.scratch.rglob("*.pdf"))
    if not pdfs:
        raise ValueError(f"no PDF under {ctx.scratch}")
    reports = [page_fill(pdf) for pdf in pdfs]
    for r in reports:
        r.path = r.path.relative_to(ctx.scratch)  # named by issue, not by the temporary folder
    return "\n".join(r.summary() for r in reports), [r.to_json() for r in reports]


ROWS = [
    Row("layout", build, None,
        "figures, not timings: publish build --format pdf once, then each page's fill (cells of the type "
        "area's 3 x 30 grid that carry ink, at 30 dpi; goal >= 0.85 on every page but the last), the jump "
        "lines and the pages per issue (bench/layout.py)",
        report=report),
]
