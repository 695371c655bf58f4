"""A generated publication folder in, a list of problems and per-issue statistics out.

    python -m bench.validate PUB_DIR

Checks the generator against SPEC.md's source format with independent parsers
(tomllib, yaml.safe_load, Pillow, markdown-it), not with the project's own reader.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.S)


@dataclass
class IssueStats:
    number: int
    articles: int = 0
    words: int = 0
    pictures: int = 0
    features: dict[str, int] = field(default_factory=dict)


def split_front_matter(text: str) -> tuple[dict, str]:
    m = FRONT_MATTER.match(text)
    if not m:
        raise ValueError("no YAML front matter")
    return yaml.safe_load(m.group(1)), text[m.end():]


def body_words(body: str) -> int:
    """Words of prose: Markdown markers and table rules are not words."""
    text = re.sub(r"^(#{2,3} |> ?|- |\d+\. |::: ?(box )?|\| ?-+.*$)", "", body, flags=re.M)
    return sum(1 for w in text.split() if re.search(r"\w", w))


def validate(root: Path) -> tuple[list[str], list[IssueStats]]:
    from PIL import Image

    problems: list[str] = []
    pub = tomllib.loads((root / "publication.toml").read_text(encoding="utf-8"))
    for key in ("title", "publisher", "language"):
        if key not in pub:
            problems.append(f"publication.toml: no {key}")
    sections = {s["id"] for s in pub.get("sections", [])}
    if not 6 <= len(sections) <= 8:
        problems.append(f"publication.toml: {len(sections)} sections, expected 6-8")
    for page in pub.get("standing-pages", []):
        if not (root / page).is_file():
            problems.append(f"publication.toml: standing page {page} missing")
        else:
            split_front_matter((root / page).read_text(encoding="utf-8"))

    stats = []
    for folder in sorted((root / "issues").iterdir(), key=lambda p: int(p.name)):
        meta = tomllib.loads((folder / "issue.toml").read_text(encoding="utf-8"))
        where = f"{folder.relative_to(root)}/issue.toml"
        st = IssueStats(int(folder.name))
        if meta.get("number") != st.number:
            problems.append(f"{where}: number {meta.get('number')} != folder name")
        if not isinstance(meta.get("date"), dt.date) or not meta.get("headline"):
            problems.append(f"{where}: date or headline missing")
        slugs = set()
        referenced = set()
        for md in sorted(folder.glob("*.md")):
            where = str(md.relative_to(root))
            try:
                fm, body = split_front_matter(md.read_text(encoding="utf-8"))
            except (ValueError, yaml.YAMLError) as e:
                problems.append(f"{where}: {e}")
                continue
            slugs.add(re.sub(r"^\d+-", "", md.stem))
            st.articles += 1
            st.words += body_words(body)
            if not fm.get("title") or fm.get("section") not in sections:
                problems.append(f"{where}: title missing or section {fm.get('section')!r} unknown")
            if isinstance(fm.get("author"), list):
                st.features["two authors"] = st.features.get("two authors", 0) + 1
            if "image" in fm:
                img = fm["image"]
                if not all(img.get(k) for k in ("src", "alt", "caption", "credit")):
                    problems.append(f"{where}: image without src/alt/caption/credit")
                referenced.add(img["src"])
            for src in re.findall(r"!\[[^\]]+\]\(([^ )]+)", body):
                referenced.add(src)
            for name, pattern in (("tables", r"^\| ---"), ("footnotes", r"^\[\^1\]:"), ("boxes", r"^::: box "),
                                  ("quotes", r"^> "), ("lists", r"^(- |1\. )"), ("subheadings", r"^## ")):
                if re.search(pattern, body, re.M):
                    st.features[name] = st.features.get(name, 0) + 1
        if meta.get("cover-article") not in slugs:
            problems.append(f"{folder.name}: cover-article {meta.get('cover-article')!r} is no article")
        for src in sorted(referenced):
            path = folder / src
            try:
                with Image.open(path) as im:
                    im.verify()
                    if im.format != "JPEG":
                        problems.append(f"{path}: {im.format}, expected JPEG")
            except Exception as e:  # any failure to open is the problem we report
                problems.append(f"{path}: {e}")
        st.pictures = len(list((folder / "images").glob("*.jpg")))
        if st.pictures != len(referenced):
            problems.append(f"{folder.name}: {st.pictures} pictures on disk, {len(referenced)} referenced")
        stats.append(st)
    return problems, stats


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m bench.validate PUB_DIR", file=sys.stderr)
        return 2
    problems, stats = validate(Path(args[0]))
    for st in stats[:5]:
        print(f"issue {st.number}: {st.articles} articles, {st.words} words, {st.pictures} pictures, {st.features}")
    if len(stats) > 5:
        print(f"… {len(stats) - 5} more issues; words per issue "
              f"{min(s.words for s in stats)}–{max(s.words for s in stats)}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
