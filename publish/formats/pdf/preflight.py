"""An Issue → print warnings that need no layout: pictures that would print below 150 dpi at their printed width.

Printed widths come from the page size and columns of publication.toml's [print]:
a lead or cover picture spans the text area, a picture in the body one column.
Loads no WeasyPrint, so `publish check` stays quick.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import Problem, rel
from publish.model import Issue, Picture
from publish.products.print_layout import html as pdf_html

MIN_PRINT_DPI = 150


def print_resolution_problems(issue: Issue) -> list[Problem]:
    """A warning for each bitmap picture that would print below 150 dpi at its printed width."""
    from PIL import Image

    pub = issue.publication
    text_mm, column_mm = pdf_html.text_widths(pub)
    placed: list[tuple[Picture, float, Path]] = []
    for article in issue.all_pages:
        if article.image:
            placed.append((article.image, text_mm, article.source))
        placed += [(p, column_mm, article.source) for p in article.pictures]
    if issue.cover_image:
        placed.append((issue.cover_image, text_mm, issue.folder / "issue.toml"))
    problems = []
    for picture, width_mm, source in placed:
        if picture.path.suffix.lower() == ".svg":
            continue
        try:
            with Image.open(picture.path) as image:
                pixels = image.size[0]
        except OSError:
            continue  # the reader reports unreadable pictures
        dpi = pixels / (width_mm / 25.4)
        if dpi < MIN_PRINT_DPI:
            problems.append(Problem(
                rel(source, pub.root), picture.line,
                f"picture {picture.src!r} would print at {dpi:.0f} dpi ({pixels} px across {width_mm:.0f} mm)",
                f"supply it at least {int(width_mm / 25.4 * MIN_PRINT_DPI) + 1} px wide for print", "warning"))
    return problems
