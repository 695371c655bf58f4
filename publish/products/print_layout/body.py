"""The print layout's body: the front page's measure and the body parts, laid out in parallel processes
(.parallel) or taken from the part cache (.partcache).

The lead story's part picks up where the front page stops, so it waits for the measure: the two are
one task, started first, laid out one after the other in one process, while the other parts take the
other processes. `edition` lays the front page and the furniture out after them and joins the PDFs.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from functools import partial
from typing import Callable

from publish import forkpool
from publish.errors import PublishError, rel
from publish.model import Issue
from publish.products.print_layout import front
from publish.products.print_layout import html as pdf_html
from publish.products.print_layout.front import Jump, front_html
from publish.products.print_layout.parallel import call, run
from publish.products.print_layout.partcache import PartCache
from publish.products.print_layout.render import Job, Result, render

log = logging.getLogger("publish")
# what waits for every part's pages: (jump, the parts, their layouts) → the jobs to lay out then
Then = Callable[[Jump, list, list[Result]], list[Job]]
DEFAULT_TIME_LIMIT = 300.0  # seconds for one layout; PUBLISH_PDF_TIME_LIMIT overrides


def time_limit() -> float:
    raw = os.environ.get("PUBLISH_PDF_TIME_LIMIT", "").strip()
    try:
        return float(raw) if raw else DEFAULT_TIME_LIMIT
    except ValueError:
        raise PublishError(f"PUBLISH_PDF_TIME_LIMIT={raw!r} is not a number of seconds — "
                           "unset it or give e.g. PUBLISH_PDF_TIME_LIMIT=300") from None


def body(issue: Issue, variants: tuple[str, ...], cache: PartCache, workers: int, fresh: bool, inks=None,
         spare=None, then: Then | None = None):
    """The front page's measure and the body parts → (jump, parts, their jobs, their results, late).

    The lead story's part picks up where the front page stops, so it needs the measure first: the two are
    one task, laid out one after the other in one process, started first, while the other parts take the
    other processes. A measure in the part cache makes the lead's parts tasks like the others (an edit
    of a lead part's other articles needs only .render, which a spare has loaded). Results come from the
    part cache unless `fresh` (--force). With `inks`, each part's press variant is separated into CMYK in
    its own process. A `spare` process (publish.ahead: Spare or Zygote) takes the first task, or all.

    Each task tells its pages once laid out, before writing them (forkpool.tell); once every part's are
    known, `then(jump, the parts, their layouts)` gives the jobs that wait for them (the front page, the
    running heads), laid out beside the parts still being written: `late` is their results, in that
    order (None if `then` was never reached).
    """
    measure, jump = measure_job(issue)
    everything = pdf_html.split(issue)
    lead = [i for i, part in enumerate(everything) if any(a.key == jump.key for a in part.articles)]
    jobs = {i: _part_job(issue, everything[i], jump, variants, inks) for i in range(len(everything)) if i not in lead}
    known = None if fresh else cache.get(measure)
    picked = _lead_jobs(issue, everything, lead, known, jump, variants, inks) if known else None
    if picked:  # the measure is known: the lead's parts are laid out like any other (by .render alone)
        jobs |= picked[1]
    cached = {i: None if fresh else cache.get(job) for i, job in jobs.items()}
    todo = [i for i, result in cached.items() if result is None]
    # the measure, then the lead's parts from it, as one task: unless the measure is in the cache
    chain = [] if picked else [
        partial(_lead_parts, issue, everything, lead, measure, jump, variants, cache, fresh, inks)]
    first = len(chain)
    pages = _Pages(lambda measured: _lead_jobs(issue, everything, lead, measured, jump, variants, inks),
                   picked, {i: r for i, r in cached.items() if r is not None}, set(jobs), bool(chain),
                   [*[None] * first, *todo],
                   then and (lambda jump_, kept, laid: then(jump_, [everything[i] for i in kept], laid)))
    tasks = [*chain, *(partial(render, replace(jobs[i], renew=fresh), forkpool.tell) for i in todo)]
    limit = time_limit()
    done = _call(issue, tasks, [measure.label] * first + [jobs[i].label for i in todo],
                 [limit * (1 + len(lead))] * first + [limit] * len(todo),
                 [*range(first), *sorted(range(first, len(tasks)), key=lambda t: -len(jobs[todo[t - first]].html))],
                 pages, workers, spare)
    if chain and isinstance(done[0], Result):  # the lead's task itself failed (time limit, crash)
        raise_errors([done[0]])
    measured, leads = (known, []) if picked else done[0]
    results = dict(cached) | dict(zip(todo, done[first:len(tasks)]))
    raise_errors([measured, *(r for _, r in leads), *results.values()])
    for i in todo:
        cache.put(jobs[i], results[i])
    if known is None:
        cache.put(measure, measured)
    jump, lead_jobs = pages.lead or _lead_jobs(issue, everything, lead, measured, jump, variants, inks)
    for (i, job), (laid, result) in zip(lead_jobs.items(), leads):  # the chain's, when it ran
        jobs[i], results[i] = job, result
        if laid:
            cache.put(jobs[i], result)
        else:  # found in the cache by the task's process
            cache.keep(jobs[i])
    kept = sorted(jobs)
    log.debug("issue %s: %d part(s)", issue.number, len(kept))
    return (jump, [everything[i] for i in kept], [jobs[i] for i in kept], [results[i] for i in kept],
            done[len(tasks):] if pages.given else None)


def _call(issue: Issue, tasks: list, labels: list[str], limits: list[float], order: list[int], pages: _Pages,
          workers: int, spare) -> list:
    """The tasks' results (.parallel.call), the late jobs' after them: started first if no part is to be
    waited for (all in the cache), else when `pages` has heard every part's."""
    late = pages.ready()
    return call([*tasks, *(task for task, _, _ in late)], workers, [*labels, *(label for _, label, _ in late)],
                [*limits, *(limit for _, _, limit in late)], [*range(len(tasks), len(tasks) + len(late)), *order],
                spare, languages(issue), pages.heard)


