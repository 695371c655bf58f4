"""The result of reading one source: front matter, Markdown body, pictures, and what was not carried over."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from publish.errors import PublishError

# fields in the order an editor reads them in a file (docs/writing.md)
FIELD_ORDER = ("title", "kicker", "standfirst", "author", "affiliation", "section", "keywords", "image")


class IntakeError(PublishError):
    """A source that cannot be imported: `path: what is wrong — what to do`; nothing is written."""

    def __init__(self, source: Path | str, message: str, hint: str = ""):
        text = f"{source}: {message}" + (f" — {hint}" if hint else "")
        super().__init__(text)


@dataclass
class Picture:
    """A picture to write beside the article: its bytes and extension (the name is chosen when writing)."""

    data: bytes
    ext: str  # ".jpg", ".png", ".svg"
    token: str  # the placeholder the body (or front matter) uses until the name is known


@dataclass
class Draft:
    """One article read from a source, not yet written."""

    source: Path
    front: dict = field(default_factory=dict)
    body: str = ""
    pictures: list[Picture] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what could not be carried over, for the editor
    origin: dict = field(default_factory=dict)  # archive pages: number, date, headline from the "From:" line

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)
