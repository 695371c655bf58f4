"""The site's files to write → a staging folder in dist/, moved into place together or not at all; the site's
records (outside dist/); a time limit.

The site is many files that link to each other. Each changed file is first written whole into
a temporary folder in dist/; only when every page, picture and feed is ready are they renamed into
place, in the order they were staged (pictures and article pages before the pages that link to
them). If a rename fails, the ones already done are undone from hard-linked copies of the old files,
so a failed site phase leaves the old site exactly as it was. Stale files are removed last.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import threading
from pathlib import Path
from typing import Iterator

from publish.atomic import temp_name, write_bytes
from publish.errors import PublishError

log = logging.getLogger("publish")

STATE_FILE = ".publish-site.json"  # the records' name in dist/ in earlier versions (migrated)

TIME_LIMIT_ENV = "PUBLISH_SITE_TIME_LIMIT"
DEFAULT_TIME_LIMIT = 300.0  # seconds for one issue's pages and cover, or for the archive's pages and feeds


class Stage:
    """Collects the site's changed files in a staging folder; `commit` moves them all into place."""

    def __init__(self, out_root: Path) -> None:
        self.out_root = out_root
        self.folder = out_root / temp_name(Path("site"), "stage")  # a name build cleans up after a kill
        shutil.rmtree(self.folder, ignore_errors=True)
        self.moves: list[tuple[Path, Path]] = []  # (staged file, its place in dist/), in going-live order
        self.staged: dict[Path, int] = {}
        self.removals: list[Path] = []
        self.kept = 0

    def put(self, target: Path, data: bytes | str) -> Path:
        """Stage `data` for `target`, unless `target` already holds exactly these bytes."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if target not in self.staged:
            try:
                same = target.stat().st_size == len(data) and target.read_bytes() == data
            except OSError:
                same = False
            if same:
                self.kept += 1
                return target
        self.folder.mkdir(parents=True, exist_ok=True)
        index = self.staged.setdefault(target, len(self.moves))
        staged = self.folder / f"{index:07d}"
        with open(staged, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(staged, 0o644)
        if index == len(self.moves):
            self.moves.append((staged, target))
        return target

    def remove(self, path: Path) -> None:
        """Delete `path` once the new files are in place (a page nothing links to any more)."""
        self.removals.append(path)

    @property
    def written(self) -> list[Path]:
        return [target for _, target in self.moves]

    def commit(self) -> None:
        """Rename every staged file into place; on failure undo the renames done and re-raise."""
        done: list[tuple[Path, Path | None]] = []
        made: list[Path] = []
        try:
            for number, (staged, target) in enumerate(self.moves):
                backup = None
                if target.is_file():
                    backup = self.folder / f"old-{number:07d}"
                    _keep_copy(target, backup)
                else:
                    made += _make_parents(target.parent, self.out_root)
                os.replace(staged, target)
                done.append((target, backup))
        except OSError:
            _undo(done, made)
            raise
        for path in self.removals:
            try:
                path.unlink(missing_ok=True)
                log.debug("site: removed %s", path)
            except OSError as exc:
                log.warning("site: could not remove the stale file %s (%s)", path, exc.strerror)

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _keep_copy(target: Path, backup: Path) -> None:
    try:
        os.link(target, backup)  # the old bytes, without copying them
    except OSError:
        shutil.copy2(target, backup)


def _make_parents(folder: Path, top: Path) -> list[Path]:
    """Create `folder` (inside `top`); returns the folders created, outermost first."""
    missing = []
    while not folder.exists() and folder != top and top in folder.parents:
        missing.append(folder)
        folder = folder.parent
    missing.reverse()
    for path in missing:
        path.mkdir()
    return missing


def _undo(done: list[tuple[Path, Path | None]], made: list[Path]) -> None:
    for target, backup in reversed(done):
        with contextlib.suppress(OSError):
            if backup is None:
                target.unlink()
            else:
                os.replace(backup, target)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()


class Records:
    """The site's records (sources' fingerprints, page lists, download checksums with mtimes).

    They live in `folder` (the pipeline gives `state_dir(root, out)/site`), never in dist/, which is
    uploaded as it is. Records of the old layout (dist/<n>/.publish-site.json, dist/.publish-site.json)
    are read where no new one exists, and deleted from dist/ once the new one is written: the first build after an upgrade
    re-renders nothing that is unchanged.
    """

    def __init__(self, folder: Path, out_root: Path, version: int) -> None:
        self.out_root = out_root
        self.folder = folder
        self.version = version

    def _paths(self, name: str) -> tuple[Path, Path]:
        if name:
            return self.folder / f"issue-{name}.json", self.out_root / name / STATE_FILE
        return self.folder / "site.json", self.out_root / STATE_FILE

    def load(self, name: str = "") -> dict:
        """An issue's record (`name` is its folder name), or the whole site's (`name` empty)."""
        for path in self._paths(name):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
                continue
            if isinstance(data, dict) and data.get("version") == self.version:
                return data
        return {}

    def save(self, name: str, data: dict) -> None:
        new, old = self._paths(name)
        text = (json.dumps({"version": self.version, **data}, indent=1, sort_keys=True, ensure_ascii=False)
                + "\n").encode("utf-8")
        try:
            same = new.read_bytes() == text
        except OSError:
            same = False
        if not same:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes(new, text)
        if old.is_file():
            old.unlink()


class TimeLimit:
    """Stops a step of the site phase that takes too long, with an error naming what it was doing.

    A signal timer, so it works only in the main thread (`publish serve` builds the site in another
    thread, where a step simply runs to its end). Whatever exception the alarm surfaces as, inside
    Pillow or Jinja, the time-limit error is the one that is raised.
    """

    def __init__(self, seconds: float | None = None) -> None:
        if seconds is None:
            try:
                seconds = float(os.environ.get(TIME_LIMIT_ENV) or DEFAULT_TIME_LIMIT)
            except ValueError:
                raise PublishError(f"{TIME_LIMIT_ENV}={os.environ[TIME_LIMIT_ENV]!r} is not a number of "
                                   "seconds — set it to e.g. 300, or unset it") from None
        self.seconds = seconds
        self.doing = ""  # "issues/1112: drawing the site cover", updated as the step goes on

    def _error(self) -> PublishError:
        return PublishError(f"{self.doing}: took longer than the site's time limit of {self.seconds:g} s — "
                            f"shorten what it draws, or raise {TIME_LIMIT_ENV}; the site was left as it was")

    @contextlib.contextmanager
    def step(self, doing: str) -> Iterator[TimeLimit]:
        self.doing = doing
        usable = (self.seconds > 0 and hasattr(signal, "setitimer")
                  and threading.current_thread() is threading.main_thread())
        if not usable:
            yield self
            return
        fired: list[bool] = []

        def on_alarm(signum, frame):
            fired.append(True)
            raise self._error()

        previous = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield self
        except BaseException:
            if fired:
                raise self._error() from None
            raise
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        if fired:  # the alarm's exception was swallowed somewhere below: it still wins
            raise self._error()
