"""Options in, a benchmark table (and optionally JSON) out.

    python -m bench.run [--issues 1] [--repeat 3] [--only NAME[,NAME]] [--json FILE]

Generates a synthetic publication in a temporary folder, runs every row of
bench/rows_*.py against it and prints medians, ratios and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file (python path/to/bench/run.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate  # noqa: E402
from bench.harness import Context, discover_rows, format_table, measure  # noqa: E402

FIRST_NUMBER = 1000


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=1, help="issues to generate and work on (default 1)")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs of each command (default 3)")
    ap.add_argument("--warmup", type=int, default=1, help="unmeasured runs of each command first (default 1)")
    ap.add_argument("--only", metavar="NAME", help="run only these rows (comma-separated)")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write all samples as JSON")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=600, help="seconds before a command is killed")
    ap.add_argument("--keep", action="store_true", help="keep the temporary publication and logs")
    args = ap.parse_args(argv)
    if args.issues < 1 or args.repeat < 1 or args.warmup < 0:
        ap.error("--issues and --repeat must be at least 1, --warmup not negative")

    rows = discover_rows()
    if args.only:
        wanted = [n.strip() for n in args.only.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in {r.name for r in rows}]
        if unknown:
            ap.error(f"--only: no row named {', '.join(unknown)}; rows are: {', '.join(r.name for r in rows)}")
        rows = [r for r in rows if r.name in wanted]

    tmp = Path(tempfile.mkdtemp(prefix="publish-bench-"))
    try:
        t0 = time.perf_counter()
        pub = generate(tmp / "publication", args.issues, args.seed, first_number=FIRST_NUMBER)
        print(f"generated {args.issues} issue(s) in {time.perf_counter() - t0:.1f}s: {pub}", file=sys.stderr)
        ctx = Context(root=pub, scratch=tmp / "scratch",
                      issues=tuple(range(FIRST_NUMBER, FIRST_NUMBER + args.issues)),
                      python=sys.executable)
        results = []
        for row in rows:
            results.append(measure(row, ctx, args.repeat, args.warmup, args.timeout,
                                   on_progress=lambda m: print(f"  {m}", file=sys.stderr)))
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{args.issues} issue(s), {args.repeat} runs each (median), python {platform.python_version()}, "
          f"{os.cpu_count()} CPUs, {platform.machine()}\n")
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps({
            "issues": args.issues, "repeat": args.repeat, "warmup": args.warmup, "seed": args.seed,
            "python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "rows": [r.to_json() for r in results],
        }, indent=2) + "\n", encoding="utf-8")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
