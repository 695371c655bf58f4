"""How long `publish serve` takes to show an edited article: save the file, then poll the page until it changes.

    python -m bench.serve [--repeat 5] [--articles 25] [--keep] [--json FILE]

A synthetic issue (bench.generate) is served with `publish serve N --port 0 --format text`. Each round
changes the title of one article on disk and measures, from the moment the file is written, how long
until the served article page (over HTTP, as the browser fetches it after its reload) carries the new
title. The median over the rounds is the figure to watch (issue 17 aims at <= 1 s). It only reports.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

if not __package__:  # run as a file from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.generate import generate  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
WAIT = 120.0  # seconds: a bound on waiting for serve, never the measured figure


def _fetch(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _until(condition, what: str):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.01)
    raise SystemExit(f"bench.serve: gave up waiting for {what}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--articles", type=int, default=25)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--json", type=Path, metavar="FILE", help="also write the rounds' seconds and their median")
    args = ap.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="publish-serve-bench-"))
    root = generate(work / "paper", 1, seed=3, articles=args.articles)
    number = sorted(p.name for p in (root / "issues").iterdir())[0]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen([sys.executable, "-m", "publish", "--root", str(root), "serve", number, "--port",
                                "0", "--format", "text"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        line = _until(lambda: process.stdout.readline(), "serve to start")
        url = re.search(r"http://\S+", line).group(0).rsplit("/", 1)[0]
        article = sorted((root / "issues" / number).glob("*.md"))[0]
        page = f"{url}/{re.sub(r'^[0-9]+-', '', article.stem)}.html"
        _until(lambda: "<h1" in _fetch(page), "the first build")
        seconds = []
        for round_ in range(args.repeat):
            title = f"Edited title {round_} {time.time_ns()}"
            text = article.read_text(encoding="utf-8")
            text = re.sub(r'^title: .*$', f'title: "{title}"', text, count=1, flags=re.M)
            started = time.monotonic()
            article.write_text(text, encoding="utf-8")
            _until(lambda: title in _fetch(page), f"round {round_} to show")
            seconds.append(time.monotonic() - started)
            time.sleep(1.0)  # let serve's other passes (the text edition) finish before the next edit
    finally:
        process.terminate()
        process.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print(f"serve: an edited article visible after {statistics.median(seconds):.2f} s (median of {len(seconds)}; "
          f"min {min(seconds):.2f}, max {max(seconds):.2f}); the aim is <= 1 s")
    if args.json:
        args.json.write_text(json.dumps({"median": statistics.median(seconds), "seconds": seconds}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
