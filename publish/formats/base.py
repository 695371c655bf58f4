"""The contract every output format keeps: what it is, what it needs, what it writes and how it is checked.

A format is declared once, as a `Format` in the registry (publish.formats), and
implemented in its own package (or module) under publish/formats/. Its code is
imported only when it is built or validated, so a text build never loads
WeasyPrint. A format imports the model, render, products and pipeline types,
never another format.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from publish.model import Issue, Publication
    from publish.pipeline.types import Context

PACKAGE = Path(__file__).resolve().parents[1]  # publish/


@dataclass(frozen=True)
class Download:
    """How the file a format writes into dist/<n>/ is named and offered: `<slug>-<n><suffix>`."""

    suffix: str
    label: str
    media_type: str


@dataclass(frozen=True)
class Format:
    """One output format: declared data plus two lazily loaded entry points, "module:function".

    `write(subject, stage, context) -> list[Path]` gets an Issue (per_issue) or
    the Publication and writes its files into `stage`. `validate(files, context)`
    returns one message per finding, each starting with "ok: ", "warning: ",
    "error: " or "skipped: " (a check that could not run: never a pass);
    `validator=None` says the format has no checks of its own.
    """

    id: str
    description: str
    package: str  # under publish/formats: a folder ("epub") or a module ("text")
    writer: str  # "module:function", the module relative to publish.formats.<package>
    validator: str | None = None
    download: Download | None = None  # the per-issue file it writes (None: the site's many files)
    programs: tuple[str, ...] = ()  # executables it needs on PATH
    install_hint: str = ""
    per_issue: bool = True  # False: made once from the whole publication (the site)
    layout_parts: tuple[str, ...] = ()  # what in layouts/<name>/ belongs to this format alone (folders end in /)
    shared_html: bool = True  # uses base.html and partials/
    uses_fonts: bool = True  # its output depends on fonts/
    shared: tuple[str, ...] = ()  # shared code under publish/ that shapes its output ("products/ebook/")
    # made only when asked for: by --format, by publication.toml's `formats`, or by a table named
    # after the format in publication.toml (`[audio]`); too slow or too special to make on every build
    opt_in: bool = False
    # its files reach readers through a publication-wide file the site writes (the audio's podcast.xml):
    # building it builds the site too, even where there is none yet
    announced_by_site: bool = False
    page_list: bool = False  # it carries the print edition's page-list when the print layout is at hand
    press_profile: bool = False  # its output depends on the printer's CMYK profile ([print] output-intent)
    inputs: tuple[str, ...] = ()  # publication files besides issues and standing pages it reads ("pages/x.md")

    def _entry(self, spec: str) -> Callable:
        module, _, function = spec.partition(":")
        name = f"publish.formats.{self.package}" + (f".{module}" if module else "")
        return getattr(importlib.import_module(name), function)

    def load(self) -> None:
        """Import the writer's code now (before workers fork, so that they share it); an import that fails
        is left for the build, which reports it."""
        try:
            self._entry(self.writer)
        except (ImportError, OSError, AttributeError):
            pass

    def write(self, subject: Issue | Publication, stage: Path, context: Context) -> list[Path]:
        return self._entry(self.writer)(subject, stage, context)

    def validate(self, files: list[Path], context: Context) -> list[str]:
        return self._entry(self.validator)(files, context) if self.validator else []

    @property
    def implemented(self) -> bool:
        return importlib.util.find_spec(f"publish.formats.{self.package}") is not None

    def missing(self) -> str | None:
        """Why this machine cannot make the format, or None."""
        if not self.implemented:
            return f"the {self.id} format is not part of this version of publish"
        for program in self.programs:
            if shutil.which(program) is None:
                return f"{program} not found — {self.install_hint}"
        return None

    def code(self) -> list[Path]:
        """The source files its output depends on: its own package and what it declares, no name globbing."""
        found: list[Path] = []
        for part in (f"formats/{self.package}", *self.shared):
            path = PACKAGE / part.rstrip("/")
            if path.is_dir():
                found += sorted(p for p in path.rglob("*.py") if "__pycache__" not in p.parts)
            else:
                found.append(path.with_suffix(".py") if path.suffix != ".py" else path)
        return found
