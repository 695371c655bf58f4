"""Benchmark rows in, timings out: Row and Context, row discovery, the interleaved runner, the table.

A row pairs a measured command with a baseline command; both are argv lists run
as subprocesses in the synthetic publication's folder, alternately (baseline,
subject, baseline, subject, …) so both see the same machine noise. The harness
only reports; it never judges an absolute time.

A *figures* row (one with `report`) is not timed against a baseline: its command
runs once and `report` reads what it made (the `layout` row: how full the pages
are); its figures are printed under the table.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import statistics
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent


class BaselineMissing(Exception):
    """Raised by a row's baseline when its tool is not installed; the message says what to install."""


@dataclass(frozen=True)
class Context:
    """What a row's commands may refer to."""

    root: Path  # the synthetic publication (also the commands' working directory)
    scratch: Path  # an empty output folder of this row's own
    issues: tuple[int, ...]  # the issue numbers to work on
    python: str  # the interpreter to run `-m publish` and Python baselines with

    def issue_args(self) -> list[str]:
        return [str(n) for n in self.issues]

    def articles(self) -> list[Path]:
        """Every article source of the issues, in issue then file-name order."""
        return [md for n in self.issues for md in sorted((self.root / "issues" / str(n)).glob("*.md"))]

    def standing_pages(self) -> list[Path]:
        return sorted((self.root / "pages").glob("*.md"))

    def publish(self, *args: str) -> list[str]:
        """argv for the project's CLI on this publication."""
        return [self.python, "-m", "publish", "--root", str(self.root), *args]


@dataclass(frozen=True)
class Row:
    name: str
    command: Callable[[Context], list[str]]
    baseline: Callable[[Context], list[str]] | None
    note: str
    report: Callable[[Context], tuple[str, object]] | None = None  # figures row: text and JSON of what it made


@dataclass
class Sample:
    seconds: float
    maxrss_kib: int
    returncode: int


@dataclass
class RowResult:
    row: Row
    command: list[str] = field(default_factory=list)
    baseline: list[str] | None = None
    subject: list[Sample] = field(default_factory=list)
    base: list[Sample] = field(default_factory=list)
    baseline_missing: str = ""
    error: str = ""
    figures: str = ""  # a figures row's report, for people
    figures_json: object = None

    @property
    def subject_median(self) -> float | None:
        return statistics.median(s.seconds for s in self.subject) if self.subject else None

    @property
    def baseline_median(self) -> float | None:
        return statistics.median(s.seconds for s in self.base) if self.base else None

    @property
    def ratio(self) -> float | None:
        s, b = self.subject_median, self.baseline_median
        return s / b if s is not None and b else None

    def to_json(self) -> dict:
        return {
            "name": self.row.name,
            "note": self.row.note,
            "command": self.command,
            "baseline": self.baseline,
            "baseline_missing": self.baseline_missing or None,
            "error": self.error or None,
            "subject_seconds": [s.seconds for s in self.subject],
            "baseline_seconds": [s.seconds for s in self.base],
            "subject_maxrss_kib": [s.maxrss_kib for s in self.subject],
            "baseline_maxrss_kib": [s.maxrss_kib for s in self.base],
            "subject_median": self.subject_median,
            "baseline_median": self.baseline_median,
            "ratio": self.ratio,
            "figures": self.figures_json,
        }


# -- discovery ---------------------------------------------------------------------------


def discover_rows() -> list[Row]:
    """ROWS of every bench/rows_*.py module, modules in name order."""
    rows: list[Row] = []
    for info in sorted(pkgutil.iter_modules([str(BENCH_DIR)]), key=lambda m: m.name):
        if info.name.startswith("rows_"):
            module = importlib.import_module(f"bench.{info.name}")
            rows.extend(module.ROWS)
    names = [r.name for r in rows]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"benchmark rows defined twice: {', '.join(dupes)}")
    return rows


