"""Model objects → rendered fragments: the one Jinja2 environment of a layout, and each article's HTML, made once.

Templates only loop and branch; every piece of formatting they need is a named
filter registered here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import re
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Callable

import jinja2
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup, escape

from publish import BUILTIN_LAYOUTS, markdown
from publish.direction import dir_attribute
from publish.errors import PublishError
from publish.model import Article, Issue, Picture, Publication
from publish.safehtml import sanitize

HTML_SUFFIXES = ("html", "xhtml", "xml", "opf", "ncx", "svg", "atom")

# The tool's English: what every edition said before dates followed the publication's language.
ENGLISH = Locale("en", territory="GB")


# --- dates ---------------------------------------------------------------------------------


def source_date(issue: Issue | None = None) -> dt.datetime:
    """The time written into outputs: SOURCE_DATE_EPOCH if set, else the issue's date at midnight UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise PublishError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds — "
                               "unset it or give e.g. SOURCE_DATE_EPOCH=1606867200") from None
    day = issue.date if issue else dt.date(1980, 1, 1)
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc)


@lru_cache(maxsize=32)
def date_locale(language: str | None) -> Locale:
    """The babel locale of a BCP 47 tag ("en-GB", "de", "sr-Latn"); English when babel has none."""
    # A bare "en" (the default when publication.toml names no language) keeps the British order
    # the editions always had; "en-US" and the like get their own.
    if not language or language.lower() == "en":
        return ENGLISH
    for tag in (language, language.split("-")[0]):  # "de-1996" → "de"
        try:
            return Locale.parse(tag, sep="-")
        except (ValueError, UnknownLocaleError):
            continue
    return ENGLISH


def long_date(day: dt.date, language: str | None) -> str:
    """A date for readers in the publication's language: 2 December 2020, 2. Dezember 2020."""
    return format_date(day, format="long", locale=date_locale(language))


@jinja2.pass_context
def _longdate_filter(context: jinja2.runtime.Context, day: dt.date, language: str | None = None) -> str:
    """`{{ issue.date|longdate }}`: the language is the rendered publication's unless given."""
    if language is None:
        pub = context.get("publication")
        language = getattr(pub, "language", None)
    return long_date(day, language)


# --- filters --------------------------------------------------------------------------------


def wrap(text: str, width: int = 72, indent: str = "", first: str | None = None) -> str:
    """Fill text to `width` columns; non-breaking spaces hold words together."""
    first = indent if first is None else first
    width = max(width, len(first) + 1, len(indent) + 1)  # textwrap refuses a width the indent leaves no room in
    return textwrap.fill(
        " ".join(text.split(" ")).replace("\n", " "), width=width, initial_indent=first,
        subsequent_indent=indent, break_long_words=False, break_on_hyphens=False,
    )


def rule(char: str = "=", width: int = 72) -> str:
    return char * width


def center(text: str, width: int = 72) -> str:
    return text.center(width).rstrip()


def filesize(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)


FILTERS: dict[str, Callable] = {
    "longdate": _longdate_filter,
    "isodate": lambda day: day.isoformat(),
    "wrap": wrap,
    "rule": rule,
    "center": center,
    "filesize": filesize,
    "textdir": dir_attribute,
}


def _autoescape(name: str | None) -> bool:
    return bool(name) and name.rsplit(".", 1)[-1] in HTML_SUFFIXES


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates, kept between runs in Jinja's own per-user folder (mode 0700, in the temporary
    folder): saves compiling ~10 templates on every run. Jinja names each by the template's file and source;
    the names here also carry this module's digest, for it sets how templates compile (autoescaping,
    whitespace). A file that cannot be read or written only means compiling again."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:  # noqa: BLE001 - a damaged or unreadable file: compile instead
            bucket.reset()

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):  # a full or vanished temporary folder
            super().dump_bytecode(bucket)


@lru_cache(maxsize=1)
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """The compiled templates' cache; None (compile every time) where its folder cannot be made, or is not
    safely this user's."""
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    try:
        return _CompiledTemplates(pattern=f"__publish_{digest}_%s.cache")
    except (OSError, RuntimeError):
        return None


@lru_cache(maxsize=8)
def _environment(layout_dir: Path | None) -> jinja2.Environment:
    loaders = [jinja2.FileSystemLoader(str(layout_dir))] if layout_dir else []
    loaders.append(jinja2.FileSystemLoader(str(BUILTIN_LAYOUTS / "default")))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders), undefined=jinja2.StrictUndefined,
        autoescape=_autoescape, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(FILTERS)
    return env


def environment(pub: Publication) -> jinja2.Environment:
    """The Jinja2 environment of the publication's layout, falling back to the built-in default."""
    layout_dir = pub.layout_dir if pub.layout_dir.is_dir() else None
    return _environment(layout_dir.resolve() if layout_dir else None)


def render_template(pub: Publication, name: str, **context) -> str:
    """Render one layout template, turning template mistakes into located errors."""
    env = environment(pub)
    try:
        return env.get_template(name).render(publication=pub, **context)
    except jinja2.TemplateNotFound as exc:
        raise PublishError(f"layouts/{pub.layout}/{exc.name}: template not found — "
                           f"add it, or remove the layout folder to use the built-in default") from None
    except jinja2.TemplateSyntaxError as exc:
        raise PublishError(f"layouts/{pub.layout}/{exc.name or name}:{exc.lineno}: {exc.message} — "
                           "fix the template") from None
    except jinja2.UndefinedError as exc:
        raise PublishError(f"layouts/{pub.layout}/{name}: {exc.message} — "
                           "the template uses a name the build does not provide") from None


