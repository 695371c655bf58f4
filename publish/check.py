"""A publication folder and issue selectors → checked Issues, or every problem found in them at once."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import click

from publish import schema
from publish.errors import Problem, SourceError
from publish.model import Issue, Publication
from publish.pictures import keep_decoded
from publish.source import ISSUE_FOLDER, Report, issue_folders, read_issue, read_publication
from publish.sourcefiles import key_line, read_text


@dataclass
class IssueResult:
    folder: Path
    issue: Issue | None
    problems: list[Problem] = field(default_factory=list)

    def failed(self, strict: bool) -> bool:
        return self.issue is None or any(p.is_error or strict for p in self.problems)

    @property
    def number(self) -> int:
        return int(self.folder.name)


def load_publication(root: Path, strict: bool = False,
                     outcome: str = "nothing was built") -> tuple[Publication, list[Problem]]:
    """The publication's settings, or SourceError with every problem in publication.toml."""
    report = Report(root)
    pub = read_publication(root, report)
    if pub is None or any(p.is_error or strict for p in report.problems):
        raise SourceError(report.problems, strict, outcome)
    return pub, report.problems


def select_issues(pub: Publication, selectors: tuple[str, ...], all_issues: bool) -> list[Path]:
    """ISSUE arguments (numbers or paths) → issue folders; a usage error for ones that do not exist."""
    folders = issue_folders(pub)
    if all_issues or not selectors:
        if not folders:
            raise click.UsageError(f"no issues under {pub.issues_dir} — create one with: publish new NUMBER")
        return folders if all_issues else folders[-1:]
    chosen: list[Path] = []
    for selector in selectors:
        folder = _resolve(pub, selector)
        if folder not in chosen:
            chosen.append(folder)
    return chosen


def _resolve(pub: Publication, selector: str) -> Path:
    text = selector.rstrip("/\\")
    if re.fullmatch(r"[0-9]+", text):
        folder = pub.issues_dir / str(int(text))
    else:
        candidate = Path(text)
        if not candidate.is_absolute():
            candidate = (Path.cwd() / candidate) if (Path.cwd() / candidate).exists() else pub.root / candidate
        folder = candidate.resolve()
        if folder.parent != pub.issues_dir.resolve() or not ISSUE_FOLDER.fullmatch(folder.name):
            raise click.UsageError(f"{selector!r} is not an issue: give a number (1112) or a folder under issues/")
    if not folder.is_dir():
        raise click.UsageError(f"no issue {selector}: there is no folder issues/{folder.name} "
                               f"(create it with: publish new {folder.name})")
    return pub.issues_dir / folder.name


def read_issues(pub: Publication, folders: list[Path], print_checks: bool = True) -> list[IssueResult]:
    """Read every chosen issue, keeping each one's problems apart (with the press checks unless told not to)."""
    results = []
    numbers = [int(f.name) for f in issue_folders(pub)]
    for folder in folders:
        report = Report(pub.root)
        issue = read_issue(pub, folder, report)
        if issue is not None:
            _check_issue(issue, report, max((n for n in numbers if n < issue.number), default=None))
        if print_checks and issue is not None and not report.errors:
            report.extend(_print_warnings(issue))
        results.append(IssueResult(folder, issue, report.problems))
    keep_decoded(pub.root)
    return results


def _check_issue(issue: Issue, report: Report, previous: int | None) -> None:
    """Whole-issue warnings: the placeholder headline of `publish new`, a date before the previous issue's."""
    path = issue.folder / "issue.toml"
    text = read_text(path, Report(issue.publication.root)) or ""  # read cleanly a moment ago: for lines only
    if schema.placeholder(issue.headline) == "headline":
        report.warn(path, key_line(text, "headline"), "headline is still the placeholder of publish new",
                    "write this week's cover headline")
    if previous is not None:
        before = _issue_date(issue.publication.issues_dir / str(previous), issue.publication.root)
        if before is not None and issue.date < before:
            report.warn(path, key_line(text, "date"),
                        f"date {issue.date.isoformat()} is before the date of issue {previous} "
                        f"({before.isoformat()})", "check the date: issues go forward in time")


def _issue_date(folder: Path, root: Path) -> dt.date | None:
    """Another issue's date, if its issue.toml reads cleanly (its own problems are reported when it is checked)."""
    text = read_text(folder / "issue.toml", Report(root)) if (folder / "issue.toml").is_file() else None
    try:
        value = tomllib.loads(text).get("date") if text else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) else None


def _print_warnings(issue: Issue) -> list[Problem]:
    """Pictures that would print below 150 dpi in the press PDF, characters no installed font has (warnings)."""
    from publish.font_coverage import missing_font_problems
    from publish.formats.pdf.preflight import print_resolution_problems

    return print_resolution_problems(issue) + missing_font_problems(issue)


def load_issues(root: Path, selectors: tuple[str, ...] = (), all_issues: bool = False,
                strict: bool = False) -> tuple[Publication, list[Issue], list[Problem]]:
    """Checked issues and their warnings; SourceError listing every problem if any issue has errors."""
    pub, warnings = load_publication(root, strict)
    results = read_issues(pub, select_issues(pub, selectors, all_issues))
    problems = warnings + [p for r in results for p in r.problems]
    if any(r.failed(strict) for r in results):
        raise SourceError(_dedupe(problems), strict)
    return pub, [r.issue for r in results], _dedupe(problems)


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """Standing pages are read with every issue; report each of their problems once."""
    return list(dict.fromkeys(problems))
