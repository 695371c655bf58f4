"""A worker process → bound to its parent: it dies when the parent dies, and never keeps the parent's build lock.

A build forks workers (one per issue, one per PDF part). Killed with kill -9,
the parent cannot stop them itself, so each worker asks the kernel to kill it
when its parent goes (Linux's PR_SET_PDEATHSIG), or watches for that itself
elsewhere. An flock belongs to the open file, which a fork shares: a worker
that kept its copy would keep the lock after its parent died, so every forked
child lets go of its copy at once.
"""

from __future__ import annotations

import ctypes
import functools
import os
import signal
import threading
import time

PR_SET_PDEATHSIG = 1
PARENT_ENV = "PUBLISH_PARENT_PID"  # set by `serve` for the `publish build` processes it starts
_locks: set[int] = set()  # file descriptors holding a build lock in this process


def hold(fd: int) -> None:
    """Note a file descriptor whose flock is this process's: forked children give up their copy."""
    _locks.add(fd)


def release(fd: int) -> None:
    _locks.discard(fd)


def _drop_locks_in_child() -> None:
    # point the inherited descriptor at /dev/null rather than closing it: the number stays valid for
    # the Python file object that owns it, and only the parent's copy keeps the lock alive
    if not _locks:
        return
    null = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    for fd in _locks:
        try:
            os.dup2(null, fd, inheritable=False)
        except OSError:
            pass
    os.close(null)
    _locks.clear()


os.register_at_fork(after_in_child=_drop_locks_in_child)


def die_with(parent: int) -> None:
    """In a child process: be killed when `parent` dies, and exit now if it already has."""
    if not _pdeathsig():
        threading.Thread(target=_watch, args=(parent,), name="lifeline", daemon=True).start()
    if os.getppid() != parent:  # the parent died before the request above: nobody would kill us
        os._exit(1)


def die_with_env() -> None:
    """In a `publish build` started by another publish process: die with it (see PARENT_ENV)."""
    raw = os.environ.pop(PARENT_ENV, "")
    if raw.isdigit():
        die_with(int(raw))


def _load_libc():
    try:
        # the running program's own symbols, libc's among them: find_library("c") would run ldconfig
        libc = ctypes.CDLL(None, use_errno=True)
        return libc if hasattr(libc, "prctl") else None
    except OSError:  # pragma: no cover
        return None


_LIBC = _load_libc()  # loaded here, never between fork and exec (where loading a library can deadlock)


def _pdeathsig() -> bool:
    return _LIBC is not None and _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0


def tool_options() -> dict:
    """Keyword arguments for subprocess.run/Popen of a tool a build runs (calibre, Java, qpdf…).

    The kernel clears the parent-death signal on fork, so a tool started by a
    worker would outlive a kill -9 of the build and could still be writing
    into the staging folder the next build reuses: the tool asks for the
    signal itself, between fork and exec.
    """
    if _LIBC is None:  # pragma: no cover - not Linux
        return {}
    return {"preexec_fn": functools.partial(_bind, os.getpid())}


def _bind(parent: int) -> None:  # pragma: no cover - runs in the child, between fork and exec
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def _watch(parent: int) -> None:  # pragma: no cover - systems without prctl
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


CRASH_ENV = "PUBLISH_CRASH_AT"  # tests: a named point where the build dies as if killed with -9


def crash_point(name: str) -> None:
    """Die here, with the whole process group, as a `kill -9` would, when PUBLISH_CRASH_AT names this point.

    The kill -9 tests use it to stop a build at exact places (a file half-staged, a file moved
    into dist/ but not yet recorded, a PDF layout running in the workers) instead of guessing
    the moment with a timer. Unset, it costs one dictionary lookup.
    """
    if os.environ.get(CRASH_ENV) == name:
        os.killpg(os.getpgrp(), signal.SIGKILL)
