"""publish: the edition builder of a weekly paper."""

from pathlib import Path

__version__ = "0.1.0"

# The built-in default layout, used where a publication has no layouts/<name>/ of its own.
BUILTIN_LAYOUTS = Path(__file__).resolve().parent / "layouts"
# The built-in fonts (with their licences), used where a publication has no fonts/ of its own.
BUILTIN_FONTS = Path(__file__).resolve().parent / "fonts"


def fonts_dir(root: Path) -> Path:
    """The fonts a publication's formats draw with: its fonts/, else the built-in ones."""
    own = root / "fonts"
    return own if own.is_dir() else BUILTIN_FONTS
