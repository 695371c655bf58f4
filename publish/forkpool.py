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
        order: Sequence[int] | None = None, spare: Spare | None = None,
        before_fork: Callable[[], None] | None = None,
        heard: Callable[[int, object], Sequence[tuple[Callable, float]]] | None = None,
        ) -> Iterator[tuple[int, object, float]]:
    """(index, result, seconds) of each call, in the order they finish, at most `workers` at once.

    `order` is the order calls start in (default: as given). The caller runs calls
    inline when forking would not pay (one worker, one call). A `spare` (Spare, loaded
    ahead) takes the first call it can; `before_fork` runs once, before the first call
    this process forks for itself (to load here what its children would each load).

    `heard(index, news)` hears what a running call tells (tell()) and may answer with more
    (call, time limit) pairs, indexed after those given: they start first, up to `workers`
    of them beside the calls still running (which, having told, are finishing).
    """
    context = multiprocessing.get_context("fork")
    calls, limits = list(calls), list(limits)
    pending = list(order if order is not None else range(len(calls)))
    pending.reverse()
    added: list[int] = []  # calls `heard` asked for, not yet started
    given = len(calls)  # the calls from `given` on are `heard`'s
    running: dict = {}  # connection → (index, process, started)
    try:
        while pending or added or running:
            while added and sum(index >= given for index, _, _ in running.values()) < workers:
                index = added.pop(0)
                running.update(_fork(context, calls[index], index, failure, before_fork))
                before_fork = None
            while pending and len(running) < workers:
                index = pending.pop()
                if spare is not None and spare.give(calls[index]):
                    running[spare.receiver] = (index, spare, time.monotonic())
                    spare = None
                    continue
                spare = None  # one that cannot take a call takes none
                running.update(_fork(context, calls[index], index, failure, before_fork))
                before_fork = None
            soonest = min(started + limits[index] for index, _, started in running.values())
            for conn in wait(list(running), timeout=max(0.0, soonest - time.monotonic())):
                index, process, started = running[conn]
                message = _message(conn)
                if isinstance(message, _Told):  # news from a call still running
                    added += _more(heard, index, message.news, calls, limits)
                    continue
                del running[conn]
                result = _finish(conn, process, index, failure, message)
                if isinstance(result, _NotTaken):  # a spare that could not take it: forked as any other
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


def _more(heard, index: int, news, calls: list, limits: list) -> list[int]:
    """The calls `heard` asks for on hearing `news`, added to `calls` and `limits`: their indices."""
    more = list(heard(index, news)) if heard is not None else []
    calls += [call for call, _ in more]
    limits += [limit for _, limit in more]
    return list(range(len(calls) - len(more), len(calls)))


def _fork(context, call: Callable, index: int, failure: Failure, before_fork) -> dict:
    """`call` started in a process forked for it: {its connection: (index, process, started)}."""
    if before_fork is not None:
        before_fork()
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, daemon=True, args=(call, index, failure, sender, os.getpid(), True))
    process.start()
    sender.close()  # the child's end: EOF reaches us if it dies without answering
    return {receiver: (index, process, time.monotonic())}


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


class Spare:
    """A process forked ahead of its call: it loads what calls need (`prepare`, e.g. WeasyPrint) while this
    process goes on (reading the issue), then runs the one call it is given and answers as run()'s children
    do. run() hands it its first call; one never given a call is stopped by close().

    The call goes to it pickled (a function of a module with its arguments, functools.partial, not a
    closure), through a private temporary file: the pipe carries only the file's name, so handing it over
    never waits for the spare, whatever the call's size and however long the spare is still loading. A call
    that cannot be pickled here, or a spare that has died, is no spare: give() says so and the call is forked
    as any other; one the spare cannot read back is forked too (_NotTaken). After the hand-over, the spare is
    a layout process like the others: its time limit runs from then, and its death is the layout's.
    """

    def __init__(self, prepare: Callable[[], None]) -> None:
        parent = os.getpid()
        self.given, self.exitcode, self._file = False, None, ""
        ends: list = []
        try:
            self.receiver, answers = multiprocessing.Pipe(duplex=False)
            ends += [self.receiver, answers]
            calls, self._sender = multiprocessing.Pipe(duplex=False)
            ends += [calls, self._sender]
            self.pid = os.fork()
        except OSError:  # no descriptor or process to be had: nothing left open
            for end in ends:
                end.close()
            raise
        if self.pid == 0:  # pragma: no cover - the child
            try:
                self.receiver.close()
                self._sender.close()
                lifeline.die_with(parent)
                _spare(prepare, calls, answers)
            finally:
                os._exit(0)
        answers.close()
        calls.close()

    def give(self, call: Callable) -> bool:
        """Hand it `call`; False if it cannot take it (not picklable, or the spare is gone)."""
        import pickle
        import tempfile

        if self.given or self._ended():
            self.close()
            return False
        try:
            data = pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL)
            handle, self._file = tempfile.mkstemp(prefix="publish-spare-")  # readable by this user alone
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            self._sender.send_bytes(self._file.encode())
        except Exception:  # noqa: BLE001 - a call that will not pickle, no room, a dead spare: fork instead
            self.close()
            return False
        self._sender.close()
        self.given = True
        return True

    def _ended(self) -> bool:
        """Whether it has died already (its loading crashed, or it was killed): reaped here if so."""
        if self.exitcode is None:
            with contextlib.suppress(ChildProcessError):
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    self.exitcode = os.waitstatus_to_exitcode(status)
        return self.exitcode is not None

    def kill(self) -> None:
        if self.exitcode is None:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        if self.exitcode is None:
            with contextlib.suppress(ChildProcessError, ProcessLookupError):
                self.exitcode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        if self._file:  # a spare that died before it read its call leaves it
            with contextlib.suppress(OSError):
                os.unlink(self._file)
            self._file = ""

    def close(self) -> None:
        """Stop it if it was never given a call (a given one is run()'s, which waits for it)."""
        if not self.given:
            self._sender.close()
            self.kill()
            self.join()
            self.receiver.close()
            self.given = True


def spare(prepare: Callable[[], None]) -> Spare | None:
    """A Spare loading `prepare`, or None where no process can be had now (EAGAIN, ENOMEM, no descriptor left):
    the layouts are then forked as before."""
    try:
        return Spare(prepare)
    except OSError:
        return None


def _spare(prepare: Callable[[], None], calls, answers) -> None:  # pragma: no cover - forked
    import pickle

    global _teller

    try:
        prepare()
    except BaseException:  # noqa: BLE001 - what could not be loaded ahead, the call loads itself
        pass
    try:
        name = calls.recv_bytes().decode()
    except (EOFError, OSError):  # closed without a call
        return
    try:
        with open(name, "rb") as handle:
            data = handle.read()
        os.unlink(name)
        call = pickle.loads(data)
    except BaseException as exc:  # noqa: BLE001 - this process cannot run it: the caller forks it
        answers.send(_NotTaken(f"{type(exc).__name__}: {exc}"))
        return
    _teller = lambda news: answers.send(_Told(news))  # noqa: E731 - heard by run(), as a forked call's
    try:
        result = call()
    except BaseException as exc:  # noqa: BLE001 - everything must reach the parent
        result = _Raised(f"raised: {type(exc).__name__}: {exc}")
    try:
        answers.send(result)
    except Exception as exc:  # noqa: BLE001 - a result that will not pickle is this call's failure
        answers.send(_Raised(f"raised: {type(exc).__name__}: the result could not be sent back ({exc})"))
    finally:
        answers.close()
