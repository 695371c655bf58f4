"""The machine's fallback fonts (Debian's Noto) and a publication's fonts/ → which characters each can set.

The PDF sets a character in the paper's own fonts when they have it, else in a
fallback font; these are the fallback folders (PUBLISH_FALLBACK_FONTS, a
`:`-separated list of folders, replaces them, e.g. to test a machine without
them) and the characters the fonts of a folder cover, read from their cmaps
once per process.
"""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

# fonts-noto-core (Latin, Greek, Cyrillic, Arabic, Hebrew, Devanagari… in TrueType) and fonts-noto-cjk
# (Chinese, Japanese, Korean in OpenType collections); installed by scripts/setup.sh
DEBIAN_NOTO = ("/usr/share/fonts/truetype/noto", "/usr/share/fonts/opentype/noto")
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")


def fallback_dirs() -> tuple[Path, ...]:
    """The fallback font folders that exist: PUBLISH_FALLBACK_FONTS if set (may be empty), else Debian's Noto."""
    named = os.environ.get("PUBLISH_FALLBACK_FONTS")
    folders = DEBIAN_NOTO if named is None else [p for p in named.split(os.pathsep) if p.strip()]
    return tuple(Path(p).resolve() for p in folders if Path(p).is_dir())


def font_files(folder: Path) -> list[Path]:
    """The font files of a folder and its subfolders, in a stable order."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


def _faces(path: Path):
    """Every face of a font file (a collection has several), opened lazily; none if it does not parse."""
    from fontTools.ttLib import TTCollection, TTFont, TTLibError

    try:
        if path.suffix.lower() in (".ttc", ".otc"):
            return list(TTCollection(str(path), lazy=True).fonts)
        return [TTFont(str(path), lazy=True)]
    except (OSError, TTLibError, ValueError, AssertionError):
        return []


@lru_cache(maxsize=256)
def _file_info(path: Path, mtime: float, size: int, what: str) -> frozenset:
    """A font file's family names (`what` = "name") or code points ("cmap"); read anew when the file changes."""
    found: set = set()
    for face in _faces(path):
        try:
            if what == "cmap":
                found.update(face["cmap"].getBestCmap() or {})
            else:
                found.update(r.toUnicode() for r in face["name"].names if r.nameID in (1, 16))
        except Exception:  # noqa: BLE001 — a broken font covers nothing; fontconfig skips it as well
            continue
    return frozenset(found)


def file_info(path: Path, what: str) -> frozenset:
    stat = path.stat()
    return _file_info(path, stat.st_mtime, stat.st_size, what)


def families(folder: Path) -> tuple[str, ...]:
    """The family names of the fonts in `folder`, sorted."""
    return tuple(sorted({name for path in font_files(folder) for name in file_info(path, "name")}))


@lru_cache(maxsize=8)
def _covered(folders: tuple[Path, ...], stamps: tuple) -> frozenset[int]:
    return frozenset().union(*(file_info(path, "cmap") for folder in folders for path in font_files(folder)))


def covered(folders: tuple[Path, ...], memo: Path | None = None) -> frozenset[int]:
    """Every code point some font in `folders` has, from the cmaps; read once per process while unchanged.

    With `memo` (a JSON file, written only where its folder exists), each file's code points are also kept
    there between processes, by the file's path, size, modification time and inode: reading the cmaps
    needs fontTools (0.04 s to load) and 10–15 ms a font, on the way to every PDF build's first layout."""
    if memo is None:
        return _covered(folders, tuple(f.stat().st_mtime for f in folders))
    files = {str(path): _stamp(path) for folder in folders for path in font_files(folder)}
    return _covered_kept(memo, tuple(sorted(files.items())))


MEMO_VERSION = "1"  # bump it when what a file's entry holds changes
MEMO_LARGEST = 16 * 2**20  # a folder of CJK fonts keeps well under a megabyte


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_size, info.st_mtime_ns, info.st_ino


def _covered_kept(memo: Path, files: tuple) -> frozenset[int]:
    kept = _read_memo(memo)
    points: set[int] = set()
    fresh = {}
    for name, stamp in files:
        entry = kept.get(name)
        ranges = entry[1] if entry is not None and entry[0] == list(stamp) else None
        if ranges is None:
            ranges = _as_ranges(file_info(Path(name), "cmap"))
        fresh[name] = [list(stamp), ranges]
        for low, high in ranges:
            points.update(range(low, high + 1))
    # a font added, changed or gone: the file keeps exactly these fonts; only in a folder the builds already
    # keep their records in (`publish check` writes nothing)
    if fresh != kept and memo.parent.is_dir():
        from publish.atomic import write_text

        with contextlib.suppress(OSError):  # a read-only folder only costs time
            write_text(memo, json.dumps({"version": MEMO_VERSION, "files": fresh}, sort_keys=True))
    return frozenset(points)


def _read_memo(memo: Path) -> dict:
    """The memo's entries {path: [[size, mtime_ns, inode], [[low, high], …]]}; anything malformed is left out
    (and its font read again)."""
    from publish.atomic import read_kept_json

    kept = read_kept_json(memo, MEMO_LARGEST)
    files = kept.get("files") if isinstance(kept, dict) and kept.get("version") == MEMO_VERSION else None
    if not isinstance(files, dict):
        return {}
    return {name: entry for name, entry in files.items() if _well_formed(entry)}


