"""Rows for the rest of issue 17's table, so that `python -m bench.run` prints all of it: an archive on two
cores against one, `publish serve`'s edit-to-screen time, and a 50-article issue's peak memory per process.

Each makes its own publication in the row's scratch folder when its command is made (once, before the
timed runs): the archive is six small issues, the memory row one issue of 50 articles.

    python -m bench.rows_scale --memory ROOT ISSUE --json FILE   # the memory row's command
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

if not __package__:  # run as a file (python path/to/bench/rows_scale.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate  # noqa: E402
from bench.harness import BaselineMissing, Context, Row, child_env  # noqa: E402

ARCHIVE_FORMATS = "epub,text,pdf"
BIG_ISSUE = 1000


def _archive(ctx: Context) -> Path:
    """Six small issues (10 articles, 8,000 words, 3 pictures each), made once per bench run."""
    root = ctx.scratch / "archive"
    if not (root / "publication.toml").is_file():
        generate(root, 6, seed=7, articles=10, words=8000, pictures=3)
    return root


def _archive_build(ctx: Context, jobs: int) -> list[str]:
    return [ctx.python, "-m", "publish", "--root", str(_archive(ctx)), "build", "--all", "--format", ARCHIVE_FORMATS,
            "--jobs", str(jobs), "--force", "--quiet", "--out", str(ctx.scratch / f"dist-{jobs}")]


def archive_two_workers(ctx: Context) -> list[str]:
    return _archive_build(ctx, 2)


def archive_one_core(ctx: Context) -> list[str]:
    taskset = shutil.which("taskset")
    if taskset is None:
        raise BaselineMissing("install util-linux (taskset), which pins the baseline to one core")
    return [taskset, "-c", "0", *_archive_build(ctx, 1)]


def serve(ctx: Context) -> list[str]:
    return [ctx.python, "-m", "bench.serve", "--repeat", "5", "--json", str(ctx.scratch / "serve.json")]


def serve_report(ctx: Context) -> tuple[str, dict]:
    figures = json.loads((ctx.scratch / "serve.json").read_text(encoding="utf-8"))
    return (f"an edited article visible after {figures['median']:.2f} s (median of {len(figures['seconds'])}; "
            f"min {min(figures['seconds']):.2f}, max {max(figures['seconds']):.2f}); goal <= 1 s"), figures


def memory(ctx: Context) -> list[str]:
    root = ctx.scratch / "big"
    if not (root / "publication.toml").is_file():
        generate(root, 1, seed=11, articles=50, words=40000, pictures=16, first_number=BIG_ISSUE)
    return [ctx.python, "-m", "bench.rows_scale", "--memory", str(root), str(BIG_ISSUE),
            "--json", str(ctx.scratch / "memory.json")]


def memory_report(ctx: Context) -> tuple[str, dict]:
    figures = json.loads((ctx.scratch / "memory.json").read_text(encoding="utf-8"))
    return (f"50 articles, {figures['formats']}: peak {figures['peak_mib']:.0f} MiB in one process "
            f"({figures['seconds']:.1f} s); goal <= 600 MB per worker"), figures


ROWS = [
    Row("archive", archive_two_workers, archive_one_core,
        f"publish build --all --format {ARCHIVE_FORMATS} --jobs 2 --force on six small issues vs. the same with "
        "--jobs 1 pinned to one core (taskset -c 0): the ratio is the inverse of the speed-up (issue 17's goal, "
        ">= 1.8x faster, is a ratio <= 0.56)"),
    Row("serve", serve, None,
        "figures, not timings: publish serve on a 25-article issue; an article's title is changed on disk and the "
        "served page polled until it shows (bench/serve.py)", report=serve_report),
    Row("memory", memory, None,
        "figures, not timings: publish build --format pdf,print,epub,text --force of a 50-article issue; its "
        "largest process's peak resident memory, from wait4", report=memory_report),
]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.rows_scale", description=__doc__.splitlines()[0])
    ap.add_argument("--memory", nargs=2, metavar=("ROOT", "ISSUE"), required=True)
    ap.add_argument("--json", type=Path, required=True)
    args = ap.parse_args(argv)
    root, issue = args.memory
    formats = "pdf,print,epub,text"
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "publish", "--root", root, "build", issue, "--format", formats,
                                "--force", "--quiet", "--out", str(Path(root) / "dist")], env=child_env())
    # wait4's peak is the largest of the build's processes that were waited for (the build waits for all)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        return process.returncode
    args.json.write_text(json.dumps({"formats": formats, "peak_mib": usage.ru_maxrss / 1024,
                                     "seconds": time.perf_counter() - started}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
