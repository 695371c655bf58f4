"""A synthetic archive in, the archive-build figures out: issues per minute on 1 and 2 workers, no-op and one-edit rebuilds, peak memory.

    python -m bench.archive [--issues 50] [--noop-issues 200] [--formats text,epub] [--keep]

Every figure comes from `publish build` run as a subprocess on a generated
archive; the 2-worker rate is reported against the 1-worker rate measured in
the same run (the speed-up is the number to watch; seconds vary by machine).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file (python path/to/bench/archive.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent


def publish(root: Path, *args: str, cores: str | None = None) -> tuple[float, subprocess.CompletedProcess]:
    """Run `publish`; `cores` ("0") pins it and every process it starts to those cores (taskset)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": "978307200"}
    pin = ["taskset", "-c", cores] if cores and shutil.which("taskset") else []
    started = time.perf_counter()
    result = subprocess.run([*pin, sys.executable, "-m", "publish", "--root", str(root), *args],
                            capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"publish {' '.join(args)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
    return seconds, result


def report(root: Path) -> dict:
    from publish.pipeline.plan import state_dir  # the report is kept outside dist/, beside the build's records

    return json.loads((state_dir(root, root / "dist") / "build-report.json").read_text())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.archive", description=__doc__.splitlines()[0])
    ap.add_argument("--issues", type=int, default=50, help="issues of realistic size for the rate rows")
    ap.add_argument("--noop-issues", type=int, default=200, help="issues for the no-op rebuild row")
    ap.add_argument("--formats", default="text", help="formats to build (default: text)")
    ap.add_argument("--keep", action="store_true", help="keep the generated archives")
    args = ap.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="publish-archive-bench-"))
    rows: list[tuple[str, str]] = []
    try:
        root = generate(work / "archive", args.issues, seed=7)
        fmt = ("--format", args.formats)
        # one worker on one core is the unit; one worker on both cores still lays a PDF's parts out in parallel
        single, _ = publish(root, "build", "--all", *fmt, "--jobs", "1", "--force", "--quiet", cores="0")
        rate_single = args.issues / single * 60
        one, _ = publish(root, "build", "--all", *fmt, "--jobs", "1", "--force", "--quiet")
        peak_one = max(i["peak_rss_mb"] for i in report(root)["issues"])
        two, _ = publish(root, "build", "--all", *fmt, "--jobs", "2", "--force", "--quiet")
        peaks = [i["peak_rss_mb"] for i in report(root)["issues"]]
        rate_one, rate_two = args.issues / one * 60, args.issues / two * 60
        rows.append((f"{args.issues} issues, 1 worker, 1 core", f"{single:.1f} s, {rate_single:.1f} issues/min"))
        rows.append((f"{args.issues} issues, 1 worker, 2 cores", f"{one:.1f} s, {rate_one:.1f} issues/min, "
                     f"{rate_one / rate_single:.2f}x the single core (PDF parts in parallel)"))
        rows.append((f"{args.issues} issues, 2 workers", f"{two:.1f} s, {rate_two:.1f} issues/min, "
                     f"{rate_two / rate_single:.2f}x the single core (aim >= 1.8x), "
                     f"{rate_two / rate_one:.2f}x one worker on 2 cores"))
        rows.append(("peak RSS per worker", f"max {max(peaks):.0f} MB, min {min(peaks):.0f} MB over "
                     f"{len(peaks)} issues on 2 workers; {peak_one:.0f} MB on 1 (aim: flat, <= 600 MB)"))

        article = sorted((root / f"issues/{1000 + args.issues // 2}").glob("*.md"))[0]
        article.write_text(article.read_text(encoding="utf-8").replace("title:", "title: Edited", 1),
                           encoding="utf-8")
        edit, _ = publish(root, "build", "--all", *fmt, "--quiet")
        built = [i["number"] for i in report(root)["issues"] if i["status"] == "built"]
        rows.append(("rebuild after editing one article", f"{edit:.2f} s, rebuilt issues {built}"))

        small = generate(work / "noop", args.noop_issues, seed=8, articles=6, words=3000, pictures=2)
        publish(small, "build", "--all", "--format", "text", "--quiet")
        noop, _ = publish(small, "build", "--all", "--format", "text", "--quiet")
        unchanged = report(small)["unchanged"]
        rows.append((f"no-op rebuild, {args.noop_issues} issues",
                     f"{noop:.2f} s for {unchanged} unchanged issues (aim <= 2 s), Python start-up included"))
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    width = max(len(name) for name, _ in rows)
    print(f"archive bench ({args.formats}; {os.cpu_count()} cores)")
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
