"""`publish serve`: builds the issue pages first, serves dist/ on 127.0.0.1, rebuilds on change, reloads, stops on Ctrl-C."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from helpers import REPO

TIMEOUT = 20


class Served:
    """A `publish serve` process and what it printed."""

    def __init__(self, root: Path, *args: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "publish", "--root", str(root), "serve", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.url = self.wait_for(r"http://127\.0\.0\.1:\d+").group(0)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, pattern: str, after: int = 0) -> re.Match:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                match = re.search(pattern, line)
                if match:
                    return match
            if self.process.poll() is not None and not self.reader.is_alive():
                break
            time.sleep(0.05)
        raise AssertionError(f"no {pattern!r} in the output:\n" + "\n".join(self.lines))

    def get(self, path: str) -> str:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return response.read().decode("utf-8")

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def events(url: str, got: list[str], count: int) -> threading.Thread:
    """Read `count` server-sent events into `got`, in a thread."""

    def read() -> None:
        with urllib.request.urlopen(url + "/__publish/events", timeout=TIMEOUT) as stream:
            for raw in stream:
                line = raw.decode().strip()
                if line.startswith("data:"):
                    got.append(line[5:].strip())
                    if len(got) >= count:
                        return

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def served(pub):
    server = Served(pub, "1112", "--port", "0", "--format", "text")
    yield server
    server.stop()


def test_serve_builds_pages_first_then_formats_and_injects_live_reload(served, pub):
    served.wait_for(r"built text")
    site_line = next(i for i, line in enumerate(served.lines) if line.startswith("site:"))
    text_line = next(i for i, line in enumerate(served.lines) if line.startswith("built text"))
    assert site_line < text_line  # fast first: the pages before the other formats
    assert served.url.startswith("http://127.0.0.1:")
    page = served.get("/1112/strike.html")
    assert "Bin workers strike" in page and "/__publish/events" in page
    on_disk = (pub / "dist/1112/strike.html").read_text()
    assert "<script" not in on_disk  # the reload script exists only as served
    # the download block, once text is built and the site has looked again
    wait_until(lambda: "weekly-worker-1112.txt" in served.get("/1112/"), "the text download")
    assert served.get("/").startswith("<!DOCTYPE html>")
    with urllib.request.urlopen(served.url + "/1112/cover.jpg", timeout=5) as response:
        assert response.headers["Content-Type"] == "image/jpeg"


def test_a_change_rebuilds_and_reloads_and_errors_show_in_the_page(served, pub):
    served.wait_for(r"built text")
    got: list[str] = []
    reader = events(served.url, got, 2)
    wait_until(lambda: got, "the first event")
    source = pub / "issues/1112/01-strike.md"
    source.write_text(source.read_text().replace("Bin workers strike", "Bin workers win"))
    reader.join(TIMEOUT)
    assert len(got) == 2 and got[1] != got[0]  # the browser is told to reload
    wait_until(lambda: "Bin workers win" in served.get("/1112/strike.html"), "the new title")
    source.write_text("---\ntitle: [unclosed\n---\n")
    wait_until(lambda: 'role="alert"' in served.get("/1112/strike.html"), "the error banner")
    page = served.get("/1112/strike.html")
    assert "issues/1112/01-strike.md" in page and "Bin workers win" in page  # the last good page, and why


def test_ctrl_c_stops_cleanly(served):
    served.wait_for(r"built text")
    assert served.stop() == 0
    served.reader.join(5)
    output = "\n".join(served.lines)
    assert output.rstrip().endswith("stopped") and "Traceback" not in output


def test_a_taken_port_is_a_clear_error(pub):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "publish", "--root", str(pub), "serve", "--port", str(port)],
                                capture_output=True, text=True, timeout=TIMEOUT, cwd=REPO)
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
