"""An issue's input files → one digest per format, recorded beside the outputs, so unchanged outputs are skipped.

A format of an issue is made from: the issue's folder, publication.toml, the
standing pages, the parts of the layout that format uses, fonts/ (for formats
that draw text), the tool itself, and SOURCE_DATE_EPOCH. Digests are computed
from the files alone, before any source is parsed, so a no-op rebuild of a
whole archive reads no Markdown; file hashes are cached by size and mtime in
.publish-cache/hashes.json in the publication folder (never in dist/, which a
failed build must leave exactly as it was).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from publish import BUILTIN_LAYOUTS, __version__, fonts_dir
from publish.atomic import is_temp, write_text
from publish.formats import EXCLUSIVE_LAYOUT_PARTS, FORMATS, PDF_FORMATS
from publish.model import Publication
from publish.pipeline.types import IssueOutcome, Options, Summary, Task
from publish.products.print_layout.breaks import breaks_current

STATE_FILE = ".publish-state.json"  # the old layout's name, inside dist/<n>/ (migrated on first use)
CACHE_DIR = ".publish-cache"
HASH_CACHE = Path(CACHE_DIR) / "hashes.json"
PACKAGE = Path(__file__).resolve().parents[1]  # publish/


def state_dir(root: Path, out: Path, create: bool = True) -> Path:
    """The folder, outside dist/, holding the tool's records for output folder `out` (created on demand).

    dist/ is what editors upload, so state, locks and reports live under the
    publication's .publish-cache/, one folder per output folder. An output
    folder inside the publication is keyed by its relative path, so moving the
    whole publication keeps its records.
    """
    root, out = Path(root).resolve(), Path(out).resolve()
    try:
        key = out.relative_to(root).as_posix()
    except ValueError:
        key = str(out)
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    name = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "_" for c in out.name)[:40]
    folder = root / CACHE_DIR / "state" / f"{name or 'out'}-{digest}"
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _files(folder: Path) -> list[Path]:
    """Every file under `folder`, dotfiles too (a `.pic.jpg` can be a picture): all but the tool's own."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not is_temp(p.name)
                  and "__pycache__" not in p.parts)


def _uses(fmt: str, layout_name: str) -> bool:
    """Whether a file of the layout (path relative to the layout folder) feeds format `fmt`."""
    spec = FORMATS[fmt]
    if any(layout_name == p or layout_name.startswith(p) for p in spec.layout_parts):
        return True
    if any(layout_name == p or layout_name.startswith(p) for p in EXCLUSIVE_LAYOUT_PARTS):
        return False  # another format's part
    return spec.shared_html


def _tool_files(fmt: str) -> list[Path]:
    """The code a format's output depends on: the core modules, the registry, and what the format declares."""
    core = sorted(PACKAGE.glob("*.py")) + sorted((PACKAGE / "pipeline").glob("*.py"))
    registry = [PACKAGE / "formats" / "__init__.py", PACKAGE / "formats" / "base.py"]
    return core + registry + FORMATS[fmt].code()


