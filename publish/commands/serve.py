"""`publish serve [ISSUE]` → a preview on 127.0.0.1: builds the issue, serves dist/, rebuilds on change, reloads the page.

Fast first: after every change the site pages are rebuilt in this process (well under a second), the
browser reloads, and only then are the issue's other formats made, one group at a time, each in its own
`publish build` process, so a change arriving during the slow PDF stops that build and starts again with
the pages, and Ctrl-C never waits for WeasyPrint. The live-reload script is added to pages as they are
served; the files in dist/ never contain it.
"""

from __future__ import annotations

import http.server
import logging
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

import click
from markupsafe import escape

from publish import lifeline
from publish import BUILTIN_LAYOUTS
from publish.atomic import is_temp
from publish.check import load_publication, select_issues
from publish.errors import PublishError
from publish.formats import FORMATS, parse_formats
from publish.pipeline.build import choose_formats
from publish.pipeline.lock import lock
from publish.pipeline.plan import state_dir
from publish.pipeline.sources import SourceReader
from publish.pipeline.types import Context, Options

log = logging.getLogger("publish")

EVENTS = "/__publish/events"
# what editors write beside the file being edited: vim's swap files and its write test "4913", backups
# ending in "~", Emacs's lock files ".#name", "*.tmp", and sed -i's temporaries (sed + 6 letters/digits)
EDITOR_TEMP = re.compile(r"\..*\.sw[a-z]|.*~|4913|\.#.*|#.*#|.*\.tmp|sed[A-Za-z0-9]{6}|\.goutputstream-.*")
# formats built together (kindle and kepub are made from the epub), fastest first
GROUPS = (("text",), ("epub", "kindle", "kepub"), ("pdf",), ("print",))


def _groups(formats) -> tuple[tuple[str, ...], ...]:
    """GROUPS, then every other per-issue format chosen, alone: a format added later is never left out."""
    grouped = {f for group in GROUPS for f in group}
    rest = tuple((f,) for f in formats if f not in grouped and FORMATS[f].per_issue)
    return GROUPS + rest
RELOAD_SCRIPT = """<script>
(function () {
  var built = "%s";
  var source = new EventSource("%s");
  source.onmessage = function (event) { if (event.data !== built) { location.reload(); } };
})();
</script>
"""


class Preview:
    """The state shared by the builder and the web server: a build generation and the last error."""

    def __init__(self) -> None:
        self.generation = 0
        self.error = ""
        self.stop = threading.Event()
        self.changed = threading.Condition()

    def publish(self, error: str | None = None, reload: bool = True) -> None:
        with self.changed:
            if error is not None:
                reload = reload or error != self.error
                self.error = error
            if reload:
                self.generation += 1
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.changed:
            self.changed.wait_for(lambda: self.generation != seen or self.stop.is_set(), timeout)
            return self.generation

    def close(self) -> None:
        self.stop.set()
        with self.changed:
            self.changed.notify_all()


# --- the web server ------------------------------------------------------------------------------


