"""`publish preflight FILE.pdf…` → each file's preflight findings; exit 0 when every file is press-ready, else 1."""

from __future__ import annotations

from pathlib import Path

import click

from publish.errors import PublishError
from publish.products.press.preflight import DEFAULT_INK_LIMIT, identification, preflight



def publication_ink_limit(root: Path | None) -> int:
    """The publication's [print] ink-limit when there is one to read, else the newsprint default."""
    import tomllib

    try:
        value = tomllib.loads((root / "publication.toml").read_text("utf-8")).get("print", {}).get("ink-limit")
    except (OSError, TypeError, AttributeError, ValueError):
        return DEFAULT_INK_LIMIT
    return value if isinstance(value, int) and not isinstance(value, bool) and 100 <= value <= 400 \
        else DEFAULT_INK_LIMIT


@click.command("preflight")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--ink-limit", type=click.IntRange(100, 400), default=None,
              help="Highest total ink in percent; default: [print] ink-limit of the publication, else 240.")
@click.pass_obj
def command(obj: dict, files: tuple[Path, ...], ink_limit: int | None) -> None:
    """Is each PDF press-ready? Colours (CMYK only), fonts, bleed, picture resolution, total ink, PDF/X."""
    limit = ink_limit or publication_ink_limit(obj.get("root"))
    failed = 0
    for path in files:
        if not path.is_file():
            raise PublishError(f"{path}: no such file — give the path of a PDF")
        findings = preflight(path, limit)
        errors = [f for f in findings if f.level == "error"]
        verdict = "press-ready" if not errors else f"not press-ready ({len(errors)} error(s))"
        click.echo(f"{path}: {verdict}, ink limit {limit}%")
        if identification(path):
            click.echo(f"  {identification(path)}")
        for finding in sorted(findings, key=lambda f: (f.page or 0, f.level != "error")):
            click.echo(finding.line())
        failed += bool(errors)
    if failed:
        raise click.exceptions.Exit(1)
