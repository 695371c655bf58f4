"""Source files on disk → text and TOML for the readers, with every problem collected in a Report.

Shared by the readers of publication.toml, issue.toml and articles: UTF-8 with
a BOM and CRLF accepted, files confined to the publication folder, TOML keys
located by line so problems can say where they are.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import Problem, rel

MAX_SOURCE_BYTES = 8 * 1024 * 1024



@dataclass
class Report:
    """The problems found while reading, in the order found."""

    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int | None, message: str, hint: str = "",
            severity: str = "error") -> None:
        where = path if isinstance(path, str) else rel(path, self.root)
        self.problems.append(Problem(where, line, message, hint, severity))

    def warn(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.add(path, line, message, hint, "warning")

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


def read_text(path: Path, report: Report) -> str | None:
    """A source file as text: UTF-8 (a BOM is fine), LF line ends; None after reporting why not."""
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(report.root.resolve()):
            report.add(path, None, "the file is a link to something outside the publication folder",
                       "copy the file itself into the folder")
            return None
        if not real.is_file():
            report.add(path, None, "not a regular file", "replace it with a text file")
            return None
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            report.add(path, None, f"the file is {size // 2**20} MB, over the 8 MB limit for a source file",
                       "split it, or move pictures and data out of it")
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.add(path, None, f"cannot read the file ({exc.strerror})", "check that it exists and is readable")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.add(path, line, f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                   "save it as UTF-8 in your editor")
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.add(path, line, "the file contains a NUL byte", "save it again as plain UTF-8 text")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def key_line(text: str, key: str, after: int = 0) -> int | None:
    """The line of `key = …` in TOML text, in the table that starts at line `after` (0: the top level)."""
    pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
    for number, line in enumerate(text.split("\n")[after:], start=after + 1):
        if re.match(r"^\s*\[", line):  # the next table begins
            break
        if pattern.match(line):
            return number
    return None


def table_lines(text: str, header: str) -> list[int]:
    """The lines of every `[header]` or `[[header]]` in TOML text."""
    pattern = re.compile(rf"^[ \t]*\[\[?[ \t]*{re.escape(header)}[ \t]*\]\]?", re.M)
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def load_toml(path: Path, report: Report) -> tuple[dict, str] | None:
    text = read_text(path, report)
    if text is None:
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        report.add(path, line, f"invalid TOML: {message}",
                   "fix the syntax (strings need quotes, dates look like 2020-12-02)")
        return None


def unknown_keys(data: dict, known: tuple[str, ...], report: Report, path: Path,
                 line_of, what: str) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known {what} keys: {', '.join(known)}"
        report.warn(path, line_of(key), f"unknown key {key!r}", hint)
