"""Issue folders and chosen formats → files in dist/: plan what is stale, build it issue by issue, record it.

The plan is made in the calling process from file digests alone; each stale
issue is then one task (`build_issue`), run inline, in worker processes or on a
Dask cluster by publish.pipeline.executors. One issue's failure stops no other.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

from publish.atomic import remove_leftovers, write_text
from publish.check import load_publication, select_issues
from publish.errors import PublishError
from publish.formats import FORMATS, ORDER
from publish.pipeline.executors import run_tasks
from publish.pipeline.issue import early_spare
from publish.pipeline.lock import lock
from publish.pipeline.plan import Inputs, plan, state_dir
from publish.pipeline.sources import SourceReader
from publish.pipeline.types import Context, IssueOutcome, Options, Summary

log = logging.getLogger("publish")
REPORT = "build-report.json"  # in state_dir(root, out), unless --report says where
LEGACY = (".publish.lock", REPORT)  # what older versions kept in dist/, which is uploaded


def choose_formats(requested: tuple[str, ...] | None, default: tuple[str, ...] = (),
                   tables: frozenset[str] = frozenset()) -> tuple[tuple[str, ...], dict[str, str]]:
    """The formats to build and, for a default build, the ones skipped with the reason.

    `default` is publication.toml's `formats`: when no --format is given, those formats are wanted
    exactly as if they had been asked for (a missing program is then an error, not a skip).
    An opt-in format joins a default build only if publication.toml has a table of its name (`tables`).
    """
    requested = requested or tuple(f for f in ORDER if f in default)
    if requested:
        for fmt in requested:
            why = FORMATS[fmt].missing()
            if why:
                raise PublishError(f"cannot build {fmt}: {why}")
        return requested, {}
    chosen, skipped = [], {}
    for fmt in ORDER:
        if FORMATS[fmt].opt_in and fmt not in tables:
            continue
        why = FORMATS[fmt].missing()
        if why:
            skipped[fmt] = why
        else:
            chosen.append(fmt)
    return tuple(chosen), skipped


def build(root: Path, selectors: tuple[str, ...] = (), all_issues: bool = False,
          options: Options | None = None, progress=None, spare=None) -> Summary:
    """Build the chosen issues' formats (and the site, once, at the end). A `spare` layout process forked by
    the caller (pipeline.spare) goes to a lone issue's task, or is stopped."""
    options = options or Options()
    started = time.perf_counter()
    root = root.resolve()
    pub, warnings = load_publication(root, options.strict)
    out = (options.out or root / "dist").resolve()
    formats, skipped = choose_formats(options.formats, pub.formats, pub.tables)
    folders = select_issues(pub, selectors, all_issues)
    summary = Summary(skipped=skipped, warnings=list(warnings))
    try:
        out.mkdir(parents=True, exist_ok=True)
        records = state_dir(root, out)
    except OSError as exc:
        raise PublishError(f"{exc.filename or out}: cannot create this folder ({exc.strerror or exc}) — "
                           "the build writes its outputs there and its records in .publish-cache/; "
                           "check permissions and free space") from None
    with lock(records, out):
        _tidy(out, folders)
        issue_formats = tuple(f for f in formats if FORMATS[f].per_issue)
        if progress and hasattr(progress, "start"):
            progress.start(len(folders))
        # an edit's layout process loads WeasyPrint while the plan hashes the sources and the issue is read
        spare = spare or early_spare(root, folders, issue_formats, options)
        try:
            inputs = Inputs(pub)  # file hashes, shared by the plan and the site phase
            tasks = plan(pub, out, folders, issue_formats, options, summary, progress, inputs)
            for outcome in run_tasks(tasks, options, spare):
                summary.outcomes.append(outcome)
                if progress:
                    progress(outcome)
        finally:
            if spare is not None:
                spare.close()
        summary.outcomes.sort(key=lambda o: o.number)
        _site_phase(pub, out, formats, options, summary, {int(f.name) for f in folders}, inputs, records)
        summary.warnings += [p for o in summary.outcomes for p in o.problems if not p.is_error]
        summary.seconds = time.perf_counter() - started
        if len(folders) > 1 or any(o.built for o in summary.outcomes) or options.report:
            write_report(options.report or records / REPORT, pub.slug, formats, summary)
    return summary


