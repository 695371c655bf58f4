#!/usr/bin/env python3
"""Check the demo publication against shared/SPEC.md's source format.

    python3 demo/check_demo.py          (needs PyYAML, Pillow and fontTools)

Checks that publication.toml and every issue.toml parse, that every
article's and standing page's front matter parses and has what the SPEC
requires, that section ids exist, that cover-article and order name real
slugs, that every picture (lead and in-body) exists inside its issue and
opens, that every picture has alt text, and that every character used in
the sources -- plus what the typography step makes of them (curly quotes,
dashes, ellipsis, non-breaking space) -- has a glyph in every font in fonts/.
Exits 1 on any problem.
"""
from __future__ import annotations

import re
import sys
import tomllib
import unicodedata
from pathlib import Path

import yaml
from fontTools.ttLib import TTFont
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
problems: list[str] = []
# What the typography step adds to straight ASCII sources, and symbols the
# layouts may print (prices, temperatures) even where the demo does not.
TYPOGRAPHY = "\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00a0\u202f£€°×"


def fail(path: Path, msg: str) -> None:
    problems.append(f"{path.relative_to(ROOT)}: {msg}")


def front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    m = re.match(r"^---\n(.*?)\n---\n(.*)$", text, re.S)
    if not m:
        fail(path, "no YAML front matter")
        return {}, text
    data = yaml.safe_load(m.group(1))
    if not isinstance(data, dict):
        fail(path, "front matter is not a mapping")
        return {}, m.group(2)
    return data, m.group(2)


def check_picture(issue_dir: Path, src: str, where: Path) -> None:
    p = (issue_dir / src).resolve()
    if not p.is_relative_to(issue_dir.resolve()) and not p.is_relative_to(ROOT.resolve()):
        fail(where, f"picture {src} lies outside the issue and the publication")
    if not p.is_file():
        fail(where, f"picture {src} does not exist")
        return
    if p.suffix == ".svg":
        svg = p.read_text(encoding="utf-8")
        if re.search(r"<script|href\s*=\s*['\"](?!#)|on\w+\s*=", svg, re.I):
            fail(where, f"{src} is not a simple safe SVG")
        return
    with Image.open(p) as im:
        im.verify()


def main() -> int:
    pub = tomllib.loads((ROOT / "publication.toml").read_text(encoding="utf-8"))
    for key in ("title", "publisher", "language"):
        if key not in pub:
            fail(ROOT / "publication.toml", f"missing {key}")
    issn = pub.get("issn", "")
    digits = issn.replace("-", "")
    total = sum(int(d) * w for d, w in zip(digits[:7], range(8, 1, -1)))
    check = (11 - total % 11) % 11
    if digits[7:] != ("X" if check == 10 else str(check)):
        fail(ROOT / "publication.toml", f"ISSN {issn} has a wrong check digit")
    sections = [s["id"] for s in pub["sections"]]
    texts: list[str] = [(ROOT / "publication.toml").read_text(encoding="utf-8")]

    for rel in pub.get("standing-pages", []):
        page = ROOT / rel
        if not page.is_file():
            fail(ROOT / "publication.toml", f"standing page {rel} missing")
            continue
        fm, _ = front_matter(page)
        if "title" not in fm:
            fail(page, "no title")
        texts.append(page.read_text(encoding="utf-8"))

    n_articles = 0
    for issue_dir in sorted((ROOT / "issues").iterdir()):
        toml_path = issue_dir / "issue.toml"
        issue = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        texts.append(toml_path.read_text(encoding="utf-8"))
        if issue.get("number") != int(issue_dir.name):
            fail(toml_path, "number differs from the folder name")
        if type(issue.get("date")).__name__ != "date":
            fail(toml_path, "date is not a TOML date")
        if not issue.get("headline"):
            fail(toml_path, "no headline")
        slugs = {}
        for md in sorted(issue_dir.glob("*.md")):
            n_articles += 1
            slug = re.sub(r"^\d+-", "", md.stem)
            slugs[slug] = md
            fm, body = front_matter(md)
            texts.append(md.read_text(encoding="utf-8"))
            for key in ("title", "section"):
                if key not in fm:
                    fail(md, f"no {key}")
            if fm.get("section") not in sections:
                fail(md, f"section {fm.get('section')!r} is not in publication.toml")
            author = fm.get("author")
            if author is not None and not (isinstance(author, str) or all(isinstance(a, str) for a in author)):
                fail(md, "author must be a string or a list of strings")
            if not isinstance(fm.get("keywords", []), list):
                fail(md, "keywords must be a list")
            if "image" in fm:
                img = fm["image"]
                if not img.get("alt"):
                    fail(md, "image without alt text")
                check_picture(issue_dir, img["src"], md)
            for alt, src in re.findall(r"!\[([^\]]*)\]\(([^\s)]+)", body):
                if not alt.strip():
                    fail(md, f"in-body picture {src} has no alt text")
                check_picture(issue_dir, src, md)
            words = len(body.split())
            if not 300 <= words <= 900:
                fail(md, f"body has {words} words (want 300-900)")
        if "cover-article" in issue and issue["cover-article"] not in slugs:
            fail(toml_path, f"cover-article {issue['cover-article']!r} is no article slug")
        if "cover-image" in issue:
            check_picture(issue_dir, issue["cover-image"], toml_path)
        for slug in issue.get("order", []):
            if slug not in slugs:
                fail(toml_path, f"order names {slug!r}, which is no article slug")
        if "order" in issue and set(issue["order"]) != set(slugs):
            fail(toml_path, "order does not list every article")

    used = set("".join(texts)) | set(TYPOGRAPHY)
    used = {c for c in used if not unicodedata.category(c).startswith("C")}  # no \n etc.
    fonts = sorted((ROOT / "fonts").glob("*.ttf")) + sorted((ROOT / "fonts").glob("*.otf"))
    print(f"{n_articles} articles; {len(used)} distinct characters; "
          f"non-ASCII: {''.join(sorted(c for c in used if ord(c) > 126))}")
    for f in fonts:
        cmap = TTFont(f, lazy=True).getBestCmap()
        missing = sorted(c for c in used if ord(c) not in cmap)
        status = "all present" if not missing else "MISSING " + " ".join(f"U+{ord(c):04X}" for c in missing)
        print(f"  {f.name}: {status}")
        if missing:
            fail(f, f"no glyph for {' '.join(missing)}")

    for p in problems:
        print("PROBLEM:", p)
    print("OK" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
