"""The press's pictures in CMYK, kept between builds in one folder per issue (`.publish-cache/cmyk/<n>/`).

Each file is named by the digest of what its picture was converted from (separate._what) and carries its
own SHA-256, so that a damaged file is a miss, converted again.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from publish.atomic import is_temp, write_bytes


class PictureStore:
    """Converted pictures kept between builds in one folder (an issue's), by the digest of what they are made
    from; `prune()` drops those this build did not use. A damaged or unreadable file is a miss."""

    def __init__(self, folder: Path, fresh: bool = False) -> None:
        self.folder = folder
        self.fresh = fresh  # --force: convert everything again, and keep the new conversions
        self.used: set[str] = set()

    def empty(self) -> bool:
        """Whether no conversion is to be had from it (--force, or nothing kept yet)."""
        if self.fresh:
            return True
        try:
            return not any(self.folder.iterdir())
        except OSError:
            return True

    def get(self, key: str) -> bytes | None:
        if self.fresh:
            return None
        try:
            data = (self.folder / key).read_bytes()
        except OSError:
            return None
        if len(data) < 32 or hashlib.sha256(data[32:]).digest() != data[:32]:
            return None
        self.used.add(key)
        return data[32:]

    def put(self, key: str, data: bytes) -> None:
        self.used.add(key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_bytes(self.folder / key, hashlib.sha256(data).digest() + data)
        except OSError:
            pass  # a read-only folder only costs time

    def prune(self) -> None:
        if not self.folder.is_dir():
            return
        with contextlib.suppress(OSError):  # a read-only folder only keeps what it has
            for path in self.folder.iterdir():
                if path.name not in self.used and not is_temp(path.name):
                    path.unlink(missing_ok=True)
