"""Rows for the site (`publish build --format site`) against pandoc's standalone HTML, and the cost of adding an issue.

    python -m bench.rows_site [--issues 50] [--keep]

measures what an editor waits for each week: a site of N issues exists (text + site built), issue
N+1 is added, and `publish build N+1 --format text,site` runs. It reports the seconds, the files the
site wrote, and checks that no page of an older issue was rewritten.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if not __package__:  # run as a file (python path/to/bench/rows_site.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import BaselineMissing, Context, Row  # noqa: E402

FIRST = 1000


def site(ctx: Context) -> list[str]:
    return ctx.publish("build", *ctx.issue_args(), "--format", "site", "--out", str(ctx.scratch), "--force")


def pandoc_html(ctx: Context) -> list[str]:
    pandoc = shutil.which("pandoc")
    if pandoc is None:
        raise BaselineMissing("install pandoc")
    files = [str(p) for p in ctx.articles()]
    return [pandoc, "-s", "-f", "markdown", "-t", "html5", "--metadata", "title=bench", *files,
            "-o", str(ctx.scratch / "pandoc.html")]


ROWS = [
    Row("site", site, pandoc_html,
        "publish build --format site --force (every page of every issue re-read, rendered and compared) "
        "vs. pandoc -s -t html5 on the issues' articles, concatenated"),
]


# --- adding one issue to an archive -------------------------------------------------------------


def _run(root: Path, *args: str) -> float:
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1600000000", "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "publish", "--root", str(root), *args], env=env,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"publish {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    for line in (done.stdout + done.stderr).splitlines():
        if line.startswith("site:"):
            print(f"    {line}")
    return seconds


def _stamps(dist: Path, numbers: range) -> dict[str, int]:
    return {p.as_posix(): p.stat().st_mtime_ns for n in numbers for p in (dist / str(n)).glob("*")
            if p.is_file() and not p.name.startswith(".")}


def add_one_issue(issues: int, keep: bool = False, repeat: int = 3) -> dict[str, float]:
    from bench.generate import generate

    work = Path(tempfile.mkdtemp(prefix="bench-site-"))
    try:
        full = work / "full"
        generate(full, issues + 1, first_number=FIRST)
        newest = FIRST + issues
        timings: dict[str, list[float]] = {"text+site": [], "site only": [], "nothing changed": []}
        for round_ in range(repeat):
            root = work / f"round-{round_}"
            shutil.copytree(full, root)
            held = work / f"held-{round_}"
            (root / "issues" / str(newest)).rename(held)
            print(f"round {round_ + 1}: building {issues} issues (text, site) …")
            first = _run(root, "build", "--all", "--format", "text,site", "-q")
            print(f"    whole archive: {first:.1f} s")
            before = _stamps(root / "dist", range(FIRST, newest))
            held.rename(root / "issues" / str(newest))
            timings["text+site"].append(_run(root, "build", str(newest), "--format", "text,site"))
            after = _stamps(root / "dist", range(FIRST, newest))
            rewritten = [name for name, stamp in before.items() if after.get(name) != stamp]
            if rewritten:
                raise SystemExit(f"older issues' files were rewritten: {rewritten[:5]}")
            timings["nothing changed"].append(_run(root, "build", str(newest), "--format", "site"))
            (root / "dist" / str(newest) / "index.html").unlink()  # the site alone, for one changed issue
            timings["site only"].append(_run(root, "build", str(newest), "--format", "site"))
        result = {name: statistics.median(values) for name, values in timings.items()}
        print(f"\nadding issue {newest} to a {issues}-issue archive (median of {repeat}, wall seconds "
              "of the whole command, Python start-up included):")
        for name, seconds in result.items():
            print(f"  {name:16} {seconds:6.2f} s")
        print("  no file of an older issue was rewritten")
        return result
    finally:
        if keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--issues", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    add_one_issue(args.issues, args.keep, args.repeat)


if __name__ == "__main__":
    main()
