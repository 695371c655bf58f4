"""Issue folders and chosen formats → files in dist/, skipping what is unchanged; one issue's failure stops no other."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from publish import state
from publish.atomic import remove_leftovers
from publish.check import load_publication, read_issues, select_issues
from publish.errors import Problem, PublishError, SourceError
from publish.formats import FORMATS, ORDER
from publish.model import Issue, Publication

log = logging.getLogger("publish")


@dataclass
class Options:
    formats: tuple[str, ...] | None = None  # None: every format the machine can make
    out: Path | None = None
    force: bool = False
    strict: bool = False
    jobs: int = 1
    validate: bool = False


@dataclass
class Context:
    """What a format writer gets besides the issue: the options and what other formats made."""

    options: Options
    out: Path  # dist/ (or --out)
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)


@dataclass
class IssueOutcome:
    number: int
    built: dict[str, list[Path]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    error: str = ""
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    validation: list[str] = field(default_factory=list)  # "<fmt>: ok|warning|error|skipped: …"


@dataclass
class Summary:
    outcomes: list[IssueOutcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # format → why the machine cannot make it
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[IssueOutcome]:
        return [o for o in self.outcomes if o.error]


def choose_formats(requested: tuple[str, ...] | None) -> tuple[tuple[str, ...], dict[str, str]]:
    """The formats to build and, for a default build, the ones skipped with the reason."""
    if requested:
        for fmt in requested:
            why = FORMATS[fmt].missing()
            if why:
                raise PublishError(f"cannot build {fmt}: {why}")
        return requested, {}
    chosen, skipped = [], {}
    for fmt in ORDER:
        why = FORMATS[fmt].missing()
        if why:
            skipped[fmt] = why
        else:
            chosen.append(fmt)
    return tuple(chosen), skipped


def build(root: Path, selectors: tuple[str, ...] = (), all_issues: bool = False,
          options: Options | None = None, progress=None) -> Summary:
    """Build the chosen issues' formats (and the site, once, at the end)."""
    options = options or Options()
    started = time.perf_counter()
    pub, warnings = load_publication(root, options.strict)
    out = (options.out or root / "dist").resolve()
    formats, skipped = choose_formats(options.formats)
    folders = select_issues(pub, selectors, all_issues)
    summary = Summary(skipped=skipped, warnings=list(warnings))
    if out.is_dir():
        removed = remove_leftovers(out)
        if removed:
            log.info("removed %d temporary file(s) left by an interrupted build", removed)
    issue_formats = [f for f in formats if FORMATS[f].per_issue]
    built_issues: list[Issue] = []
    for folder in folders:
        outcome, issue = _build_one(pub, folder, issue_formats, out, options)
        summary.outcomes.append(outcome)
        if issue is not None and not outcome.error:
            built_issues.append(issue)
        if progress:
            progress(outcome)
    site_formats = [f for f in formats if not FORMATS[f].per_issue]
    for fmt in site_formats:
        context = Context(options, out)
        FORMATS[fmt].writer()(pub, out, context)
    summary.warnings += [p for o in summary.outcomes for p in o.problems if not p.is_error]
    summary.seconds = time.perf_counter() - started
    return summary


def _build_one(pub: Publication, folder: Path, formats: list[str], out: Path,
               options: Options) -> tuple[IssueOutcome, Issue | None]:
    started = time.perf_counter()
    result = read_issues(pub, [folder])[0]
    outcome = IssueOutcome(result.number, problems=result.problems)
    if result.failed(options.strict):
        outcome.error = str(SourceError(result.problems, options.strict).message)
        return outcome, None
    issue = result.issue
    out_dir = out / str(issue.number)
    context = Context(options, out)
    try:
        for fmt in formats:
            digest = state.inputs_digest(issue, fmt)
            if not options.force and state.is_current(out_dir, fmt, digest):
                outcome.unchanged.append(fmt)
                context.outputs[fmt] = [out_dir / n for n in state.load(out_dir)[fmt]["files"]]
                continue
            log.debug("issue %s: building %s", issue.number, fmt)
            files = FORMATS[fmt].writer()(issue, out_dir, context)
            context.outputs[fmt] = files
            outcome.built[fmt] = files
            state.record(out_dir, fmt, digest, files)
        if options.validate:
            _validate(formats, context, outcome, options.strict)
    except PublishError as exc:
        outcome.error = exc.format_message()
    except OSError as exc:
        where = exc.filename or out_dir
        outcome.error = f"{where}: cannot write ({exc.strerror}) — check free space and permissions"
    outcome.seconds = time.perf_counter() - started
    return outcome, issue


def _validate(formats: list[str], context: Context, outcome: IssueOutcome, strict: bool) -> None:
    """Run each built format's validators; errors (and warnings with --strict) fail the issue."""
    failures = []
    for fmt in formats:
        validator = FORMATS[fmt].validator()
        if validator is None:
            continue
        for message in validator(context.outputs.get(fmt, []), context):
            outcome.validation.append(f"{fmt}: {message}")
            if message.startswith("error:") or (strict and message.startswith("warning:")):
                failures.append(f"{fmt}: {message}")
    if failures:
        outcome.error = "validation failed:\n" + "\n".join(failures)
