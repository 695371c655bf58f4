"""The output formats: their ids, files, writers and what each needs from the machine.

Each format lives in its own module with a `write(issue, out, context) -> list[Path]`
function (the site's takes the whole publication); none imports another. A module
is imported only when its format is built, so a text build never loads WeasyPrint.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Format:
    id: str
    module: str  # under publish.formats
    function: str
    description: str
    programs: tuple[str, ...] = ()  # executables it needs on PATH
    install_hint: str = ""
    depends_on: tuple[str, ...] = ()  # formats it is made from
    per_issue: bool = True
    # what in layouts/<name>/ belongs to this format alone (folders end in /)
    layout_parts: tuple[str, ...] = ()
    shared_html: bool = True  # uses base.html and partials/
    uses_fonts: bool = True  # its output depends on fonts/
    extra_code: tuple[str, ...] = ()  # other format modules whose code shapes this output

    @property
    def code(self) -> tuple[str, ...]:
        """The modules (publish/formats/<name>.py and <name>_*.py) this output depends on."""
        return (self.module, *self.extra_code)

    def writer(self) -> Callable:
        module = importlib.import_module(f"publish.formats.{self.module}")
        return getattr(module, self.function)

    def validator(self) -> Callable | None:
        """The module's `validate_<id>(files, context) -> list[str]` (or `validate`), if it has one.

        It returns one message per finding, each starting with "ok: ", "warning: ",
        "error: " or "skipped: " (a validator that could not run: never a pass).
        """
        module = importlib.import_module(f"publish.formats.{self.module}")
        return getattr(module, f"validate_{self.id}", None) or getattr(module, "validate", None)

    @property
    def implemented(self) -> bool:
        return importlib.util.find_spec(f"publish.formats.{self.module}") is not None

    def missing(self) -> str | None:
        """Why this machine cannot make the format, or None."""
        if not self.implemented:
            return f"the {self.id} format is not part of this version of publish"
        for program in self.programs:
            if shutil.which(program) is None:
                return f"{program} not found — {self.install_hint}"
        return None


FORMATS: dict[str, Format] = {
    fmt.id: fmt
    for fmt in (
        Format("epub", "epub", "write", "EPUB 3 for phones, e-readers and Send to Kindle",
               layout_parts=("epub/", "css/ebook.css", "pdf/", "css/print.css"),
               extra_code=("kindle_preflight", "pdf")),
        Format("kindle", "kindle", "write", "AZW3 for sideloading onto Kindles",
               programs=("ebook-convert",),
               install_hint="install calibre (apt-get install calibre) to make the Kindle edition",
               depends_on=("epub",), layout_parts=("epub/", "css/ebook.css", "pdf/", "css/print.css"),
               extra_code=("epub", "pdf")),
        Format("pdf", "pdf", "write_pdf", "PDF to read on screen or print at home",
               layout_parts=("pdf/", "css/print.css")),
        Format("print", "pdf", "write_print", "press-ready PDF/X-4 with bleed and crop marks",
               layout_parts=("pdf/", "css/print.css")),
        Format("text", "text", "write", "plain text for screen readers, mail and archives",
               layout_parts=("text/",), shared_html=False, uses_fonts=False),
        Format("site", "site", "write", "download pages and feeds", per_issue=False,
               layout_parts=("site/", "css/site.css")),
    )
}
ORDER = tuple(FORMATS)
EXCLUSIVE_LAYOUT_PARTS = frozenset(part for fmt in FORMATS.values() for part in fmt.layout_parts)


def parse_formats(value: str | None) -> tuple[str, ...] | None:
    """`--format epub,pdf` → ids in build order; None means "all the machine can make"."""
    if not value:
        return None
    wanted = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(ORDER)}")
    return tuple(f for f in ORDER if f in wanted)
