"""kill -9 at exact points of each format's build: the previous file stays whole, and the next build cleans up.

The build is stopped by itself at a named point (publish.lifeline.crash_point, PUBLISH_CRASH_AT): its whole
process group is killed with SIGKILL there, as `kill -9` would, so each case is reproducible instead of a
guess at how long a build takes. The points: a file half-written in the staging folder, every file of the
format staged, the file moved into dist/ but not yet recorded, and a PDF layout running in the workers.
(tests/test_trust_pipeline.py kills the leader alone from outside, while workers and calibre run.)
"""

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
from publish.lifeline import CRASH_ENV

FORMATS = {"epub": ".epub", "kindle": ".azw3", "pdf": ".pdf", "print": "-print.pdf", "text": ".txt"}
NAME = "the-socialist-1113"
CASES = [(fmt, point) for fmt, suffix in FORMATS.items()
         for point in (f"writing:{NAME}{suffix}", f"staged:{fmt}", f"placed:{fmt}")]
CASES += [("pdf", "laying-out:part"), ("print", "laying-out:part")]


@pytest.fixture(scope="module")
def built(demo_copy, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("kill") / "paper"
    shutil.copytree(demo_copy, root, ignore=shutil.ignore_patterns("dist", ".publish-cache"))
    result = _publish(root, "build", "1113", "--format", ",".join(FORMATS), "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return root


def _publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop(CRASH_ENV, None)
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


def _in_session(session: int) -> list[int]:
    """The live processes of a session (the killed build started one of its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
        except (OSError, ValueError):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == session:
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize(("fmt", "point"), CASES)
def test_kill_9_at_a_point_of_a_build(built, fmt, point):
    root = built
    target = root / "dist/1113" / f"{NAME}{FORMATS[fmt]}"
    before = target.read_bytes()
    article = root / "issues/1113/03-porters.md"
    article.write_text(article.read_text() + f"\nA late paragraph ({point}).\n")
    env = {**os.environ, "PYTHONPATH": str(REPO), CRASH_ENV: point}
    process = subprocess.Popen([sys.executable, "-m", "publish", "build", "1113", "--format", fmt, "--jobs", "1"],
                               cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               start_new_session=True)
    _, stderr = process.communicate(timeout=600)
    assert process.returncode == -signal.SIGKILL, f"the build never reached {point}:\n{stderr}"
    deadline = time.monotonic() + 60  # a bound, not a guess: the whole group was killed at once
    while _in_session(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _in_session(process.pid), "a process of the killed build is still running"
    assert target.read_bytes() == before or _whole(target), "a killed build left a partial file in dist/"
    again = _publish(root, "build", "1113", "--format", fmt)
    assert again.returncode == 0, again.stderr
    assert not list((root / "dist").rglob("*publish-tmp*"))
    assert _whole(target) and target.read_bytes() != before  # the next build finished the job
