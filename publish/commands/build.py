"""`publish build` → the chosen formats of the chosen issues in dist/, with progress and a summary."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from publish import lifeline
from publish.formats import ORDER, parse_formats
from publish.pipeline.spare import first_spare
from publish.pipeline.types import Options


def plural(count: int, noun: str) -> str:
    """1 issue, 2 issues."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _formats(ctx, param, value):
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


class Progress:
    """One line per issue; on a terminal also a bar with issues done, the latest issue and time left."""

    def __init__(self, quiet: bool, stream=None):
        self.quiet = quiet
        self.stream = stream or sys.stderr
        self.bar = (not quiet) and self.stream.isatty()
        self.total = self.done = 0
        self.started = time.monotonic()

    def start(self, total: int) -> None:
        self.total, self.started = total, time.monotonic()

    def __call__(self, outcome) -> None:
        self.done += 1
        if outcome.error:
            self._line(f"{outcome.error}\nissue {outcome.number}: failed", force=True)
        elif outcome.built or self.total == 1:  # a batch lists only what it built
            parts = [f"built {', '.join(outcome.built)}"] if outcome.built else []
            if outcome.unchanged:
                parts.append(f"unchanged {', '.join(outcome.unchanged)}")
            seconds = f" ({outcome.seconds:.1f} s)" if outcome.built else ""
            self._line(f"issue {outcome.number}: {'; '.join(parts) or 'nothing to do'}{seconds}"
                       + "".join(f"\n  validate {line}" for line in outcome.validation))
        if self.bar and self.total > 1:
            self._draw(outcome.number)

    def _line(self, text: str, force: bool = False) -> None:
        if self.quiet and not force:
            return
        if self.bar:
            self.stream.write("\r\x1b[2K")
        click.echo(text, err=True)

    def _draw(self, number: int) -> None:
        elapsed = time.monotonic() - self.started
        left = elapsed / self.done * (self.total - self.done)
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        self.stream.write(f"\r\x1b[2K[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} issue"
                          f"{'' if self.total == 1 else 's'}"
                          f" · last {number} · {int(left // 60)}m{int(left % 60):02d}s left")
        self.stream.flush()

    def finish(self) -> None:
        if self.bar and self.total > 1:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


@click.command("build")
@click.argument("issues", nargs=-1, metavar="[ISSUE]...")
@click.option("--all", "all_issues", is_flag=True, help="Build every issue under issues/.")
@click.option("--format", "formats", callback=_formats, metavar="LIST",
              help=f"Comma-separated formats to build ({','.join(ORDER)}); default: all this machine can make "
                   "(audio only with an [audio] table in publication.toml).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder instead of dist/.")
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="the cores",
              help="Issues to build at once, each in its own worker process.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Run the issues on a Dask cluster (tcp://HOST:8786); see docs/archive.md.")
@click.option("--timeout", type=click.FloatRange(min=1), default=1800, show_default=True,
              help="Seconds one issue may take before it is stopped and counted as failed.")
@click.option("--force", is_flag=True, help="Rebuild even what is unchanged.")
@click.option("--page-list", is_flag=True,
              help="Give the ebooks the print edition's page numbers even when no PDF is built "
                   "(lays the print edition out; by default they have them once it has been laid out).")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--validate", is_flag=True,
              help="Check what was built with the formats' validators (epubcheck, Kindle pre-flight, qpdf, …).")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), metavar="PATH",
              help="Write the build report (JSON) to PATH; by default it is kept in .publish-cache/.")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_obj
def command(obj: dict, issues, all_issues, formats, out, jobs, scheduler, timeout, force, page_list, strict,
            validate, report, quiet) -> None:
    """Build ISSUE (a number or issues/N folder; default: the latest) into dist/<n>/."""
    lifeline.die_with_env()  # started by `publish serve`: go when it goes
    # an edit's layout process, loading WeasyPrint while this one loads the pipeline and reads the issue
    spare = first_spare(obj["root"], issues, formats, force, scheduler)
    from publish.pipeline.build import build

    options = Options(formats=formats, out=out, force=force, strict=strict, jobs=jobs, validate=validate,
                      page_list=page_list,
                      timeout=timeout, scheduler=scheduler, report=report.resolve() if report else None)
    progress = Progress(quiet)
    try:
        summary = build(obj["root"], issues, all_issues, options, progress=progress, spare=spare)
    finally:
        progress.finish()
        if spare is not None:
            spare.close()
    say = (lambda *a, **k: None) if quiet else click.echo
    for fmt, why in summary.skipped.items():
        if "not part of this version" not in why:
            say(f"skipped {fmt}: {why}", err=True)
    for problem in sorted(set(summary.warnings)):
        say(str(problem), err=True)
    total, failed = len(summary.outcomes), summary.failed
    if total > 1 or failed:
        built = sum(o.status == "built" for o in summary.outcomes)
        unchanged = sum(o.status == "unchanged" for o in summary.outcomes)
        say(f"{plural(total, 'issue')}: {built} built, {unchanged} unchanged, {len(failed)} failed, "
            f"in {summary.seconds:.1f} s", err=bool(failed))
        for outcome in failed:
            click.echo(f"  failed {outcome.number}: {outcome.error.splitlines()[0]}", err=True)
    for line in summary.validation:
        say(f"  validate {line}", err=True)
    site_failures = summary.validation_failed(strict)
    if site_failures:
        click.echo("validation failed:\n" + "\n".join(site_failures), err=True)
    if failed or site_failures:
        raise click.exceptions.Exit(1)
