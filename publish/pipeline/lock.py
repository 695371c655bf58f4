"""An output folder → an exclusive lock on it for one build, held in the tool's records, released even by kill -9."""

from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path

from publish import lifeline
from publish.errors import PublishError

LOCK_FILE = "lock"  # in plan.state_dir(root, out): never in dist/, which is uploaded


@contextlib.contextmanager
def lock(records: Path, out: Path):
    """One build at a time per output folder: a second one fails fast and says why.

    An flock, which the kernel drops when its holder dies (even by kill -9);
    forked workers give up their copy (see publish.lifeline), so a dead
    build's workers cannot keep it.
    """
    records.mkdir(parents=True, exist_ok=True)
    with open(records / LOCK_FILE, "a", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError(f"{out}: another publish build is writing here — "
                               "wait for it to finish, or build elsewhere with --out DIR") from None
        lifeline.hold(handle.fileno())
        try:
            yield
        finally:
            lifeline.release(handle.fileno())
