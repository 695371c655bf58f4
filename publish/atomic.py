"""Bytes for dist/ → files that appear whole or not at all: a temporary file beside the target, then a rename."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from publish import lifeline

# every temporary name starts with TEMP_PREFIX: "~" never occurs in a slug ([a-z0-9-]) nor in a name the
# tool gives an output, so cleaning up after a killed build can never take a published file
TEMP_MARK = "~publish-tmp~"
TEMP_PREFIX = "." + TEMP_MARK
NAME_KEPT = 60  # characters of the target's name kept in a temporary name (which must stay short enough)


def is_temp(name: str) -> bool:
    """Whether a file name is one of the tool's temporary names."""
    return name.startswith(TEMP_PREFIX)


def temp_name(target: Path, tail: str = "") -> str:
    """A temporary name for `target`, beside it: marked, and no longer than the file system allows."""
    return f"{TEMP_PREFIX}{target.name[:NAME_KEPT]}.{tail}"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A temporary path to write; it replaces `target` only if the block succeeds."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=temp_name(target), dir=target.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def write_bytes(target: Path, data: bytes) -> Path:
    with atomic_path(target) as temp:
        temp.write_bytes(data)
        lifeline.crash_point(f"writing:{target.name}")
    return target


def write_text(target: Path, text: str) -> Path:
    """UTF-8 with LF line ends, whatever the platform."""
    return write_bytes(target, text.encode("utf-8"))


def read_kept_json(path: Path, largest: int):
    """A JSON file this tool wrote and reads back (a record, a memo), or None: missing, unreadable, larger
    than `largest` bytes (not one it wrote), malformed, or nested too deep for json (RecursionError)."""
    try:
        if path.stat().st_size > largest:
            return None
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None


def remove_leftovers(folder: Path, recursive: bool = True) -> int:
    """Delete the temporary files and folders a killed build left behind (only those); returns how many."""
    count = 0
    if not folder.is_dir():
        return 0
    found = [p for p in (folder.rglob if recursive else folder.glob)(f"{TEMP_PREFIX}*") if is_temp(p.name)]
    for path in found:
        if not path.exists() and not path.is_symlink():
            continue  # inside a temporary folder removed just before
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        count += 1
    return count
