"""Shared fixtures: small publications written inline in tmp_path, and the demo paper at the repository root.

Plain helpers and sample sources live in tests/helpers.py (tests import them from there).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from helpers import REPO, invoke_at, small_publication, snapshot
from publish.check import load_issues

PDF_EPOCH = "1606867200"  # 2020-12-02: the demo PDFs' SOURCE_DATE_EPOCH
from publish.cli import cli


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the golden files from the current output (review the diff!).")


@pytest.fixture(scope="session", autouse=True)
def _user_cache(tmp_path_factory):
    """The user's cache folder (where the hyphenation memo goes: publish.products.print_layout.hyphenation)
    is the session's own, for builds in this process and in subprocesses: the suite writes nothing in
    the home folder, and every session starts without a memo."""
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("user-cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


@pytest.fixture
def pub(tmp_path: Path) -> Path:
    """A small valid publication: one issue (1112) with two articles and a standing page."""
    return small_publication(tmp_path / "pub")


@pytest.fixture
def run():
    """Run the CLI in-process: run(root, "build", "1112") → click Result."""

    def invoke(root: Path, *args: str):
        return CliRunner().invoke(cli, ["--root", str(root), *args], catch_exceptions=False)

    return invoke


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


@pytest.fixture
def text_built(pub, run):
    """The small publication with its text edition built, and a snapshot of dist/ to compare after a refusal."""
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    return pub, snapshot(pub / "dist")


@pytest.fixture(scope="session")
def demo_pdfs(demo_copy, tmp_path_factory):
    """Every demo issue's two PDFs, built once through the CLI."""
    out = tmp_path_factory.mktemp("pdf-dist")
    result = invoke_at(PDF_EPOCH, demo_copy, "build", "--all", "--format", "pdf,print", "--out", str(out))
    assert result.exit_code == 0, result.output
    _, issues, _ = load_issues(demo_copy, all_issues=True)
    return {issue.number: (issue, out / str(issue.number) / f"{issue.name}.pdf",
                           out / str(issue.number) / f"{issue.name}-print.pdf") for issue in issues}
