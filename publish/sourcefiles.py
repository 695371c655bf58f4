"""Source files on disk → text and TOML for the readers, with every problem collected in a Report.

Shared by the readers of publication.toml, issue.toml and articles: UTF-8 with
a BOM and CRLF accepted, files confined to the publication folder, TOML keys
located by line so problems can say where they are. Control characters and
non-characters (raw or escaped), nesting past MAX_DEPTH and file names no
output can carry are refused here, once, for every format.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from publish import schema
from publish.atomic import TEMP_PREFIX, is_temp
from publish.errors import Problem, rel

MAX_SOURCE_BYTES = 8 * 1024 * 1024

# Characters no output can carry: C0 controls but tab and line ends, DEL, C1 controls, and the
# Unicode non-characters. XML (EPUB, Atom, OPDS) refuses most of them, and none is ever meant.
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"{chr(plane + 0xFFFE)}{chr(plane + 0xFFFF)}" for plane in range(0, 0x110000, 0x10000))
                       + "]")


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
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = FORBIDDEN.search(text)
    if found:
        line = text.count("\n", 0, found.start()) + 1
        column = found.start() - (text.rfind("\n", 0, found.start()) + 1) + 1
        count = len(FORBIDDEN.findall(text))
        more = f" (and {count - 1} more)" if count > 1 else ""
        report.add(path, line, f"column {column}: the file contains {describe(found.group())}{more}",
                   "delete it: it is invisible in most editors, so retype the text around it, "
                   "and save the file as plain UTF-8 text")
        return None
    return text


def describe(char: str) -> str:
    """How a message names a forbidden character."""
    code = ord(char)
    if code == 0:
        return "a NUL byte (U+0000)"
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"the control character U+{code:04X}"
    return f"the Unicode non-character U+{code:04X}"


MAX_DEPTH = 32  # no setting needs more; deeper nesting is a mistake or an attack on the parsers


def clean_values(data, path: Path, line_of, report: Report):
    """Parsed TOML or YAML with escaped forbidden characters (`"\\e"`, `"\\u0001"`) reported and replaced by U+FFFD.

    `line_of(key)` locates a top-level key, or "key.sub" one level down. Nesting
    deeper than MAX_DEPTH is reported, not walked; shared (aliased) values are walked once.
    """
    seen: set[int] = set()
    reported: set[str] = set()

    def walk(value, where: str, depth: int):
        if isinstance(value, str):
            if FORBIDDEN.search(value) and where not in reported:
                reported.add(where)
                report.add(path, line_of(where) or line_of(where.split(".")[0]),
                           f"{where or 'a value'} contains {describe(FORBIDDEN.search(value).group())}",
                           "remove the escape (\\e, \\x01, \\u0001 …) from the text")
            return FORBIDDEN.sub("\ufffd", value)
        if not isinstance(value, (dict, list)) or id(value) in seen:
            return value
        if depth > MAX_DEPTH:
            if "depth" not in reported:
                reported.add("depth")
                report.add(path, line_of(where.split(".")[0]), f"{where or 'the file'} is nested too deeply "
                           f"(more than {MAX_DEPTH} levels)", "flatten the lists and tables")
            return type(value)()
        seen.add(id(value))
        if isinstance(value, list):
            value[:] = [walk(item, where, depth + 1) for item in value]
            return value
        for key in list(value):
            inner = f"{where}.{key}" if where else str(key)
            value[key] = walk(value[key], inner if depth < 2 else where, depth + 1)
            if isinstance(key, str) and FORBIDDEN.search(key):
                value[walk(key, inner, depth + 1)] = value.pop(key)
        return value

    return walk(data, "", 0)


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
        data = tomllib.loads(text)
    except RecursionError:
        report.add(path, _deep_line(text), "arrays or tables are nested too deeply to read",
                   f"flatten them: no setting needs more than {MAX_DEPTH} levels")
        return None
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        # a date like 2020-16-12 is reported by TOML as "Expected newline" after the year
        bad_date = schema.date_problem(text.split("\n")[line - 1]) if 0 < (line or 0) <= text.count("\n") + 1 else None
        report.add(path, line, bad_date or f"invalid TOML: {message}",
                   "write the date as YYYY-MM-DD, e.g. 2020-12-16" if bad_date else
                   "fix the syntax (strings need quotes, dates look like 2020-12-02)")
        return None
    line_of = lambda key: key_line(text, key.split(".")[0]) or _deep_line(text)  # noqa: E731
    return clean_values(data, path, line_of, report), text


def _deep_line(text: str) -> int | None:
    """The line where brackets or a dotted table name first go deeper than MAX_DEPTH (strings roughly skipped)."""
    depth = 0
    for number, line in enumerate(text.split("\n"), start=1):
        line = re.sub(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'|#.*', "", line)
        if re.match(r"\s*\[", line) and depth == 0 and line.count(".") >= MAX_DEPTH:
            return number
        for char in line:
            depth += (char in "[{") - (char in "]}")
            if depth > MAX_DEPTH:
                return number
    return None


def unknown_keys(data: dict, known: tuple[str, ...], report: Report, path: Path,
                 line_of, what: str) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known {what} keys: {', '.join(known)}"
        report.warn(path, line_of(key), f"unknown key {key!r}", hint)


MAX_NAME_BYTES = 150  # leaves room under the 255-byte limit for temporary names and added suffixes
MAX_FOLDER_DEPTH = 16


def printable(name: str) -> str:
    """A file name as a message can print it: undecodable bytes as \\xNN, controls as \\uNNNN."""
    shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def name_problem(name: str) -> tuple[str, str] | None:
    """(what is wrong, what to do) with a file name no output can carry, or None."""
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return ("the file name is not UTF-8 (it came from another system, e.g. a Windows zip)",
                "rename it with plain letters, digits and hyphens")
    if FORBIDDEN.search(name):
        return (f"the file name contains {describe(FORBIDDEN.search(name).group())}",
                "rename it with plain letters, digits and hyphens")
    if size > MAX_NAME_BYTES:
        return (f"the file name is {size} bytes long, over the limit of {MAX_NAME_BYTES}",
                "give it a shorter name")
    if is_temp(name):  # such names are invisible to change tracking and removed as leftovers
        return (f"the file name starts with {TEMP_PREFIX!r}, which publish keeps for its temporary files",
                "rename it, or delete it if an interrupted publish command left it")
    return None


def check_names(folder: Path, root: Path, report: Report) -> set[Path]:
    """Report every file or folder under `folder` whose name cannot be published; returns those paths.

    Walks with a stack (not recursion) and never follows links to folders.
    """
    bad: set[Path] = set()
    stack = [(folder, 0)]
    while stack:
        current, depth = stack.pop()
        try:
            entries = sorted(current.iterdir())
        except OSError:
            continue
        where = rel(current, root)
        for entry in entries:
            problem = name_problem(entry.name)
            if problem:
                bad.add(entry)
                report.add(f"{printable(where)}/{printable(entry.name)}", None, *problem)
            elif entry.is_dir() and not entry.is_symlink():
                if depth >= MAX_FOLDER_DEPTH:
                    report.add(rel(entry, root), None, f"folders are nested more than {MAX_FOLDER_DEPTH} deep",
                               "keep pictures in images/ or one folder below it")
                else:
                    stack.append((entry, depth + 1))
    return bad
