"""A publication's [print] settings → the press's Inks: its CMYK profile (or the installed default), ink limit, colours."""

from __future__ import annotations

import logging
import tomllib

from publish import BUILTIN_LAYOUTS
from publish.errors import PublishError
from publish.icc import CMYK_HINT, default_cmyk, icc_damage, icc_kind, icc_profile_problem
from publish.model import Publication
from publish.products.press.inks import Inks

log = logging.getLogger("publish")
COLOURS = "pdf/press-colours.toml"  # in the layout: its colours as the press prints them


def press_inks(pub: Publication) -> Inks:
    """The printer's profile named in [print], else the default one installed by setup (and say which)."""
    settings = pub.print
    if settings.output_intent:
        problem = icc_profile_problem(settings.output_intent, pub.root)
        if problem:
            raise PublishError(f"publication.toml: {problem[0]} — {problem[1]}")
        path = pub.root / settings.output_intent
        shown = settings.output_intent
    else:
        path = default_cmyk()
        if path is None:
            raise PublishError("publication.toml: [print] names no output-intent and no CMYK profile is installed "
                               "— install libgs-common (apt-get install libgs-common) or " + CMYK_HINT)
        shown = str(path)
    profile = path.read_bytes()
    if icc_kind(profile) != "CMYK":
        raise PublishError(f"{shown}: not an ICC CMYK profile — {CMYK_HINT}")
    where = f"{_intent_line(pub)} output-intent " if settings.output_intent else ""
    shown = repr(shown) if settings.output_intent else shown
    description = _description(profile, where + shown) or path.stem
    if not settings.output_intent:
        log.info("press PDF: no output-intent in [print]; using %s (%s)", description, shown)
    inks = Inks(profile, settings.output_condition or description, description, settings.ink_limit,
                _layout_colours(pub))
    _usable(inks, where + shown)
    return inks


def _intent_line(pub: Publication) -> str:
    """"publication.toml:<line>:" of [print]'s output-intent (without a line if it cannot be found)."""
    from publish.sourcefiles import key_line, table_lines

    try:
        text = (pub.root / "publication.toml").read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return "publication.toml:"
    line = next((found for start in table_lines(text, "print") if (found := key_line(text, "output-intent", start))),
                None)
    return f"publication.toml:{line}:" if line else "publication.toml:"


def _description(profile: bytes, shown: str) -> str:
    import io

    from PIL import ImageCms

    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile))).strip()
    except (OSError, ImageCms.PyCMSError):
        raise PublishError(f"{shown}: littleCMS cannot read the profile — {CMYK_HINT}") from None


def _usable(inks: Inks, shown: str) -> None:
    """The printer's transform built now (10 ms; forked layouts inherit it): a profile that is damaged past its
    header fails here, named, not in a layout."""
    from PIL import ImageCms

    try:
        inks.transform()
    except (OSError, ImageCms.PyCMSError) as exc:
        damage = icc_damage(inks.profile)
        raise PublishError(f"{shown}: littleCMS cannot convert to this profile ({damage or exc}) — "
                           f"{CMYK_HINT}") from None


def _layout_colours(pub: Publication) -> dict[str, tuple[float, float, float, float]]:
    """`"#c8102e" = [0, 100, 85, 5]` lines of the layout's press-colours.toml, as 0–1 fractions."""
    path = pub.layout_dir / COLOURS
    if not pub.layout_dir.is_dir():  # no layouts/ of its own: the built-in default's colours
        path = BUILTIN_LAYOUTS / "default" / COLOURS
    if not path.is_file():
        return {}
    shown = f"layouts/{pub.layout}/{COLOURS}"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PublishError(f"{shown}: {exc} — write one line per colour, e.g. \"#c8102e\" = [0, 100, 85, 5]") from None
    colours = {}
    for key, value in data.items():
        if (not isinstance(value, list) or len(value) != 4
                or not all(isinstance(v, (int, float)) and 0 <= v <= 100 for v in value)):
            raise PublishError(f"{shown}: {key!r} must be four percentages (C, M, Y, K) — "
                               "write e.g. \"#c8102e\" = [0, 100, 85, 5]")
        colours[key.lower()] = tuple(round(v / 100, 4) for v in value)
    return colours
