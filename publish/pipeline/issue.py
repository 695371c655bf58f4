"""One Task → its Outcome: read the issue, write its stale formats into a staging folder, validate, move into dist/<n>/.

The unit of work every executor runs (publish.pipeline.executors), in this
process, in a worker process or on a Dask worker.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from functools import partial
from pathlib import Path

from publish import lifeline
from publish.atomic import TEMP_PREFIX
from publish.check import IssueResult, load_publication, read_issues
from publish.errors import PublishError, SourceError
from publish.formats import FORMATS, ORDER
from publish.pipeline import plan
from publish.pipeline.types import Context, IssueOutcome, Task

log = logging.getLogger("publish")


def build_issue(task: Task, spare=None) -> IssueOutcome:
    """Read one issue and write its stale formats: the unit of work of every executor. A `spare` forked before
    the plan (early_spare) is used if this task is an edit's, else stopped."""
    started = time.perf_counter()
    options = task.options
    pub, _ = load_publication(task.root, options.strict)
    spare = _spare(task, spare)
    try:
        return _build(task, pub, spare, started)
    finally:
        if spare is not None:
            spare.close()


def _build(task: Task, pub, spare, started: float) -> IssueOutcome:
    options = task.options
    result = _read(task, pub, spare)
    outcome = IssueOutcome(task.number, problems=result.problems, unchanged=list(task.current))
    if result.failed(options.strict):
        outcome.error = SourceError(result.problems, options.strict).message
        return outcome
    issue = result.issue
    out = (options.out or task.root / "dist").resolve()
    out_dir = out / str(issue.number)
    context = Context(options, out, outputs=dict(task.current), layout_digest=task.layout_digest,
                      layout_base=task.layout_base, spare=spare)
    # every format is written into a staging folder first and moves into dist/<n>/ only when all of
    # them (and their validation) succeeded: a failed issue leaves its previous files as they were
    stage = out / f"{TEMP_PREFIX}stage-{issue.number}"
    try:
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir(parents=True)
        for fmt in task.formats:
            log.debug("issue %s: building %s", issue.number, fmt)
            files = FORMATS[fmt].write(issue, stage, context)
            lifeline.crash_point(f"staged:{fmt}")
            context.outputs[fmt] = files
            outcome.built[fmt] = files
        if options.validate:
            _validate(list(task.current) + list(task.formats), context, outcome, options.strict)
        if not outcome.error:
            for fmt, files in outcome.built.items():
                outcome.built[fmt] = [_place(file, stage, out_dir) for file in files]
                lifeline.crash_point(f"placed:{fmt}")
                plan.record(plan.state_dir(task.root, out), out_dir, fmt, task.digests[fmt], outcome.built[fmt])
    except PublishError as exc:
        outcome.error = exc.format_message()
    except OSError as exc:
        where = exc.filename or out_dir
        outcome.error = f"{where}: cannot write ({exc.strerror}) — check free space and permissions"
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if outcome.error:
        outcome.built = {}
    outcome.seconds = time.perf_counter() - started
    return outcome


def _spare(task: Task, given=None):
    """The process forked ahead for this build (pipeline.spare, early_spare) if this task has a use for it,
    else stopped: a Spare for an edit's task (it loads WeasyPrint for the one layout while this process
    reads the issue), a Zygote for any task that lays the print edition out (every layout is forked from
    it: this process never loads WeasyPrint)."""
    if given is None:
        return None
    kind = _ahead(task.root, task.number, task.formats, task.options)
    if kind is None or (kind == "spare") != (not given.lasts) or (kind == "spare" and not task.layout_base):
        given.close()
        return None
    return given


