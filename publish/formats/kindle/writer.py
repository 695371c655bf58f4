"""An Issue's EPUB → the Kindle edition (`<slug>-<n>.azw3`, KF8) by calibre's `ebook-convert`, run headless.

The EPUB comes from this run's epub output (`context.outputs["epub"]`) or, when
only the Kindle edition was asked for, is made by publish.products.ebook into a
scratch folder. The book's metadata is read back from that
EPUB's package, so both editions say the same; calibre's random book id and
header dates are then replaced by the issue's identifier and source date, so
a Kindle that already holds the issue recognises a rebuilt file as the same book.
Reproducible bytes: calibre runs through `calibre.py` beside this file (a fixed manifest
order and seeded ids) from a scratch folder, with a fixed time zone and locale
and none of the user's settings. KF8 has no series field, so the series and
issue number travel in the title (calibre is still given --series).
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path

from lxml import etree

from publish import lifeline
from publish.atomic import write_bytes
from publish.errors import PublishError
from publish.formats import KINDLE_HINT
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.ebook.book import this_runs_epub
from publish.products.kindle_rules import preflight
from publish.render import source_date

log = logging.getLogger("publish")

CONVERT_TIMEOUT = 600
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "c": "urn:oasis:names:tc:opendocument:xmlns:container"}


def write(issue: Issue, out: Path, context: Context) -> list[Path]:
    target = out / f"{issue.name}.azw3"
    with tempfile.TemporaryDirectory(prefix="publish-kindle-") as scratch:
        epub = _epub(issue, context, Path(scratch))
        meta = book_metadata(epub.read_bytes())
        when = source_date(issue)
        azw3 = convert(epub, Path(scratch) / "book.azw3", meta, when.isoformat())
        data = stabilise(azw3.read_bytes(), meta["uuid"], int(when.timestamp()))
    write_bytes(target, data)
    return [target]


def _epub(issue: Issue, context: Context, scratch: Path) -> Path:
    return write_bytes(scratch / f"{issue.name}.epub", this_runs_epub(issue, context))


def book_metadata(epub: bytes) -> dict:
    """Title, authors, publisher, language, date, description, series and identifier from the EPUB's OPF."""
    with zipfile.ZipFile(io.BytesIO(epub)) as book:
        container = etree.fromstring(book.read("META-INF/container.xml"))
        opf = etree.fromstring(book.read(container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]))

    def first(path: str) -> str:
        found = opf.xpath(path, namespaces=NS)
        return str(found[0]).strip() if found else ""

    unique = first("/opf:package/@unique-identifier")
    return {
        "title": first("//dc:title/text()"),
        "authors": " & ".join(a.strip() for a in opf.xpath("//dc:creator/text()", namespaces=NS)),
        "publisher": first("//dc:publisher/text()"),
        "language": first("//dc:language/text()"),
        "date": first("//dc:date/text()"),
        "description": first("//dc:description/text()"),
        "series": first("//opf:meta[@property='belongs-to-collection']/text()"),
        "series_index": first("//opf:meta[@property='group-position']/text()"),
        "uuid": first(f"//dc:identifier[@id='{unique}']/text()").removeprefix("urn:uuid:"),
    }


def convert(epub: Path, target: Path, meta: dict, when: str) -> Path:
    """ebook-convert EPUB → AZW3, with the metadata said again so calibre cannot guess it otherwise."""
    program = shutil.which("ebook-convert")
    if program is None:
        raise PublishError(f"cannot build kindle: ebook-convert not found — {KINDLE_HINT}")
    options = ["--no-inline-toc", "--toc-title", "Contents",
               "--title", meta["title"], "--authors", meta["authors"], "--publisher", meta["publisher"],
               "--language", meta["language"], "--pubdate", meta["date"], "--timestamp", when,
               "--series", meta["series"], "--series-index", meta["series_index"], "--comments", meta["description"]]
    with tempfile.TemporaryDirectory(prefix="publish-calibre-") as scratch:
        work = Path(scratch)
        shutil.copyfile(epub, work / "book.epub")  # the same path in every run: nothing of the caller's folder
        argv = _stable_command(program, work) + ["book.epub", "book.azw3", *options]
        try:
            done = subprocess.run(argv, capture_output=True, env=_calibre_env(work, meta["uuid"]), cwd=work,
                                  timeout=CONVERT_TIMEOUT, check=False, **lifeline.tool_options())
        except subprocess.TimeoutExpired:
            raise PublishError(f"{epub.name}: ebook-convert did not finish within {CONVERT_TIMEOUT} s — "
                               "try again, or build the epub alone") from None
        if done.returncode != 0 or not (work / "book.azw3").is_file():
            tail = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()[-5:]
            raise PublishError(f"{epub.name}: ebook-convert failed (exit {done.returncode}): {' | '.join(tail)} — "
                               "check that calibre works: ebook-convert --version")
        shutil.move(work / "book.azw3", target)
    return target


