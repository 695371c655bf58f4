"""PDF files in, how full their pages are out: issue 13's fill per page (pdftoppm at 30 dpi, 3 × 30 cells) and jump lines.

    python -m bench.layout FILE.pdf…                  measure PDFs already built
    python -m bench.layout --build ROOT [ISSUE…]      build ROOT's issues' download PDFs (all by default)
                                                      into a temporary folder, then measure them

The measurement, as the judges of issue 13 describe it:

- Every page is rasterised with `pdftoppm -r 30` (RGB). A pixel is *ink* when any of its channels is
  below 245 of 255: anti-aliased text, rules, pictures, and tinted or red backgrounds (a masthead band, a
  boxed panel) all count; only paper-white and the faintest antialiasing fringe do not.
- The *union* is the ink of all pages laid over one another (pages of different sizes are aligned top left).
- The running head and the folio are found without knowing the layout, from where pages carry ink: a row
  of pixels is *common* when at least 60 % of the pages have ink in it. Runs of common rows closer than
  1 % of the page height are joined. The *running head band* is the topmost such run when it starts in
  the top 15 % of the page, is at most 6 % of the page high, and carried by at least two pages; the
  *folio band* is the bottommost run under the same rules at the foot. A head is at the same place on
  every page and is set off from the body by a margin, so it passes; body text is taller than 6 % or
  not at the same place, so it does not. A band's rule (a line under the head) is common too, so it is
  part of the band. One page alone has no bands.
- The *type area* is the union's bounding box below the running head band and above the folio band
  (ink above the head band, such as a front page's masthead bled to the edge, is outside it). It is cut
  into 3 columns × 30 rows of cells; a page's cell counts when any of its ink pixels falls in it; the
  page's *fill* is counted cells / 90.
- Goal: every page but the last, and the front page (page 1), at least 0.85.

Jump lines ("Continued on page N", "Continued from page N") are found by bench.jumps.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

if not __package__:  # run as a file (python path/to/bench/layout.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.jumps import Jump, find_jumps  # noqa: E402

DPI = 30
INK_BELOW = 245  # a channel value under this is ink: clearly not paper-white, yet any tint counts
COLUMNS, ROWS = 3, 30
GOAL = 0.85
COMMON_SHARE = 0.6  # of the pages: a row this many pages carry ink in is a candidate head or folio row
BAND_REACH = 0.15  # of the page height: where a head (from the top) or a folio (from the foot) may start
BAND_MAX = 0.06  # of the page height: the tallest a head or folio band may be
JOIN_GAP = 0.01  # of the page height: a blank stretch no taller than this does not end a band
RULE_SPAN = 0.8  # of a page's inked width: one unbroken stretch of ink this wide in a row is a rule
RULE_SHARE = 0.9  # of the pages carrying a band: a rule row must be on this many to be the band's own


@dataclass
class LayoutReport:
    """What one PDF's pages look like to the judges; rows and columns are pixels at 30 dpi."""

    path: Path
    fills: list[float]  # per page, in page order
    type_area: tuple[int, int, int, int]  # left, top, right, bottom (inclusive)
    head: tuple[int, int] | None  # first and last row of the running head band, if one was found
    folio: tuple[int, int] | None  # first and last row of the folio band, if one was found
    jumps: list[Jump] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return len(self.fills)

    @property
    def front(self) -> float:
        return self.fills[0]

    @property
    def median(self) -> float:
        return statistics.median(self.fills)

    @property
    def under(self) -> list[int]:
        """Page numbers (from 1), the last page excepted, whose fill is under the goal."""
        return [i + 1 for i, f in enumerate(self.fills[:-1]) if f < GOAL]

    def to_json(self) -> dict:
        return {"path": str(self.path), "pages": self.pages, "fills": [round(f, 4) for f in self.fills],
                "front": round(self.front, 4), "median": round(self.median, 4), "under_goal": self.under,
                "type_area": list(self.type_area), "head_band": self.head and list(self.head),
                "folio_band": self.folio and list(self.folio), "jumps": [j.to_json() for j in self.jumps]}

    def summary(self) -> str:
        """A few lines for a person: the headline figures, the bands, the fill of every page, the jumps."""
        left, top, right, bottom = self.type_area

        def band(b: tuple[int, int] | None) -> str:
            return f"y {b[0]}-{b[1]}" if b else "none found"

        lines = [f"{self.path}: {self.pages} pages, front page {self.front:.2f}, median {self.median:.2f}, "
                 f"{len(self.under)} of {max(self.pages - 1, 0)} pages under {GOAL} (the last not counted)",
                 f"  type area x {left}-{right}, y {top}-{bottom} px at {DPI} dpi; running head {band(self.head)}; "
                 f"folio {band(self.folio)}",
                 "  fill: " + "  ".join(f"{i + 1}:{f:.2f}" for i, f in enumerate(self.fills))]
        ons = sum(j.direction == "on" for j in self.jumps)
        lines.append(f"  jump lines: {ons} 'continued on', {len(self.jumps) - ons} 'continued from'")
        lines += [f"    {j}" for j in self.jumps]
        return "\n".join(lines)


