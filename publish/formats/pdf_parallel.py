"""Render jobs → their results, each laid out in a forked process of its own, a few at a time, under a time limit.

Forking keeps the start-up cost near zero (the child inherits the imported
WeasyPrint and the parsed issue) and keeps the large layout trees out of the
building process. A child that does not answer within the time limit (plus a
grace period for its own alarm to report the article) is killed.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing.connection import wait

from publish.formats.pdf_render import Job, Result, render

GRACE = 15.0  # seconds after the limit before a silent child is killed


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _child(job: Job, conn) -> None:  # pragma: no cover - runs in the forked process
    try:
        result = render(job)
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        result = Result(error=f"{job.label}: the PDF layout failed ({type(exc).__name__}: {exc})")
    try:
        conn.send(result)
    finally:
        conn.close()


def run(jobs: list[Job], workers: int) -> list[Result]:
    """Results in the order of `jobs`. With one worker or no fork, jobs run here, one after another."""
    if workers <= 1 or not _can_fork():
        return [render(job) for job in jobs]
    context = multiprocessing.get_context("fork")
    results: list[Result | None] = [None] * len(jobs)
    pending = list(range(len(jobs)))
    running: dict = {}  # connection → (index, process, deadline)
    try:
        while pending or running:
            while pending and len(running) < workers:
                index = pending.pop(0)
                receiver, sender = context.Pipe(duplex=False)
                process = context.Process(target=_child, args=(jobs[index], sender), daemon=True)
                process.start()
                sender.close()
                running[receiver] = (index, process, time.monotonic() + jobs[index].time_limit + GRACE)
            soonest = min(deadline for _, _, deadline in running.values())
            ready = wait(list(running), timeout=max(0.0, soonest - time.monotonic()))
            for conn in ready:
                index, process, _ = running.pop(conn)
                try:
                    results[index] = conn.recv()
                except EOFError:
                    results[index] = Result(error=f"{jobs[index].label}: the PDF layout process died "
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
                    results[index] = Result(error=f"{jobs[index].label}: the PDF layout took longer than "
                                                  f"{jobs[index].time_limit:g} s and was stopped — look for a "
                                                  "very long table or unbroken line, or raise PUBLISH_PDF_TIME_LIMIT")
    finally:
        for conn, (_, process, _) in running.items():
            process.kill()
            process.join()
            conn.close()
    return [r for r in results if r is not None]


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
