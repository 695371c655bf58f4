"""The pipeline's data: the options of a run, the context a format writer gets, a task, its outcome, the summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from publish.errors import Problem

if TYPE_CHECKING:
    from publish.model import Article, Issue


@dataclass
class Options:
    formats: tuple[str, ...] | None = None  # None: every format the machine can make
    out: Path | None = None
    force: bool = False
    strict: bool = False
    jobs: int = 1
    validate: bool = False
    timeout: float = 1800.0  # seconds one issue may take
    scheduler: str | None = None  # a Dask scheduler address
    report: Path | None = None  # where to write the build report (default: beside the state)
    page_list: bool = False  # lay the print edition out for the ebooks' page-list even when no PDF is built


class CheckedIssues(Protocol):
    """The publication's issues as the pipeline reads and checks them (publish.pipeline.sources.SourceReader).

    A publication-wide format (the site) gets one in its Context and never reads sources itself.
    """

    def folders(self) -> list[Path]:
        """Every issue folder of the publication, in number order."""

    def digest(self, folder: Path) -> str:
        """What the format's output for this issue is made from, as one SHA-256 (the plan's digests)."""

    def read(self, folder: Path, outcome: str) -> Issue | None:
        """The checked issue, or None when its sources have errors (`outcome` says what became of it)."""

    def subscription(self) -> Article | None:
        """The checked subscription page, or None; SourceError when it has errors."""


@dataclass
class Context:
    """What a format writer gets besides the issue: the options and what other formats made."""

    options: Options
    out: Path  # dist/ (or --out)
    outputs: dict[str, list[Path]] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # work shared by the formats of one issue in one run (the print layout)
    layout_digest: str = ""  # the print layout's inputs (the print format's digest): page breaks are kept under it
    layout_base: str = ""  # what every part of any issue's print layout depends on besides its own HTML
    failed: frozenset[int] = frozenset()  # issues whose build failed in this run: the site keeps their old pages
    state: Path | None = None  # the folder outside dist/ for the tool's records of `out` (plan.state_dir)
    issues: CheckedIssues | None = None  # for the publication-wide formats: every issue, checked by the pipeline
    spare: object | None = None  # loaded for the print layout while the issue was read (publish.ahead)


@dataclass
class Task:
    """One issue to build: which formats are stale, and the digests to record for them."""

    root: Path
    folder: Path
    formats: tuple[str, ...]
    digests: dict[str, str]
    current: dict[str, list[Path]]  # formats already up to date, with their files
    options: Options
    layout_digest: str = ""  # the print format's digest: what the issue's print layout is made from
    layout_base: str = ""  # the print format's publication-wide inputs (layout, fonts, code, settings)

    @property
    def number(self) -> int:
        return int(self.folder.name)


@dataclass
class IssueOutcome:
    number: int
    built: dict[str, list[Path]] = field(default_factory=dict)
    unchanged: list[str] = field(default_factory=list)
    error: str = ""
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    validation: list[str] = field(default_factory=list)  # "<fmt>: ok|warning|error|skipped: …"
    peak_rss_mb: float = 0.0

    @property
    def status(self) -> str:
        return "failed" if self.error else "built" if self.built else "unchanged"


@dataclass
class Summary:
    outcomes: list[IssueOutcome] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # format → why the machine cannot make it
    warnings: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    validation: list[str] = field(default_factory=list)  # the publication-wide formats' findings (the site)

    @property
    def failed(self) -> list[IssueOutcome]:
        return [o for o in self.outcomes if o.error]

    def validation_failed(self, strict: bool) -> list[str]:
        return [m for m in self.validation if ": error:" in m or (strict and ": warning:" in m)]
