"""An Issue → the bytes of its EPUB 3 book (with an EPUB 2 NCX): Kindle-safe, accessible, reproducible.

The steps, in order: name the pictures → prepare them and the cover → render
each page from the layouts (`epub/*.xhtml`, extending `base.html`) → well-formed
XHTML → package (OPF, NCX, guide, deterministic zip) → Kindle pre-flight.
Shared by the epub format (which writes it) and the kindle format (which converts it).
"""

from __future__ import annotations

import logging
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from publish.errors import PublishError
from publish.model import Article, Issue, Picture
from publish.pipeline.types import Context
from publish.products.ebook import package as epub_package
from publish.products.cover import cover_jpeg
from publish.products.ebook.package import Document, Metadata, Package, Resource
from publish.products.ebook.pictures import EXTENSIONS, kind, prepare
from publish.products.ebook.xhtml import to_xhtml
from publish.products.kindle_rules import preflight
from publish.render import body_html, environment, long_date, render_template, source_date
from publish.slug import slugify

log = logging.getLogger("publish")

STYLESHEET = "css/ebook.css"
COVER = "images/cover.jpg"
FILES = {"nav": "nav.xhtml", "cover": "cover.xhtml", "title": "title.xhtml", "contents": "contents.xhtml",
         "colophon": "colophon.xhtml"}


def make_epub(issue: Issue, context: Context) -> bytes:
    """The whole EPUB as bytes; raises PublishError if it would not pass Kindle's pre-flight."""
    pub = issue.publication
    # the cover is drawn in a process of its own where there is a core for it; Pillow decodes, scales and
    # encodes outside the GIL, so the pictures (and a cover without a core) are made in threads
    drawn = _draw_cover(issue)
    try:
        pages = _page_files(issue)
        names = _picture_names(issue)
        breaks = _print_pages(issue, pages, context)
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            cover = pool.submit(cover_jpeg, issue) if drawn is None else None
            prepared = {path: pool.submit(prepare, path) for path in names}
            page_list = [(number, f"{name}#page-{number}") for name, marks in breaks.items() for number, _ in marks]
            nav = _render(issue, "epub/nav.xhtml", FILES["nav"], "Contents", properties=("nav",), pages=pages,
                          page_list=sorted(page_list))
            if breaks and b'epub:type="page-list"' not in nav.content:
                log.warning("layouts/%s/epub/nav.xhtml: no page-list (see the built-in layout's) — the EPUB of "
                            "issue %s goes without the print edition's page numbers", pub.layout, issue.number)
                breaks = {}
            documents = _documents(issue, pages, names, breaks)
            pictures = [Resource(names[path], job.result().data, job.result().media_type)
                        for path, job in prepared.items()]
            if cover is not None:
                cover_data = cover.result()
            else:
                wait, drawn = drawn, None
                cover_data = wait() or cover_jpeg(issue)
    finally:  # what failed above leaves no cover process behind: it is waited for
        if drawn is not None:
            drawn()
    metadata = _metadata(issue)
    if breaks:
        metadata.page_source = (f"{pub.title}, issue {issue.number}, {long_date(issue.date, pub.language)}: "
                                f"the print edition ({issue.name}-print.pdf)")
    package = Package(
        metadata=metadata,
        documents=documents,
        resources=[Resource(STYLESHEET, _stylesheet(issue), "text/css"), *pictures],
        nav=nav,
        cover_image=Resource(COVER, cover_data, "image/jpeg"),
        toc=_toc(issue, pages),
        guide=[("cover", "Cover", FILES["cover"]), ("toc", "Contents", FILES["contents"]),
               ("text", "Start reading", _first_page(issue, pages))],
    )
    data = epub_package.build(package)
    problems = preflight(data)
    if problems:
        raise PublishError(f"layouts/{pub.layout}/epub: the EPUB of issue {issue.number} would be refused by "
                           f"Send to Kindle: {'; '.join(problems)} — fix the layout's epub/ templates")
    return data