def rasterise(pdf: Path) -> list[np.ndarray]:
    """One boolean ink mask per page (True = ink), all padded to the largest page's size."""
    with tempfile.TemporaryDirectory(prefix="bench-layout-") as tmp:
        done = subprocess.run(["pdftoppm", "-r", str(DPI), str(pdf), f"{tmp}/p"], capture_output=True, text=True)
        if done.returncode:
            said = (done.stderr.strip().splitlines() or ["no reason given"])[0]
            raise ValueError(f"{pdf}: pdftoppm cannot render it ({said}) — give a readable PDF file")
        # pdftoppm pads the page number to the width of the page count: sort by its value
        files = sorted(Path(tmp).glob("p-*.ppm"), key=lambda p: int(p.stem.rpartition("-")[2]))
        masks = [np.asarray(Image.open(f).convert("RGB")).min(axis=2) < INK_BELOW for f in files]
    if not masks:
        raise ValueError(f"{pdf}: no page rendered — give a PDF with pages")
    height = max(m.shape[0] for m in masks)
    width = max(m.shape[1] for m in masks)
    return [np.pad(m, ((0, height - m.shape[0]), (0, width - m.shape[1]))) for m in masks]


def _rule_rows(mask: np.ndarray) -> np.ndarray:
    """Per row: whether one unbroken stretch of ink spans most of the page's inked width (a rule, a bar)."""
    out = np.zeros(mask.shape[0], dtype=bool)
    cols = np.flatnonzero(mask.any(axis=0))
    if not len(cols):
        return out
    need = RULE_SPAN * (cols[-1] - cols[0] + 1)
    for y in np.flatnonzero(mask.sum(axis=1) >= need):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], mask[y].astype(np.int8), [0]))))
        out[y] = (edges[1::2] - edges[0::2]).max() >= need
    return out


def _edge_band(common: np.ndarray, ruled: np.ndarray, carried: np.ndarray) -> tuple[int, int] | None:
    """The band at the start of these rows (read from the page edge inwards), or None."""
    height = len(common)
    rows = np.flatnonzero(common)
    if not len(rows) or rows[0] > BAND_REACH * height:
        return None
    start = last = int(rows[0])
    join = max(1, round(JOIN_GAP * height))
    rule = ruled >= RULE_SHARE * carried[start]  # a rule carried by (nearly) every page that carries the band
    in_rule = False
    for y in range(start, min(start + int(BAND_MAX * height), height)):
        if rule[y]:
            in_rule, last = True, y
        elif in_rule:
            return start, last  # the rule that sets the band off ends it
        elif common[y]:
            last = y
        elif y - last > join:
            return start, last  # so does a margin
    # Neither within reach: the body abuts the band. Its first unbroken run of common rows, if that is short.
    end = start
    while end + 1 < height and common[end + 1]:
        end += 1
    return (start, end) if end - start < BAND_MAX * height else None


