"""A built EPUB → DAISY Ace's findings, as `--validate` messages ("ok: …", "error: …", "skipped: …").

Ace (`@daisy/ace-cli` with the Puppeteer axe runner, from npm) is installed by
scripts/setup.sh into `.tools/ace` and drives the system Chromium headless.
Serious and critical violations are errors; moderate and minor ones warnings.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from publish import lifeline

ACE_TIMEOUT = 900
INSTALL_HINT = ("run scripts/setup.sh (it installs @daisy/ace-cli into .tools/ace), or put ace-cli on PATH "
                "(PUBLISH_ACE may name it)")
SEVERE = ("critical", "serious")


def ace_program() -> str | None:
    """PUBLISH_ACE, else the project's .tools/ace install, else an `ace-cli`/`ace` on PATH."""
    named = os.environ.get("PUBLISH_ACE")
    if named:
        return named if Path(named).is_file() else None
    local = Path(__file__).resolve().parents[3] / ".tools/ace/node_modules/.bin/ace-cli"
    if local.is_file():
        return str(local)
    return shutil.which("ace-cli") or shutil.which("ace")


def chromium() -> str | None:
    return os.environ.get("PUPPETEER_EXECUTABLE_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")


def run_ace(path: Path) -> dict:
    """Ace's report.json for one EPUB; raises RuntimeError with a reason when Ace gives none.

    Ace drives a headless Chromium, whose start now and then fails on a busy machine: an Ace run
    that ends without a report (a crash, not a verdict on the book) is run once more, verbosely,
    so that a second failure says why.
    """
    try:
        return _ace_once(path, verbose=False)
    except RuntimeError as first:
        if "no report" not in str(first):
            raise
        return _ace_once(path, verbose=True)


def _ace_once(path: Path, verbose: bool) -> dict:
    program, browser = ace_program(), chromium()
    with tempfile.TemporaryDirectory(prefix="publish-ace-") as scratch:
        # Ace's runner starts Chromium without its sandbox, which headless Chromium as root needs
        env = dict(os.environ, PUPPETEER_EXECUTABLE_PATH=browser or "", PUPPETEER_SKIP_DOWNLOAD="1",
                   HOME=scratch, TMPDIR=scratch)
        try:
            done = subprocess.run([program, "--verbose" if verbose else "--silent", "--force", "--lang", "en",
                                   "--outdir", f"{scratch}/report", "--tempdir", f"{scratch}/work", str(path)],
                                  capture_output=True, env=env, timeout=ACE_TIMEOUT, check=False,
                                  **lifeline.tool_options())
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"no answer within {ACE_TIMEOUT} s") from None
        except OSError as exc:
            raise RuntimeError(f"could not run {program} ({exc.strerror})") from None
        report = Path(scratch) / "report/report.json"
        if not report.is_file():
            tail = (done.stderr + done.stdout).decode("utf-8", "replace").strip()[-600:]
            raise RuntimeError(f"no report (exit {done.returncode}): {tail}")
        return json.loads(report.read_text(encoding="utf-8"))


def violations(report: dict) -> list[tuple[str, str, str, str]]:
    """(impact, rule, file, description) for each failed check in an Ace report."""
    found = []
    for subject in report.get("assertions", []):
        where = subject.get("earl:testSubject", {}).get("url", "").lstrip("/")
        for check in subject.get("assertions", []):
            if check.get("earl:result", {}).get("earl:outcome") != "fail":
                continue
            test = check.get("earl:test", {})
            found.append((test.get("earl:impact", "serious"), test.get("dct:title", "?"), where,
                          check.get("earl:result", {}).get("dct:description", "").strip()))
    return found


def ace(path: Path) -> list[str]:
    """DAISY Ace on one built EPUB, as validate messages."""
    if ace_program() is None:
        return [f"skipped: DAISY Ace: {path.name}: Ace is not installed — {INSTALL_HINT}"]
    if chromium() is None:
        return [f"skipped: DAISY Ace: {path.name}: Chromium not found — apt-get install chromium, "
                "or set PUPPETEER_EXECUTABLE_PATH"]
    try:
        report = run_ace(path)
    except (RuntimeError, ValueError) as exc:
        return [f"error: DAISY Ace: {path.name}: {exc}"]
    found = violations(report)
    messages = [f"{'error' if impact in SEVERE else 'warning'}: DAISY Ace {rule} ({impact}): {path.name}/{where}: "
                f"{text}" for impact, rule, where, text in found]
    version = report.get("earl:assertedBy", {}).get("doap:release", {}).get("doap:revision", "")
    level = "ok" if not found else "error" if any(v[0] in SEVERE for v in found) else "warning"
    return messages + [f"{level}: DAISY Ace {version}: {path.name}: {len(found)} violations"]