def _draw_cover(issue: Issue):
    """The cover, started in a forked process: a function that waits for its JPEG bytes (None if the process
    failed: the caller draws it again, so that its error is this process's own); None where there is no
    second core. Drawing it in a thread beside the pages costs both the GIL."""
    from publish import forkpool

    if not forkpool.can_begin():
        return None
    long_date(issue.date, issue.publication.language)  # the pages need the locale's data too: load it once
    return forkpool.begin(lambda: cover_jpeg(issue), lambda index, why: None)


# --- names ------------------------------------------------------------------------------------


def _ascii(text: str, fallback: str) -> str:
    return slugify(text, fallback)[:40].strip("-")


def _page_files(issue: Issue) -> dict[Article, str]:
    """Each article's and standing page's file name: ASCII, numbered in reading order."""
    files = {article: f"a{i:02d}-{_ascii(article.slug, 'article')}.xhtml"
             for i, article in enumerate(issue.articles, 1)}
    files.update({page: f"p{i:02d}-{_ascii(page.slug, 'page')}.xhtml"
                  for i, page in enumerate(issue.standing_pages, 1)})
    return files


def _pictures(issue: Issue) -> list[Picture]:
    found = []
    for article in issue.all_pages:
        found += ([article.image] if article.image else []) + list(article.pictures)
    return found


def _picture_names(issue: Issue) -> dict[Path, str]:
    """Each picture file's name in the EPUB, in reading order; a file used twice is carried once."""
    names: dict[Path, str] = {}
    taken = {COVER}
    for picture in _pictures(issue):
        if picture.path in names:
            continue
        stem, ext = _ascii(picture.path.stem, "picture"), EXTENSIONS[kind(picture.path)]
        name, n = f"images/{stem}{ext}", 1
        while name in taken:
            n += 1
            name = f"images/{stem}-{n}{ext}"
        names[picture.path] = name
        taken.add(name)
    return names


def _print_pages(issue: Issue, pages: dict[Article, str], context: Context) -> dict[str, list[tuple[int, str]]]:
    """Where each page of the print edition begins: EPUB file → [(page, element id)], from the PDF's layout."""
    from publish.products.print_layout.breaks import lays_out_this_run, stored_breaks

    breaks = stored_breaks(issue, context.layout_digest)
    if breaks is None:  # no layout of these inputs yet
        if not lays_out_this_run(context):
            log.info("issue %s: the ebook goes without the print edition's page numbers: no PDF of these "
                     "sources has been built — build the pdf format too, or add --page-list", issue.number)
            return {}  # no PDF in this run: the ebook does not pay for a print layout (see breaks.py)
        from publish.products.print_layout.edition import page_breaks  # the run's one layout, shared with the PDFs

        breaks = page_breaks(issue, context)
    by_anchor = {"front-page": FILES["title"]}
    for article in issue.all_pages:
        by_anchor[f"article-{article.key}"] = pages[article]
    keys = {article.key: pages[article] for article in issue.all_pages}
    found: dict[str, list[tuple[int, str]]] = {}
    for number, anchor in breaks:
        name = by_anchor.get(anchor) or keys.get(anchor.rsplit("-b", 1)[0])
        if name:
            found.setdefault(name, []).append((number, anchor))
    return found


def _first_page(issue: Issue, pages: dict[Article, str]) -> str:
    return pages[issue.articles[0]] if issue.articles else FILES["title"]


# --- documents --------------------------------------------------------------------------------


def _render(issue: Issue, template: str, name: str, title: str, properties: tuple[str, ...] = (),
            linear: bool = True, pages: dict[Article, str] | None = None,
            breaks: dict[str, list[tuple[int, str]]] | None = None, **context) -> Document:
    pub = issue.publication
    pages = pages or {}
    html = render_template(
        pub, template, issue=issue, page_title=title, stylesheet=STYLESHEET, files=FILES,
        href=lambda article: pages[article], colophon_href=FILES["colophon"],
        first_article=_first_page(issue, pages) if pages else FILES["title"], **context,
    )
    return Document(name, to_xhtml(html, pub.language, (breaks or {}).get(name, [])), title, linear, properties)