def _stable_command(program: str, work: Path) -> list[str]:
    """calibre's conversion through calibre.py (a fixed order and seed), or plain ebook-convert."""
    debug = shutil.which("calibre-debug")
    if debug is None:  # reproducible only with calibre-debug; the book itself is the same
        log.warning("calibre-debug not found: the AZW3 may differ from build to build — install calibre fully")
        return [program]
    shutil.copyfile(Path(__file__).with_name("calibre.py"), work / "publish_kindle_convert.py")
    return [debug, "--run-without-debug", "-e", str(work / "publish_kindle_convert.py"), "--"]


def _calibre_env(work: Path, seed: str) -> dict[str, str]:
    """Nothing of the user's settings, plugins, time zone or locale reaches the conversion."""
    (work / "config").mkdir()
    keep = {key: os.environ[key] for key in ("PATH", "CALIBRE_PYTHON_PATH", "CALIBRE_RESOURCES_PATH",
                                              "CALIBRE_EXTENSIONS_PATH", "CALIBRE_EXECUTABLES_PATH")
            if key in os.environ}
    return {**keep, "HOME": str(work), "TMPDIR": str(work), "QT_QPA_PLATFORM": "offscreen", "TZ": "UTC",
            "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1",
            "CALIBRE_CONFIG_DIRECTORY": str(work / "config"), "PUBLISH_KINDLE_SEED": seed}


def stabilise(data: bytes, book_id: str, when: int) -> bytes:
    """calibre's random book id (EXTH 113/112) → the issue's identifier; PalmDB dates → the source date."""
    if len(data) < 78 or data[60:68] != b"BOOKMOBI":
        raise PublishError("ebook-convert wrote something that is not a Kindle book — check the calibre install")
    record0 = struct.unpack(">I", data[78:82])[0]
    mobi = record0 + 16
    if data[mobi:mobi + 4] != b"MOBI":
        return data
    exth = mobi + struct.unpack(">I", data[mobi + 4:mobi + 8])[0]
    if data[exth:exth + 4] != b"EXTH":
        return data
    count = struct.unpack(">I", data[exth + 8:exth + 12])[0]
    position, old = exth + 12, None
    for _ in range(count):
        kind, length = struct.unpack(">II", data[position:position + 8])
        if kind == 113:
            old = data[position + 8:position + length]
        position += length
    new = book_id.encode("ascii")
    if old and new and len(old) == len(new):
        data = data.replace(old, new)
    when = min(max(when, 0), 0xFFFFFFFF)  # PalmDB dates are unsigned 32-bit seconds: they end in 2106
    return data[:36] + struct.pack(">II", when, when) + data[44:]


# --- validation -------------------------------------------------------------------------------


def validate_kindle(files: list[Path], context: Context) -> list[str]:
    """The Kindle pre-flight on the EPUB it was made from, and calibre's own reading of each AZW3."""
    messages: list[str] = []
    epubs = [p for p in context.outputs.get("epub", []) if p.suffix == ".epub"]
    for epub in epubs:
        problems = preflight(epub.read_bytes())
        messages += [f"error: Kindle pre-flight: {epub.name}: {p}" for p in problems]
        if not problems:
            messages.append(f"ok: Kindle pre-flight: {epub.name}: nothing Send to Kindle refuses")
    reader = shutil.which("ebook-meta")
    for path in (p for p in files if p.suffix == ".azw3"):
        if reader is None:
            messages.append(f"skipped: {path.name}: ebook-meta not found — {KINDLE_HINT}")
            continue
        read = read_metadata(path)
        missing = [key for key in ("Title", "Author(s)", "Publisher", "Published", "Languages") if not read.get(key)]
        if missing:
            messages.append(f"error: {path.name}: calibre reads no {', '.join(missing)} in it")
        else:
            messages.append(f"ok: {path.name}: calibre reads {read['Title']!r} by {read['Author(s)']}")
    return messages


def read_metadata(path: Path) -> dict[str, str]:
    """What calibre's ebook-meta reads in a book, as {field: value}."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    done = subprocess.run([shutil.which("ebook-meta") or "ebook-meta", str(path)], capture_output=True, env=env,
                          timeout=120, check=False, **lifeline.tool_options())
    fields = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields
