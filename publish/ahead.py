"""Processes forked ahead of their calls, loading what the calls need while the building process goes on.

A Spare runs the one call it is given (an edit's layout); a Zygote forks a
process of its own for each call it is given (a full layout), so that the
building process never loads WeasyPrint itself and every layout starts from
what the zygote loaded. Both answer as forkpool.run()'s children do, and
forkpool.run() hands them calls (`spare=`).

A call goes to them pickled (a function of a module with its arguments,
functools.partial, not a closure), through a private temporary file: only
the file's name travels, so handing a call over never waits on its size. A
call that cannot be pickled, or one given to a process that has died, is
forked by run() as any other; one that cannot be read back there too
(_NotTaken).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import select
import signal
import socket
import tempfile
from multiprocessing.connection import Connection
from typing import Callable

from publish import forkpool, lifeline
from publish.forkpool import _NotTaken, _Raised, _Told

ZYGOTE_PATIENCE = 120.0  # seconds a zygote may take to say it forked a call (its loading included)


def _pickled(call: Callable) -> str:
    """`call` pickled into a private temporary file (readable by this user alone): its name."""
    data = pickle.dumps(call, protocol=pickle.HIGHEST_PROTOCOL)
    handle, name = tempfile.mkstemp(prefix="publish-spare-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return name


def _answer(name: str, answers) -> None:  # pragma: no cover - in a forked process
    """Read the call pickled in `name`, run it, and send what it tells and returns through `answers`."""
    try:
        with open(name, "rb") as handle:
            data = handle.read()
        os.unlink(name)
        call = pickle.loads(data)
    except BaseException as exc:  # noqa: BLE001 - this process cannot run it: the caller forks it
        answers.send(_NotTaken(f"{type(exc).__name__}: {exc}"))
        return
    forkpool._teller = lambda news: answers.send(_Told(news))  # heard by run(), as a forked call's
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


def _loaded(prepare: Callable[[], None]) -> None:  # pragma: no cover - in a forked process
    try:
        prepare()
    except BaseException:  # noqa: BLE001 - what could not be loaded ahead, each call loads itself
        pass


class Spare:
    """A process forked ahead of its call: it loads what calls need (`prepare`, e.g. WeasyPrint) while this
    process goes on (reading the issue), then runs the one call it is given. run() hands it its first call;
    one never given a call is stopped by close(). After the hand-over, the spare is a layout process like
    the others: its time limit runs from then, and its death is the layout's.
    """

    lasts = False  # it takes one call

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

    def give(self, call: Callable):
        """Hand it `call`: (the connection its answer comes through, the process); None if it cannot take
        it (not picklable, or the spare is gone)."""
        if self.given or self._ended():
            self.close()
            return None
        try:
            self._file = _pickled(call)
            self._sender.send_bytes(self._file.encode())
        except Exception:  # noqa: BLE001 - a call that will not pickle, no room, a dead spare: fork instead
            self.close()
            return None
        self._sender.close()
        self.given = True
        return self.receiver, self

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
    _loaded(prepare)
    try:
        name = calls.recv_bytes().decode()
    except (EOFError, OSError):  # closed without a call
        return
    _answer(name, answers)


class Zygote:
    """A process forked ahead that loads what calls need (`prepare`) while this one goes on, then forks a
    process of its own for each call it is given: this process need not load it at all. Each call's process
    answers through a pipe whose sending end goes to the zygote with the call (SCM_RIGHTS); the zygote says
    back the process's id when it has forked it, and its exit code when it has ended. It dies with this
    process; its calls' processes die with it.
    """

    lasts = True  # it takes every call

    def __init__(self, prepare: Callable[[], None]) -> None:
        parent = os.getpid()
        self.exitcode, self.given = None, False
        self._ended: dict[int, int] = {}  # a call's process id → its exit code, as the zygote said
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.pid = os.fork()
        except OSError:
            self._socket.close()
            theirs.close()
            raise
        if self.pid == 0:  # pragma: no cover - the zygote
            try:
                self._socket.close()
                lifeline.die_with(parent)
                _zygote(prepare, theirs)
            finally:
                os._exit(0)
        theirs.close()
        self._socket.settimeout(ZYGOTE_PATIENCE)

    def give(self, call: Callable):
        """`call` started in a process the zygote forks: (the connection its answer comes through, the
        process); None if it cannot be (a call that will not pickle, a zygote gone): run() forks it."""
        if self.exitcode is not None:
            return None
        try:
            name = _pickled(call)
        except Exception:  # noqa: BLE001 - this call will not pickle: forked by run(); the zygote takes the next
            return None
        receiver, sender = multiprocessing.Pipe(duplex=False)
        try:
            socket.send_fds(self._socket, [name.encode()], [sender.fileno()])
            pid = self._said("forked")
        except (OSError, ValueError, EOFError):  # gone, or not answering: stopped, and no call goes to it
            receiver.close()
            with contextlib.suppress(OSError):
                os.unlink(name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.close()
            return None
        finally:
            sender.close()
        self.given = True
        return receiver, _Forked(self, pid, name)

    def _said(self, kind: str, pid: int = 0) -> int:
        """The next `kind` message's process id ("forked"), or `pid`'s exit code ("ended"); what else the
        zygote says meanwhile is kept."""
        while True:
            if kind == "ended" and pid in self._ended:
                return self._ended.pop(pid)
            message = self._socket.recv(64)
            if not message:
                raise EOFError("the zygote is gone")
            said, number, code = message.decode().split()
            if said == "forked" and kind == "forked":
                return int(number)
            if said == "ended":
                self._ended[int(number)] = int(code)

    def ended(self, pid: int) -> int:
        """The exit code of `pid`, a call's process that has ended (-9: the zygote went, killing it)."""
        try:
            return self._said("ended", pid)
        except (OSError, ValueError, EOFError):
            return -signal.SIGKILL

    def close(self) -> None:
        """Let it go: it ends once the calls' processes have; reaped here. Never given a call, it is stopped."""
        if self.exitcode is not None:
            return
        with contextlib.suppress(OSError):
            self._socket.shutdown(socket.SHUT_RDWR)
        self._socket.close()
        if not self.given:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            self.exitcode = os.waitstatus_to_exitcode(os.waitpid(self.pid, 0)[1])
        self.exitcode = -signal.SIGKILL if self.exitcode is None else self.exitcode


