"""The Kindle edition is reproducible: two builds in other folders, time zones and locales give the same AZW3 bytes."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from publish.formats.kindle import writer as kindle_format
from test_epub import EPOCH, make_feature_publication

pytestmark = pytest.mark.slow

PLACES = [("first", "UTC", "C.UTF-8"), ("second", "Pacific/Chatham", "de_DE.UTF-8")]


def _build(root: Path, tz: str, lang: str) -> Path:
    """`publish build` in a process of its own, in that time zone and locale, run from inside the publication."""
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH, TZ=tz, LANG=lang, LC_ALL=lang)
    done = subprocess.run([sys.executable, "-m", "publish", "build", "1200", "--format", "epub,kindle"],
                          cwd=root, env=env, capture_output=True, timeout=900, check=False)
    assert done.returncode == 0, done.stderr.decode("utf-8", "replace")
    return root / "dist/1200/weekly-worker-1200.azw3"


@pytest.fixture(scope="session")
def two_builds(tmp_path_factory) -> list[Path]:
    if shutil.which("ebook-convert") is None or shutil.which("calibre-debug") is None:
        pytest.fail("calibre (ebook-convert, calibre-debug) is needed: scripts/setup.sh installs it")
    first = make_feature_publication(tmp_path_factory.mktemp("kindle-repro") / "paper")
    built = []
    for name, tz, lang in PLACES:
        root = first if name == "first" else tmp_path_factory.mktemp("elsewhere") / "a-longer-folder-name" / "paper"
        if root != first:
            shutil.copytree(first, root, ignore=shutil.ignore_patterns("dist"))
        built.append(_build(root, tz, lang))
    return built


def test_the_german_locale_exists():
    # the second build must really run in another locale, not silently fall back to C
    done = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True)
    assert any(line.lower().replace("-", "") == "de_de.utf8" for line in done.stdout.splitlines()), \
        "scripts/setup.sh generates de_DE.UTF-8"


def test_two_builds_give_the_same_azw3_bytes(two_builds):
    first, second = (path.read_bytes() for path in two_builds)
    assert first[60:68] == b"BOOKMOBI"
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()


def test_the_azw3_says_which_issue_of_which_paper_it_is(two_builds):
    # KF8 has no series field (calibre's EXTH table has none), so the title carries paper and number;
    # the conversion is still given --series/--series-index, for calibre libraries that read them
    meta = kindle_format.read_metadata(two_builds[0])
    assert meta["Title"].startswith("The Weekly Worker — Issue 1200")


def test_the_conversion_is_given_the_series(two_builds, monkeypatch, tmp_path):
    seen = []
    real = subprocess.run

    def spy(argv, *args, **kwargs):
        seen.append(list(argv))
        return real(argv, *args, **kwargs)

    monkeypatch.setattr(kindle_format.subprocess, "run", spy)
    epub = two_builds[0].with_suffix(".epub")
    meta = kindle_format.book_metadata(epub.read_bytes())
    kindle_format.convert(epub, tmp_path / "book.azw3", meta, "2020-12-02T00:00:00+00:00")
    argv = seen[-1]
    assert argv[argv.index("--series") + 1] == "The Weekly Worker"
    assert argv[argv.index("--series-index") + 1] == "1200"