def _well_formed(entry) -> bool:
    def ints(value, size):
        return (isinstance(value, list) and len(value) == size
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value))

    return (isinstance(entry, list) and len(entry) == 2 and ints(entry[0], 3) and isinstance(entry[1], list)
            and all(ints(r, 2) and 0 <= r[0] <= r[1] <= sys.maxunicode for r in entry[1]))


def _as_ranges(points: frozenset[int]) -> list[list[int]]:
    ranges: list[list[int]] = []
    for point in sorted(points):
        if ranges and point == ranges[-1][1] + 1:
            ranges[-1][1] = point
        else:
            ranges.append([point, point])
    return ranges


# fontconfig's system cache: fonts-noto-* fill it when installed (fc-cache runs as their trigger), so
# the fallback folders are never scanned again by a job; a stale one is rescanned into the job's cache
SYSTEM_CACHE = "/var/cache/fontconfig"


# Among the fallbacks, text faces that sit with a serif body (not Debian's display faces, e.g. Kufi): a
# CJK passage gets the glyph forms of its language (lang="ja", "zh-TW"…), unmarked Han the Simplified ones
_BY_LANG = (("ja", "Noto Serif CJK JP"), ("ko", "Noto Serif CJK KR"), ("zh-tw", "Noto Serif CJK TC"),
            ("zh-hk", "Noto Serif CJK HK"), ("zh-mo", "Noto Serif CJK TC"))
_PREFERRED = ("Noto Serif CJK SC", "Noto Naskh Arabic", "Noto Serif Hebrew", "Noto Serif", "Noto Sans")


def _append(families: tuple[str, ...], lang: str = "") -> str:
    test = f'<test name="lang" compare="contains"><string>{lang}</string></test>' if lang else ""
    names = "".join(f"<string>{escape(name)}</string>" for name in families)
    return (f'  <match target="pattern">{test}<edit name="family" mode="append_last" binding="strong">'
            f"{names}</edit></match>\n")


def fonts_conf(paper: Path, cache: Path, fallbacks: tuple[Path, ...]) -> str:
    """A fontconfig file: the paper's fonts first and always preferred, then `fallbacks` for what they lack.

    Every font request gets the paper's families appended (strongly bound), so
    for any requested family, generic ones included, a paper font outranks every
    fallback for the characters it has; a fallback file of a paper family's own
    name (Debian's Noto Serif beside the paper's) is rejected outright, so the
    two never tie. Nothing else of the machine's fonts is seen.
    """
    own = families(paper) if paper.is_dir() else ()
    dirs = "".join(f"  <dir>{escape(str(d))}</dir>\n" for d in (paper, *fallbacks))
    # Debian names a family's files after it: NotoSerif-Bold.ttf (fontconfig's globs know only * and ?)
    rejects = "".join(f"<glob>{escape(str(d))}/{escape(name.replace(' ', ''))}{tail}</glob>"
                      for d in fallbacks for name in own for tail in ("-*", ".*"))
    return ("<?xml version=\"1.0\"?>\n<!DOCTYPE fontconfig SYSTEM \"urn:fontconfig:fonts.dtd\">\n<fontconfig>\n"
            f"{dirs}  <cachedir>{escape(str(cache))}</cachedir>\n"
            + (f"  <cachedir>{SYSTEM_CACHE}</cachedir>\n" if fallbacks else "")
            + (f"  <selectfont><rejectfont>{rejects}</rejectfont></selectfont>\n" if rejects else "")
            + ((_append(own) if own else "") + "".join(_append((f,), lang) for lang, f in _BY_LANG)
               + _append(_PREFERRED) if fallbacks else "")
            + "</fontconfig>\n")


def _ranges(charset: str):
    for part in charset.split():
        low, _, high = part.partition("-")
        yield int(low, 16), int(high or low, 16)


@lru_cache(maxsize=8)
def _fallback_ranges(folders: tuple[Path, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(starts, ends) of the merged code point ranges the fallback fonts cover, as fontconfig's cache has them."""
    found: list[tuple[int, int]] = []
    if folders and shutil.which("fc-list"):
        with tempfile.TemporaryDirectory(prefix="publish-fc-") as tmp:
            conf = Path(tmp) / "fonts.conf"
            conf.write_text(fonts_conf(Path(tmp) / "none", Path(tmp), folders), encoding="utf-8")
            listing = subprocess.run(["fc-list", "--format", "%{charset}\\n"], capture_output=True, text=True,
                                     env={**os.environ, "FONTCONFIG_FILE": str(conf)}, check=False).stdout
        found = sorted(r for line in listing.splitlines() for r in _ranges(line))
    elif folders:  # no fontconfig tools: read the cmaps (slower, once per process)
        found = [(c, c) for c in sorted(covered(folders))]
    merged: list[list[int]] = []
    for low, high in found:
        if merged and low <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], high)
        else:
            merged.append([low, high])
    return tuple(m[0] for m in merged), tuple(m[1] for m in merged)


def in_fallbacks(char: str, folders: tuple[Path, ...]) -> bool:
    """Whether some fallback font in `folders` has `char`."""
    starts, ends = _fallback_ranges(folders)
    at = bisect.bisect_right(starts, ord(char)) - 1
    return at >= 0 and ord(char) <= ends[at]
