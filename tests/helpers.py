"""Helpers the tests share: sample sources, writing files and pictures, the CLI run at a fixed SOURCE_DATE_EPOCH."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from publish.cli import cli

REPO = Path(__file__).resolve().parents[1]

PUBLICATION_TOML = """\
title = "The Weekly Worker"
slug = "weekly-worker"
tagline = "Paper of the test party"
publisher = "Test Party"
language = "en-GB"
url = "https://example.org/ww/"
issn = "1234-5679"
standing-pages = ["pages/join.md"]

[[sections]]
id = "news"
title = "News"

[[sections]]
id = "reviews"
title = "Reviews"
"""

ISSUE_TOML = """\
number = {number}
date = 2020-12-02
headline = "Better for billionaires, worse for workers"
cover-article = "strike"
"""

STRIKE = """\
---
title: "Bin workers strike"
kicker: "Newport"
standfirst: "Solid in the third week"
author: "Ann Other"
affiliation: "Newport Socialist Party"
section: news
keywords: [Strikes, Unions]
image:
  src: images/picket.jpg
  alt: "Pickets at the depot gate"
  caption: "On the picket line"
  credit: "Photo: A. Reader"
---
The strike is "solid" -- and it's growing... Workers walked out for 40 hours.

## Pay

| Grade | Offer | Claim |
|:------|------:|------:|
| Driver | 1% | 10% |
| Loader | 0% | 10% |

Read more at [our site](https://example.org/strike).[^1]

[^1]: Figures from the union branch.
"""

REVIEW = """\
---
title: "The Social Dilemma"
kicker: "TV"
author: ["Joe Bloggs", "Jo Smith"]
section: reviews
---
A film about phones.

::: box Finance appeal
Give to the fighting fund.
:::
"""

JOIN = """\
---
title: "Join us"
---
Fill in the form.
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def picture(path: Path, size=(1400, 900), mode="RGB", fmt="JPEG") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, "#c33" if mode == "RGB" else None).save(path, fmt)
    return path


def invoke_at(epoch: str, root: Path, *args: str):
    """The CLI in-process with SOURCE_DATE_EPOCH set (for session fixtures, which cannot use monkeypatch)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SOURCE_DATE_EPOCH", epoch)
    try:
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    finally:
        patch.undo()


def small_publication(root: Path) -> Path:
    """A small valid publication at `root`: one issue (1112) with two articles and a standing page."""
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / "issues/1112/issue.toml", ISSUE_TOML.format(number=1112))
    write(root / "issues/1112/01-strike.md", STRIKE)
    write(root / "issues/1112/02-dilemma.md", REVIEW)
    picture(root / "issues/1112/images/picket.jpg")
    write(root / "pages/join.md", JOIN)
    return root


def replacing(path: str, old: str, new: str):
    """A mutation for a bad-input table: replace `old` by `new` once in the publication's file `path`."""
    def mutate(root: Path) -> None:
        target = root / path
        text = target.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {path}"
        target.write_text(text.replace(old, new, 1), encoding="utf-8")

    return mutate


def writing(path: str, text: str):
    """A mutation for a bad-input table: write `text` to the publication's file `path`."""
    return lambda root: write(root / path, text)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` with its bytes, to prove a failed command left it untouched."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def refused_lines(run, root: Path, command: list[str], where: str) -> tuple[str, list[str]]:
    """Run a command that bad input must refuse: exit 1, no traceback; its output and the lines at `where`."""
    result = run(root, *command)
    output = result.output
    assert result.exit_code == 1, output
    assert "Traceback" not in output and "internal error" not in output, output
    return output, [line for line in output.splitlines() if line.startswith(where)]

