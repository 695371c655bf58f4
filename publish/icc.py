"""An ICC profile named in publication.toml → a problem (what is wrong, what to do) or None; the default CMYK one."""

from __future__ import annotations

import hashlib
from pathlib import Path

# ghostscript's CMYK profile, from Debian's libgs-common (installed by scripts/setup.sh)
DEFAULT_CMYK = (Path("/usr/share/color/icc/ghostscript/default_cmyk.icc"),
                Path("/usr/share/ghostscript/iccprofiles/default_cmyk.icc"))
_LITTLECMS: dict[bytes, str | None] = {}  # a profile's digest → littlecms_problem()
CMYK_HINT = "ask the printer for their CMYK profile (.icc) and put it in the publication, e.g. profiles/press.icc"


def icc_damage(data: bytes) -> str | None:
    """What is wrong with an ICC profile's structure (cut short, a tag outside the file), or None.

    The header alone says it is a profile; littleCMS reads the rest only when it builds a transform.
    """
    declared = int.from_bytes(data[:4], "big")
    if declared > len(data):
        return f"is cut short ({len(data)} of the {declared} bytes its header declares)"
    count = int.from_bytes(data[128:132], "big") if len(data) >= 132 else 0
    if len(data) < 132 + 12 * count:
        return "is damaged (its tag table runs past the end of the file)"
    for i in range(count):
        offset, size = (int.from_bytes(data[136 + 12 * i + k:140 + 12 * i + k], "big") for k in (0, 4))
        if offset + size > len(data):
            return "is damaged (one of its tags lies outside the file)"
    return None


def littlecms_problem(data: bytes) -> str | None:
    """Why littleCMS cannot convert sRGB to this CMYK profile (a profile damaged past its structure), or None.
    Kept per profile for the process: a build reads publication.toml more than once."""
    import io

    from PIL import ImageCms

    digest = hashlib.sha256(data).digest()
    if digest not in _LITTLECMS:
        try:
            ImageCms.buildTransform(ImageCms.createProfile("sRGB"), ImageCms.ImageCmsProfile(io.BytesIO(data)),
                                    "RGB", "CMYK")
            _LITTLECMS[digest] = None
        except (OSError, ImageCms.PyCMSError) as exc:
            _LITTLECMS[digest] = str(exc) or type(exc).__name__
    return _LITTLECMS[digest]


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
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"output-intent {name!r} cannot be read ({exc.strerror})", "check the file and its permissions"
    kind = icc_kind(data)
    if kind is None:
        return f"output-intent {name!r} is not an ICC profile", CMYK_HINT
    if kind != "CMYK":
        return f"output-intent {name!r} is an ICC {kind.strip()} profile, not CMYK", CMYK_HINT
    damage = icc_damage(data)
    if damage:
        return f"output-intent {name!r} {damage}", "copy the printer's profile again, whole"
    unusable = littlecms_problem(data)
    if unusable:
        return f"output-intent {name!r} cannot be used by littleCMS ({unusable})", CMYK_HINT
    return None


def default_cmyk() -> Path | None:
    """The installed CMYK profile used when [print] names none."""
    return next((p for p in DEFAULT_CMYK if p.is_file()), None)
