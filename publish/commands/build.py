"""`publish build` → the chosen formats of the chosen issues in dist/, with one line per issue."""

from __future__ import annotations

from pathlib import Path

import click

from publish.build import Options, build
from publish.formats import ORDER, parse_formats


def _formats(ctx, param, value):
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("build")
@click.argument("issues", nargs=-1, metavar="[ISSUE]...")
@click.option("--all", "all_issues", is_flag=True, help="Build every issue under issues/.")
@click.option("--format", "formats", callback=_formats, metavar="LIST",
              help=f"Comma-separated formats to build ({','.join(ORDER)}); default: all this machine can make.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Output folder instead of dist/.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              help="Issues to build at once.")
@click.option("--force", is_flag=True, help="Rebuild even what is unchanged.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--validate", is_flag=True,
              help="Check what was built with the formats' validators (epubcheck, Kindle pre-flight, qpdf, …).")
@click.option("-q", "--quiet", is_flag=True, help="Print only errors.")
@click.pass_obj
def command(obj: dict, issues, all_issues, formats, out, jobs, force, strict, validate, quiet) -> None:
    """Build ISSUE (a number or issues/N folder; default: the latest) into dist/<n>/."""
    options = Options(formats=formats, out=out, force=force, strict=strict, jobs=jobs, validate=validate)
    say = (lambda *a, **k: None) if quiet else click.echo

    def progress(outcome):
        if outcome.error:
            click.echo(f"{outcome.error}\nissue {outcome.number}: failed", err=True)
            return
        parts = [f"built {', '.join(outcome.built)}"] if outcome.built else []
        if outcome.unchanged:
            parts.append(f"unchanged {', '.join(outcome.unchanged)}")
        say(f"issue {outcome.number}: {'; '.join(parts) or 'nothing to do'} ({outcome.seconds:.1f} s)")
        for line in outcome.validation:
            say(f"  validate {line}")

    summary = build(obj["root"], issues, all_issues, options, progress=progress)
    for fmt, why in summary.skipped.items():
        if "not part of this version" not in why:
            say(f"skipped {fmt}: {why}", err=True)
    for problem in sorted(set(summary.warnings)):
        say(str(problem), err=True)
    total = len(summary.outcomes)
    failed = summary.failed
    if total > 1 or failed:
        say(f"{total - len(failed)} of {total} issues ok, {len(failed)} failed, in {summary.seconds:.1f} s")
    if failed:
        raise click.exceptions.Exit(1)
