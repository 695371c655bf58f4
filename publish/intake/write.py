"""Drafts → files in issues/<n>/: NN-<slug>.md at the next free number and images/<slug>-<k>.<ext>, never overwriting.

Every file appears whole (a temporary file, then a rename); if one of an
article's files cannot be written, the ones already written are removed, so a
failed import never leaves half an article. A new issue folder gets an
issue.toml: from the archive's "From:" line, or with publish new's placeholder
headline for the editor to replace.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path

from publish.articles import article_slug
from publish.atomic import write_bytes, write_text
from publish.errors import PublishError
from publish.intake.draft import FIELD_ORDER, Draft
from publish.schema import PLACEHOLDERS
from publish.slug import slugify

NUMBERED = re.compile(r"^(\d+)-")


@dataclass
class Planned:
    """Where one draft goes: its article file and a name for each of its pictures."""

    draft: Draft
    article: Path
    pictures: list[Path]

    @property
    def slug(self) -> str:
        return article_slug(self.article)


def plan(folder: Path, drafts: list[Draft]) -> list[Planned]:
    """File names for `drafts` in the issue folder, after what is there (and after each other)."""
    existing = sorted(folder.glob("*.md")) if folder.is_dir() else []
    numbers = [int(m.group(1)) for p in existing if (m := NUMBERED.match(p.name))]
    taken_slugs = {article_slug(p) for p in existing}
    taken_pictures = {p.name for p in (folder / "images").iterdir()} if (folder / "images").is_dir() else set()
    next_number = max(numbers, default=0) + 1
    planned = []
    for draft in drafts:
        base = slugify(draft.front.get("title") or draft.source.stem, fallback="article")[:60].strip("-")
        slug, k = base, 2
        while slug in taken_slugs:
            slug, k = f"{base}-{k}", k + 1
        taken_slugs.add(slug)
        names = []
        for index, picture in enumerate(draft.pictures, start=1):
            name, k = f"{slug}-{index}{picture.ext}", 2
            while name in taken_pictures:
                name, k = f"{slug}-{index}-{k}{picture.ext}", k + 1
            taken_pictures.add(name)
            names.append(folder / "images" / name)
        width = max(2, len(str(next_number)))
        planned.append(Planned(draft, folder / f"{next_number:0{width}d}-{slug}.md", names))
        next_number += 1
    return planned


def _yaml(value) -> str:
    # a JSON string is a YAML double-quoted scalar: every character, colon and quote is safe in it
    return json.dumps(value, ensure_ascii=False)


def render(item: Planned) -> str:
    """The article file's text: front matter in the order of docs/writing.md, then the body."""
    draft, lines = item.draft, ["---"]
    renames = {p.token: f"images/{path.name}" for p, path in zip(draft.pictures, item.pictures)}
    for key in FIELD_ORDER:
        value = draft.front.get(key)
        if not value:
            continue
        if key == "keywords":
            lines.append(f"keywords: [{', '.join(_yaml(k) for k in value)}]")
        elif key == "section":
            lines.append(f"section: {value}")
        elif key == "image":
            lines.append("image:")
            lines += [f"  {k}: {_yaml(renames.get(v, v))}" for k, v in value.items() if v]
        else:
            lines.append(f"{key}: {_yaml(value)}")
    body = draft.body
    for old, new in renames.items():
        body = body.replace(f"]({old}", f"]({new}")
    return "\n".join(lines) + "\n---\n" + body


def notes(item: Planned) -> list[str]:
    """What could not be carried over, with pictures under their final names."""
    renames = {p.token: f"images/{path.name}" for p, path in zip(item.draft.pictures, item.pictures)}
    out = []
    for note in item.draft.notes:
        for old, new in renames.items():
            note = note.replace(old, new)
        out.append(note)
    return out


def issue_toml(number: int, origin: dict) -> str:
    """A new issue's issue.toml: from the page's "From:" line when known, else placeholders to replace."""
    day = origin.get("date") or dt.date.today()
    headline = origin.get("headline") or PLACEHOLDERS["headline"]
    return f"number = {number}\ndate = {day.isoformat()}\nheadline = {_yaml(headline)}\n"


def write(item: Planned, text: str) -> list[Path]:
    """The article and its pictures on disk, or none of them (PublishError says why)."""
    written: list[Path] = []
    try:
        for picture, path in zip(item.draft.pictures, item.pictures):
            _refuse_existing(path)
            written.append(write_bytes(path, picture.data))
        _refuse_existing(item.article)
        written.append(write_text(item.article, text))
    except OSError as exc:
        for path in written:
            path.unlink(missing_ok=True)
        raise PublishError(f"{item.article}: cannot write the article ({exc.strerror}) — nothing of it was kept; "
                           "check the folder's permissions and free space") from None
    except PublishError:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def _refuse_existing(path: Path) -> None:
    if path.exists():
        raise PublishError(f"{path}: appeared while importing — nothing was overwritten; run the import again")
