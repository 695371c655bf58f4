"""Declared fields of every source file → typed values, with "expected …, got …" problems for the rest."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

BCP47 = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|\d{3}))?(-[A-Za-z0-9]{5,8}|-\d[A-Za-z0-9]{3})*$")
LENGTH = re.compile(r"(0|\d+(\.\d+)?(mm|cm|in|pt|px|pc|q))", re.I)
_SIZE_NAMES = r"a[3-6]|b[4-5]|letter|legal|ledger|jis-b[4-5]"
PAGE_SIZE = re.compile(
    rf"^(?:(?:{_SIZE_NAMES})(?:\s+(?:portrait|landscape))?|{LENGTH.pattern}(?:\s+{LENGTH.pattern})?)$", re.I)


@dataclass(frozen=True)
class Field:
    name: str
    kind: str  # text | names | keywords | int | date | paths | list
    required: bool = False
    example: str = ""
    limit: int = 0  # most characters a value (each item of a list) may have; 0: no limit


# characters: a headline longer than a paragraph is a mistake, and every format pays for it (cover drawing)
TITLE_LIMIT, NAME_LIMIT, KEYWORD_LIMIT, PARAGRAPH_LIMIT, LABEL_LIMIT = 200, 200, 60, 600, 80


PUBLICATION_FIELDS = (
    Field("title", "text", True, 'title = "The Socialist"', TITLE_LIMIT),
    Field("slug", "text", False, 'slug = "the-socialist"'),
    Field("tagline", "text", False, 'tagline = "Weekly paper of the Socialist Party"', TITLE_LIMIT),
    Field("publisher", "text", True, 'publisher = "Socialist Party"'),
    Field("language", "text", True, 'language = "en-GB"'),
    Field("url", "text", False, 'url = "https://example.org/"'),
    Field("issn", "text", False, 'issn = "1234-5679"'),
    Field("layout", "text", False, 'layout = "default"'),
    Field("standing-pages", "paths", False, 'standing-pages = ["pages/join.md"]'),
    Field("formats", "paths", False, 'formats = ["epub", "pdf", "text", "site"]'),
)
PUBLICATION_KEYS = tuple(f.name for f in PUBLICATION_FIELDS) + ("sections", "print", "import", "audio")
AUDIO_KEYS = ("engine", "voice")
AUDIO_ENGINES = ("piper", "espeak-ng")
VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}")  # an installed voice package or an espeak-ng voice

ISSUE_FIELDS = (
    Field("number", "int", True, "number = 1112"),
    Field("date", "date", True, "date = 2020-12-02"),
    Field("headline", "text", True, 'headline = "Better for billionaires, worse for workers"', TITLE_LIMIT),
    Field("cover-article", "text", False, 'cover-article = "social-dilemma"'),
    Field("cover-image", "text", False, 'cover-image = "images/cover.jpg"'),
    Field("order", "paths", False, 'order = ["editorial", "social-dilemma"]'),
)
ISSUE_KEYS = tuple(f.name for f in ISSUE_FIELDS)

ARTICLE_FIELDS = (
    Field("title", "text", True, 'title: "The Social Dilemma"', TITLE_LIMIT),
    Field("kicker", "text", False, 'kicker: "TV"', LABEL_LIMIT),
    Field("standfirst", "text", False, 'standfirst: "Online ads, screen addiction and fake news"', PARAGRAPH_LIMIT),
    Field("author", "names", False, 'author: "Joe Fathallah"', NAME_LIMIT),
    Field("affiliation", "text", False, 'affiliation: "Cardiff East Socialist Party"', NAME_LIMIT),
    Field("section", "text", True, "section: reviews"),
    Field("keywords", "keywords", False, "keywords: [TV, Media]", KEYWORD_LIMIT),
    Field("language", "text", False, 'language: "ja"'),  # when it differs from the publication's
)
STANDING_FIELDS = tuple(
    Field(f.name, f.kind, f.name == "title", f.example, f.limit) for f in ARTICLE_FIELDS
)
IMAGE_LIMITS = {"caption": PARAGRAPH_LIMIT, "credit": NAME_LIMIT}
ARTICLE_KEYS = tuple(f.name for f in ARTICLE_FIELDS) + ("image",)
IMAGE_KEYS = ("src", "alt", "caption", "credit")

# what `publish new` writes for the editor to replace: left in, it is a warning (an error with --strict)
PLACEHOLDERS = {
    "headline": "Write this week's cover headline here",
    "title": "Write the title here",
    "standfirst": "One or two sentences that sell the article",
    "body": "Write the article here, in Markdown.",
}


def placeholder(text: str) -> str | None:
    """The field whose placeholder `text` is (or begins with, for the body), after typography; else None."""
    plain = " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())
    for name, words in PLACEHOLDERS.items():
        if plain == words or (name == "body" and plain.startswith(words)):
            return name
    return None


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"{str(value).lower()}, read as a boolean"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a table of keys"
    if value is None:
        return "nothing"
    return type(value).__name__


_LIST_KINDS = {"names": (str,), "keywords": (str, int, float), "paths": (str,)}


def _read_as(item: object) -> str:
    """How YAML or TOML read a list item that is not text."""
    if isinstance(item, bool):
        return f"{str(item).lower()}, was read as a boolean"
    if isinstance(item, (int, float)):
        return f"{item}, was read as a number"
    if item is None or (isinstance(item, str) and not item.strip()):
        return "is empty"
    if isinstance(item, dt.date):
        return f"{item.isoformat()}, was read as a date"
    if isinstance(item, dict):
        return "was read as a `key: value` pair"
    return "is a list inside the list"


def _bad_item(kind: str, value: object) -> str:
    """'item 2, true, was read as a boolean' for the first item of a list field that is not text, else ''."""
    if kind not in _LIST_KINDS or not isinstance(value, list):
        return ""
    for number, item in enumerate(value, start=1):
        if not isinstance(item, _LIST_KINDS[kind]) or isinstance(item, bool) or \
                (isinstance(item, str) and not item.strip() and kind != "keywords"):
            read = _read_as(item)
            return f"item {number}{'' if read.startswith(('is ', 'was ')) else ','} {read}"
    return ""


def _convert(kind: str, value: object):
    """The typed value, or (None, what was expected)."""
    if kind == "text":
        if isinstance(value, str) and value.strip():
            return value.strip(), ""
        return None, "text" if not isinstance(value, str) else "non-empty text"
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value, ""
        return None, "a positive whole number"
    if kind == "date":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value, ""
        return None, "a date like 2020-12-02 (without quotes)"
    if kind == "names":
        if isinstance(value, str) and value.strip():
            return (value.strip(),), ""
        if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value), ""
        return None, "a name or a list of names"
    if kind == "keywords":
        if isinstance(value, str):
            return tuple(k.strip() for k in value.split(",") if k.strip()), ""
        if isinstance(value, list) and all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in value):
            return tuple(str(v).strip() for v in value if str(v).strip()), ""
        return None, "a list of keywords, e.g. [TV, Media]"
    if kind == "paths":
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value), ""
        return None, "a list of names in quotes"
    raise ValueError(kind)


def check_fields(data: dict, fields: tuple[Field, ...], report, path, line_of) -> dict:
    """The valid values of `fields` in `data`; a problem is reported for each missing or wrong one."""
    values: dict = {}
    for field in fields:
        if field.name not in data or data[field.name] is None:
            if field.required:
                report.add(path, line_of(field.name),
                           f"missing required field {field.name!r}", f"add e.g. {field.example}")
            continue
        value, expected = _convert(field.kind, data[field.name])
        why = _bad_item(field.kind, data[field.name]) if value is None else ""
        if why:
            report.add(path, line_of(field.name), f"{field.name} must be {expected}: {why}",
                       "put it in quotes" if "was read as" in why else f"write e.g. {field.example}")
            continue
        if value is None:
            hint = "put it in quotes" if field.kind == "text" and not isinstance(data[field.name], (list, dict)) \
                else f"write e.g. {field.example}"
            report.add(path, line_of(field.name), f"{field.name} must be {expected}, got {_describe(data[field.name])}", hint)
            continue
        if field.limit and _too_long(field, value, report, path, line_of(field.name)):
            continue
        values[field.name] = value
    return values


def length_problem(what: str, text: str, limit: int) -> str | None:
    """'caption is 700 characters long, over the limit of 600', or None."""
    if len(text) <= limit:
        return None
    return f"{what} is {len(text):,} characters long, over the limit of {limit}"


def _too_long(field: Field, value, report, path, line: int | None) -> bool:
    """Report each text of the value that is over the field's limit; True if any was."""
    texts = value if isinstance(value, tuple) else (value,)
    found = False
    for number, text in enumerate(texts, start=1):
        what = f"{field.name} item {number}" if isinstance(value, tuple) and len(texts) > 1 else field.name
        problem = length_problem(what, text, field.limit)
        if problem:
            found = True
            report.add(path, line, problem, "shorten it")
    return found


