"""The command line: click commands only; each command's work lives in publish.commands."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from publish import __version__
from publish.errors import PublishError


class _Group(click.Group):
    """Turns unexpected exceptions into one clean line; --debug shows the traceback."""

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
    logging.basicConfig(level=logging.DEBUG if debug else logging.INFO, format="%(message)s")
    ctx.obj = {"root": root.resolve(), "debug": debug}


def _register() -> None:
    from publish.commands import build, check, new, serve

    for module in (build, check, new, serve):
        cli.add_command(module.command)


_register()


def main() -> None:
    cli(prog_name="publish")
