"""Where the PDF's HTML says the publication folder is: one virtual base URL, whatever the folder's real path.

Kept apart from .html (which renders with the pipeline's templates) so that a layout
process loads only what laying out needs: .render and .fetch name the folder by these.
"""

from __future__ import annotations

from pathlib import Path

# The base URL the PDF's HTML is laid out under, mapped to the publication folder by .fetch's fetcher.
VIRTUAL_ROOT = "file:///publication/"


def root_url(root: Path) -> str:
    """The base URL of a folder (the publication's), ending in a slash."""
    return root.resolve().as_uri().rstrip("/") + "/"