class _Pages:
    """The parts' pages as they become known, from the part cache or told by the tasks laying them out, and
    the jobs `then` gives once all are, handed to the run once (body).

    The lead's task (`chain`, the first) tells ("measure", its layout), then (n, layout) for its n-th part;
    a part's task tells its layout. `parts` holds the parts' indices other than the lead's, `todo` the part
    each task lays out (None for the chain).
    """

    def __init__(self, lead_jobs, picked, laid: dict, parts: set, chain: bool, todo: list, then):
        self.lead_jobs, self.lead, self.laid, self.parts = lead_jobs, picked, dict(laid), set(parts)
        self.chain, self.todo, self.then = chain, todo, then
        self.given = False

    def heard(self, index: int, news) -> list:
        if self.chain and index == 0:
            which, laid = news
            if which == "measure":
                self.lead = self.lead_jobs(laid)
            elif self.lead is not None:
                self.laid[list(self.lead[1])[which]] = laid
        elif index < len(self.todo):
            self.laid[self.todo[index]] = news
        return self.ready()

    def ready(self) -> list:
        """The late jobs as tasks [(task, label, time limit)], once: when every part's pages are known."""
        if self.given or self.then is None or self.lead is None:
            return []
        kept = sorted(self.parts | set(self.lead[1]))
        if any(i not in self.laid for i in kept):
            return []
        self.given = True
        return [(partial(render, job), job.label, job.time_limit)
                for job in self.then(self.lead[0], kept, [self.laid[i] for i in kept])]


def languages(issue: Issue) -> tuple[str, ...]:
    """The languages an issue's layouts hyphenate (weasy_adapter.warm loads their dictionaries once)."""
    return tuple(dict.fromkeys([issue.publication.language, *(a.language for a in issue.all_pages)]))


def cached(cache: PartCache, jobs: list[Job], workers: int, fresh: bool, spare=None,
           hyphenated: tuple[str, ...] = ()) -> list[Result]:
    """Each job's result: from the part cache (unless `fresh`), or laid out now (in parallel) and kept."""
    results = [None if fresh else cache.get(job) for job in jobs]
    todo = [i for i, result in enumerate(results) if result is None]
    for i, result in zip(todo, run([jobs[i] for i in todo], workers, spare, hyphenated) if todo else []):
        results[i] = result
    raise_errors(results)
    for i in todo:
        cache.put(jobs[i], results[i])
    return results


