"""An issue's inputs → a digest recorded beside its outputs, so unchanged outputs are not rebuilt.

Each format of each issue records the digest of everything it was made from
(the issue folder, publication.toml, standing pages, the layout, fonts where
the format uses them, the tool's version, SOURCE_DATE_EPOCH) in
dist/<n>/.publish-state.json.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from publish import __version__
from publish.atomic import TEMP_MARK, write_text
from publish.model import Issue
from publish.render import BUILTIN_LAYOUTS

STATE_FILE = ".publish-state.json"
# Formats whose output embeds the fonts of fonts/.
USES_FONTS = {"epub", "kindle", "pdf", "print", "site"}


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and TEMP_MARK not in p.name
                  and "__pycache__" not in p.parts)


def _hash_file(path: Path, digest) -> None:
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)


def inputs_digest(issue: Issue, fmt: str) -> str:
    """What a format of an issue is made from, as one SHA-256."""
    pub = issue.publication
    root = pub.root
    digest = hashlib.sha256()
    digest.update(f"publish {__version__}\0{fmt}\0{os.environ.get('SOURCE_DATE_EPOCH', '')}\0".encode())
    files = [root / "publication.toml", *_files(issue.folder)]
    files += [page.source for page in issue.standing_pages]
    layout_dir = pub.layout_dir
    layouts = _files(layout_dir) if layout_dir.is_dir() else []
    layouts += _files(BUILTIN_LAYOUTS / "default") if layout_dir.resolve() != (BUILTIN_LAYOUTS / "default").resolve() else []
    files += layouts
    if fmt in USES_FONTS:
        files += _files(root / "fonts")
    for path in files:
        try:
            name = path.relative_to(root).as_posix()
        except ValueError:
            name = "builtin:" + path.relative_to(BUILTIN_LAYOUTS).as_posix()
        digest.update(name.encode() + b"\0")
        _hash_file(path, digest)
        digest.update(b"\0")
    return digest.hexdigest()


def load(out_dir: Path) -> dict:
    try:
        data = json.loads((out_dir / STATE_FILE).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def is_current(out_dir: Path, fmt: str, digest: str) -> bool:
    entry = load(out_dir).get(fmt)
    if not isinstance(entry, dict) or entry.get("inputs") != digest:
        return False
    return all((out_dir / name).is_file() for name in entry.get("files", ()))


def record(out_dir: Path, fmt: str, digest: str, files: list[Path]) -> None:
    data = load(out_dir)
    data[fmt] = {"inputs": digest, "files": sorted(p.relative_to(out_dir).as_posix() for p in files)}
    write_text(out_dir / STATE_FILE, json.dumps(data, indent=1, sort_keys=True) + "\n")
