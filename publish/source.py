"""Source files (publication.toml, issue.toml, articles) → model objects and located problems.

Every reader collects all the problems it finds and keeps going, so that an
editor sees the whole list at once; nothing here raises for a user's mistake.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from publish import markdown, schema
from publish.errors import Problem, rel
from publish.model import Article, Issue, Picture, Publication, PrintSettings, Section
from publish.pictures import check_picture
from publish.typography import smarten

MAX_SOURCE_BYTES = 8 * 1024 * 1024
_PREFIX = re.compile(r"^\d+-")


@dataclass
class Report:
    """The problems found while reading, in the order found."""

    root: Path
    problems: list[Problem] = field(default_factory=list)

    def add(self, path: Path | str, line: int | None, message: str, hint: str = "",
            severity: str = "error") -> None:
        where = path if isinstance(path, str) else rel(path, self.root)
        self.problems.append(Problem(where, line, message, hint, severity))

    def warn(self, path: Path | str, line: int | None, message: str, hint: str = "") -> None:
        self.add(path, line, message, hint, "warning")

    def extend(self, problems: list[Problem]) -> None:
        self.problems.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]


# --- text files ---------------------------------------------------------------------------


def read_text(path: Path, report: Report) -> str | None:
    """A source file as text: UTF-8 (a BOM is fine), LF line ends; None after reporting why not."""
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(report.root.resolve()):
            report.add(path, None, "the file is a link to something outside the publication folder",
                       "copy the file itself into the folder")
            return None
        if not real.is_file():
            report.add(path, None, "not a regular file", "replace it with a text file")
            return None
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            report.add(path, None, f"the file is {size // 2**20} MB, over the 8 MB limit for a source file",
                       "split it, or move pictures and data out of it")
            return None
        data = path.read_bytes()
    except OSError as exc:
        report.add(path, None, f"cannot read the file ({exc.strerror})", "check that it exists and is readable")
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        report.add(path, line, f"the file is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                   "save it as UTF-8 in your editor")
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        report.add(path, line, "the file contains a NUL byte", "save it again as plain UTF-8 text")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def key_line(text: str, key: str, after: int = 0) -> int | None:
    """The line of `key = …` in TOML text, in the table that starts at line `after` (0: the top level)."""
    pattern = re.compile(rf'^\s*("?){re.escape(key)}\1\s*=')
    for number, line in enumerate(text.split("\n")[after:], start=after + 1):
        if re.match(r"^\s*\[", line):  # the next table begins
            break
        if pattern.match(line):
            return number
    return None


def table_lines(text: str, header: str) -> list[int]:
    """The lines of every `[header]` or `[[header]]` in TOML text."""
    pattern = re.compile(rf"^[ \t]*\[\[?[ \t]*{re.escape(header)}[ \t]*\]\]?", re.M)
    return [text.count("\n", 0, m.start()) + 1 for m in pattern.finditer(text)]


def load_toml(path: Path, report: Report) -> tuple[dict, str] | None:
    text = read_text(path, report)
    if text is None:
        return None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else None
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc)) or "invalid TOML"
        report.add(path, line, f"invalid TOML: {message}",
                   "fix the syntax (strings need quotes, dates look like 2020-12-02)")
        return None


def unknown_keys(data: dict, known: tuple[str, ...], report: Report, path: Path,
                 line_of, what: str) -> None:
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else f"known {what} keys: {', '.join(known)}"
        report.warn(path, line_of(key), f"unknown key {key!r}", hint)


# --- publication.toml ---------------------------------------------------------------------


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "publication"


def read_publication(root: Path, report: Report) -> Publication | None:
    """Read publication.toml; None when it is too broken to go on."""
    path = root / "publication.toml"
    if not path.is_file():
        report.add("publication.toml", None, "no publication.toml in " + str(root),
                   "run publish in the publication's folder, or give --root DIR")
        return None
    loaded = load_toml(path, report)
    if loaded is None:
        return None
    data, text = loaded
    line = lambda key: key_line(text, key)  # noqa: E731
    unknown_keys(data, schema.PUBLICATION_KEYS, report, path, line, "publication.toml")
    values = schema.check_fields(data, schema.PUBLICATION_FIELDS, report, path, line)

    language = values.get("language") or "en"
    if values.get("language") and not schema.BCP47.match(language):
        report.add(path, line("language"), f"language {language!r} is not a BCP 47 tag",
                   'write e.g. "en-GB", "de" or "pt-BR"')
    slug = values.get("slug") or slugify(values.get("title") or "")
    if values.get("slug") and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        report.add(path, line("slug"), f"slug {slug!r} may hold only a-z, 0-9 and hyphens",
                   f'write e.g. slug = "{slugify(slug)}"')
    url = values.get("url") or ""
    if url and not re.match(r"^https?://[^\s/]+", url):
        report.add(path, line("url"), f"url {url!r} is not an http(s) address",
                   'write e.g. url = "https://example.org/"')
    elif url and not url.endswith("/"):
        url += "/"
    issn = values.get("issn") or ""
    if issn:
        problem = schema.issn_problem(issn)
        if problem:
            report.add(path, line("issn"), problem, "copy the ISSN exactly from its registration")
    layout = values.get("layout") or "default"
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", layout) or layout.startswith("."):
        report.add(path, line("layout"), f"layout {layout!r} is not a folder name", 'write e.g. layout = "default"')
        layout = "default"
    elif layout != "default" and not (root / "layouts" / layout).is_dir():
        report.add(path, line("layout"), f"layout {layout!r} not found: there is no layouts/{layout}/",
                   'create that folder or write layout = "default"')

    sections = tuple(Section(s.id, smarten(s.title, language))
                     for s in _read_sections(data.get("sections"), text, path, report))
    print_settings = _read_print(data.get("print"), text, path, report)
    standing = tuple(values.get("standing-pages") or ())
    for index, page in enumerate(standing):
        page_path = root / page
        if ".." in Path(page).parts or Path(page).is_absolute() or not page.endswith(".md"):
            report.add(path, line("standing-pages"), f"standing page {page!r} must be a .md file inside the publication",
                       'write e.g. "pages/join.md"')
        elif not page_path.is_file():
            report.add(path, line("standing-pages"), f"standing page {page!r} does not exist",
                       f"create {page} or remove it from standing-pages")
    return Publication(
        root=root, title=smarten(values.get("title") or "", language), slug=slug,
        publisher=values.get("publisher") or "", language=language, sections=sections,
        tagline=smarten(values.get("tagline") or "", language), url=url, issn=issn, layout=layout,
        standing_pages=standing, print=print_settings,
    )


def _read_sections(raw, text: str, path: Path, report: Report) -> tuple[Section, ...]:
    lines = table_lines(text, "sections")
    if raw is None:
        report.add(path, None, "no [[sections]] given", 'add at least one: [[sections]] id = "news" title = "News"')
        return ()
    if not isinstance(raw, list) or not all(isinstance(s, dict) for s in raw):
        report.add(path, key_line(text, "sections"), "sections must be a list of [[sections]] tables",
                   'write each as [[sections]] with id = "…" and title = "…"')
        return ()
    sections, seen = [], set()
    for index, entry in enumerate(raw):
        start = lines[index] if index < len(lines) else None
        at = lambda key: key_line(text, key, start) if start else None  # noqa: E731
        unknown_keys(entry, ("id", "title"), report, path, at, "[[sections]]")
        section_id, title = entry.get("id"), entry.get("title")
        if not isinstance(section_id, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]*", section_id or ""):
            report.add(path, at("id") or start, f"section {index + 1} needs an id of a-z, 0-9 and hyphens",
                       'write e.g. id = "what-we-think"')
            continue
        if section_id in seen:
            report.add(path, at("id") or start, f"section id {section_id!r} is used twice", "give each section its own id")
        seen.add(section_id)
        if not isinstance(title, str) or not title.strip():
            report.add(path, at("title") or start, f"section {section_id!r} needs a title", 'write e.g. title = "News"')
            title = section_id
        sections.append(Section(section_id, title.strip()))
    return tuple(sections)


def _read_print(raw, text: str, path: Path, report: Report) -> PrintSettings:
    if raw is None:
        return PrintSettings()
    start = (table_lines(text, "print") or [0])[0]
    at = lambda key: key_line(text, key, start)  # noqa: E731
    if not isinstance(raw, dict):
        report.add(path, key_line(text, "print"), "print must be a table", "write it as [print]")
        return PrintSettings()
    unknown_keys(raw, ("page-size", "bleed", "columns"), report, path, at, "[print]")
    settings = PrintSettings()
    page_size = raw.get("page-size", settings.page_size)
    if not isinstance(page_size, str) or not schema.PAGE_SIZE.match(page_size.strip()):
        report.add(path, at("page-size"), f"page-size {page_size!r} is not a CSS page size",
                   'write e.g. "A4", "A3 landscape" or "289mm 380mm"')
        page_size = settings.page_size
    bleed = raw.get("bleed", settings.bleed)
    if not isinstance(bleed, str) or not schema.LENGTH.fullmatch(bleed.strip()):
        report.add(path, at("bleed"), f"bleed {bleed!r} is not a length", 'write e.g. "3mm"')
        bleed = settings.bleed
    columns = raw.get("columns", settings.columns)
    if not isinstance(columns, int) or isinstance(columns, bool) or not 1 <= columns <= 8:
        report.add(path, at("columns"), f"columns {columns!r} must be a whole number from 1 to 8", "write e.g. columns = 3")
        columns = settings.columns
    return PrintSettings(page_size=page_size.strip(), bleed=bleed.strip(), columns=columns)


# --- articles -------------------------------------------------------------------------------


def article_slug(path: Path) -> str:
    return unicodedata.normalize("NFC", _PREFIX.sub("", path.stem, count=1))


def split_front_matter(text: str, path: Path, report: Report) -> tuple[dict, dict, str, int] | None:
    """(front matter, line of each key, body, body's first line), or None after reporting."""
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != "---":
        report.add(path, 1, "the file does not start with front matter",
                   "begin it with a line '---', then title: …, section: …, then a line '---'")
        return None
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
    if end is None:
        report.add(path, 1, "the front matter is never closed", "end it with a line '---' before the body")
        return None
    raw = "\n".join(lines[1:end])
    try:
        node = yaml.compose(raw, Loader=yaml.SafeLoader)
        data = yaml.load(raw, Loader=yaml.SafeLoader) if node is not None else {}
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 2 if mark else 1
        report.add(path, line, f"invalid YAML front matter: {exc.problem or exc}",
                   "check the quotes and indentation (a title with ': ' needs quotes)")
        return None
    except yaml.YAMLError as exc:
        report.add(path, 1, f"invalid YAML front matter: {exc}", "check the quotes and indentation")
        return None
    if not isinstance(data, dict):
        report.add(path, 2, "the front matter must be a list of `key: value` lines",
                   "write e.g. title: \"…\" and section: news")
        return None
    key_lines: dict = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            if key in key_lines:
                report.add(path, key_node.start_mark.line + 2, f"key {key!r} is given twice",
                           "keep one of them")
            key_lines[key] = key_node.start_mark.line + 2
            if isinstance(value_node, yaml.MappingNode):
                for sub_key, _ in value_node.value:
                    key_lines[f"{key}.{sub_key.value}"] = sub_key.start_mark.line + 2
    return data, key_lines, "\n".join(lines[end + 1:]), end + 2


def read_article(path: Path, pub: Publication, report: Report, *, base: Path,
                 standing: bool = False) -> Article | None:
    text = read_text(path, report)
    if text is None:
        return None
    split = split_front_matter(text, path, report)
    if split is None:
        return None
    data, key_lines, body, body_line = split
    line = lambda key: key_lines.get(key, 1)  # noqa: E731
    unknown_keys(data, schema.ARTICLE_KEYS, report, path, line, "front matter")
    fields = schema.STANDING_FIELDS if standing else schema.ARTICLE_FIELDS
    values = schema.check_fields(data, fields, report, path, line)
    lang = pub.language

    section = values.get("section") or ""
    if section and not standing and pub.sections and pub.section(section) is None:
        close = difflib.get_close_matches(section, [s.id for s in pub.sections], n=1)
        hint = f"did you mean {close[0]!r}?" if close else "use one of: " + ", ".join(s.id for s in pub.sections)
        report.add(path, line("section"), f"unknown section {section!r}", hint)

    image = None
    raw_image = data.get("image")
    if raw_image is not None:
        image = _read_lead_image(raw_image, path, pub, report, base, key_lines)

    pictures = _body_pictures(body, body_line, path, pub, report, base)
    _check_body(body, body_line, path, report, standing)
    return Article(
        slug=article_slug(path), source=path,
        title=smarten(values.get("title") or "", lang), section=section,
        kicker=smarten(values.get("kicker") or "", lang),
        standfirst=smarten(values.get("standfirst") or "", lang),
        authors=tuple(smarten(a, lang) for a in values.get("author") or ()),
        affiliation=smarten(values.get("affiliation") or "", lang),
        keywords=tuple(values.get("keywords") or ()),
        image=image, body=body, body_line=body_line, pictures=pictures, standing=standing,
    )


def _read_lead_image(raw, path: Path, pub: Publication, report: Report, base: Path,
                     key_lines: dict) -> Picture | None:
    at = key_lines.get("image", 1)
    if isinstance(raw, str):
        report.add(path, at, "image must have src and alt", "write image: then indented src: …, alt: …, caption: …, credit: …")
        return None
    if not isinstance(raw, dict):
        report.add(path, at, "image must be a mapping of src, alt, caption and credit", "indent src: and alt: under image:")
        return None
    for key in raw:
        if key not in schema.IMAGE_KEYS:
            close = difflib.get_close_matches(str(key), schema.IMAGE_KEYS, n=1)
            report.warn(path, key_lines.get(f"image.{key}", at), f"unknown image key {key!r}",
                        f"did you mean {close[0]!r}?" if close else "use src, alt, caption, credit")
    texts = {}
    for key in ("caption", "credit"):
        value = raw.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            report.add(path, key_lines.get(f"image.{key}", at), f"image {key} must be text", "put it in quotes")
            value = ""
        texts[key] = smarten(value.strip(), pub.language)
    picture, problems = check_picture(
        raw.get("src"), alt=raw.get("alt"), base=base, root=pub.root, source=path,
        line=key_lines.get("image.src", at), caption=texts["caption"], credit=texts["credit"],
        what="image",
    )
    report.extend(problems)
    if picture:
        picture = Picture(picture.src, picture.path, smarten(picture.alt, pub.language),
                          picture.caption, picture.credit, picture.line)
    return picture


def _body_pictures(body: str, body_line: int, path: Path, pub: Publication, report: Report,
                   base: Path) -> tuple[Picture, ...]:
    pictures: dict[str, Picture] = {}
    line = body_line
    limit = markdown.parser(pub.language).options["maxNesting"] - 1
    too_deep = False
    for token in markdown.parse(body, pub.language):
        if token.map:
            line = body_line + token.map[0]
        if token.level >= limit and not too_deep:
            too_deep = True
            report.add(path, line, f"lists or quotes are nested more than {limit} levels deep; what is "
                       "inside is lost", "flatten the nesting")
        if token.type == "heading_open" and token.tag == "h1":
            report.warn(path, line, "a level-1 heading in the body",
                        "the title is the only level-1 heading: use ## for subheadings")
        for child in token.children or ():
            if child.type != "image":
                continue
            src = child.attrGet("src") or ""
            alt = "".join(c.content for c in child.children or () if c.type in ("text", "code_inline"))
            picture, problems = check_picture(
                src, alt=alt, base=base, root=pub.root, source=path, line=line,
                caption=str(child.attrGet("title") or ""),
            )
            report.extend(problems)
            if picture and src not in pictures:
                pictures[src] = picture
    return tuple(pictures.values())


_FENCE = re.compile(r"^\s{0,3}:::(.*)$")


def _check_body(body: str, body_line: int, path: Path, report: Report, standing: bool) -> None:
    if not body.strip() and not standing:
        report.warn(path, body_line, "the article has no body text", "write the article below the front matter")
    depth, opened_at = 0, 0
    for number, text in enumerate(body.split("\n"), start=body_line):
        match = _FENCE.match(text)
        if not match:
            continue
        rest = match.group(1).strip()
        if not rest:
            if depth == 0:
                report.warn(path, number, "':::' closes no box", "remove it, or open a box with '::: box Title'")
            else:
                depth -= 1
        elif rest.split(" ", 1)[0] == markdown.BOX:
            if depth == 0:
                opened_at = number
            depth += 1
        else:
            report.warn(path, number, f"unknown block '::: {rest.split(' ', 1)[0]}'",
                        "only '::: box Title' sidebars are supported")
    if depth:
        report.add(path, opened_at, "a '::: box' is never closed", "end the box with a line ':::'")


# --- issues -----------------------------------------------------------------------------


def issue_folders(pub: Publication) -> list[Path]:
    """Every issue folder, by number."""
    if not pub.issues_dir.is_dir():
        return []
    folders = [p for p in pub.issues_dir.iterdir() if p.is_dir() and p.name.isdigit()]
    return sorted(folders, key=lambda p: int(p.name))


def read_issue(pub: Publication, folder: Path, report: Report) -> Issue | None:
    """Read one issue folder, with its articles and the publication's standing pages."""
    path = folder / "issue.toml"
    if not path.is_file():
        report.add(rel(folder, pub.root) + "/issue.toml", None, "the issue has no issue.toml",
                   f"create it, e.g. with: publish new {folder.name}")
        return None
    loaded = load_toml(path, report)
    if loaded is None:
        _read_articles(pub, folder, report)  # still report the articles' own problems
        return None
    data, text = loaded
    line = lambda key: key_line(text, key)  # noqa: E731
    unknown_keys(data, schema.ISSUE_KEYS, report, path, line, "issue.toml")
    values = schema.check_fields(data, schema.ISSUE_FIELDS, report, path, line)
    number = values.get("number")
    if number is not None and folder.name.isdigit() and number != int(folder.name):
        report.add(path, line("number"), f"number {number} does not match the folder issues/{folder.name}",
                   f"write number = {int(folder.name)} or rename the folder")
    if not folder.name.isdigit():
        report.add(path, None, f"issue folder {folder.name!r} is not a number", "name it by the issue number, e.g. issues/1112")

    articles = _read_articles(pub, folder, report)
    articles = _order(articles, values.get("order"), path, line("order"), report)
    cover = values.get("cover-article") or ""
    if cover and articles and cover not in {a.slug for a in articles}:
        close = difflib.get_close_matches(cover, [a.slug for a in articles], n=1)
        report.add(path, line("cover-article"), f"cover-article {cover!r} is not an article of this issue",
                   f"did you mean {close[0]!r}?" if close else "name an article by its file name without NN- and .md")
    cover_image = None
    if values.get("cover-image") is not None:
        cover_image, problems = check_picture(
            values.get("cover-image"), alt=values.get("headline") or "cover", base=folder, root=pub.root,
            source=path, line=line("cover-image"), what="cover-image")
        report.extend(problems)
    standing = tuple(
        article for page in pub.standing_pages
        if (pub.root / page).is_file() and ".." not in Path(page).parts
        and (article := read_article(pub.root / page, pub, report, base=pub.root, standing=True))
    )
    if values.get("number") is None or values.get("date") is None:
        return None
    return Issue(
        publication=pub, number=values["number"], date=values["date"],
        headline=smarten(values.get("headline") or "", pub.language), folder=folder,
        articles=tuple(articles), standing_pages=standing, cover_article=cover, cover_image=cover_image,
    )


def _read_articles(pub: Publication, folder: Path, report: Report) -> list[Article]:
    files = sorted(p for p in folder.iterdir() if p.suffix == ".md" and not p.name.startswith("."))
    if not files:
        report.add(rel(folder, pub.root), None, "the issue has no articles",
                   "add article files (NN-slug.md) to the folder")
        return []
    articles: list[Article] = []
    seen: dict[str, Path] = {}
    for file in files:
        article = read_article(file, pub, report, base=folder)
        if article is None:
            continue
        key = unicodedata.normalize("NFKC", article.slug).casefold()
        if key in seen:
            report.add(file, None, f"slug {article.slug!r} is also the slug of {seen[key].name}",
                       "rename one of the files: each article needs its own slug")
            continue
        seen[key] = file
        articles.append(article)
    # default order: by section (the publication's order), then file name
    rank = {s.id: i for i, s in enumerate(pub.sections)}
    return sorted(articles, key=lambda a: (rank.get(a.section, len(rank)), a.source.name))


def _order(articles: list[Article], order, path: Path, line: int | None, report: Report) -> list[Article]:
    if not order:
        return articles
    by_slug = {a.slug: a for a in articles}
    listed: list[Article] = []
    for slug in order:
        if slug not in by_slug:
            close = difflib.get_close_matches(slug, list(by_slug), n=1)
            report.add(path, line, f"order names {slug!r}, which is not an article of this issue",
                       f"did you mean {close[0]!r}?" if close else "use file names without NN- and .md")
        elif by_slug[slug] in listed:
            report.add(path, line, f"order names {slug!r} twice", "list each article once")
        else:
            listed.append(by_slug[slug])
    rest = [a for a in articles if a not in listed]
    for article in rest:
        report.warn(path, line, f"order does not list {article.slug!r}; it goes after the listed articles",
                    "add it to order")
    return listed + rest
