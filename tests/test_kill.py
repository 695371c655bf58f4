"""kill -9 in the middle of each format's build: the previous file stays whole, and the next build cleans up."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from helpers import REPO

KILLED: list[str] = []  # the formats whose build was really killed mid-way
FORMATS = {"epub": ".epub", "kindle": ".azw3", "pdf": ".pdf", "print": "-print.pdf", "text": ".txt"}


@pytest.fixture(scope="module")
def built(demo_copy, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill") / "paper"
    shutil.copytree(demo_copy, root, ignore=shutil.ignore_patterns("dist", ".publish-cache"))
    result = _publish(root, "build", "1113", "--format", ",".join(FORMATS), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return root


def _publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=600)


def _whole(path: Path) -> bool:
    """The file is complete of its kind (an interrupted write would not be)."""
    data = path.read_bytes()
    if path.suffix == ".epub":
        with zipfile.ZipFile(path) as archive:
            return archive.testzip() is None
    if path.suffix == ".pdf":
        return data.rstrip().endswith(b"%%EOF") and subprocess.run(
            ["qpdf", "--check", str(path)], capture_output=True).returncode in (0, 3)
    if path.suffix == ".azw3":
        return data[60:68] == b"BOOKMOBI"
    return data.endswith(b"\n")


@pytest.fixture(scope="module")
def durations(built) -> dict[str, float]:
    """How long a forced build of each format takes here, to aim the kills into its middle."""
    times = {}
    for fmt in FORMATS:
        started = time.monotonic()
        assert _publish(built, "build", "1113", "--format", fmt, "--force", "--jobs", "1").returncode == 0
        times[fmt] = time.monotonic() - started
    return times


@pytest.mark.parametrize("fmt", list(FORMATS))
@pytest.mark.parametrize("fraction", [0.5, 0.8, 0.95])
def test_kill_9_during_a_build(built, durations, fmt, fraction):
    root = built
    target = root / "dist/1113" / f"the-socialist-1113{FORMATS[fmt]}"
    before = target.read_bytes()
    article = root / "issues/1113/03-porters.md"
    article.write_text(article.read_text() + f"\nA late paragraph ({fmt}, {fraction}).\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "publish", "build", "1113", "--format", fmt, "--jobs", "1"],
                               cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    time.sleep(durations[fmt] * fraction)
    killed = process.poll() is None
    if killed:
        os.killpg(process.pid, signal.SIGKILL)  # the build and every worker it forked
        KILLED.append(fmt)
    process.wait()
    if killed:
        assert target.read_bytes() == before or _whole(target), "a killed build left a partial file in dist/"
    again = _publish(root, "build", "1113", "--format", fmt)
    assert again.returncode == 0, again.stderr
    assert not list((root / "dist").rglob("*publish-tmp*"))
    assert _whole(target) and target.read_bytes() != before  # the next build finished the job


def test_every_format_was_killed_mid_build(durations):
    # runs after the cases above: had every build finished before its kill, they would prove nothing
    assert set(KILLED) == set(FORMATS), (KILLED, durations)
