"""Shared fixtures: small publications written inline in tmp_path, and the demo paper at the repository root."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from publish.cli import cli

REPO = Path(__file__).resolve().parents[1]


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files from the current output (review the diff!).")

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


@pytest.fixture
def pub(tmp_path: Path) -> Path:
    """A small valid publication: one issue (1112) with two articles and a standing page."""
    root = tmp_path / "pub"
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / "issues/1112/issue.toml", ISSUE_TOML.format(number=1112))
    write(root / "issues/1112/01-strike.md", STRIKE)
    write(root / "issues/1112/02-dilemma.md", REVIEW)
    picture(root / "issues/1112/images/picket.jpg")
    write(root / "pages/join.md", JOIN)
    return root


@pytest.fixture
def run():
    """Run the CLI in-process: run(root, "build", "1112") → click Result."""

    def invoke(root: Path, *args: str):
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)

    return invoke


def invoke_at(epoch: str, root: Path, *args: str):
    """The CLI in-process with SOURCE_DATE_EPOCH set (for session fixtures, which cannot use monkeypatch)."""
    patch = pytest.MonkeyPatch()
    patch.setenv("SOURCE_DATE_EPOCH", epoch)
    try:
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)
    finally:
        patch.undo()


@pytest.fixture(scope="session")
def demo_copy(tmp_path_factory) -> Path:
    """A private copy of the demo paper (sources, layouts, fonts), built into its own dist/."""
    root = tmp_path_factory.mktemp("demo") / "paper"
    root.mkdir()
    shutil.copy2(REPO / "publication.toml", root / "publication.toml")
    for name in ("issues", "pages", "layouts", "fonts"):
        if (REPO / name).exists():
            shutil.copytree(REPO / name, root / name, symlinks=False)
    return root
