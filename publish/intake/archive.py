"""A folder of saved article pages → drafts grouped into issues by their "From: <paper> issue N, <date>: …" line.

Each group becomes issues/<N>/ with an issue.toml (number, date, cover
headline from the line) and its articles in the pages' name order. Pages that
cannot be read or carry no "From:" line, second copies of an article, and
articles the issue already has (the same title: an earlier run) are reported
and skipped; the others are imported. A progress bar shows the reading.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Callable

import click
import yaml

from publish.errors import PublishError, rel
from publish.intake.draft import Draft, IntakeError
from publish.intake.html import read_page
from publish.model import Publication

PAGES = (".html", ".htm", ".xhtml")


def import_archive(pub: Publication, folder: Path, section: str | None, dry_run: bool,
                   write_issue: Callable[[Publication, int, list[Draft], str | None, bool], None]) -> None:
    """Read every page under `folder`, group by issue, hand each group to `write_issue`, report the rest."""
    if not folder.is_dir():
        raise PublishError(f"{folder}: no such folder — give the folder of saved pages")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in PAGES and p.is_file())
    if not files:
        raise PublishError(f"{folder}: the folder holds no .html pages — give the folder of saved article pages")
    issues, skipped = _group(files, folder, dict(pub.import_html))
    for number in list(issues):  # a second run over the same folder: what is there already stays as it is
        issues[number] = _new_only(issues[number], pub, number, folder, skipped)
        if not issues[number]:
            del issues[number]
    for number in sorted(issues):
        write_issue(pub, number, issues[number], section, dry_run)
    for line in skipped:
        click.echo(f"not imported: {line}")
    total = sum(len(d) for d in issues.values())
    click.echo(f"{'would import' if dry_run else 'imported'} {total} of {len(files)} pages into "
               f"{len(issues)} issue{'s' * (len(issues) != 1)}; {len(skipped)} not imported"
               + ("" if dry_run or not issues else " — next: publish build --all"))


def _title_key(title) -> str:
    return " ".join(str(title or "").casefold().split())


def _new_only(drafts: list[Draft], pub: Publication, number: int, folder: Path, skipped: list[str]) -> list[Draft]:
    """The drafts whose title no article of issues/<number>/ has yet; the others are reported as skipped."""
    existing = _titles(pub.issues_dir / str(number))
    kept = []
    for draft in drafts:
        there = existing.get(_title_key(draft.front.get("title")))
        if there is None:
            kept.append(draft)
            continue
        skipped.append(f"{draft.source.relative_to(folder).as_posix()}: already imported as "
                       f"{rel(there, pub.root)} (issue {number}, the same title) — skipped")
    return kept


def _titles(issue: Path) -> dict[str, Path]:
    """The titles of the articles already in an issue folder, as compared, each with its file."""
    found: dict[str, Path] = {}
    for path in sorted(issue.glob("*.md")) if issue.is_dir() else []:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        head = re.match(r"---\r?\n(.*?)\r?\n---\r?\n", text, re.S)
        try:
            front = yaml.safe_load(head.group(1)) if head else None
        except yaml.YAMLError:
            continue  # publish check reports it; the title cannot be compared
        if isinstance(front, dict) and front.get("title"):
            found.setdefault(_title_key(front["title"]), path)
    return found


def _group(files: list[Path], folder: Path, selectors: dict) -> tuple[dict[int, list[Draft]], list[str]]:
    issues: dict[int, list[Draft]] = {}
    seen: dict[tuple[int, str], Path] = {}
    skipped: list[str] = []
    with click.progressbar(files, label="reading pages", file=sys.stderr,
                           item_show_func=lambda p: p.name if p else "") as bar:
        for path in bar:
            shown = path.relative_to(folder).as_posix()
            try:
                draft = read_page(path, shown, selectors)
            except IntakeError as exc:
                skipped.append(exc.format_message())
                continue
            number = draft.origin.get("number")
            if not number or not draft.origin.get("date"):
                skipped.append(f"{shown}: no \"From: <paper> issue N, <date>: <headline>\" line — "
                               "import it by hand with --issue N, or set from = \"…\" under [import.html]")
                continue
            key = (number, _title_key(draft.front.get("title")))
            if key in seen:
                skipped.append(f"{shown}: a duplicate of {seen[key].relative_to(folder).as_posix()} "
                               f"(issue {number}, the same title) — skipped")
                continue
            seen[key] = path
            issues.setdefault(number, []).append(draft)
    return issues, skipped
