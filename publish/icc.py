"""An ICC profile named in publication.toml → a problem (what is wrong, what to do) or None; the default CMYK one."""

from __future__ import annotations

from pathlib import Path

# ghostscript's CMYK profile, from Debian's libgs-common (installed by scripts/setup.sh)
DEFAULT_CMYK = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/ghostscript/iccprofiles/default_cmyk.icc"))
CMYK_HINT = "ask the printer for their CMYK profile (.icc) and put it in the publication, e.g. profiles/press.icc"


def icc_kind(data: bytes) -> str | None:
    """The colour space of an ICC profile ("CMYK", "RGB ", …) from its header, or None if it is not one."""
    if len(data) < 128 or data[36:40] != b"acsp":
        return None
    return data[16:20].decode("latin-1")


def icc_profile_problem(value: object, root: Path) -> tuple[str, str] | None:
    """Why `value` (a path relative to the publication) is not a CMYK profile the press PDF can use."""
    if not isinstance(value, str) or not value.strip():
        return f"output-intent {value!r} is not a file name", 'write e.g. output-intent = "profiles/press.icc"'
    name = value.strip()
    path = root / name
    if Path(name).is_absolute() or ".." in Path(name).parts:
        return f"output-intent {name!r} is outside the publication folder", CMYK_HINT
    try:
        inside = path.resolve().is_relative_to(root.resolve())
    except OSError:
        inside = False
    if not inside:
        return f"output-intent {name!r} leads outside the publication folder", CMYK_HINT
    if not path.is_file():
        return f"output-intent {name!r} does not exist", f"put the printer's CMYK profile at {name}"
    with path.open("rb") as handle:
        kind = icc_kind(handle.read(128))
    if kind is None:
        return f"output-intent {name!r} is not an ICC profile", CMYK_HINT
    if kind != "CMYK":
        return f"output-intent {name!r} is an ICC {kind.strip()} profile, not CMYK", CMYK_HINT
    return None


def default_cmyk() -> Path | None:
    """The installed CMYK profile used when [print] names none."""
    return next((p for p in DEFAULT_CMYK if p.is_file()), None)