class Handler(http.server.SimpleHTTPRequestHandler):
    preview: Preview

    def do_GET(self) -> None:
        path = unquote(urlsplit(self.path).path)
        if path == EVENTS:
            return self._events()
        target = Path(self.translate_path(self.path))
        if target.is_dir() and path.endswith("/"):
            target = target / "index.html"
        if target.suffix == ".html" and target.is_file():
            return self._page(target)
        return super().do_GET()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _page(self, target: Path) -> None:
        html = target.read_text(encoding="utf-8")
        extra = RELOAD_SCRIPT % (self.preview.generation, EVENTS)
        if self.preview.error:
            extra = ('<pre role="alert" style="position:fixed;bottom:0;left:0;right:0;max-height:40vh;'
                     'overflow:auto;margin:0;padding:1rem;background:#fff3f3;color:#8b0000;'
                     'border-top:4px solid #b30000;white-space:pre-wrap;z-index:9">'
                     f"publish serve: the last build failed\n{escape(self.preview.error)}</pre>\n") + extra
        body = html.replace("</body>", extra + "</body>", 1).encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _events(self) -> None:
        """Server-sent events: the build generation now, then whenever it changes."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        seen = -1
        while not self.preview.stop.is_set():
            generation = self.preview.wait(seen, timeout=10)
            try:
                self.wfile.write(f"data: {generation}\n\n".encode() if generation != seen else b": ping\n\n")
                self.wfile.flush()
            except OSError:  # the page went away
                return
            seen = generation

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("serve: " + format, *args)


def make_server(out: Path, port: int, preview: Preview) -> http.server.ThreadingHTTPServer:
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    try:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(out)))
    except OSError as exc:
        raise PublishError(f"cannot listen on 127.0.0.1:{port} ({exc.strerror}) — "
                           "choose another port with --port") from None
    server.daemon_threads = True
    return server


# --- the builder -----------------------------------------------------------------------------------


class Builder:
    """Builds in passes (site pages first, then the other formats), restarting when sources change."""

    def __init__(self, root: Path, issue: str, formats: tuple[str, ...], preview: Preview):
        self.root = root
        self.issue = issue
        self.formats = formats
        self.preview = preview
        self.changes: queue.Queue = queue.Queue()
        self.errors: dict[str, str] = {}  # step → its last error

    def watched(self) -> list[Path]:
        paths = [self.root / name for name in ("publication.toml", "issues", "pages", "layouts", "fonts")]
        builtin = (BUILTIN_LAYOUTS / "default").resolve()
        if not builtin.is_relative_to(self.root.resolve()):
            paths.append(builtin)
        return [p for p in paths if p.exists()]

    def watch(self) -> None:
        import watchfiles

        def interesting(change, path: str) -> bool:
            return not ignored(path)

        for changes in watchfiles.watch(*self.watched(), watch_filter=interesting, stop_event=self.preview.stop,
                                        debounce=200, step=50, raise_interrupt=False):
            names = sorted({Path(p).name for _, p in changes})
            log.info("changed: %s", ", ".join(names[:5]) + (" …" if len(names) > 5 else ""))
            self.changes.put(changes)

    def run(self) -> None:
        while not self.preview.stop.is_set():
            self.build_all()
            self.changes.get()  # the next change (or the wake-up when stopping)

    def _drain(self) -> None:
        while True:
            try:
                self.changes.get_nowait()
            except queue.Empty:
                return

    def _interrupted(self) -> bool:
        return self.preview.stop.is_set() or not self.changes.empty()

    def build_all(self) -> None:
        while not self.preview.stop.is_set():
            self._drain()
            if self._site():
                continue
            for group in _groups(self.formats):
                wanted = tuple(f for f in group if f in self.formats)
                # the site again after each group, so its downloads appear as they are made
                if wanted and (self._formats(wanted) or self._site()):
                    break
            else:
                return

    def _report(self, step: str, error: str) -> bool:
        self.errors[step] = error
        if error:
            log.error("%s", error)
        return bool(error)

    def _site(self) -> bool:
        """The site pages, in this process; True if a change arrived meanwhile."""
        written: list = []
        try:
            pub, _ = load_publication(self.root)
            folder = select_issues(pub, (self.issue,), False)[0]
            reader = SourceReader(pub, "site")
            error = "" if reader.read(folder, "the preview shows the last good build") else \
                reader.rejected[int(folder.name)]
            out = self.root / "dist"
            records = state_dir(self.root, out)
            with lock(records, out):  # a `publish build` elsewhere may be writing dist/
                written = FORMATS["site"].write(pub, out, Context(Options(), out, state=records, issues=reader))
            reader.save()
        except (PublishError, click.UsageError) as exc:
            error = exc.format_message()
        except OSError as exc:  # a full disk, a read-only folder
            error = (f"{exc.filename or self.root / 'dist'}: cannot write the site ({exc.strerror or exc}) — "
                     "check free space and permissions")
        except Exception as exc:  # noqa: BLE001 - keep previewing whatever went wrong
            log.debug("site build failed", exc_info=True)
            error = f"internal error: {type(exc).__name__}: {exc} — run with --debug for the traceback"
        self._report("site", error)  # the site itself says what it wrote
        self.preview.publish(error=self.error, reload=bool(written))
        return self._interrupted()

    @property
    def error(self) -> str:
        return "\n\n".join(e for e in self.errors.values() if e)

    def _formats(self, group: tuple[str, ...]) -> bool:
        """One group of formats in a `publish build` process; True if a change stopped it."""
        command = [sys.executable, "-m", "publish", "--root", str(self.root), "build", self.issue,
                   "--format", ",".join(group), "-q"]
        started = time.perf_counter()
        with tempfile.TemporaryFile("w+", encoding="utf-8") as log_file:  # a pipe could fill up and stall it
            # a session of its own (Ctrl-C is ours to pass on) whose whole group is killed when abandoned,
            # and which dies with this process (lifeline): no worker may outlive it and keep the lock
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
                                       env={**os.environ, lifeline.PARENT_ENV: str(os.getpid())})
            try:
                while process.poll() is None:
                    if self._interrupted():
                        log.info("stopped building %s", ", ".join(group))
                        return True
                    time.sleep(0.05)
            finally:
                _kill_group(process)
            log_file.seek(0)
            output = log_file.read().strip()
        step = ",".join(group)
        if not self._report(step, (output or f"building {step} failed") if process.returncode else ""):
            log.info("built %s in %.1f s", ", ".join(group), time.perf_counter() - started)
        self.preview.publish(error=self.error, reload=False)
        return self._interrupted()


def _kill_group(process: subprocess.Popen) -> None:
    """Kill a build and every worker it forked (its process group), and reap it."""
    if process.poll() is None:  # once reaped, its group id may name someone else's group
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # all gone already
    process.wait()


def _open(url: str) -> None:
    """The preview in the reader's browser; without one (a server over SSH), the address printed is enough."""
    import webbrowser

    try:
        opened = webbrowser.open(url)
    except webbrowser.Error:
        opened = False
    if not opened:
        click.echo(f"no web browser found: open {url} yourself")


