"""Tasks (render jobs, joins) → their results, each run in a forked process of its own, a few at a time, timed.

Forking keeps the start-up cost near zero (the child inherits the imported
WeasyPrint and the parsed issue) and keeps the large layout trees out of the
building process. A child that does not answer within the time limit (plus a
grace period for its own alarm to report the article) is killed.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from multiprocessing.connection import wait

from typing import Callable

from publish import lifeline
from publish.products.print_layout.render import Job, Result, render

log = logging.getLogger("publish")
GRACE = 15.0  # seconds after the limit before a silent child is killed


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _child(task: Callable, label: str, conn, parent: int) -> None:  # pragma: no cover - the forked process
    lifeline.die_with(parent)  # a killed build must not leave its PDF workers running
    try:
        result = task()
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        result = Result(error=f"{label}: making the PDF failed ({type(exc).__name__}: {exc})")
    try:
        conn.send(result)
    finally:
        conn.close()


def run(jobs: list[Job], workers: int) -> list[Result]:
    """Each job rendered; results in the order of `jobs`."""
    # the longest documents first, so that the short ones fill in at the end
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].html))
    return call([lambda job=job: render(job) for job in jobs], workers,
                [job.label for job in jobs], [job.time_limit for job in jobs], order)


def call(tasks: list[Callable], workers: int, labels: list[str], limits: list[float],
         order: list[int] | None = None) -> list:
    """Each task's return value, in order. With one worker or no fork, tasks run here, one after another."""
    if workers <= 1 or len(tasks) <= 1 or not _can_fork():
        return [task() for task in tasks]
    context = multiprocessing.get_context("fork")
    log.debug("pdf: %d task(s) for %s in up to %d worker process(es)", len(tasks), labels[0], workers)
    results: list = [None] * len(tasks)
    pending = list(order if order is not None else range(len(tasks)))
    running: dict = {}  # connection → (index, process, deadline)
    try:
        while pending or running:
            while pending and len(running) < workers:
                index = pending.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(tasks[index], labels[index], sender, os.getpid()),
                                          daemon=True)
                process.start()
                sender.close()
                running[receiver] = (index, process, time.monotonic() + limits[index] + GRACE)
            soonest = min(deadline for _, _, deadline in running.values())
            ready = wait(list(running), timeout=max(0.0, soonest - time.monotonic()))
            for conn in ready:
                index, process, _ = running.pop(conn)
                try:
                    results[index] = conn.recv()
                except EOFError:
                    results[index] = Result(error=f"{labels[index]}: the PDF process died "
                                                  f"(exit code {process.exitcode}) — is the machine out of memory?")
                conn.close()
                process.join()
            now = time.monotonic()
            for conn, (index, process, deadline) in list(running.items()):
                if now >= deadline:
                    process.kill()
                    process.join()
                    conn.close()
                    del running[conn]
                    results[index] = Result(error=f"{labels[index]}: making the PDF took longer than "
                                                  f"{limits[index]:g} s and was stopped — look for a "
                                                  "very long table or unbroken line, or raise PUBLISH_PDF_TIME_LIMIT")
    finally:
        for conn, (_, process, _) in running.items():
            process.kill()
            process.join()
            conn.close()
    return results


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
