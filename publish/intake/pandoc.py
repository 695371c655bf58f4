"""A document file, or HTML text → Pandoc's JSON syntax tree; a Pandoc tree → Markdown. Pandoc runs as a bounded child."""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
from pathlib import Path

from publish import lifeline
from publish.errors import PublishError
from publish.intake.draft import IntakeError

TIMEOUT = 60  # seconds; an article converts in well under one
MEMORY = 2 * 2**30  # bytes of address space; an article needs a small part of it, a pathological page far more
# GitHub's Markdown is closest to our dialect (pipe tables, footnotes, raw HTML for the rest); the
# extensions that would write syntax we do not read are off
WRITER = "gfm-emoji-autolink_bare_uris-task_lists-yaml_metadata_block-gfm_auto_identifiers"
API_VERSION = [1, 22]


def _pandoc() -> str:
    found = shutil.which("pandoc")
    if not found:
        raise PublishError("pandoc is not installed: publish import needs it to read documents — "
                           "install it (apt install pandoc, or see https://pandoc.org/installing.html)")
    return found


def _bounded(bind=None):
    """A preexec_fn: the child's address space capped at MEMORY, then the lifeline's own setup, if any."""
    def setup() -> None:  # pragma: no cover - runs in the child, between fork and exec
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
        if bind is not None:
            bind()
    return setup


def _run(args: list[str], shown: str, data: bytes | None = None) -> bytes:
    options = lifeline.tool_options()
    options["preexec_fn"] = _bounded(options.get("preexec_fn"))
    try:
        proc = subprocess.run([_pandoc(), *args], input=data, capture_output=True, timeout=TIMEOUT,
                              check=False, **options)
    except subprocess.TimeoutExpired:
        raise IntakeError(shown, f"converting took more than {TIMEOUT} s and was stopped",
                          "the document is damaged or far too large; save it again") from None
    if proc.returncode != 0:
        why = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        if any("memory" in line.lower() or "heap" in line.lower() for line in why):
            raise IntakeError(shown, f"converting needed more than {MEMORY // 2**30} GB of memory and was stopped",
                              "the document is damaged or far too large; import its articles one by one")
        raise IntakeError(shown, f"pandoc cannot read it ({why[-1] if why else 'exit ' + str(proc.returncode)})",
                          "save it again from Word or LibreOffice")
    return proc.stdout


def read_document(path: Path, reader: str, shown: str) -> dict:
    """Pandoc's tree of a .docx (with paragraph styles) or .odt file; tracked changes accepted, comments dropped."""
    out = _run(["-f", reader, "-t", "json", "--track-changes=accept", str(path)], shown)
    return json.loads(out)


def read_html(html: str, shown: str) -> dict:
    """Pandoc's tree of an (already sanitised) HTML fragment; unknown tags are dropped, not kept raw."""
    return json.loads(_run(["-f", "html-raw_html-native_divs-native_spans", "-t", "json"], shown, html.encode()))


def write_markdown(blocks: list, version: list | None, shown: str) -> str:
    """Our Markdown for a list of Pandoc blocks (no wrapping: one paragraph a line); `version`: the tree's API."""
    doc = {"pandoc-api-version": version or API_VERSION, "meta": {}, "blocks": blocks}
    return _run(["-f", "json", "-t", WRITER, "--wrap=none"], shown, json.dumps(doc).encode()).decode("utf-8")
