"""A built PDF → validation messages ("ok: …", "warning: …", "error: …", "skipped: …") for `build --validate`.

Structure only: qpdf's consistency check, fonts embedded (pdffonts), page
boxes, tagging and identification — what a printer's preflight or a screen
reader would trip over first.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from pypdf import PdfReader

from publish import lifeline


def qpdf_check(path: Path) -> str:
    qpdf = shutil.which("qpdf")
    if qpdf is None:
        return "skipped: qpdf not found — install qpdf to check the file's structure"
    proc = subprocess.run([qpdf, "--check", str(path)], capture_output=True, text=True, **lifeline.tool_options())
    if proc.returncode not in (0, 3):  # 3: warnings only
        return f"error: qpdf --check: {(proc.stdout + proc.stderr).strip().splitlines()[-1]}"
    return "ok: qpdf --check" if proc.returncode == 0 else "warning: qpdf --check reported warnings"


def fonts(path: Path) -> list[dict]:
    """pdffonts' table as dicts (name, type, emb, sub, uni); [] if pdffonts is missing."""
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        return []
    out = subprocess.run([pdffonts, str(path)], capture_output=True, text=True, check=True,
                         **lifeline.tool_options()).stdout.splitlines()
    rows = []
    for line in out[2:]:
        match = re.match(r"(\S+)\s+(.+?)\s+(\S+)\s+(yes|no)\s+(yes|no)\s+(yes|no)\s+\d+\s+\d+$", line)
        if match:
            rows.append({"name": match[1], "type": match[2], "encoding": match[3], "emb": match[4] == "yes",
                         "sub": match[5] == "yes", "uni": match[6] == "yes"})
    return rows


def _font_messages(path: Path) -> list[str]:
    if shutil.which("pdffonts") is None:
        return ["skipped: pdffonts not found — install poppler-utils to check the fonts"]
    rows = fonts(path)
    loose = [r["name"] for r in rows if not r["emb"]]
    if loose:
        return [f"error: fonts not embedded: {', '.join(loose)}"]
    return [f"ok: all {len(rows)} fonts embedded"]


def check_screen(path: Path) -> list[str]:
    messages = [qpdf_check(path), *_font_messages(path)]
    reader = PdfReader(path)
    root = reader.trailer["/Root"]
    messages.append("ok: tagged" if "/StructTreeRoot" in root and root.get("/MarkInfo", {}).get("/Marked")
                    else "error: not tagged")
    messages.append("ok: bookmarks" if reader.outline else "warning: no bookmarks")
    if any("/BleedBox" in p and p.bleedbox != p.mediabox for p in reader.pages):
        messages.append("error: the download PDF has bleed")
    return messages


def check_press(path: Path) -> list[str]:
    messages = [qpdf_check(path), *_font_messages(path)]
    reader = PdfReader(path)
    metadata = reader.trailer["/Root"].get("/Metadata")
    xmp = metadata.get_object().get_data().decode("utf-8", "replace") if metadata is not None else ""
    messages.append("ok: identified as PDF/X-4" if "PDF/X-4" in xmp else "error: no PDF/X-4 identification")
    if "/OutputIntents" not in reader.trailer["/Root"]:
        messages.append("error: no output intent")
    missing = [i + 1 for i, p in enumerate(reader.pages) if "/TrimBox" not in p or "/BleedBox" not in p]
    messages.append(f"error: pages without TrimBox/BleedBox: {missing[:10]}" if missing
                    else "ok: TrimBox and BleedBox on every page")
    return messages
