"""Calls → their results, each run in a forked process of its own, a few at a time, each with its own time limit.

The one process pool of publish: the pipeline runs issues in it, the print layout its
render jobs. Forking keeps start-up near zero (the child inherits the imported WeasyPrint
and the parsed issue), and a fresh process per call gives its memory back when it ends.
A call that raises, crashes, runs out of memory or passes its time limit fails alone:
`failure` turns what went wrong into that call's result. Every child dies with its
parent (lifeline), so a killed build leaves no worker running.

pebble offers the same (a fresh process per task, per-task time limits) but
forks its workers from a management thread; forking only from the main thread
keeps fontconfig's and logging's locks out of the children.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import signal
import time
from multiprocessing.connection import wait
from typing import Callable, Iterator, Sequence

from publish import lifeline

# what went wrong → the result to use instead: failure(index, why), why one of
# "raised: <Type>: <message>", "died: <exit code>", "timeout"
Failure = Callable[[int, str], object]


def cpus() -> int:
    """The processors this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _child(call: Callable, index: int, failure: Failure, conn, parent: int,
           heard: bool = False) -> None:  # pragma: no cover - forked
    global _teller
    lifeline.die_with(parent)
    # what the call tells (tell()) goes to run(), which hears it; a begin()'s call has no one to tell
    _teller = (lambda news: conn.send(_Told(news))) if heard else None
    try:
        result = call()
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        result = failure(index, f"raised: {type(exc).__name__}: {exc}")
    try:
        conn.send(result)
    finally:
        conn.close()


def run(calls: Sequence[Callable], workers: int, limits: Sequence[float], failure: Failure,
        order: Sequence[int] | None = None, spare=None, before_fork: Callable[[], None] | None = None,
        heard: Callable[[int, object], Sequence[tuple[Callable, float]]] | None = None,
        ) -> Iterator[tuple[int, object, float]]:
    """(index, result, seconds) of each call, in the order they finish, at most `workers` at once.

    `order` is the order calls start in (default: as given). The caller runs calls
    inline when forking would not pay (one worker, one call). A `spare` (publish.ahead:
    a Spare takes the first call, a Zygote every one) is loaded ahead; `before_fork` runs
    once, before the first call this process forks for itself (to load here what its
    children would each load).

    `heard(index, news)` hears what a running call tells (tell()) and may answer with more
    (call, time limit) pairs, indexed after those given: they start first, up to `workers`
    of them beside the calls still running (which, having told, are finishing).
    """
    starter = _Starter(failure, spare, before_fork)
    calls, limits = list(calls), list(limits)
    pending = list(order if order is not None else range(len(calls)))
    pending.reverse()
    added: list[int] = []  # calls `heard` asked for, not yet started
    given = len(calls)  # the calls from `given` on are `heard`'s
    running: dict = {}  # connection → (index, process, started)
    try:
        while pending or added or running:
            while added and sum(index >= given for index, _, _ in running.values()) < workers:
                running.update(starter.start(calls, added.pop(0)))
            while pending and len(running) < workers:
                running.update(starter.start(calls, pending.pop()))
            soonest = min(started + limits[index] for index, _, started in running.values())
            for conn in wait(list(running), timeout=max(0.0, soonest - time.monotonic())):
                index, process, started = running[conn]
                message = _message(conn)
                if isinstance(message, _Told):  # news from a call still running
                    added += _more(heard, index, message.news, calls, limits)
                    continue
                del running[conn]
                result = _finish(conn, process, index, failure, message)
                if isinstance(result, _NotTaken):  # a spare that could not take it: forked here as any other
                    starter.here.add(index)
                    pending.append(index)
                    continue
                yield index, result, time.monotonic() - started
            now = time.monotonic()
            for conn, (index, process, started) in list(running.items()):
                if now >= started + limits[index]:
                    del running[conn]
                    _stop(process, conn)
                    yield index, failure(index, "timeout"), now - started
    finally:
        for conn, (_, process, _) in running.items():
            _stop(process, conn)


class _Starter:
    """Starts run()'s calls: in the spare while it takes them, else in a process forked here for each (after
    `before_fork`, once)."""

    def __init__(self, failure: Failure, spare, before_fork) -> None:
        self.context = multiprocessing.get_context("fork")
        self.failure, self.spare, self.before_fork = failure, spare, before_fork
        self.here: set[int] = set()  # calls the spare could not read back: forked here

    def start(self, calls: list, index: int) -> dict:
        """Call `index` started: {its connection: (index, process, started)}."""
        if self.spare is not None and index not in self.here:
            handed = self.spare.give(calls[index])
            if handed is not None:
                self.spare = self.spare if self.spare.lasts else None
                return {handed[0]: (index, handed[1], time.monotonic())}
        if not getattr(self.spare, "lasts", False) or self.spare.exitcode is not None:
            self.spare = None  # a spare that cannot take a call takes none; a zygote, until it is gone
        if self.before_fork is not None:
            self.before_fork()
            self.before_fork = None
        receiver, sender = self.context.Pipe(duplex=False)
        process = self.context.Process(target=_child, daemon=True,
                                       args=(calls[index], index, self.failure, sender, os.getpid(), True))
        process.start()
        sender.close()  # the child's end: EOF reaches us if it dies without answering
        return {receiver: (index, process, time.monotonic())}


