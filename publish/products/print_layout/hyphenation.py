"""pyphen's hyphenation dictionaries, parsed once per machine: each parse kept as JSON in the user's cache folder.

WeasyPrint hyphenates with pyphen, which parses a language's hyph_*.dic in pure
Python: 0.05 s for en_GB's 13,900 patterns, in every process that lays out
(the building process before it forks, an edit's spare) and on the way to its
first page. Reading back the patterns of an earlier parse of the very same file
takes a fifth of that. The memo is named by the digest of the dictionary file,
pyphen's version and this module's format, so a new dictionary is parsed anew;
anything odd in it is parsed anew too. It lives in $XDG_CACHE_HOME/publish
(~/.cache/publish), beside the machine's other caches, because it belongs to
the installed dictionary, not to a publication.

The only place that touches pyphen's private API (its dictionary cache and a
dictionary's attributes): tests/test_adapters.py fails, naming this module,
when a pyphen upgrade moves them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

FORMAT = "1"  # bump it when what a memo holds changes
LARGEST = 16 * 2**20  # en_GB's memo is 0.3 MB


def load(code: str) -> None:
    """pyphen's dictionary for `code` (a key of pyphen.LANGUAGES) in pyphen's cache, where every
    pyphen.Pyphen(lang=…) of this process (and of processes forked from it) finds it."""
    import pyphen

    path = pyphen.LANGUAGES.get(code)  # the key pyphen.Pyphen(lang=code) looks its cache up by
    if path is None or path in pyphen.hdcache:
        return
    try:
        memo = _memo(path, pyphen.__version__)
    except OSError:  # the dictionary cannot be read: pyphen says so itself, where it is used
        return
    patterns = _read(memo) if memo is not None else None
    if patterns is None:
        pyphen.Pyphen(lang=code)
        _keep(memo, pyphen.hdcache[path].patterns)
        return
    parsed = object.__new__(pyphen.HyphDict)  # what HyphDict.__init__ leaves, without parsing
    parsed.patterns, parsed.cache = patterns, {}
    parsed.maxlen = max(len(key) for key in patterns)
    pyphen.hdcache[path] = parsed


def cache_folder() -> Path | None:
    """$XDG_CACHE_HOME/publish/hyphenation, else ~/.cache/publish/hyphenation; None without a home (or with a
    relative one, which would put it in the current folder)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    if not os.path.isabs(base):  # the XDG rule: a relative value is ignored
        try:
            base = str(Path.home() / ".cache")
        except (RuntimeError, KeyError):
            return None
    if not os.path.isabs(base) or base == "/.cache":  # a relative or empty HOME: none that is the user's
        return None
    return Path(base) / "publish" / "hyphenation"


def _memo(dictionary, version: str) -> Path | None:
    folder = cache_folder()
    if folder is None:
        return None
    digest = hashlib.sha256(Path(dictionary).read_bytes())
    digest.update(f"{version} {FORMAT}".encode())
    return folder / f"{Path(dictionary).stem}-{digest.hexdigest()[:32]}.json"


def _read(memo: Path) -> dict | None:
    """The patterns kept in `memo`, as pyphen keeps them ({pattern: (offset, values)}, lists for tuples:
    pyphen only unpacks and iterates them); None if it is missing or anything in it is not so."""
    from publish.atomic import read_kept_json

    patterns = read_kept_json(memo, LARGEST)
    if not isinstance(patterns, dict) or not patterns:
        return None
    for value in patterns.values():
        if not (type(value) is list and len(value) == 2 and type(value[0]) is int and value[0] >= 0
                and type(value[1]) is list and value[1] and all(type(v) is int for v in value[1])):
            return None
    return patterns


def _keep(memo: Path | None, patterns: dict) -> None:
    """Write the patterns pyphen parsed, unless it needs more than numbers for them (a dictionary with
    non-standard hyphenation, such as Hungarian's: its values carry data), or there is nowhere to."""
    if memo is None or any(type(v) is not int for _, values in patterns.values() for v in values):
        return
    from publish.atomic import write_text

    with contextlib.suppress(OSError):  # a read-only home only costs time
        write_text(memo, json.dumps({k: [offset, list(values)] for k, (offset, values) in patterns.items()},
                                    ensure_ascii=False, separators=(",", ":")))
