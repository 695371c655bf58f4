"""Render jobs and joins → their results, each run in a forked process of publish.forkpool, a few at a time, timed.

Forking keeps the large layout trees out of the building process. A child that
does not answer within its time limit plus a grace period (for its own alarm
to report the article it was on) is killed.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Callable

from publish import forkpool
from publish.forkpool import died_why
from publish.products.print_layout.render import Job, Result, render

log = logging.getLogger("publish")
Heard = Callable[[int, object], list]  # (index, news) → more tasks: [(task, label, time limit)]
GRACE = 15.0  # seconds after the limit before a silent child is killed


def run(jobs: list[Job], workers: int, spare=None,
        languages: tuple[str, ...] = ()) -> list[Result]:
    """Each job rendered; results in the order of `jobs`."""
    # the longest documents first, so that the short ones fill in at the end
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].html))
    return call([partial(render, job) for job in jobs], workers,
                [job.label for job in jobs], [job.time_limit for job in jobs], order, spare, tuple(languages))


def call(tasks: list[Callable], workers: int, labels: list[str], limits: list[float],
         order: list[int] | None = None, spare=None,
         languages: tuple[str, ...] | None = None, heard: Heard | None = None) -> list:
    """Each task's return value, in order. With one worker or no fork, tasks run here, one after another.

    A task alone still runs in a process of its own: the building process keeps no layout's state. The
    `spare` (a process that loaded WeasyPrint while the issue was read) takes the first task. Tasks that
    lay out (`languages` given) have this process load WeasyPrint, the C types and the hyphenation
    dictionaries of `languages` before it forks the first of them itself, once, for every child to inherit
    (weasy_adapter.warm). Tasks go to a spare (publish.ahead: a Spare, or a Zygote) pickled:
    functools.partial of a module's function.

    `heard(index, news)` hears what a task tells while it runs (forkpool.tell: a layout's pages, before it is
    written), and may answer with more tasks, (task, label, time limit), which start at once, before the
    tasks not yet started; their values follow the given tasks'. A task run here tells when it has ended.
    """
    tasks, labels, limits = list(tasks), list(labels), list(limits)
    if workers <= 1 or not tasks or not forkpool.can_fork():
        return _inline(tasks, labels, limits, heard)
    log.debug("pdf: %d task(s) for %s in up to %d worker process(es)", len(tasks), labels[0], workers)

    def failure(index: int, why: str) -> Result:
        if why == "timeout":
            return Result(error=f"{labels[index]}: making the PDF took longer than {limits[index]:g} s and was "
                                "stopped — look for a very long table or unbroken line, or raise "
                                "PUBLISH_PDF_TIME_LIMIT")
        if why.startswith("died"):
            return Result(error=f"{labels[index]}: the PDF process {died_why(why)} — is the machine out of memory?")
        return Result(error=f"{labels[index]}: making the PDF failed ({why.partition(': ')[2]})")

    def more(index: int, news) -> list[tuple[Callable, float]]:
        added = heard(index, news) if heard is not None else []
        labels.extend(label for _, label, _ in added)
        limits.extend(limit for _, _, limit in added)
        return [(task, limit + GRACE) for task, _, limit in added]

    def warm_here() -> None:
        from publish.products.print_layout.weasy_adapter import warm

        try:
            warm(languages)
        except (ImportError, OSError):  # WeasyPrint cannot start here: each layout says so, located
            pass

    results: dict[int, object] = {}
    for index, result, seconds in forkpool.run(tasks, workers, [limit + GRACE for limit in limits], failure, order,
                                               spare, None if languages is None else warm_here, more):
        log.debug("pdf: %s done in %.2f s", labels[index], seconds)
        results[index] = result
    return [results[index] for index in range(len(results))]


def _inline(tasks: list[Callable], labels: list[str], limits: list[float], heard: Heard | None) -> list:
    """call() without forking: each task here, in turn; what one tells is heard when it has ended, and the
    tasks heard asks for are run after the others."""
    told: list = []
    saved, forkpool._teller = forkpool._teller, told.append
    try:
        results = []
        while len(results) < len(tasks):
            results.append(tasks[len(results)]())
            index, news = len(results) - 1, list(told)
            told.clear()
            for item in news:
                for task, label, limit in (heard(index, item) if heard is not None else ()):
                    tasks.append(task)
                    labels.append(label)
                    limits.append(limit)
        return results
    finally:
        forkpool._teller = saved
