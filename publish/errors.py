"""Problems found in sources or builds → located messages and the exceptions that carry them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a source file: where, what, and what to do."""

    path: str  # relative to the publication folder, with forward slashes
    line: int | None
    message: str
    hint: str = ""
    severity: str = "error"  # "error" or "warning"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        label = "warning: " if self.severity == "warning" else ""
        hint = f" — {self.hint}" if self.hint else ""
        return f"{where}: {label}{self.message}{hint}"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class PublishError(click.ClickException):
    """A user's mistake or a build failure: printed without a traceback, exit 1."""

    exit_code = 1

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.problems = list(problems or [])

    def format_message(self) -> str:
        return self.message

    def show(self, file=None) -> None:  # noqa: D401 - click's signature
        click.echo(f"error: {self.format_message()}", err=True)


class SourceError(PublishError):
    """One or more source problems; the message lists every one of them."""

    def __init__(self, problems: list[Problem], strict: bool = False, outcome: str = "nothing was built"):
        problems = sorted(problems, key=_problem_order)
        errors = sum(p.is_error for p in problems)
        warnings = len(problems) - errors
        lines = [str(p) for p in problems]
        counts = [plural(errors, "error")]
        if warnings:
            counts.append(plural(warnings, "warning") + (" (errors with --strict)" if strict else ""))
        lines.append(f"{', '.join(counts)} — {outcome}")
        super().__init__("\n".join(lines), problems)

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def plural(count: int, word: str) -> str:
    """'1 article', '2 articles', '0 articles'."""
    return f"{count} {word}{'' if count == 1 else 's'}"


def _problem_order(problem: Problem) -> tuple:
    return (problem.path, problem.line or 0, problem.message)


def rel(path: Path, root: Path) -> str:
    """A path as users see it in messages: relative to the publication folder."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
