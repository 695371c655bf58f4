"""Source files (publication.toml, issue.toml, articles) → model objects and located problems.

Every reader collects all the problems it finds and keeps going, so that an
editor sees the whole list at once; nothing here raises for a user's mistake.
This module reads the publication and its issues; publish.articles reads
article files, publish.sourcefiles the text and TOML under both.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from pathlib import Path

from publish import schema
from publish.articles import article_slug, read_article
from publish.errors import rel
from publish.formats import FORMATS
from publish.intake.selectors import read_import
from publish.icc import icc_profile_problem
from publish.model import Article, AudioSettings, Issue, Publication, PrintSettings, Section
from publish.pictures import check_picture
from publish.slug import MAX_SLUG, slugify
from publish.sourcefiles import (Report, check_names, key_line, load_toml, name_problem, printable,
                                table_lines, unknown_keys)
from publish.typography import smarten

__all__ = ["read_publication", "read_issue", "issue_folders"]

# --- publication.toml ---------------------------------------------------------------------


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

    language, slug, url, issn, layout = _identity(values, root, path, line, report)
    sections = tuple(Section(s.id, smarten(s.title, language))
                     for s in _read_sections(data.get("sections"), text, path, report))
    print_settings = _read_print(data.get("print"), text, path, report)
    audio = _read_audio(data.get("audio"), root, text, path, report) if "audio" in data else None
    import_html = read_import(data.get("import"), text, path, report)
    standing = tuple(values.get("standing-pages") or ())
    for index, page in enumerate(standing):
        page_path = root / page
        if ".." in Path(page).parts or Path(page).is_absolute() or not page.endswith(".md"):
            report.add(path, line("standing-pages"), f"standing page {page!r} must be a .md file inside the publication",
                       'write e.g. "pages/join.md"')
        elif name_problem(Path(page).name):
            report.add(path, line("standing-pages"), f"standing page {printable(page)!r}: "
                       + name_problem(Path(page).name)[0], name_problem(Path(page).name)[1])
        elif not page_path.is_file():
            report.add(path, line("standing-pages"), f"standing page {page!r} does not exist",
                       f"create {page} or remove it from standing-pages")
    formats = tuple(values.get("formats") or ())
    for fmt in (f for f in formats if f not in FORMATS):
        report.add(path, line("formats"), f"unknown format {fmt!r} in formats", f"choose from {', '.join(FORMATS)}")
    return Publication(
        root=root, title=smarten(values.get("title") or "", language), slug=slug,
        publisher=values.get("publisher") or "", language=language, sections=sections,
        tagline=smarten(values.get("tagline") or "", language), url=url, issn=issn, layout=layout,
        standing_pages=standing, print=print_settings, formats=tuple(f for f in formats if f in FORMATS),
        subscription=_subscription(root, standing), import_html=import_html,
        audio=audio, tables=frozenset(k for k, v in data.items() if isinstance(v, dict)),
    )


def _identity(values: dict, root: Path, path: Path, line, report: Report) -> tuple[str, str, str, str, str]:
    """publication.toml's language, slug, url, ISSN and layout, checked (each problem reported at its line)."""
    language = values.get("language") or "en"
    if values.get("language") and not schema.BCP47.match(language):
        report.add(path, line("language"), f"language {language!r} is not a BCP 47 tag",
                   'write e.g. "en-GB", "de" or "pt-BR"')
    slug = values.get("slug") or slugify(values.get("title") or "")
    if values.get("slug") and not re.fullmatch(r"[a-z0-9][a-z0-9-]*", slug):
        report.add(path, line("slug"), f"slug {slug!r} may hold only a-z, 0-9 and hyphens",
                   f'write e.g. slug = "{slugify(slug)}"')
    elif len(slug) > MAX_SLUG:
        report.add(path, line("slug"), f"slug is {len(slug)} characters long, over the limit of {MAX_SLUG}",
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

    return language, slug, url, issn, layout


def _subscription(root: Path, standing: tuple[str, ...]) -> str:
    """The subscription page: a standing page named subscribe (NN- prefix aside), else pages/subscribe.md."""
    for page in (*standing, "pages/subscribe.md"):
        if ".." not in Path(page).parts and not Path(page).is_absolute() and \
                article_slug(Path(page)) == "subscribe" and (root / page).is_file():
            return page
    return ""


def _read_sections(raw, text: str, path: Path, report: Report) -> tuple[Section, ...]:
    lines = table_lines(text, "sections")
    if raw is None or raw == []:
        report.add(path, key_line(text, "sections"), "no [[sections]] given",
                   'add at least one: [[sections]] id = "news" title = "News"')
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
    unknown_keys(raw, ("page-size", "bleed", "columns", "output-intent", "output-condition", "ink-limit", "creep"),
                 report, path, at, "[print]")
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
    press = _read_press(raw, path.parent, path, at, report)
    return PrintSettings(page_size=page_size.strip(), bleed=bleed.strip(), columns=columns, **press)


def _read_press(raw: dict, root: Path, path: Path, at, report: Report) -> dict:
    """[print]'s press keys: the printer's CMYK profile and condition, the ink limit, the booklet's creep."""
    press = {}
    intent = raw.get("output-intent", "")
    problem = icc_profile_problem(intent, root) if intent != "" else None
    if problem:
        report.add(path, at("output-intent"), *problem)
    elif intent:
        press["output_intent"] = intent.strip()
    condition = raw.get("output-condition", "")
    if not isinstance(condition, str) or len(condition) > 200 or not condition.isprintable():
        report.add(path, at("output-condition"), f"output-condition {condition!r} is not a short line of text",
                   'write the condition name the printer gave, e.g. "ISO newspaper 26 (IFRA26)"')
    else:
        press["output_condition"] = condition.strip()
    ink = raw.get("ink-limit", 240)
    if not isinstance(ink, int) or isinstance(ink, bool) or not 100 <= ink <= 400:
        report.add(path, at("ink-limit"), f"ink-limit {ink!r} must be a whole percentage from 100 to 400",
                   "write the printer's total area coverage, e.g. ink-limit = 240 for newsprint")
    else:
        press["ink_limit"] = ink
    creep = raw.get("creep", "0mm")
    if not isinstance(creep, str) or not schema.LENGTH.fullmatch(creep.strip()):
        report.add(path, at("creep"), f"creep {creep!r} is not a length", 'write the paper\'s thickness, e.g. "0.1mm"')
    else:
        press["creep"] = creep.strip()
    return press


def _read_audio(raw, root: Path, text: str, path: Path, report: Report) -> AudioSettings | None:
    """[audio]: an engine we know, and a voice that is a model file inside the publication or a plain name."""
    start = (table_lines(text, "audio") or [0])[0]
    at = lambda key: key_line(text, key, start) or start or None  # noqa: E731
    if not isinstance(raw, dict):
        report.add(path, key_line(text, "audio"), "audio must be a table", 'write it as [audio] with engine = "piper"')
        return None
    unknown_keys(raw, schema.AUDIO_KEYS, report, path, at, "[audio]")
    engine, voice = raw.get("engine", ""), raw.get("voice", "")
    if not isinstance(engine, str) or (engine and engine not in schema.AUDIO_ENGINES):
        report.add(path, at("engine"), f"unknown speech engine {engine!r}",
                   f"choose from {', '.join(schema.AUDIO_ENGINES)}, or leave engine out")
        engine = ""
    if not isinstance(voice, str):
        report.add(path, at("voice"), f"voice must be text, got {schema._describe(voice)}",
                   'write e.g. voice = "voices/en_GB-alba-medium.onnx"')
        return AudioSettings(engine, "")
    voice = voice.strip()
    if voice.endswith(".onnx") or "/" in voice or "\\" in voice:
        problem = _voice_file_problem(root, voice)
        if problem:
            report.add(path, at("voice"), problem[0], problem[1])
        elif engine == "espeak-ng":
            report.add(path, at("voice"), f"voice {voice!r} is a Piper model, not an espeak-ng voice",
                       'write engine = "piper", or name an espeak-ng voice such as "en-gb"')
    elif voice and not schema.VOICE_NAME.fullmatch(voice):
        report.add(path, at("voice"), f"voice {printable(voice)!r} is neither a model file nor a voice name",
                   'write e.g. voice = "voices/en_GB-alba-medium.onnx" or voice = "en-gb"')
    return AudioSettings(engine, voice)


def _voice_file_problem(root: Path, voice: str) -> tuple[str, str] | None:
    """Why a Piper model named in [audio] cannot be used (outside the publication, missing, no config)."""
    given = Path(voice)
    if given.is_absolute() or ".." in given.parts:
        return (f"voice {voice!r} is outside the publication folder",
                'put the model in the publication, e.g. voices/, and write voice = "voices/NAME.onnx"')
    model = root / given
    try:
        model.resolve().relative_to(root.resolve())
    except ValueError:
        return (f"voice {voice!r} leads outside the publication folder (a link)",
                "copy the model into the publication instead of linking to it")
    if not model.is_file() or model.suffix != ".onnx":
        return (f"voice {voice!r} does not exist" if not model.is_file() else f"voice {voice!r} is not an .onnx model",
                "give the path of a Piper model (.onnx, with its .onnx.json beside it) inside the publication")
    if not model.with_name(model.name + ".json").is_file():
        return (f"voice {voice!r} has no {model.name}.json beside it",
                "copy the model's .onnx.json config next to it; Piper needs both")
    return None


# --- issues -----------------------------------------------------------------------------


ISSUE_FOLDER = re.compile(r"[1-9][0-9]*")  # an issue's folder is its number, as written in issue.toml


def issue_folders(pub: Publication) -> list[Path]:
    """Every issue folder, by number."""
    if not pub.issues_dir.is_dir():
        return []
    folders = [p for p in pub.issues_dir.iterdir() if p.is_dir() and ISSUE_FOLDER.fullmatch(p.name)]
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
    if number is not None and ISSUE_FOLDER.fullmatch(folder.name) and number != int(folder.name):
        report.add(path, line("number"), f"number {number} does not match the folder issues/{folder.name}",
                   f"write number = {int(folder.name)} or rename the folder")
    if not ISSUE_FOLDER.fullmatch(folder.name):
        report.add(path, None, f"issue folder {folder.name!r} is not a number", "name it by the issue number, e.g. issues/1112")

    articles = _read_articles(pub, folder, report)
    # files whose own problems were reported still exist: naming them is no second error
    unread = {article_slug(p) for p in folder.glob("*.md")} - {a.slug for a in articles}
    articles = _order(articles, values.get("order"), path, line("order"), report, unread)
    cover = values.get("cover-article") or ""
    if cover and articles and cover not in {a.slug for a in articles} | unread:
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
        if not name_problem(Path(page).name) and (pub.root / page).is_file() and ".." not in Path(page).parts
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
    unusable = check_names(folder, pub.root, report)
    files = sorted(p for p in folder.iterdir()
                   if p.suffix == ".md" and not p.name.startswith(".") and p not in unusable)
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
        if not article.slug:
            report.add(file, None, "the file name gives the article no slug",
                       "name it NN-slug.md, e.g. 03-strike.md")
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


def _order(articles: list[Article], order, path: Path, line: int | None, report: Report,
           unread: set[str] = frozenset()) -> list[Article]:
    if not order:
        return articles
    by_slug = {a.slug: a for a in articles}
    listed: list[Article] = []
    for slug in order:
        if slug in unread:
            continue
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
