"""Rendered article HTML → the safe subset every format publishes, and the link policy shared with the text edition.

Raw HTML in a source keeps only allowed tags and attributes, and only values a
validator accepts: ids the renderer made (once each), BCP 47 languages, ltr/rtl/auto
directions, WAI-ARIA roles, table spans as browsers clamp them. Links leave the tool only as http(s)
or mailto addresses, #fragments that resolve, or another issue's page on the
site; every other link is unwrapped to its text.
"""

from __future__ import annotations

import posixpath
import re
from urllib.parse import urlsplit

import nh3

from publish.schema import BCP47
from publish.sourcefiles import FORBIDDEN

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "del", "dd", "div", "dl", "dt",
    "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub", "sup", "table", "tbody",
    "td", "tfoot", "th", "thead", "tr", "u", "ul", "aside", "section",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir", "title", "role"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "style"},
    "th": {"colspan", "rowspan", "style", "scope"},
    "ol": {"start"},
}

# WAI-ARIA 1.2 and DPUB-ARIA 1.0 roles that are not abstract; kept only on elements that may take any role
ARIA_ROLES = frozenset("""
alert alertdialog application article banner blockquote button caption cell checkbox code columnheader
combobox complementary contentinfo definition deletion dialog directory document emphasis feed figure form
generic grid gridcell group heading img insertion link list listbox listitem log main marquee math menu
menubar menuitem menuitemcheckbox menuitemradio meter navigation none note option paragraph presentation
progressbar radio radiogroup region row rowgroup rowheader scrollbar search searchbox separator slider
spinbutton status strong subscript superscript switch tab table tablist tabpanel term textbox time timer
toolbar tooltip tree treegrid treeitem
doc-abstract doc-acknowledgments doc-afterword doc-appendix doc-backlink doc-bibliography doc-biblioref
doc-chapter doc-colophon doc-conclusion doc-cover doc-credit doc-credits doc-dedication doc-endnotes
doc-epigraph doc-epilogue doc-errata doc-example doc-footnote doc-foreword doc-glossary doc-glossref
doc-index doc-introduction doc-noteref doc-notice doc-pagebreak doc-pagelist doc-part doc-preface
doc-prologue doc-pullquote doc-qna doc-subtitle doc-tip doc-toc
""".split())
ROLE_TAGS = frozenset({"div", "span", "p"})

_SPANS = {"colspan": (1, 1000), "rowspan": (0, 65534)}  # what browsers clamp to (HTML's table model)
_SCOPES = frozenset({"row", "col", "rowgroup", "colgroup"})
_ISSUE_PAGE = re.compile(r"(?:\.\./)*(?:(\d+)/)?([A-Za-z0-9._~%-]+\.html)(#[A-Za-z0-9._:~%-]*)?")


def link_target(href: str, site_url: str = "", issue: str = "") -> str | None:
    """Where a link may point once published, or None: then it is shown as plain text.

    http(s) with a host and mailto with an address go out as written; `#x` stays
    (sanitize checks that it resolves); a page of an issue (`1111/strike.html`,
    `../1111/strike.html`, or `strike.html` in issue `issue`) becomes its address
    under `site_url`. Anything else (file:, javascript:, //host, /rooted, other
    relative paths) could reach the reader's disk or network shares.
    """
    if not href or any(ord(c) <= 0x20 or c == "\\" for c in href):
        return None
    if href.startswith("#"):
        return href if len(href) > 1 else None
    try:
        parts = urlsplit(href)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme in ("http", "https"):
        return href if parts.netloc and not parts.netloc.startswith("@") else None
    if parts.scheme == "mailto":
        return href if len(parts.path) > 1 and "@" in parts.path else None
    page = _ISSUE_PAGE.fullmatch(href)
    if parts.scheme or not page or not site_url or not (page.group(1) or issue.isdigit()):
        return None
    number = page.group(1) or issue
    return f"{site_url.rstrip('/')}/{posixpath.join(number, page.group(2))}{page.group(3) or ''}"


def _number(value: str, low: int, high: int) -> str | None:
    value = value.strip()
    return str(min(max(int(value), low), high)) if re.fullmatch(r"\d{1,12}", value) else None


class OwnIds:
    """The ids the renderer makes for one document: its blocks' (`<key>-b<n>`) and its notes' (`fn-<key>-<n>`,
    `fnref-<key>-<n>[:<m>]`). One pattern for every document, its key compared after: a pattern per document
    cost a compilation each."""

    _PATTERN = re.compile(r"(?:(?P<block>.+)-b\d+|fn(?:ref)?-(?P<note>.+)-\d+(?::\d+)?)")

    def __init__(self, key: str) -> None:
        self.key = key

    def fullmatch(self, value: str) -> bool:
        found = self._PATTERN.fullmatch(value)
        return bool(found) and (found.group("block") or found.group("note")) == self.key


def _attribute_filter(pictures, own_ids: OwnIds | None, site_url: str, issue: str):
    seen_ids: set[str] = set()

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            # only the ids the renderer made, each once: raw ids could clash across articles
            if own_ids is None or not own_ids.fullmatch(value) or value in seen_ids:
                return None
            seen_ids.add(value)
            return value
        if attribute == "lang":
            return value if BCP47.match(value) else None
        if attribute == "dir":
            return value if value in ("ltr", "rtl", "auto") else None
        if attribute == "role":
            return value if tag in ROLE_TAGS and value in ARIA_ROLES else None
        if attribute in _SPANS:
            return _number(value, *_SPANS[attribute])
        if attribute in ("width", "height"):
            return _number(value, 1, 100_000)
        if attribute == "start":
            return value.strip() if re.fullmatch(r"-?\d{1,9}", value.strip()) else None
        if attribute == "scope":
            return value if value in _SCOPES else None
        if tag == "a" and attribute == "href":
            return link_target(value, site_url, issue)
        if tag == "img" and attribute == "src" and pictures is not None and value not in pictures:
            return None
        return value

    return keep


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
_ANCHOR = re.compile(r"<a\b([^>]*)>(.*?)</a>", re.S)
_HREF = re.compile(r'\shref="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')