def _documents(issue: Issue, pages: dict[Article, str], names: dict[Path, str],
               breaks: dict[str, list[tuple[int, str]]]) -> list[Document]:
    """The spine: cover, title page, contents, articles, standing pages, colophon."""
    pub = issue.publication

    def picture_url(picture: Picture) -> str:
        return names[picture.path]

    documents = [
        _render(issue, "epub/cover.xhtml", FILES["cover"], "Cover", pages=pages, cover_src=COVER),
        _render(issue, "epub/title.xhtml", FILES["title"], f"{pub.title}, issue {issue.number}", pages=pages,
                breaks=breaks),
        _render(issue, "epub/contents.xhtml", FILES["contents"], "Contents", pages=pages),
    ]
    for article in issue.all_pages:
        section = pub.section(article.section) if article.section else None
        documents.append(_render(
            issue, "epub/article.xhtml", pages[article], article.full_title, pages=pages, breaks=breaks,
            article=article,
            body=body_html(article, pub.language, picture_url, site_url=pub.url), picture_url=picture_url,
            section_title=section.title if section else "",
        ))
    documents.append(_render(issue, "epub/colophon.xhtml", FILES["colophon"], "About this edition", pages=pages,
                             rights=_rights(issue), identifier=_identifier(issue)))
    return documents


def _stylesheet(issue: Issue) -> bytes:
    """The layout's css/ebook.css (the publication's layout first, then the built-in default)."""
    pub = issue.publication
    env = environment(pub)
    try:
        text = env.loader.get_source(env, STYLESHEET)[0]
    except Exception:  # noqa: BLE001 - jinja2.TemplateNotFound
        raise PublishError(f"layouts/{pub.layout}/{STYLESHEET}: not found — add it, or remove the layout "
                           "folder to use the built-in default") from None
    return text.encode("utf-8")


def _toc(issue: Issue, pages: dict[Article, str]) -> list:
    """Two levels, section → article, as in the nav document."""
    toc: list = [(f"{issue.publication.title}, issue {issue.number}", FILES["title"])]
    for run in issue.sections:
        toc.append((run.section.title, pages[run.articles[0]], [(a.full_title, pages[a]) for a in run.articles]))
    toc += [(page.title, pages[page]) for page in issue.standing_pages]
    toc.append(("About this edition", FILES["colophon"]))
    return toc


# --- metadata ---------------------------------------------------------------------------------


def _identifier(issue: Issue) -> str:
    return epub_package.identifier(issue.publication.slug, issue.number)


def _rights(issue: Issue) -> str:
    return f"© {issue.date.year} {issue.publication.publisher}. All rights reserved."


def _sentence(text: str) -> str:
    """The text as a sentence: a full stop added only when it does not already end like one."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…", "?”", "!”", ".”", "?’", "!’", ".’")) else f"{text}."


def _metadata(issue: Issue) -> Metadata:
    pub = issue.publication
    authors = list(dict.fromkeys(name for article in issue.all_pages for name in article.authors))
    contents = "; ".join(article.full_title for article in issue.articles)
    return Metadata(
        identifier=_identifier(issue),
        title=f"{pub.title} — Issue {issue.number}, {long_date(issue.date, pub.language)}",
        language=pub.language,
        publisher=pub.publisher,
        date=issue.date,
        modified=source_date(issue),
        description=f"{_sentence(issue.headline)} In this issue: {contents}." if contents else issue.headline,
        series=pub.title,
        series_index=issue.number,
        creators=(pub.publisher,),
        contributors=tuple(authors),
        subjects=issue.keywords,
        rights=_rights(issue),
        issn=pub.issn,
        accessibility_summary=(
            "Each article is its own chapter with its headings, listed by section in the table of contents; "
            "every picture has a text description and footnotes are linked both ways. The text follows the "
            "reader's chosen font and size."),
    )


def this_runs_epub(issue: Issue, context: Context) -> bytes:
    """The EPUB built in this run (`context.outputs["epub"]`), or a new one: what the Kindle and Kobo editions wrap."""
    built = [p for p in context.outputs.get("epub", []) if p.suffix == ".epub"]
    if built and built[0].is_file():
        return built[0].read_bytes()
    return make_epub(issue, context)