# -- running -----------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """The caller's environment, with the repository importable and timestamps fixed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    env.setdefault("SOURCE_DATE_EPOCH", "978480000")  # 2001-01-03, the first synthetic issue
    return env


def run_once(argv: list[str], cwd: Path, log: Path, timeout: float) -> Sample:
    """Run argv to completion; its wall time and its own peak RSS (from wait4)."""
    with open(log, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=child_env())
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    return Sample(elapsed, usage.ru_maxrss, proc.returncode)


def _tail(log: Path, lines: int = 8) -> str:
    text = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    return "\n".join(text[-lines:])


def measure(row: Row, ctx: Context, repeat: int, warmup: int, timeout: float,
            on_progress: Callable[[str], None] = lambda _: None) -> RowResult:
    """Warm up, then alternate baseline and subject `repeat` times."""
    ctx = replace(ctx, scratch=ctx.scratch / row.name)
    ctx.scratch.mkdir(parents=True, exist_ok=True)
    result = RowResult(row, command=row.command(ctx))
    if row.report is not None:
        return _figures(row, ctx, result, timeout, on_progress)
    try:
        result.baseline = row.baseline(ctx)
    except BaselineMissing as e:
        result.baseline_missing = str(e)

    plan = {"baseline": result.baseline, "subject": result.command}
    for i in range(warmup + repeat):
        for kind, argv in list(plan.items()):
            if argv is None:
                continue
            on_progress(f"{row.name}: {kind} {'warm-up' if i < warmup else i - warmup + 1}")
            log = ctx.scratch.parent / f"{row.name}.{kind}.log"
            sample = run_once(argv, ctx.root, log, timeout)
            if sample.returncode != 0:
                # Report it and stop running this side; the other side is still worth measuring.
                result.error += f"{kind} exited {sample.returncode}:\n{_tail(log)}\n"
                plan[kind] = None
            elif i >= warmup:
                (result.base if kind == "baseline" else result.subject).append(sample)
    result.error = result.error.strip()
    return result


def _figures(row: Row, ctx: Context, result: RowResult, timeout: float,
             on_progress: Callable[[str], None]) -> RowResult:
    """A figures row: run its command once (timed, for information), then read its report."""
    on_progress(f"{row.name}: subject (once; figures, not timings)")
    log = ctx.scratch.parent / f"{row.name}.subject.log"
    sample = run_once(result.command, ctx.root, log, timeout)
    if sample.returncode != 0:
        result.error = f"subject exited {sample.returncode}:\n{_tail(log)}"
        return result
    result.subject.append(sample)
    try:
        result.figures, result.figures_json = row.report(ctx)
    except Exception as e:  # a report that cannot read the output: say so, keep the other rows
        result.error = f"report failed: {e}"
    return result


# -- reporting ---------------------------------------------------------------------------


def _secs(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _mib(samples: list[Sample]) -> str:
    return f"{max(s.maxrss_kib for s in samples) / 1024:.0f}" if samples else "-"


def format_table(results: list[RowResult]) -> str:
    head = ("row", "subject s", "baseline s", "ratio", "subject RSS MiB", "baseline RSS MiB")
    rows = []
    notes = []
    for r in results:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}"
        rows.append((r.row.name, _secs(r.subject_median), _secs(r.baseline_median), ratio,
                     _mib(r.subject), _mib(r.base)))
        notes.append(f"  {r.row.name}: {r.row.note}")
        if r.baseline_missing:
            notes.append(f"    baseline missing: {r.baseline_missing}")
        if r.error:
            notes.append("    FAILED: " + r.error.replace("\n", "\n      "))
        if r.figures:
            notes.append("    " + r.figures.replace("\n", "\n    "))
    widths = [max(len(x[i]) for x in [head, *rows]) for i in range(len(head))]

    def line(cells: tuple[str, ...]) -> str:
        pairs = enumerate(zip(cells, widths, strict=True))
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in pairs)

    out = [line(head), "  ".join("-" * w for w in widths), *map(line, rows), "", "Rows:", *notes]
    return "\n".join(out)