_DATE_LITERAL = re.compile(r"=\s*(\d{4})-(\d{2})-(\d{2})(?!\d)")


def date_problem(line: str) -> str | None:
    """Why the TOML date on `line` is not a real date ("month 16 is out of range"), or None.

    TOML readers report such a date as a syntax error after the year; this names the cause.
    """
    match = _DATE_LITERAL.search(line)
    if not match:
        return None
    year, month, day = (int(part) for part in match.groups())
    if year < 1:
        return f"year {year} is out of range"
    if not 1 <= month <= 12:
        return f"month {month} is out of range (1 to 12) in {match.group(0)[1:].strip()}"
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        return f"day {day} is out of range in {match.group(0)[1:].strip()}: {year}-{month:02d} has {days} days"
    return None


def issn_problem(issn: str) -> str | None:
    """Why an ISSN is not valid, or None."""
    match = re.fullmatch(r"(\d{4})-?(\d{3})([\dXx])", issn.strip())
    if not match:
        return f"ISSN {issn!r} is not of the form 1234-567X"
    digits = match.group(1) + match.group(2)
    total = sum(int(d) * w for d, w in zip(digits, range(8, 1, -1)))
    check = (11 - total % 11) % 11
    expected = "X" if check == 10 else str(check)
    if match.group(3).upper() != expected:
        return f"ISSN {issn!r} has a wrong check digit (expected {expected})"
    return None
