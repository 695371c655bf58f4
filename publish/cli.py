"""The command line: click commands only; each command's work lives in publish.commands."""

from __future__ import annotations

import atexit
import importlib
import logging
import os
import sys
import threading
from pathlib import Path
from typing import NoReturn

import click

from publish import __version__
from publish.errors import PublishError


class _EchoHandler(logging.Handler):
    """The one log handler: plain lines on the current standard error (which tests may capture)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


# command name → its module under publish.commands, imported only when that command runs
COMMANDS = {"build": "build", "check": "check", "clean": "clean", "import": "intake", "new": "new",
            "preflight": "preflight", "serve": "serve"}


class _Group(click.Group):
    """Loads each command on first use; turns unexpected exceptions into one clean line (--debug: traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"publish.commands.{COMMANDS[name]}").command

    def resolve_command(self, ctx: click.Context, args: list[str]):
        # runs before the group's own callback: keep the command's arguments for finding the publication
        name, command, rest = super().resolve_command(ctx, args)
        ctx.meta["publish.command"] = (name, command, list(rest))
        return name, command, rest

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            raise click.Abort() from None
        except Exception as exc:  # noqa: BLE001 - the last line of defence
            if ctx.obj and ctx.obj.get("debug"):
                raise
            raise PublishError(f"internal error: {type(exc).__name__}: {exc} — "
                               "run again with --debug for the traceback, and report it") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="The publication folder (holding publication.toml); default: found upward from an ISSUE "
                   "folder given, else from the current folder.")
@click.option("--debug", is_flag=True, help="Log every step and show tracebacks.")
@click.version_option(__version__, prog_name="publish")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, debug: bool) -> None:
    """Build a weekly paper's editions (EPUB, Kindle, PDF, press PDF, text, site) from its sources."""
    root_logger = logging.getLogger()
    if not any(isinstance(h, _EchoHandler) for h in root_logger.handlers):
        root_logger.addHandler(_EchoHandler())
    root_logger.setLevel(logging.INFO)
    logging.getLogger("publish").setLevel(logging.DEBUG if debug else logging.INFO)
    ctx.obj = {"root": (root or _find_root(ctx)).resolve(), "debug": debug}


def find_publication(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding publication.toml (as git looks for .git)."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / "publication.toml").is_file():
            return folder
    return None


def _find_root(ctx: click.Context) -> Path:
    """Upward from the first ISSUE given as an existing folder, else from the current folder."""
    starts = [Path(text) for text in _issue_arguments(ctx) if Path(text).is_dir()]
    for start in [*starts, Path.cwd()]:
        found = find_publication(start)
        if found:
            return found
    return Path.cwd()  # the reader then says there is no publication.toml here


def _issue_arguments(ctx: click.Context) -> list[str]:
    """The command's ISSUE arguments, parsed as the command will parse them (but without side effects)."""
    name, command, rest = ctx.meta.get("publish.command", (None, None, []))
    if command is None or not rest:
        return []
    try:
        sub = command.make_context(name, list(rest), parent=ctx, resilient_parsing=True)
    except click.ClickException:  # the command itself will say what is wrong with its arguments
        return []
    value = sub.params.get("issues") or sub.params.get("issue") or ()
    return [str(value)] if isinstance(value, (str, int)) else [str(v) for v in value]


def main() -> None:
    """The `publish` program: the command line, then a quick exit."""
    try:
        cli(prog_name="publish")
    except SystemExit as exc:
        _leave(exc.code)


def _leave(code) -> NoReturn:
    """Exit with `code`, skipping Python's teardown, which frees every object one at a time: 30 ms of a
    0.4 s EPUB build. The exit handlers run and the output is flushed first; a thread still at work (serve)
    gets the ordinary exit, which waits for it. The tests call `cli`, never this."""
    if threading.active_count() > 1:
        raise SystemExit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # what sys.exit("message") does
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # logging, multiprocessing and weakref.finalize (temporary folders) clean up here
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe or stream: nothing more can reach it
            pass
    os._exit(code)