def sanitize(html: str, pictures: frozenset[str] | None = None, *, doc_key: str | None = None,
             site_url: str = "", issue: str = "") -> str:
    """Raw HTML in sources is allowed only as this safe subset: no scripts, frames, handlers or remote styles.

    With `pictures`, an <img> may only show one of those URLs (the checked
    pictures). With `doc_key`, ids are kept only as the renderer makes them
    for that article; without it, every id is dropped. Links follow link_target.
    """
    own_ids = OwnIds(doc_key) if doc_key else None
    clean = nh3.clean(
        html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes={"http", "https", "mailto"},
        link_rel=None, strip_comments=True, filter_style_properties={"text-align"},
        attribute_filter=_attribute_filter(pictures, own_ids, site_url, issue),
    )
    ids = set(_ID.findall(clean))

    def anchor(match: re.Match) -> str:
        href = _HREF.search(match.group(1))
        target = href.group(1) if href else ""
        if not target or (target.startswith("#") and target[1:] not in ids):
            return match.group(2)  # a dropped or dangling link: its text stays
        return match.group(0)

    clean = _ANCHOR.sub(anchor, clean)
    # the serializer writes &nbsp;, which XML (EPUB) does not know: keep the character; and a
    # character reference (&#x1;) to a control character must not reach XML as that character
    return FORBIDDEN.sub("\ufffd", _IMG_WITHOUT_SRC.sub("", clean).replace("&nbsp;", "\u00a0"))


_REFUSED_LINK = re.compile(r"\]\(\s*<?((?:javascript|vbscript|file|data):)", re.I)
_RAW_ATTRIBUTE = re.compile(r"""\s(href|lang|role)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)


def _link_warning(href: str, site_url: str, issue: str, own_ids: OwnIds) -> tuple[str, str] | None:
    target = link_target(href, site_url, issue)
    if target is None and _ISSUE_PAGE.fullmatch(href) and not site_url:
        return (f"the link to {href!r} is shown as plain text: without url in publication.toml "
                "a page of another issue has no address", "add url = \"https://…/\" to publication.toml")
    if target is None:
        return (f"the link to {href!r} is shown as plain text: only http(s):, mailto: and "
                "links within the article are published", "write the full address, e.g. https://example.org/page")
    if target.startswith("#") and not own_ids.fullmatch(target[1:]):
        return (f"the link to {href!r} points to nothing in the article and is shown as plain text",
                "remove the link, or link to a full address")
    return None


def _span_problems(span) -> list[tuple[str, str]]:
    """What a `[text]{…}` span loses: attributes other than lang and dir, and values they may not take."""
    problems = [(f"{name}={value!r} in {{…}} is dropped: only lang and dir may be set there", "remove it")
                for name, value in (span.meta.get("insecure_attrs") or {}).items()]
    lang, direction = span.attrGet("lang"), span.attrGet("dir")
    if lang is not None and not BCP47.match(str(lang)):
        problems.append((f"lang={lang!r} is not a BCP 47 language tag and is dropped", "write e.g. {lang=ja}"))
    if direction is not None and direction not in ("ltr", "rtl", "auto"):
        problems.append((f"dir={direction!r} is dropped: it may be ltr, rtl or auto", "write e.g. {dir=rtl}"))
    return problems


def body_warnings(tokens, site_url: str, issue: str, doc_key: str) -> list[tuple[int, str, str]]:
    """(line within the body, what is wrong, what to do) for each link, lang or role the published HTML drops."""
    own_ids = OwnIds(doc_key)
    found: list[tuple[int, str, str]] = []
    line = 0
    for token in tokens:
        line = token.map[0] if token.map else line
        refused = _REFUSED_LINK.search(token.content) if token.type == "inline" else None
        if refused:  # markdown-it refuses these schemes outright: the Markdown itself shows
            found.append((line, f"the link to '{refused.group(1)}…' is shown as plain text, with its brackets",
                          "write the full http(s) address, or remove the link"))
        for child in [token, *(token.children or ())]:
            if child.type == "span_open":
                found.extend((line, *problem) for problem in _span_problems(child))
            if child.type == "link_open":
                problem = _link_warning(str(child.attrGet("href") or ""), site_url, issue, own_ids)
                if problem:
                    found.append((line, *problem))
            if child.type not in ("html_inline", "html_block"):
                continue
            for name, *values in _RAW_ATTRIBUTE.findall(child.content):
                value, name = next((v for v in values if v), ""), name.lower()
                if name == "href":
                    problem = _link_warning(value, site_url, issue, own_ids)
                elif name == "lang" and not BCP47.match(value):
                    problem = (f"lang={value!r} is not a BCP 47 language tag and is dropped", 'write e.g. lang="de"')
                elif name == "role" and value not in ARIA_ROLES:
                    problem = (f"role={value!r} is not a WAI-ARIA role and is dropped", "remove it")
                else:
                    problem = None
                if problem:
                    found.append((line, *problem))
    return found
