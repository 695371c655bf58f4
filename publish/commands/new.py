"""`publish new NUMBER` → a new issue folder with issue.toml, an images folder and a sample article."""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path

import click

from publish.atomic import write_text
from publish.check import load_publication
from publish.errors import PublishError
from publish.schema import PLACEHOLDERS
from publish.source import issue_folders

ISSUE_TOML = """\
number = {number}
date = {date}
headline = "{headline}"
cover-article = "editorial"
"""

ARTICLE = """\
---
title: "{title}"
standfirst: "{standfirst}"
section: {section}
keywords: []
---
{body} Subheadings start with `## `,
a boxed sidebar is written between `::: box Title` and `:::` lines.
"""


@click.command("new")
@click.argument("number", type=click.IntRange(1, 999999))
@click.option("--date", "date", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The issue's date (YYYY-MM-DD); default: a week after the latest issue, else today.")
@click.pass_obj
def command(obj: dict, number: int, date) -> None:
    """Scaffold issues/NUMBER with issue.toml and a sample article."""
    root: Path = obj["root"]
    pub, _ = load_publication(root, outcome="nothing was created")
    folder = pub.issues_dir / str(number)
    if folder.exists():
        raise PublishError(f"issues/{number} already exists — choose another number or edit it")
    day = date.date() if date else _next_date(pub)
    section = pub.sections[0].id
    folder.joinpath("images").mkdir(parents=True)
    write_text(folder / "issue.toml", ISSUE_TOML.format(number=number, date=day.isoformat(), **PLACEHOLDERS))
    write_text(folder / "01-editorial.md", ARTICLE.format(section=section, **PLACEHOLDERS))
    click.echo(f"created issues/{number}/issue.toml and issues/{number}/01-editorial.md")
    click.echo(f"next: write the articles, then run: publish check {number}")


def _next_date(pub) -> dt.date:
    folders = issue_folders(pub)
    if folders:
        try:
            latest = tomllib.loads((folders[-1] / "issue.toml").read_text(encoding="utf-8-sig"))["date"]
            if isinstance(latest, dt.date):
                return latest + dt.timedelta(days=7)
        except (OSError, ValueError, KeyError):
            pass
    return dt.date.today()