def _kept(measured: Result, jump: Jump) -> Jump:
    """What the front page keeps of the lead, from the measuring layout."""
    foot = measured.height - pdf_html.FRONT_BOTTOM_MM * pdf_html.MM if measured.height else None
    jump = front.kept_on_front(measured.anchors, measured.boxes, jump, foot)
    return jump if jump.kept else Jump("", 0, (), jump.teasers, room=jump.room)


def _lead_jobs(issue: Issue, everything, lead: list[int], measured: Result, jump: Jump,
               variants: tuple[str, ...], inks) -> tuple[Jump, dict[int, Job]]:
    """What the front page keeps of the lead, and the jobs of the lead's parts that pick up from it."""
    jump = _kept(measured, jump)
    return jump, {i: _part_job(issue, everything[i], jump, variants, inks)
                  for i in _lead_waiting(everything, lead, jump)}


def _lead_waiting(everything, lead: list[int], jump: Jump) -> list[int]:
    """The lead's parts to lay out: a lead told whole on the front page leaves nothing of itself inside,
    and a part of it alone goes."""
    told = jump.key if jump.key and not jump.continues else None
    return [i for i in lead if any(a.key != told for a in everything[i].articles)]


def _lead_parts(issue: Issue, everything, lead: list[int], measure: Job, jump: Jump, variants: tuple[str, ...],
                cache: PartCache, fresh: bool, inks) -> tuple[Result, list]:
    """The measure, then the lead's parts laid out from it: (measure, [(laid out now?, result)]). Stops at
    the first error."""
    measured = render(measure)
    if measured.error:
        return measured, []
    forkpool.tell(("measure", measured.laid()))
    made = []
    for n, job in enumerate(_lead_jobs(issue, everything, lead, measured, jump, variants, inks)[1].values()):
        found = None if fresh else cache.get(job)
        if found is not None:
            forkpool.tell((n, found.laid()))
        made.append((found is None, found or render(replace(job, renew=fresh), partial(_tell_lead, n))))
        if made[-1][1].error:
            break
    return measured, made


def _tell_lead(n: int, laid: Result) -> None:
    forkpool.tell((n, laid))


def _part_job(issue: Issue, part, jump: Jump, variants: tuple[str, ...], inks) -> Job:
    pub = issue.publication
    return Job(pdf_html.part_html(issue, part, jump), pub.root, variants, sources(issue, part.articles),
               time_limit(), label=_label(issue, part.articles), layout=f"layouts/{pub.layout}", inks=inks)


def measure_job(issue: Issue) -> tuple[Job, Jump]:
    """The layout that measures how much of the lead story, and which teasers, the front page holds."""
    pub = issue.publication
    lead = issue.cover_story
    blocks = front.blocks(lead, pub.language, pdf_html.picture_url, pub.url) if lead else ()
    limit = front.measure_limit(pdf_html.front_scale(pub))
    order = front.candidates(blocks, limit)
    # teasers only where the lead leaves room: a lead with a page's worth of text leaves none
    short = sum(len(blocks[i]) for i in order) < limit
    teasers = tuple(a.key for a in issue.articles if lead is None or a.key != lead.key)[:front.TEASERS if short else 0]
    jump = Jump(lead.key if lead else "", 0, blocks, teasers, order)
    job = Job(front_html(issue, jump, None, pdf_html.page_css(issue, front=True), pdf_html.picture_url),
              pub.root, (), sources(issue, list(issue.articles)), time_limit(),
              label=rel((lead.source if lead else issue.folder / "issue.toml"), pub.root),
              layout=f"layouts/{pub.layout}", kind="measure")
    return job, jump


def sources(issue: Issue, articles) -> dict[str, str]:
    root = issue.publication.root
    return {f"article-{a.key}": rel(a.source, root) for a in articles}


def _label(issue: Issue, articles) -> str:
    names = [rel(a.source, issue.publication.root) for a in articles]
    return names[0] if len(names) == 1 else ", ".join(names)


def raise_errors(results: list[Result]) -> None:
    errors = [r.error for r in results if r.error]
    if errors:
        raise PublishError("\n".join(errors))
