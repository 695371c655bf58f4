"""`publish clean` → dist/ (or --out DIR) and .publish-cache/ removed, once it is sure both are the tool's own."""

from __future__ import annotations

import contextlib
import fcntl
import shutil
from pathlib import Path
from typing import Iterator

import click

from publish.errors import PublishError
from publish.pipeline.lock import LOCK_FILE
from publish.pipeline.plan import CACHE_DIR, STATE_FILE, state_dir

SOURCES = ("issues", "pages", "layouts", "fonts")  # a publication's own folders: never an output
OLD_MARKS = ("build-report.json", ".publish-site.json", ".publish.lock")  # what older versions left in dist/


def _refuse(target: Path, why: str) -> PublishError:
    return PublishError(f"{target}: {why} — nothing was removed; delete it yourself if you are sure")


def _is_output(root: Path, target: Path) -> bool:
    """publish built here: it has records of it, or the marks an older version left inside, or nothing at all."""
    if state_dir(root, target, create=False).is_dir() or not any(target.iterdir()):
        return True
    return any((target / mark).is_file() for mark in OLD_MARKS) or any(target.glob(f"*/{STATE_FILE}"))


def _check_output(root: Path, target: Path) -> None:
    if target.is_symlink():
        raise _refuse(target, "is a symbolic link, so its contents may be anything")
    if not target.exists():
        return
    real = target.resolve()
    if real == root or root.is_relative_to(real):
        raise _refuse(target, "is the publication folder or holds it")
    if any(real.is_relative_to(root / name) for name in (*SOURCES, CACHE_DIR)):
        raise _refuse(target, "is inside the publication's sources")
    if not real.is_dir():
        raise _refuse(target, "is not a folder")
    if (real / "publication.toml").exists() or not _is_output(root, real):
        raise _refuse(target, "does not look like a folder publish built (it has no record of building there)")


@contextlib.contextmanager
def _all_locks(root: Path, target: Path) -> Iterator[None]:
    """Hold every build lock of the publication: no build may be writing while its files go."""
    locks = {state_dir(root, target, create=False) / LOCK_FILE}
    locks |= set((root / CACHE_DIR / "state").glob(f"*/{LOCK_FILE}"))
    with contextlib.ExitStack() as stack:
        for path in sorted(p for p in locks if p.is_file()):
            handle = stack.enter_context(open(path, "a", encoding="utf-8"))
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise PublishError(f"{target}: a publish build is writing here — wait for it to finish, "
                                   "then clean") from None
        yield


@click.command("clean")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="The output folder to remove instead of dist/.")
@click.pass_obj
def command(obj: dict, out: Path | None) -> None:
    """Remove dist/ (or --out DIR) and .publish-cache/: what builds made, never a source."""
    root: Path = obj["root"]
    if not (root / "publication.toml").is_file():
        raise PublishError(f"{root}: no publication.toml here — run publish clean in the publication's folder, "
                           "or give --root DIR")
    target = Path(out).absolute() if out else root / "dist"
    cache = root / CACHE_DIR
    _check_output(root, target)
    if cache.is_symlink():
        raise _refuse(cache, "is a symbolic link, so its contents may be anything")
    removed = []
    with _all_locks(root, target):
        for folder in (target, cache):
            if folder.is_dir():
                shutil.rmtree(folder)
                removed.append(str(folder.relative_to(root)) + "/" if folder.is_relative_to(root) else str(folder))
    click.echo(f"removed {' and '.join(removed)}" if removed else "nothing to remove")
