"""Build tasks for many issues → outcomes, run inline, in worker processes, or on a Dask cluster.

Each issue is built in its own worker process, which exits afterwards, so
WeasyPrint's memory goes back to the system; a worker that crashes, runs out
of memory or passes the time limit fails that issue only.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path
from typing import Iterator

from publish import lifeline
from publish.errors import PublishError
from publish.pipeline.issue import build_issue
from publish.pipeline.types import IssueOutcome, Options, Task

def run_tasks(tasks: list[Task], options: Options) -> Iterator[IssueOutcome]:
    """Outcomes in the order they finish."""
    if not tasks:
        return iter(())
    if options.scheduler:
        return _run_dask(tasks, options.scheduler)
    if options.jobs <= 1 or len(tasks) == 1:
        return _run_inline(tasks)
    return _run_processes(tasks, options.jobs, options.timeout)


def _guarded(task: Task) -> IssueOutcome:
    """build_issue, with any unexpected exception turned into this issue's failure."""
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


def _run_inline(tasks: list[Task]) -> Iterator[IssueOutcome]:
    for task in tasks:
        outcome = build_issue(task)  # in-process: let internal errors reach the CLI (and --debug)
        outcome.peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        yield outcome


def _child(task: Task, conn, parent: int) -> None:
    lifeline.die_with(parent)  # a killed build must not leave its workers running
    try:
        conn.send(_guarded(task))
    finally:
        conn.close()


def _run_processes(tasks: list[Task], jobs: int, timeout: float) -> Iterator[IssueOutcome]:
    """At most `jobs` worker processes, one issue each; each finishes, crashes or times out alone."""
    context = multiprocessing.get_context("fork")
    pending = list(reversed(tasks))
    running: dict = {}  # sentinel → (process, connection, task, started)
    try:
        while pending or running:
            while pending and len(running) < jobs:
                task = pending.pop()
                receive, send = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(task, send, os.getpid()), daemon=True)
                process.start()
                send.close()
                running[process.sentinel] = (process, receive, task, time.monotonic())
            ready = wait(list(running), timeout=1.0)
            now = time.monotonic()
            for sentinel in list(running):
                process, receive, task, started = running[sentinel]
                if sentinel in ready or receive.poll():
                    outcome = _collect(process, receive, task)
                elif now - started > timeout:
                    process.kill()
                    process.join()
                    outcome = IssueOutcome(task.number, error=(
                        f"issues/{task.number}: took longer than {timeout:.0f} s and was stopped — "
                        "look for a huge picture or article, or raise --timeout"))
                else:
                    continue
                del running[sentinel]
                outcome.seconds = outcome.seconds or now - started
                yield outcome
    finally:
        for process, receive, _, _ in running.values():
            process.kill()
            process.join()


def _collect(process, receive, task: Task) -> IssueOutcome:
    outcome = None
    with contextlib.suppress(EOFError, OSError):
        if receive.poll(5):
            outcome = receive.recv()
    process.join()
    receive.close()
    if outcome is not None:
        return outcome
    code = process.exitcode
    why = f"killed by signal {-code}" if code and code < 0 else f"exited with status {code}"
    hint = "out of memory?" if code == -9 else "a crash in a renderer?"
    return IssueOutcome(task.number, error=f"issues/{task.number}: the worker {why} ({hint}) — "
                                           "build this issue alone with --debug to see why")


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
