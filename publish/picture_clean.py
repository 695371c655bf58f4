"""A checked picture file → the bytes every output may publish: no metadata, upright, ICC kept; SVG sanitised.

JPEG and PNG files are cleaned by publish.raster_clean, SVG files by
publish.svg_clean; this module checks the file is still what was checked and
picks the cleaner. Same input, same bytes.
"""

from __future__ import annotations

from pathlib import Path

from publish.errors import PublishError
from publish.picture_kinds import sniff
from publish.raster_clean import clean_raster
from publish.svg_clean import clean_svg, issue_folder, shown

EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "svg": ".svg"}


def publishable(path: Path, kind: str, *, base: Path | None = None) -> tuple[bytes, str]:
    """The bytes any output may publish for a checked picture, and the extension matching them.

    `kind` is the checked content type; `base` is the folder an SVG's references must stay in
    (by default its issue folder, found from the path).
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise PublishError(f"{shown(path)}: the picture cannot be read ({exc.strerror}) — check the file") from None
    found = sniff(data[:512])
    if found != kind:
        raise PublishError(f"{shown(path)}: the picture changed since it was checked (now {found or 'not a picture'})"
                           " — build again")
    if kind == "svg":
        return clean_svg(data, path, base or issue_folder(path))[0], EXTENSIONS["svg"]
    try:
        return clean_raster(data, kind), EXTENSIONS[kind]
    except (OSError, ValueError, SyntaxError) as exc:
        raise PublishError(f"{shown(path)}: the picture cannot be cleaned ({exc}) — export it again") from None
