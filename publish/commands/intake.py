"""`publish import SOURCE… --issue N` and `publish import --archive DIR` → article files in issues/, and a report.

Every source is read before anything is written: one unreadable source stops
the import with its reason and nothing is written. Then each article appears
whole, and `publish check` runs on what was made, naming any field the editor
must still fill.
"""

from __future__ import annotations

from pathlib import Path

import click

from publish.check import load_publication, read_issues
from publish.errors import PublishError, rel
from publish.intake.read import read_source
from publish.intake.archive import import_archive
from publish.intake.draft import Draft
from publish.intake.write import issue_toml, notes, plan, render, write
from publish.model import Publication

OUTCOME = "nothing was imported"


@click.command("import")
@click.argument("sources", nargs=-1, type=click.Path(path_type=Path), metavar="[SOURCE]...")
@click.option("--issue", "issue", type=click.IntRange(1, 999999), help="The issue to add the articles to.")
@click.option("--section", help="The section id for the imported articles (from publication.toml).")
@click.option("--archive", type=click.Path(file_okay=False, path_type=Path),
              help="A folder of saved article pages: grouped into issues by their \"From:\" line.")
@click.option("--dry-run", is_flag=True, help="Show what would be written; write nothing.")
@click.pass_obj
def command(obj: dict, sources: tuple[Path, ...], issue: int | None, section: str | None,
            archive: Path | None, dry_run: bool) -> None:
    """Turn Word (.docx), LibreOffice (.odt) files or archived web pages (.html, or a folder) into articles."""
    pub, _ = load_publication(obj["root"], outcome=OUTCOME)
    if section is not None and pub.section(section) is None:
        raise click.BadParameter(f"{section!r} is not a section of publication.toml; choose from "
                                 f"{', '.join(s.id for s in pub.sections)}", param_hint="--section")
    if archive is not None:
        if sources or issue:
            raise click.UsageError("give either --archive DIR or SOURCE… --issue N, not both")
        import_archive(pub, archive, section, dry_run, _write_issue)
        return
    if not sources or issue is None:
        raise click.UsageError("give the files to import and the issue: publish import FILE… --issue N")
    drafts = [read_source(path, pub) for path in _expand(sources)]
    _write_issue(pub, issue, drafts, section, dry_run)


def _expand(sources: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder gives its .html pages, in name order."""
    found: list[Path] = []
    for source in sources:
        if source.is_dir():
            pages = sorted(p for p in source.iterdir() if p.suffix.lower() in (".html", ".htm") and p.is_file())
            if not pages:
                raise PublishError(f"{source}: the folder holds no .html pages — give the files themselves")
            found += pages
        else:
            found.append(source)
    return found


def _write_issue(pub: Publication, number: int, drafts: list[Draft], section: str | None, dry_run: bool) -> None:
    """Write `drafts` into issue `number` (created if new), report them, then check what was made."""
    folder = pub.issues_dir / str(number)
    for draft in drafts:  # every article needs a section: without --section, the paper's first
        draft.front["section"] = section or pub.sections[0].id
    if not section:
        click.echo(f"section: {pub.sections[0].id} (the first of publication.toml; choose another with --section)")
    items = plan(folder, drafts)
    new_issue = not (folder / "issue.toml").exists()
    origin = next((d.origin for d in drafts if d.origin), {})
    for item in items:
        text = render(item)
        where = rel(item.article, pub.root)
        if dry_run:
            click.echo(f"would write {where} from {item.draft.source}"
                       + "".join(f"\n  and {rel(p, pub.root)}" for p in item.pictures))
            click.echo(text)
        else:
            write(item, text)
            pictures = f" and {len(item.pictures)} picture{'s' * (len(item.pictures) != 1)}" if item.pictures else ""
            click.echo(f"wrote {where}{pictures} from {item.draft.source}")
        for note in notes(item):
            click.echo(f"  {where}: not carried over: {note}")
    if new_issue and not dry_run:
        from publish.atomic import write_text

        write_text(folder / "issue.toml", issue_toml(number, origin))
        click.echo(f"wrote {rel(folder / 'issue.toml', pub.root)}")
    if not dry_run:
        _check_made(pub, folder, [item.article for item in items])


def _check_made(pub: Publication, folder: Path, made: list[Path]) -> None:
    """What publish check says about the new articles: the fields the editor must still fill."""
    names = {rel(path, pub.root) for path in made} | {rel(folder / "issue.toml", pub.root)}
    result = read_issues(pub, [folder], print_checks=False)[0]
    problems = [p for p in result.problems if p.path in names]
    for problem in problems:
        click.echo(f"  still to do: {problem}")
    errors = sum(p.is_error for p in problems)
    if errors:
        click.echo(f"publish check finds {errors} error{'s' * (errors != 1)} in the imported files: "
                   "fill them in, then run publish check " + folder.name)
    else:
        click.echo(f"publish check {folder.name}: the imported articles pass")