def ignored(path: str) -> bool:
    """Changes that are not edits: the tool's own temporary files, caches, and editors' swap and backup files."""
    name = Path(path).name
    return is_temp(name) or "__pycache__" in path or EDITOR_TEMP.fullmatch(name) is not None


# --- the command ------------------------------------------------------------------------------------


def _formats(ctx, param, value):
    try:
        return parse_formats(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command("serve")
@click.argument("issue", required=False, metavar="[ISSUE]")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--format", "formats", callback=_formats, metavar="LIST",
              help="Formats to build besides the site pages; default: all this machine can make.")
@click.option("--open", "open_browser", is_flag=True, help="Open the preview in the web browser.")
@click.pass_obj
def command(obj: dict, issue: str | None, port: int, formats, open_browser: bool) -> None:
    """Preview ISSUE (default: the latest) at http://127.0.0.1:PORT/, rebuilding and reloading on every change."""
    root: Path = obj["root"]
    logging.getLogger("watchfiles").setLevel(logging.WARNING)  # we say what changed ourselves
    pub, _ = load_publication(root)
    folder = select_issues(pub, (issue,) if issue else (), False)[0]
    chosen, _ = choose_formats(tuple(f for f in formats if f != "site") if formats else None,
                               tuple(f for f in pub.formats if f != "site"))
    out = root / "dist"
    out.mkdir(exist_ok=True)
    preview = Preview()
    builder = Builder(root, folder.name, tuple(f for f in chosen if FORMATS[f].per_issue), preview)
    server = make_server(out, port, preview)
    threads = [threading.Thread(target=server.serve_forever, name="serve", daemon=True),
               threading.Thread(target=builder.watch, name="watch", daemon=True),
               threading.Thread(target=builder.run, name="build", daemon=True)]
    for thread in threads:
        thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/{folder.name}/index.html"
    click.echo(f"serving {out} at {url} (Ctrl-C to stop)")
    if open_browser:
        _open(url)
    previous = signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    try:
        while not preview.stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        preview.close()
        server.shutdown()
        server.server_close()
        builder.changes.put(())  # wake the builder if it waits for a change
        for thread in threads[1:]:
            thread.join(timeout=5)
    click.echo("stopped")