def _more(heard, index: int, news, calls: list, limits: list) -> list[int]:
    """The calls `heard` asks for on hearing `news`, added to `calls` and `limits`: their indices."""
    more = list(heard(index, news)) if heard is not None else []
    calls += [call for call, _ in more]
    limits += [limit for _, limit in more]
    return list(range(len(calls) - len(more), len(calls)))


class _Told:
    def __init__(self, news) -> None:  # what a running call said (tell()), for run()'s `heard`
        self.news = news


_teller: Callable[[object], None] | None = None  # in a call run() forked: how tell() reaches run()


def tell(news) -> None:
    """Say `news` to the run() that forked this call, while the call goes on (a layout's page facts before it
    writes its PDF, for the calls that wait for them); nothing where no run() listens (a call run inline)."""
    if _teller is not None:
        _teller(news)


_NOTHING = object()
# a child shares its parent's memory until it writes to it, as the garbage collector does to each object it
# visits: it never visits the parent's in the child (7 % less CPU in a forced PDF build); the parent goes on as before
os.register_at_fork(before=gc.freeze, after_in_parent=gc.unfreeze)
_shared = False  # this process is one of an archive's workers, which share the cores (share_cores)


def share_cores() -> None:
    """Say that this process is one of several workers that keep the cores busy (an archive's issue
    workers): its layouts run one at a time and begin() starts nothing. Its children inherit it."""
    global _shared
    _shared = True


def shares_cores() -> bool:
    return _shared


def can_begin() -> bool:
    """Whether begin() may start a process here: fork exists, there is a second core, and no sibling
    worker keeps it busy (share_cores)."""
    return can_fork() and cpus() > 1 and not _shared


def begin(call: Callable, failure: Failure) -> Callable[[], object]:
    """Start `call` in a forked process of its own now, while this one goes on: the function returned waits
    for its result (`failure(0, why)` if it raised or died) and stops the process if the wait is cut short.

    A plain fork, so that a pool's (daemonic) worker may use it too; the child dies with this process.
    Only where can_begin(). The wait has no time limit of its own: the caller's alarm bounds it.
    """
    parent = os.getpid()
    receiver, sender = multiprocessing.Pipe(duplex=False)
    try:
        pid = os.fork()
    except OSError as exc:  # no process to be had (EAGAIN, ENOMEM): the caller's failure, said when it waits
        receiver.close()
        sender.close()
        return lambda: failure(0, f"raised: OSError: {exc}")
    if pid == 0:  # pragma: no cover - the child
        try:
            receiver.close()
            _child(call, 0, failure, sender, parent)
        finally:
            os._exit(0)
    sender.close()

    def wait():
        result = _NOTHING
        try:
            result = receiver.recv()
        except (EOFError, OSError):  # it died before it answered
            pass
        except BaseException:  # the caller's time limit: stop it
            os.kill(pid, signal.SIGKILL)
            raise
        finally:
            receiver.close()
            status = os.waitpid(pid, 0)[1]
        return failure(0, f"died: {os.waitstatus_to_exitcode(status)}") if result is _NOTHING else result

    return wait


def _message(conn):
    """The next thing a call's connection carries: a _Told, its result, or _NOTHING (it died unheard)."""
    try:
        return conn.recv()
    except (EOFError, OSError):
        return _NOTHING


def _finish(conn, process, index: int, failure: Failure, message):
    """A call's result from its last message; its connection closed and its process reaped."""
    conn.close()
    process.join()
    if message is _NOTHING:
        return failure(index, f"died: {process.exitcode}")
    return failure(index, message.why) if isinstance(message, _Raised) else message


def _stop(process, conn) -> None:
    process.kill()
    process.join()
    conn.close()


def died_why(why: str) -> str:
    """"died: -9" → "killed by signal 9 (out of memory?)"; other exit codes said as they are."""
    code = why.partition(": ")[2]
    if code.lstrip("-").isdigit() and int(code) < 0:
        hint = " (out of memory?)" if int(code) == -9 else ""
        return f"killed by signal {-int(code)}{hint}"
    return f"exited with status {code}"


class _Raised:
    """What a spare's call raised, said back: the caller's `failure` (which stays in the caller) turns it into
    the call's result."""

    def __init__(self, why: str) -> None:
        self.why = why


class _NotTaken:
    """A spare that could not take the call it was given (it could not be read back there): run() forks it."""

    def __init__(self, why: str) -> None:
        self.why = why