class Inputs:
    """Digests of the inputs of each (issue, format), sharing the publication-wide parts between issues."""

    def __init__(self, pub: Publication):
        self.pub = pub
        self.cache_path = pub.root / HASH_CACHE
        self._hashes: dict[str, list] = self._load_cache()
        self._dirty = False
        self._shared: dict[str, str] = {}
        self._folders: dict[Path, str] = {}

    def _load_cache(self) -> dict:
        try:
            data = json.loads(self.cache_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError, RecursionError):  # RecursionError: JSON nested too deep
            return {}

    def file_hash(self, path: Path) -> str:
        info = path.stat()
        key = str(path)
        cached = self._hashes.get(key)
        if cached and cached[0] == info.st_size and cached[1] == info.st_mtime_ns:
            return cached[2]
        with open(path, "rb") as handle:
            hexdigest = hashlib.file_digest(handle, "sha256").hexdigest()
        self._hashes[key] = [info.st_size, info.st_mtime_ns, hexdigest]
        self._dirty = True
        return hexdigest

    def _group(self, named: list[tuple[str, Path]]) -> str:
        digest = hashlib.sha256()
        for name, path in named:
            # a name need not be UTF-8 (a zip from Windows): hash its bytes as the file system has them
            digest.update(f"{name}\0{self.file_hash(path)}\0".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def shared_digest(self, fmt: str) -> str:
        """What every issue's output of `fmt` depends on besides its folder: settings, layout, fonts, code."""
        if fmt not in self._shared:
            pub = self.pub
            named = [("publication.toml", pub.root / "publication.toml")]
            pages = (*pub.standing_pages, *FORMATS[fmt].inputs)
            if FORMATS[fmt].press_profile and pub.print.output_intent:
                pages += (pub.print.output_intent,)  # the printer's profile: a new one gives a new press PDF
            named += [(page, pub.root / page) for page in pages if (pub.root / page).is_file()]
            layout_dirs = [pub.layout_dir] if pub.layout_dir.is_dir() else []
            builtin = BUILTIN_LAYOUTS / "default"
            if not layout_dirs or layout_dirs[0].resolve() != builtin.resolve():
                layout_dirs.append(builtin)  # the fallback for templates a layout does not override
            for index, folder in enumerate(layout_dirs):
                for path in _files(folder):
                    name = path.relative_to(folder).as_posix()
                    if _uses(fmt, name):
                        named.append((f"layout{index}:{name}", path))
            if FORMATS[fmt].uses_fonts:
                fonts = fonts_dir(pub.root)
                named += [(f"fonts:{p.relative_to(fonts).as_posix()}", p) for p in _files(fonts)]
            named += [(f"tool:{p.relative_to(PACKAGE).as_posix()}", p) for p in _tool_files(fmt)]
            epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
            self._shared[fmt] = hashlib.sha256(
                f"publish {__version__}\0{fmt}\0{epoch}\0{self._group(named)}".encode()).hexdigest()
        return self._shared[fmt]

    def digest(self, folder: Path, fmt: str) -> str:
        """What format `fmt` of the issue in `folder` is made from, as one SHA-256."""
        if folder not in self._folders:  # listed and hashed once, whatever the number of formats
            self._folders[folder] = self._group([(p.relative_to(folder).as_posix(), p) for p in _files(folder)])
        return hashlib.sha256(f"{self.shared_digest(fmt)}\0{self._folders[folder]}".encode()).hexdigest()

    def save(self) -> None:
        if not self._dirty:
            return
        live = {k: v for k, v in self._hashes.items() if Path(k).exists()}
        try:
            write_text(self.cache_path, json.dumps(live, sort_keys=True, separators=(",", ":")))
        except OSError:
            pass  # a read-only publication folder: the cache only saves time
        self._dirty = False


def _record_file(records: Path, out_dir: Path) -> Path:
    return records / f"issue-{out_dir.name}.json"


def _read(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError, RecursionError):
        return {}


def load(records: Path, out_dir: Path) -> dict:
    """What was recorded for the formats in out_dir (dist/<n>); `records` is state_dir(root, dist).

    An old-layout record inside dist/<n>/ is moved out on first sight, so
    upgrading does not rebuild everything.
    """
    path, old = _record_file(records, out_dir), out_dir / STATE_FILE
    if old.is_file():
        if not path.is_file():
            data = _read(old)
            if data:
                write_text(path, json.dumps(data, indent=1, sort_keys=True) + "\n")
        old.unlink(missing_ok=True)
    return _read(path)


def is_current(out_dir: Path, fmt: str, digest: str, recorded: dict) -> bool:
    entry = recorded.get(fmt)
    if not isinstance(entry, dict) or entry.get("inputs") != digest:
        return False
    return all((out_dir / name).is_file() for name in entry.get("files", ()))


def record(records: Path, out_dir: Path, fmt: str, digest: str, files: list[Path]) -> None:
    data = load(records, out_dir)
    data[fmt] = {"inputs": digest, "files": sorted(p.relative_to(out_dir).as_posix() for p in files)}
    write_text(_record_file(records, out_dir), json.dumps(data, indent=1, sort_keys=True) + "\n")


def _page_list(root: Path, folder: Path, inputs: Inputs, options: Options, laid_out: bool) -> str:
    """Whether the ebooks of this issue carry the print page-list in this run: "yes" or "no".

    Part of their digest, so an ebook made without one is remade once the print layout exists.
    """
    if laid_out or options.page_list:
        return "yes"
    return "yes" if breaks_current(root, int(folder.name), inputs.digest(folder, "print")) else "no"


def plan(pub, out: Path, folders: list[Path], formats: tuple[str, ...], options: Options,
         summary: Summary, progress=None, inputs: Inputs | None = None) -> list[Task]:
    """One task per issue with stale formats; unchanged issues go straight into the summary."""
    inputs = inputs or Inputs(pub)
    records = state_dir(pub.root, out)
    tasks = []
    for folder in folders:
        out_dir = out / folder.name
        recorded = load(records, out_dir)
        digests = {fmt: inputs.digest(folder, fmt) for fmt in formats}
        current = {fmt: [out_dir / n for n in recorded[fmt]["files"]] for fmt in formats
                   if not options.force and not FORMATS[fmt].page_list
                   and is_current(out_dir, fmt, digests[fmt], recorded)}
        if any(FORMATS[fmt].page_list for fmt in formats):
            pages = _page_list(pub.root, folder, inputs, options, laid_out=any(
                f in formats and f not in current for f in PDF_FORMATS))
            for fmt in (f for f in formats if FORMATS[f].page_list):
                digests[fmt] = hashlib.sha256(f"{digests[fmt]}\0page-list: {pages}".encode()).hexdigest()
                if not options.force and is_current(out_dir, fmt, digests[fmt], recorded):
                    current[fmt] = [out_dir / n for n in recorded[fmt]["files"]]
        stale = tuple(f for f in formats if f not in current)
        if stale or options.validate:
            lays_out = any(f in PDF_FORMATS or FORMATS[f].page_list for f in stale)
            layout = (inputs.digest(folder, "print"), inputs.shared_digest("print")) if lays_out else ("", "")
            tasks.append(Task(pub.root, folder, stale, digests, current, options, *layout))
        else:
            outcome = IssueOutcome(int(folder.name), unchanged=list(formats))
            summary.outcomes.append(outcome)
            if progress:
                progress(outcome)
    inputs.save()
    return tasks
