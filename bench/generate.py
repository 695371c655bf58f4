"""A seed and a size in, a synthetic publication folder (SPEC.md source format) out.

    python -m bench.generate OUT_DIR --issues N [--seed S] [--articles 25]
        [--words 20000] [--pictures 8] [--first-number 1000]
        [--layouts-from DIR | --no-layouts]

Same arguments give a byte-identical tree. Each issue draws from its own
Random (seeded from the seed and the issue number), so issue 1000 is the same
whether 1 or 50 issues are generated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import random
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

if not __package__:  # run as a file (python path/to/bench/generate.py) from any folder: find the bench package
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import words as W  # noqa: E402
from bench.prose import KEYWORDS, KICKERS, PLACES, Prose, slugify  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
FIRST_DATE = dt.date(2001, 1, 3)
TITLE = "The Benchmark Weekly"
SLUG = "benchmark-weekly"
PICTURE_SIZE = (1600, 1067)
POOL_SIZE = 12


def q(text: str) -> str:
    """A double-quoted scalar valid in both TOML and YAML."""
    return json.dumps(text, ensure_ascii=False)


# -- pictures --------------------------------------------------------------------------


def make_picture(rng: random.Random, size: tuple[int, int]) -> bytes:
    """A JPEG with photo-like structure and grain, so it compresses like a photograph."""
    from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

    w, h = size

    def colour() -> tuple[int, int, int]:
        return (rng.randrange(256), rng.randrange(256), rng.randrange(256))

    img = ImageOps.colorize(Image.linear_gradient("L").resize(size), colour(), colour())
    draw = ImageDraw.Draw(img)
    horizon = int(h * rng.uniform(0.45, 0.7))
    draw.rectangle((0, horizon, w, h), fill=colour())
    for _ in range(rng.randint(3, 8)):  # buildings
        x = rng.randrange(w)
        bw, bh = rng.randint(w // 12, w // 4), rng.randint(h // 8, h // 2)
        draw.rectangle((x, horizon - bh, x + bw, horizon), fill=colour())
    for _ in range(rng.randint(20, 60)):  # a crowd: heads and bodies
        x, y = rng.randrange(w), rng.randint(horizon - h // 10, h)
        s = int(h * rng.uniform(0.03, 0.08) * (0.5 + y / h))
        c = colour()
        draw.ellipse((x - s // 2, y - 2 * s, x + s // 2, y - s), fill=(230, 190, 160))
        draw.rounded_rectangle((x - s, y - s, x + s, y + 2 * s), radius=s // 3, fill=c)
    if rng.random() < 0.7:  # a banner
        x, y = rng.randrange(w // 2), rng.randint(h // 4, horizon)
        draw.rectangle((x, y, x + w // 3, y + h // 12), fill=colour(), outline=(255, 255, 255), width=6)
    img = img.filter(ImageFilter.GaussianBlur(rng.uniform(1.0, 3.0)))
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).point(lambda v: v >> 4)
    img = ImageChops.add(img, Image.merge("RGB", (grain, grain, grain)), offset=-8)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def make_picture_pool(seed: int, count: int) -> list[bytes]:
    rng = random.Random(f"pictures:{seed}")
    w, h = PICTURE_SIZE
    # One in six is portrait, as press photos sometimes are.
    return [make_picture(rng, (h, w) if i % 6 == 5 else (w, h)) for i in range(count)]


# -- articles --------------------------------------------------------------------------


@dataclass
class Picture:
    src: str
    alt: str
    caption: str
    credit: str


@dataclass
class Article:
    slug: str
    section: str
    words: int
    title: str = ""
    lead_image: Picture | None = None
    inline_image: Picture | None = None
    box: bool = False


def picture_text(p: Prose) -> tuple[str, str, str]:
    r = p.rng
    who = r.choice(["Workers", "Strikers", "Protesters", "Campaigners", "Residents", "Students"])
    doing = r.choice(["on a picket line", "marching", "at a rally", "outside the town hall", "with placards"])
    alt = f"{who} {doing} in {r.choice(PLACES)}"
    caption = p.phrase(4, 10)
    caption = caption[0].upper() + caption[1:]
    credit = r.choice([f"Photo: {p.name()}", r.choice(W.CREDITS)])
    return alt, caption, credit


def list_block(p: Prose) -> tuple[str, int]:
    ordered = p.rng.random() < 0.3
    items = [p.clause() for _ in range(p.rng.randint(3, 7))]
    lines = [f"{i + 1}. " if ordered else "- " for i in range(len(items))]
    text = "\n".join(m + it[0].upper() + it[1:] for m, it in zip(lines, items, strict=True))
    return text, sum(len(i.split()) for i in items)


def table_block(p: Prose) -> tuple[str, int]:
    r = p.rng
    rows = ["| Workplace | Union | Members | Vote for action |", "| --- | --- | ---: | ---: |"]
    words = 9
    for _ in range(r.randint(3, 8)):
        rows.append(f"| {r.choice(PLACES)} {r.choice(['depot', 'hospital', 'council', 'warehouse', 'college'])} "
                    f"| {r.choice(W.UNIONS)} | {r.randint(40, 4000):,} | {r.randint(55, 99)}% |")
        words += 5
    return "\n".join(rows), words


def quote_block(p: Prose) -> tuple[str, int]:
    text = p.paragraph(p.rng.randint(20, 60))
    if p.rng.random() < 0.5:
        text += f"\n>\n> – {p.name()}, {p.rng.choice(W.UNIONS)} rep"
    return "> " + text, len(text.split())


def box_block(p: Prose) -> tuple[str, int]:
    title = p.rng.choice(W.BOX_TITLES)
    parts = [p.paragraph(p.rng.randint(30, 70)) for _ in range(p.rng.randint(1, 3))]
    if p.rng.random() < 0.5:
        parts.append(list_block(p)[0])
    body = "\n\n".join(parts)
    return f"::: box {title}\n\n{body}\n\n:::", len(body.split()) + len(title.split())


def article_body(p: Prose, a: Article) -> str:
    """Markdown body of about a.words words, with the structures the brief asks for."""
    r = p.rng
    extras: list[tuple[str, int]] = []
    if a.words > 300 and r.random() < 0.8:
        extras.append(quote_block(p))
    if a.words > 400 and r.random() < 0.5:
        extras.append(list_block(p))
    if a.words > 600 and r.random() < 0.15:
        extras.append(table_block(p))
    if a.inline_image:
        img = a.inline_image
        extras.append((f'![{img.alt}]({img.src} "{img.caption} ({img.credit})")', len(img.alt.split())))
    box = box_block(p) if a.box else None
    footnote = r.random() < 0.2

    budget = a.words - sum(n for _, n in extras) - (box[1] if box else 0)
    paragraphs: list[str] = []
    while budget > 0 or not paragraphs:
        n = min(max(budget, 25), r.randint(40, 130))
        text = p.paragraph(n)
        paragraphs.append(text)
        budget -= len(text.split())
    if footnote:
        i = r.randrange(len(paragraphs))
        paragraphs[i] = paragraphs[i][:-1] + "[^1]" + paragraphs[i][-1]

    # Subheadings every few paragraphs in longer pieces (none before the second paragraph).
    blocks: list[str] = []
    since = 0
    level = ""
    for i, para in enumerate(paragraphs):
        if i >= 2 and len(paragraphs) >= 5 and since >= r.randint(3, 5):
            level = "###" if level and r.random() < 0.15 else "##"
            blocks.append(f"{level} {p.title()}")
            since = 0
        blocks.append(para)
        since += 1
    for extra, _ in extras:
        blocks.insert(r.randint(min(2, len(blocks)), len(blocks)), extra)
    if box:
        blocks.insert(r.choice([len(blocks), max(1, len(blocks) // 2)]), box[0])
    if footnote:
        blocks.append(f"[^1]: Figures from the {r.choice(W.UNIONS)} {r.choice(['survey', 'report', 'ballot'])}, "
                      f"{r.randint(1, 28)} {r.choice(['March', 'June', 'October'])}.")
    return "\n\n".join(blocks) + "\n"


def front_matter(p: Prose, a: Article) -> str:
    r = p.rng
    lines = [f"title: {q(a.title)}"]
    if r.random() < 0.6:
        lines.append(f"kicker: {q(r.choice(KICKERS))}")
    lines.append(f"standfirst: {q(p.standfirst())}")
    if a.section != "what-we-think":  # editorials are unsigned
        roll = r.random()
        if roll < 0.12:
            lines.append(f"author: [{q(p.name())}, {q(p.name())}]")
        elif roll < 0.95:
            lines.append(f"author: {q(p.name())}")
        if roll < 0.95 and r.random() < 0.85:
            body = r.choice(["Socialist Party", "branch", "trades council"])
            lines.append(f"affiliation: {q(r.choice(PLACES) + ' ' + body)}")
    lines.append(f"section: {a.section}")
    kws = r.sample(KEYWORDS, r.randint(2, 6))
    lines.append("keywords: [" + ", ".join(q(k) for k in kws) + "]")
    if a.lead_image:
        img = a.lead_image
        lines += ["image:", f"  src: {q(img.src)}", f"  alt: {q(img.alt)}",
                  f"  caption: {q(img.caption)}", f"  credit: {q(img.credit)}"]
    return "---\n" + "\n".join(lines) + "\n---\n"


# -- issues ----------------------------------------------------------------------------


def plan_issue(p: Prose, sections: list[str], articles: int, words: int,
               pictures: int) -> tuple[list[Article], Article]:
    """Which article goes in which section, how long it is, which carries a picture or a box;
    and which is the cover story."""
    r = p.rng
    n_editorial = min(articles, 1 if articles < 10 else 2)
    secs = ["what-we-think"] * n_editorial + [r.choice(sections[1:]) for _ in range(articles - n_editorial)]
    order = {s: i for i, s in enumerate(sections)}
    secs.sort(key=order.__getitem__)
    weights = [r.choice([0.4, 0.6, 0.8, 1.0, 1.0, 1.3, 1.8, 2.4]) for _ in secs]
    total = sum(weights)
    plan: list[Article] = []
    used: set[str] = set()
    for sec, wgt in zip(secs, weights, strict=True):
        title = p.title()
        slug = slugify(title)
        while slug in used:
            slug += "-2"
        used.add(slug)
        plan.append(Article(slug=slug, section=sec, words=max(60, round(words * wgt / total)), title=title))

    candidates = [a for a in plan if a.section != "what-we-think"] or plan
    cover = max(candidates, key=lambda a: a.words)  # the cover story is the longest news piece
    rest = [a for a in plan if a is not cover]
    leads = [cover] + r.sample(rest, min(len(rest), max(0, pictures - 2)))
    for a in leads[:pictures]:
        alt, caption, credit = picture_text(p)
        a.lead_image = Picture(f"images/{a.slug}.jpg", alt, caption, credit)
    if pictures >= 2:
        others = [a for a in rest if a.lead_image is None and a.words > 300] or rest
        if others:
            a = r.choice(others)
            alt, caption, credit = picture_text(p)
            a.inline_image = Picture(f"images/{a.slug}-photo.jpg", alt, caption, credit)
    for a in r.sample(plan, min(len(plan), 3)):
        a.box = True
    plan[0].box = plan[0].box or plan[0].section == "what-we-think"
    return plan, cover


def write_issue(root: Path, number: int, date: dt.date, seed: int, sections: list[str],
                pool: list[bytes], articles: int, words: int, pictures: int) -> int:
    """Write issues/<number>/; return its body word count."""
    r = random.Random(f"issue:{seed}:{number}")
    p = Prose(r)
    folder = root / "issues" / str(number)
    (folder / "images").mkdir(parents=True, exist_ok=True)
    plan, cover = plan_issue(p, sections, articles, words, pictures)
    headline = p.title()
    toml = [f"number = {number}", f"date = {date.isoformat()}", f"headline = {q(headline)}",
            f"cover-article = {q(cover.slug)}"]
    (folder / "issue.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")

    picks = r.sample(range(len(pool)), min(pictures, len(pool))) if pool else []
    images = [a.lead_image for a in plan if a.lead_image] + [a.inline_image for a in plan if a.inline_image]
    for k, img in enumerate(images):
        (folder / img.src).write_bytes(pool[picks[k % len(picks)]])

    total = 0
    for i, a in enumerate(plan, start=1):
        body = article_body(p, a)
        total += len(body.split())
        text = front_matter(p, a) + "\n" + body
        (folder / f"{i:02d}-{a.slug}.md").write_text(text, encoding="utf-8")
    return total


def write_publication(root: Path, rng: random.Random) -> list[str]:
    """publication.toml and pages/; return the section ids in print order."""
    n = rng.randint(6, 8)
    chosen = [W.SECTIONS[0]] + sorted(rng.sample(W.SECTIONS[1:], n - 1), key=W.SECTIONS.index)
    lines = [
        f"title = {q(TITLE)}",
        f"slug = {q(SLUG)}",
        f"tagline = {q('Weekly paper of the benchmark campaign')}",
        f"publisher = {q('Benchmark Press')}",
        'language = "en-GB"',
        'url = "https://example.org/benchmark-weekly/"',
        'issn = "1234-5679"',
        'layout = "default"',
        'standing-pages = ["pages/join.md"]',
        "",
    ]
    for sid, stitle in chosen:
        lines += ["[[sections]]", f"id = {q(sid)}", f"title = {q(stitle)}", ""]
    lines += ["[print]", 'page-size = "A4"', 'bleed = "3mm"', "columns = 3"]
    (root / "publication.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    pages = root / "pages"
    pages.mkdir(exist_ok=True)
    (pages / "join.md").write_text(JOIN_PAGE, encoding="utf-8")
    return [sid for sid, _ in chosen]


JOIN_PAGE = """\
---
title: "Join us"
---
The Benchmark Weekly is written by its readers: workers, students and campaigners
who report on the struggles they take part in.