def find_bands(masks: list[np.ndarray]) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The running head band and the folio band (first and last rows), each None when there is none."""
    if len(masks) < 2:
        return None, None
    height = masks[0].shape[0]
    carried = np.sum([m.any(axis=1) for m in masks], axis=0)  # per row: how many pages have ink in it
    ruled = np.sum([_rule_rows(m) for m in masks], axis=0)  # per row: how many pages have a rule in it
    common = carried >= max(2, COMMON_SHARE * len(masks))
    head = _edge_band(common, ruled, carried)
    foot = _edge_band(common[::-1], ruled[::-1], carried[::-1])
    folio = (height - 1 - foot[1], height - 1 - foot[0]) if foot else None
    return head, folio


def measure(masks: list[np.ndarray]) -> tuple[list[float], tuple[int, int, int, int], tuple | None, tuple | None]:
    """Fill per page, the type area and the two bands, from the pages' ink masks."""
    head, folio = find_bands(masks)
    union = np.logical_or.reduce(masks)
    top = head[1] + 1 if head else 0
    bottom = folio[0] - 1 if folio else union.shape[0] - 1
    inside = union[top:bottom + 1]
    ys, xs = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if not len(ys):
        return [0.0] * len(masks), (0, top, 0, bottom), head, folio
    area = (int(xs[0]), top + int(ys[0]), int(xs[-1]), top + int(ys[-1]))
    left, top, right, bottom = area
    row_edges = np.linspace(top, bottom + 1, ROWS + 1).round().astype(int)
    col_edges = np.linspace(left, right + 1, COLUMNS + 1).round().astype(int)
    fills = []
    for mask in masks:
        counted = sum(bool(mask[row_edges[r]:row_edges[r + 1], col_edges[c]:col_edges[c + 1]].any())
                      for r in range(ROWS) for c in range(COLUMNS))
        fills.append(counted / (ROWS * COLUMNS))
    return fills, area, head, folio


def page_fill(pdf_path: str | Path) -> LayoutReport:
    """The judges' measurement of one PDF: fill per page, type area, head and folio bands, jump lines."""
    path = Path(pdf_path)
    fills, area, head, folio = measure(rasterise(path))
    return LayoutReport(path, fills, area, head, folio, find_jumps(path))


def build_pdfs(root: Path, issues: list[str], out: Path) -> list[Path]:
    """Build the issues' download PDFs into `out` (never the publication's dist/); the PDFs made."""
    from bench.harness import child_env

    which = issues or ["--all"]
    subprocess.run([sys.executable, "-m", "publish", "--root", str(root), "build", *which, "--format", "pdf",
                    "--out", str(out), "--force", "--quiet"], check=True, env=child_env())
    return sorted(out.rglob("*.pdf"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.layout", description=__doc__.splitlines()[0])
    ap.add_argument("pdfs", nargs="*", help="PDF files to measure (or, with --build, issue numbers)")
    ap.add_argument("--build", type=Path, metavar="ROOT", help="build these issues of the publication at ROOT first")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write every figure as JSON")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-layout-build-") as tmp:
        if args.build:
            try:
                pdfs = build_pdfs(args.build.resolve(), args.pdfs, Path(tmp))
            except subprocess.CalledProcessError as e:
                print(f"{args.build}: publish build failed (exit {e.returncode})", file=sys.stderr)
                return 1
        else:
            pdfs = [Path(p) for p in args.pdfs]
        if not pdfs:
            ap.error("no PDF to measure")
        try:
            reports = [page_fill(p) for p in pdfs]
            for r in reports if args.build else ():
                r.path = r.path.relative_to(tmp)  # the temporary folder goes: name the PDF by issue
        except (subprocess.CalledProcessError, ValueError) as e:
            print(e, file=sys.stderr)
            return 1
        print("\n\n".join(r.summary() for r in reports))
    if args.json:
        import json

        args.json.write_text(json.dumps([r.to_json() for r in reports], indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
