"""publish: the edition builder of a weekly paper."""

from pathlib import Path

__version__ = "0.1.0"

# The built-in default layout, used where a publication has no layouts/<name>/ of its own.
BUILTIN_LAYOUTS = Path(__file__).resolve().parent / "layouts"
