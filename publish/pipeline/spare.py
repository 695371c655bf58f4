"""`publish build N` of a PDF → a process forked ahead to lay it out, before the build loads anything.

An editor's `publish build N` after changing an article lays out one part of
the print edition or two. The process that lays it out must load WeasyPrint
first (a third of a second); forked here, at the very start, it does that while
this process loads the pipeline, hashes the sources and reads the issue
(publish.ahead.Spare); for a whole layout, a zygote that every layout is forked
from (publish.ahead.Zygote). Only a cheap guess is made here; pipeline.issue
decides whether the build's one task takes it, and stops it otherwise.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

LAYOUT = Path(".publish-cache") / "layout"  # products.print_layout.partcache.CACHE (the test says so)


def first_spare(root: Path, selectors: tuple[str, ...], formats: tuple[str, ...] | None, force: bool,
                scheduler: str | None):
    """For `publish build N` of a PDF: a Spare if the issue was laid out before and the build is not forced (an
    edit's, likely one part or two), else a Zygote (the whole edition: each layout forked from it); None
    for anything else."""
    from publish import ahead, forkpool
    from publish.formats import PDF_FORMATS

    if scheduler or len(selectors) != 1 or not selectors[0].isdigit():
        return None
    if formats is not None and not set(formats) & set(PDF_FORMATS):
        return None
    try:
        laid_out = (root / LAYOUT / str(int(selectors[0]))).is_dir()
    except (OSError, ValueError):  # a cache this user may not enter: the build says so itself, located
        return None
    if not forkpool.can_begin():
        return None
    if laid_out and not force:
        return ahead.spare(partial(prepare, root))
    return ahead.zygote(partial(prepare, root, formats is None or "print" in formats))


def prepare(root: Path, pictures: bool = False) -> None:
    """What a part's layout loads first: WeasyPrint, its C types, the hyphenation of the publication's
    language, and the code that lays a part out and separates it for the press (.render); with `pictures`,
    numpy too, which converting the press's pictures needs (Inks.warm: a whole layout converts them all).
    No more: the pipeline, its templates and Markdown are this process's to load, not the spare's: a call
    that needs more (the lead story's chain, in .body) imports it as it is unpickled. The language is read
    from publication.toml as it is (the build checks it); anything odd there only leaves the dictionary to
    the layout."""
    import tomllib

    if pictures:
        import numpy  # noqa: F401

    import email.policy  # noqa: F401 - what WeasyPrint's file fetching reads headers with
    from PIL import Image

    from publish.products.print_layout import fetch, render  # noqa: F401 - what a part's call is made of
    from publish.products.print_layout.weasy_adapter import warm

    Image.preinit()  # the common picture formats' readers

    try:
        settings = tomllib.loads((root / "publication.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        settings = {}
    language = settings.get("language") or "en"
    warm((language,) if isinstance(language, str) else ())
    if pictures:
        _press_transform(root, settings.get("print"))


def _press_transform(root: Path, settings) -> None:
    """The RGB → CMYK transform of the printer's profile named in [print] (else the installed one), and the
    pictures' table at the ink limit there, built here for the layouts forked from this process; a profile
    the build would refuse is left to it (press_inks says what is wrong)."""
    from publish.icc import default_cmyk, icc_profile_problem
    from publish.products.press.inks import Inks

    named = settings.get("output-intent") if isinstance(settings, dict) else None
    if named is not None and (not isinstance(named, str) or icc_profile_problem(named, root)):
        return
    path = root / named.strip() if named else default_cmyk()
    limit = settings.get("ink-limit", 240) if isinstance(settings, dict) else 240
    try:
        if path is not None:
            Inks(path.read_bytes(), "", "", ink_limit=limit if type(limit) is int else 240).table()
    except Exception:  # noqa: BLE001 - not a profile littleCMS reads: the build says so, located
        pass
