"""A source file's path → the Draft of its kind (.docx, .odt, .html), or an IntakeError naming the file."""
from __future__ import annotations

from pathlib import Path

from publish.intake.draft import Draft, IntakeError
from publish.model import Publication

KINDS = ".docx, .odt, .html"


def read_source(path: Path, pub: Publication) -> Draft:
    """The Draft of one source file, by its kind; IntakeError names the file and what is wrong."""
    shown = str(path)
    if not path.is_file():
        raise IntakeError(shown, "no such file", "check the name")
    suffix = path.suffix.lower()
    if suffix in (".docx", ".odt"):
        from publish.intake.office import read_office

        return read_office(path, shown)
    if suffix in (".html", ".htm", ".xhtml"):
        from publish.intake.html import read_page

        return read_page(path, shown, dict(pub.import_html))
    raise IntakeError(shown, f"cannot import a {suffix or 'file without an extension'}: only {KINDS} are read",
                      "save the article as .docx or .odt, or give the saved web page")