def _tidy(out: Path, folders: list[Path]) -> None:
    """Remove what a killed build left in dist/, and an older version's bookkeeping."""
    removed = remove_leftovers(out, recursive=False) + sum(remove_leftovers(out / f.name) for f in folders)
    if removed:
        log.info("removed %s left by an interrupted build",
                 "1 temporary file" if removed == 1 else f"{removed} temporary files")
    for name in LEGACY:
        (out / name).unlink(missing_ok=True)


def _site_phase(pub, out: Path, formats: tuple[str, ...], options: Options, summary: Summary,
                selected: set[int], inputs: Inputs, records: Path) -> None:
    """The publication-wide formats (the site), told which issues failed so that it keeps their old pages."""
    site_formats = [f for f in formats if not FORMATS[f].per_issue]
    built = {fmt for o in summary.outcomes for fmt in o.built}
    announced = any(FORMATS[fmt].announced_by_site for fmt in built)  # the podcast is the site's
    if (not site_formats and built and ((out / "index.html").is_file() or announced)
            and FORMATS["site"].missing() is None):
        # the site lists each download's size and SHA-256: keep it true to the files just replaced
        log.info("site: refreshing its download records")
        site_formats = ["site"]
    failed = frozenset(o.number for o in summary.failed)
    for fmt in site_formats:
        reader = SourceReader(pub, fmt, options.strict, inputs)
        context = Context(options, out, failed=failed, state=records, issues=reader)
        try:
            FORMATS[fmt].write(pub, out, context)
        except OSError as exc:  # a full disk, a read-only folder: the site's writes are staged, the old one stays
            where = exc.filename or out
            raise PublishError(f"{where}: cannot write the {fmt} ({exc.strerror or exc}) — check free space "
                               "and permissions; the previous files were kept") from None
        if options.validate:
            summary.validation += [f"{fmt}: {m}" for m in FORMATS[fmt].validate([], context)]
        reader.save()
        _source_errors(reader.rejected, selected, summary)


def _source_errors(rejected: dict[int, str], selected: set[int], summary: Summary) -> None:
    """Selected issues the site found with source errors fail the build (exit 1), their errors said.

    Another issue's broken draft only keeps its pages as they were (the site says so): it
    does not fail a build that did not ask for it.
    """
    outcomes = {o.number: o for o in summary.outcomes}
    for number, message in sorted(rejected.items()):
        if number not in selected:
            continue
        outcome = outcomes.get(number)
        if outcome is None:
            outcome = IssueOutcome(number)
            summary.outcomes.append(outcome)
        if not outcome.error:
            outcome.error = message
            log.error("%s", message)
    summary.outcomes.sort(key=lambda o: o.number)


def write_report(path: Path, slug: str, formats: tuple[str, ...], summary: Summary) -> Path:
    """The build report (JSON): what happened to each issue, for scripts and CI; never in dist/.

    Written after a build of several issues, one that changed something, or
    whenever --report asks for it.
    """
    issues = []
    for o in summary.outcomes:
        issues.append({
            "number": o.number, "status": o.status, "built": sorted(o.built), "unchanged": sorted(o.unchanged),
            "error": o.error.splitlines()[0] if o.error else "", "seconds": round(o.seconds, 3),
            "peak_rss_mb": round(o.peak_rss_mb, 1), "validation": o.validation,
        })
    report = {
        "publication": slug, "formats": list(formats), "skipped_formats": summary.skipped,
        "built": sum(o.status == "built" for o in summary.outcomes),
        "unchanged": sum(o.status == "unchanged" for o in summary.outcomes),
        "failed": len(summary.failed), "seconds": round(summary.seconds, 3), "issues": issues,
    }
    try:
        return write_text(path, json.dumps(report, indent=1) + "\n")
    except OSError as exc:
        raise PublishError(f"{path}: cannot write the build report ({exc.strerror or exc}) — "
                           "check the folder exists and is writable") from None