def early_spare(root: Path, folders: list[Path], formats, options):
    """The process to fork ahead (_ahead) for a one-issue build, as soon as the issue is chosen (before the
    plan hashes the sources), where the command could not fork one sooner (pipeline.spare); None otherwise.
    The caller closes it if no task takes it."""
    from publish import ahead
    from publish.pipeline.spare import prepare

    kind = _ahead(root, int(folders[0].name), formats, options) if len(folders) == 1 else None
    if kind is None:
        return None
    if kind == "spare":
        return ahead.spare(partial(prepare, root))
    return ahead.zygote(partial(prepare, root, "print" in formats))


def _ahead(root: Path, number: int, formats, options) -> str | None:
    """What to fork ahead for a build of this issue's formats: "spare" where it is likely to lay out one part
    or two (it makes a PDF, is not forced, and the issue has been laid out before), "zygote" where it lays
    the whole edition out; None for a build without a PDF, on a Dask cluster, or without a second core."""
    from publish import forkpool
    from publish.formats import PDF_FORMATS

    if not set(formats) & set(PDF_FORMATS) or options.scheduler or not forkpool.can_begin():
        return None
    from publish.products.print_layout.partcache import PartCache  # not loaded by a build without a PDF

    return "spare" if not options.force and PartCache(root, number, "").holds_any() else "zygote"


def _read(task: Task, pub, spare=None) -> IssueResult:
    """The issue read and checked. Where it is to be laid out for print, or made into an ebook, and a core is
    free, that happens in a forked process while this one loads the formats' code (WeasyPrint: half a
    second; the EPUB's, 0.05 s of a 0.35 s build); the reading is then no longer in front of the layout or
    the book. With a `spare` loading WeasyPrint (_spare), the reading is done here and WeasyPrint is left
    to it."""
    from publish import forkpool
    from publish.formats import PDF_FORMATS

    def read() -> IssueResult:
        return read_issues(pub, [task.folder], print_checks="print" in task.formats)[0]

    if spare is not None:
        result = read()
        load_writers(set(task.formats), warm=False)
        return result
    # the PDFs, and the ebooks (the formats with a page-list: epub, kindle, kepub)
    if not any(f in PDF_FORMATS or FORMATS[f].page_list for f in task.formats) or not forkpool.can_begin():
        return read()
    wait = forkpool.begin(read, lambda index, why: None)
    try:
        load_writers(set(task.formats), (pub.language,))
    finally:
        result = wait()
    # a reading that failed (or could not be sent back) is done again here, to fail as it would have
    return result if isinstance(result, IssueResult) else read()


def load_writers(formats: set[str], languages: tuple[str, ...] = (), warm: bool = True) -> None:
    """The formats' code imported here, once, before processes fork: each inherits it, where it would
    otherwise import it itself (WeasyPrint alone is half a second, once per issue of an archive). Without
    `warm`, WeasyPrint is not loaded (a spare process has it)."""
    from publish.formats import PDF_FORMATS

    for fmt in sorted(formats):
        if fmt in FORMATS:
            FORMATS[fmt].load()
    if warm and formats & set(PDF_FORMATS):  # and what every layout loads first (weasy_adapter.warm)
        from publish.products.print_layout.weasy_adapter import warm

        try:
            warm(languages)
        except (ImportError, OSError):  # WeasyPrint cannot start here: the build says so, located
            pass


def _place(file: Path, stage: Path, out_dir: Path) -> Path:
    """Move a finished file from the staging folder to its place in dist/<n>/ (a rename: atomic)."""
    target = out_dir / file.relative_to(stage)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(file, target)
    return target


def _validate(formats: list[str], context: Context, outcome: IssueOutcome, strict: bool) -> None:
    """Run each built format's validators; errors (and warnings with --strict) fail the issue."""
    failures = []
    for fmt in [f for f in ORDER if f in formats]:
        for message in FORMATS[fmt].validate(context.outputs.get(fmt, []), context):
            outcome.validation.append(f"{fmt}: {message}")
            if message.startswith("error:") or (strict and message.startswith("warning:")):
                failures.append(f"{fmt}: {message}")
    if failures:
        outcome.error = "validation failed:\n" + "\n".join(failures)
