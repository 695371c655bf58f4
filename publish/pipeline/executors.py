"""Build tasks for many issues → outcomes, run inline, in worker processes, or on a Dask cluster.

Each issue is built in its own worker process of publish.forkpool, which exits
afterwards, so WeasyPrint's memory goes back to the system; a worker that
crashes, runs out of memory or passes the time limit fails that issue only.
"""

from __future__ import annotations

import resource
import time
import traceback
from functools import partial
from pathlib import Path
from typing import Iterator

from publish.errors import PublishError
from publish.pipeline.issue import build_issue, load_writers
from publish.pipeline.types import IssueOutcome, Options, Task


def run_tasks(tasks: list[Task], options: Options, spare=None) -> Iterator[IssueOutcome]:
    """Outcomes in the order they finish. A `spare` (pipeline.issue.early_spare) goes to a lone task run
    here; the caller stops it if no task takes it."""
    if not tasks:
        return iter(())
    if options.scheduler:
        return _run_dask(tasks, options.scheduler)
    if options.jobs <= 1 or len(tasks) == 1:
        return _run_inline(tasks, spare if len(tasks) == 1 else None)
    return _run_processes(tasks, options.jobs, options.timeout)


def _guarded(task: Task) -> IssueOutcome:
    """build_issue, with any unexpected exception turned into this issue's failure, in one of several workers
    (processes or Dask's) that share the cores: its layouts run one at a time (forkpool.share_cores)."""
    from publish import forkpool

    forkpool.share_cores()
    try:
        outcome = build_issue(task)
    except PublishError as exc:
        outcome = IssueOutcome(task.number, error=exc.format_message())
    except Exception as exc:  # noqa: BLE001 - isolate the issue, keep the others going
        last = traceback.extract_tb(exc.__traceback__)[-1]
        outcome = IssueOutcome(task.number, error=f"issues/{task.number}: internal error {type(exc).__name__}: "
                                                  f"{exc} (at {Path(last.filename).name}:{last.lineno}) — "
                                                  "report it; the other issues were built")
    outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return outcome


def _run_inline(tasks: list[Task], spare=None) -> Iterator[IssueOutcome]:
    for task in tasks:
        outcome = build_issue(task, spare)  # in-process: let internal errors reach the CLI (and --debug)
        outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        yield outcome


def _run_processes(tasks: list[Task], jobs: int, timeout: float) -> Iterator[IssueOutcome]:
    """At most `jobs` worker processes, one issue each; each finishes, crashes or times out alone."""
    from publish import forkpool  # only here: a one-issue build runs in this process
    from publish.forkpool import died_why

    def failure(index: int, why: str) -> IssueOutcome:
        number = tasks[index].number
        if why == "timeout":
            return IssueOutcome(number, error=f"issues/{number}: took longer than {timeout:.0f} s and was stopped — "
                                              "look for a huge picture or article, or raise --timeout")
        if why.startswith("died"):
            hint = "" if "signal" in died_why(why) else " (a crash in a renderer?)"
            return IssueOutcome(number, error=f"issues/{number}: the worker {died_why(why)}{hint} — "
                                              "build this issue alone with --debug to see why")
        return IssueOutcome(number, error=f"issues/{number}: internal error {why.partition(': ')[2]} — "
                                          "report it; the other issues were built")

    load_writers({fmt for task in tasks for fmt in task.formats})
    calls = [partial(_guarded, task) for task in tasks]
    for _, outcome, seconds in forkpool.run(calls, jobs, [timeout] * len(tasks), failure):
        outcome.seconds = outcome.seconds or seconds
        yield outcome


def _run_dask(tasks: list[Task], address: str) -> Iterator[IssueOutcome]:
    """The same tasks on a Dask cluster; workers need publish and the publication folder at the same path."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise PublishError("--scheduler needs Dask: pip install 'publish[cluster]' "
                           "(dask[distributed]) on this machine and on every worker") from None
    try:
        client = Client(address, timeout="5s")
    except (OSError, TimeoutError) as exc:
        raise PublishError(f"cannot reach the Dask scheduler at {address} ({exc}) — "
                           "start it with: dask scheduler, and workers with: dask worker ADDRESS") from None
    with client:
        futures = {client.submit(_guarded, task, key=f"publish-issue-{task.number}-{time.time_ns()}",
                                 pure=False): task for task in tasks}
        for future in as_completed(futures):
            task = futures[future]
            try:
                yield future.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker fails its issue only
                yield IssueOutcome(task.number, error=f"issues/{task.number}: the Dask task failed "
                                                      f"({type(exc).__name__}: {exc}) — see the worker's log")