## Why join?

- Fight the cuts in your workplace and your community
- Build a mass party that stands for working-class people
- Help write, sell and fund this paper

## How to join

Fill in the form at the back of this issue, or write to us at Benchmark Press,
PO Box 1, London E1 1AA. Membership costs what you can afford.

> Nothing changes unless we organise to change it.
"""


def copy_layouts(src: Path, out: Path) -> list[str]:
    """Copy src/layouts and src/fonts into out; return the names copied."""
    copied = []
    for name in ("layouts", "fonts"):
        if (src / name).is_dir():
            shutil.copytree(src / name, out / name, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            copied.append(name)
    return copied


_AUTO = object()


def generate(out: Path, issues: int, seed: int = 1, *, articles: int = 25, words: int = 20000,
             pictures: int = 8, first_number: int = 1000, layouts_from: Path | None | object = _AUTO) -> Path:
    """Write a synthetic publication into `out` (created or emptied) and return `out`.

    layouts_from: a folder whose layouts/ and fonts/ are copied in; by default the
    repository root when it has layouts/; None copies nothing.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        if not (out / "publication.toml").exists():
            raise FileExistsError(f"{out}: not empty and not a publication; refusing to overwrite")
        for child in ("issues", "pages", "layouts", "fonts", "dist", "publication.toml"):
            path = out / child
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)

    sections = write_publication(out, random.Random(f"publication:{seed}"))
    pool = make_picture_pool(seed, min(POOL_SIZE, max(pictures, 1))) if pictures else []
    for k in range(issues):
        date = FIRST_DATE + dt.timedelta(weeks=k)
        write_issue(out, first_number + k, date, seed, sections, pool, articles, words, pictures)

    if layouts_from is _AUTO:
        layouts_from = REPO_ROOT if (REPO_ROOT / "layouts").is_dir() else None
    if layouts_from is not None:
        copy_layouts(Path(layouts_from), out)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, metavar="OUT_DIR")
    ap.add_argument("--issues", type=int, required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--articles", type=int, default=25)
    ap.add_argument("--words", type=int, default=20000, help="body words per issue, in total")
    ap.add_argument("--pictures", type=int, default=8)
    ap.add_argument("--first-number", type=int, default=1000)
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--layouts-from", type=Path, metavar="DIR",
                   help="copy DIR/layouts and DIR/fonts (default: the repository root, if it has layouts/)")
    g.add_argument("--no-layouts", action="store_true", help="copy no layouts or fonts")
    args = ap.parse_args(argv)
    if args.issues < 1 or args.articles < 1 or args.words < 0 or args.pictures < 0:
        ap.error("--issues and --articles must be at least 1; --words and --pictures not negative")
    layouts: Path | None | object = _AUTO
    if args.no_layouts:
        layouts = None
    elif args.layouts_from:
        if not (args.layouts_from / "layouts").is_dir():
            ap.error(f"--layouts-from {args.layouts_from}: it has no layouts/ folder")
        layouts = args.layouts_from
    t0 = time.perf_counter()
    try:
        generate(args.out, args.issues, args.seed, articles=args.articles, words=args.words,
                 pictures=args.pictures, first_number=args.first_number, layouts_from=layouts)
    except FileExistsError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(f"{args.out}: {args.issues} issue(s) in {time.perf_counter() - t0:.2f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
