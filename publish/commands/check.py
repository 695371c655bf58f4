"""`publish check` → every problem of the chosen issues' sources, or a short all-clear; builds nothing."""

from __future__ import annotations

import click

from publish.check import load_publication, read_issues, select_issues
from publish.errors import SourceError, plural

FAILED = "fix them and check again"  # check builds nothing, so it never says "nothing was built"


@click.command("check")
@click.argument("issues", nargs=-1, metavar="[ISSUE]...")
@click.option("--all", "all_issues", is_flag=True, help="Check every issue under issues/.")
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.pass_obj
def command(obj: dict, issues: tuple[str, ...], all_issues: bool, strict: bool) -> None:
    """Validate the sources of ISSUE (a number or issues/N folder; default: the latest) without building."""
    pub, problems = load_publication(obj["root"], strict, outcome=FAILED)
    results = read_issues(pub, select_issues(pub, issues, all_issues))
    problems = list(dict.fromkeys(problems + [p for r in results for p in r.problems]))
    if any(r.failed(strict) for r in results):
        raise SourceError(problems, strict, outcome=FAILED)
    for problem in sorted(problems):
        click.echo(str(problem), err=True)
    for result in results:
        issue = result.issue
        click.echo(f"issue {issue.number}: ok — {plural(len(issue.articles), 'article')} in "
                   f"{plural(len(issue.sections), 'section')}, {plural(len(issue.standing_pages), 'standing page')}")