# --- article HTML ------------------------------------------------------------------------

_IMG_SRC = re.compile(r'(<img\b[^>]*?\ssrc=")([^"]*)"')


# the top-level blocks that get a stable id (`<key>-b<n>`), so the PDF and the EPUB share anchors
_BLOCKS = {"paragraph_open": "p", "heading_open": None, "blockquote_open": "blockquote",
           "bullet_list_open": "ul", "ordered_list_open": "ol", "table_open": "table",
           f"container_{markdown.BOX}_open": "aside", "fence": "pre", "code_block": "pre"}


def _block_id(env) -> str:
    env["blocks"] = env.get("blocks", 0) + 1
    return f"{env['blockKey']}-b{env['blocks']}"


def _with_id(tag: str | None, rule: Callable) -> Callable:
    """A renderer rule that gives a top-level block its id (a figure's hidden paragraph passes it on)."""

    def render(tokens, idx, options, env, *rest):
        token = tokens[idx]
        html = rule(tokens, idx, options, env, *rest)
        if token.level != 0 or "blockKey" not in env:
            return html
        anchor = _block_id(env)
        if token.hidden:
            env["figureId"] = anchor
            return html
        name = tag or token.tag
        return html.replace(f"<{name}", f'<{name} id="{anchor}"', 1) if token.attrGet("id") is None else html

    return render


def _render_rules(md, article: Article):
    renderer = md.renderer

    def image(tokens, idx, options, env):
        token = tokens[idx]
        src = token.attrGet("src") or ""
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        img = f'<img src="{escape(src)}" alt="{escape(alt)}" />'
        caption = token.attrGet("title") or ""
        if token.meta.get("figure"):
            credit = ""
            figcaption = f"<figcaption>{escape(caption)}{credit}</figcaption>" if caption else ""
            anchor = env.pop("figureId", None)
            figure_id = f' id="{anchor}"' if anchor else ""
            return f'<figure class="picture"{figure_id}>{img}{figcaption}</figure>'
        return img

    def container_open(tokens, idx, options, env):
        title = markdown.box_title(tokens[idx])
        heading = f'<h2 class="box-title">{md.renderInline(title)}</h2>' if title else ""
        return f'<aside class="box">{heading}\n'

    def container_close(tokens, idx, options, env):
        return "</aside>\n"

    def footnote_open(tokens, idx, options, env):
        # the back-link comes first, as Kindle's pop-up footnotes want, and is a
        # number rather than an arrow glyph the paper's fonts may not have
        name = renderer.rules["footnote_anchor_name"](tokens, idx, options, env)
        number = tokens[idx].meta["id"] + 1
        return (f'<li id="fn{name}" class="footnote-item">'
                f'<a href="#fnref{name}" class="footnote-backref">{number}.</a> ')

    def footnote_anchor(tokens, idx, options, env):
        return ""

    rules = {"image": image, f"container_{markdown.BOX}_open": container_open,
             f"container_{markdown.BOX}_close": container_close,
             "footnote_open": footnote_open, "footnote_anchor": footnote_anchor}
    for type_, tag in _BLOCKS.items():
        rule = rules.get(type_) or renderer.rules.get(type_)
        if rule is None:  # rendered by renderToken
            rule = lambda tokens, idx, options, env, *rest: renderer.renderToken(  # noqa: E731
                tokens, idx, options, env)
        rules[type_] = _with_id(tag, rule)
    return rules


def body_html(article: Article, language: str, picture_url: Callable[[Picture], str] | None = None,
              site_url: str = "") -> Markup:
    """The article's body as sanitised HTML; pictures are named through `picture_url`.

    Links to other issues' pages become addresses under `site_url` (the
    publication's url); without one they are shown as plain text.
    """
    key = (article, language, picture_url, site_url)
    cached = _BODY_CACHE.get(key)
    if cached is not None:
        return cached
    md = markdown.parser(language)
    tokens = markdown.parse(article.body, language, article.key)
    rules = _render_rules(md, article)
    saved = dict(md.renderer.rules)
    try:
        md.renderer.rules.update(rules)
        rendered = md.renderer.render(tokens, md.options,
                                       {"docId": article.key, "blockKey": article.key})
    finally:
        md.renderer.rules.clear()
        md.renderer.rules.update(saved)
    # sanitise with the pictures as the article names them, then give each its format's URL
    clean = sanitize(rendered, frozenset(p.src for p in article.pictures), doc_key=article.key,
                     site_url=site_url, issue=article.source.parent.name)
    if picture_url:
        urls = {str(escape(p.src)): str(escape(picture_url(p))) for p in article.pictures}
        clean = _IMG_SRC.sub(lambda m: m.group(1) + urls.get(m.group(2), m.group(2)) + '"', clean)
    html = Markup(clean)
    if len(_BODY_CACHE) > 256:  # one build's articles; a long `serve` session must not grow it forever
        _BODY_CACHE.clear()
    _BODY_CACHE[key] = html
    return html


_BODY_CACHE: dict = {}