class _Forked:
    """A call's process that a zygote forked: stopped directly, waited for through the zygote."""

    def __init__(self, zygote: Zygote, pid: int, file: str) -> None:
        self.zygote, self.pid, self.file, self.exitcode = zygote, pid, file, None

    def kill(self) -> None:
        if self.exitcode is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def join(self) -> None:
        if self.exitcode is None:
            self.exitcode = self.zygote.ended(self.pid)
        with contextlib.suppress(OSError):  # a process that died before it read its call leaves it
            os.unlink(self.file)


def zygote(prepare: Callable[[], None]) -> Zygote | None:
    """A Zygote loading `prepare`, or None where no process can be had now: the layouts are forked here."""
    try:
        return Zygote(prepare)
    except OSError:
        return None


def _zygote(prepare: Callable[[], None], calls: socket.socket) -> None:  # pragma: no cover - forked
    """Load, then fork a process for each call given, saying its id, and the exit code of each that ends;
    when let go, wait for those still running (they die with this process), then end."""
    _loaded(prepare)
    wake, woken = os.pipe()
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    signal.signal(signal.SIGCHLD, lambda *_: None)  # a process ended: select() wakes (on `wake`)
    running: set[int] = set()
    while True:
        ready = select.select([calls, wake], [], [])[0]
        if wake in ready:
            os.read(wake, 4096)
        _reap(running, calls)
        if calls not in ready:
            continue
        try:
            message, fds, _, _ = socket.recv_fds(calls, 4096, 1)
        except OSError:
            message, fds = b"", []
        if not message or not fds:
            break
        pid = os.fork()
        if pid == 0:
            try:
                calls.close()
                os.close(wake)
                os.close(woken)
                signal.set_wakeup_fd(-1)
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                lifeline.die_with(os.getppid())  # with the zygote, which dies with the building process
                _answer(message.decode(), Connection(fds[0], readable=False))
            finally:
                os._exit(0)
        os.close(fds[0])
        running.add(pid)
        with contextlib.suppress(OSError):
            calls.send(f"forked {pid} 0".encode())
    for pid in running:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _reap(running: set[int], calls: socket.socket) -> None:  # pragma: no cover - in the zygote
    """Each call's process that has ended: reaped, and its exit code said."""
    for pid in list(running):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
            code = os.waitstatus_to_exitcode(status)
        except ChildProcessError:  # reaped already: say it went
            done, code = pid, -signal.SIGKILL
        if done:
            running.discard(pid)
            with contextlib.suppress(OSError):
                calls.send(f"ended {pid} {code}".encode())
