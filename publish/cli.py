"""The command line: click commands only; each command's work lives in publish.commands."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import click

from publish import __version__
from publish.errors import PublishError


class _EchoHandler(logging.Handler):
    """The one log handler: plain lines on the current standard error (which tests may capture)."""

    def emit(self, record: logging.LogRecord) -> None:
        click.echo(record.getMessage(), err=True)


# command name → its module under publish.commands, imported only when that command runs
COMMANDS = {"build": "build", "check": "check", "new": "new", "serve": "serve"}


class _Group(click.Group):
    """Loads each command on first use; turns unexpected exceptions into one clean line (--debug: traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str):
        if name not in COMMANDS:
            return None
        return importlib.import_module(f"publish.commands.{COMMANDS[name]}").command

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
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".",
              show_default=True, help="The publication folder (holding publication.toml).")
@click.option("--debug", is_flag=True, help="Log every step and show tracebacks.")
@click.version_option(__version__, prog_name="publish")
@click.pass_context
def cli(ctx: click.Context, root: Path, debug: bool) -> None:
    """Build a weekly paper's editions (EPUB, Kindle, PDF, press PDF, text, site) from its sources."""
    root_logger = logging.getLogger()
    if not any(isinstance(h, _EchoHandler) for h in root_logger.handlers):
        root_logger.addHandler(_EchoHandler())
    root_logger.setLevel(logging.INFO)
    logging.getLogger("publish").setLevel(logging.DEBUG if debug else logging.INFO)
    ctx.obj = {"root": root.resolve(), "debug": debug}


def main() -> None:
    cli(prog_name="publish")
