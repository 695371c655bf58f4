"""An archived web page's bytes → its text and element tree without furniture, and the fields found by selector or guess.

Menus, sidebars, scripts, forms, "Print this article" and "(Click to enlarge)"
are removed before anything is read, so they can reach neither a field nor the
body. A field with a selector in [import.html] is read from the first element
it matches; a field without one is guessed from the usual markup.
"""

from __future__ import annotations

import codecs
import datetime as dt
import re

import cssselect2
import lxml.html
from lxml import etree

from publish.intake.draft import IntakeError

MAX_PAGE_BYTES = 2 * 2**20  # an article page is some kB of HTML; far more is a whole site or damage
FURNITURE = re.compile(r"^\W*(print (this )?(article|page)|\(?click (here )?to enlarge\)?|share( this)?|tweet|"
                       r"email (this )?(article|page)|back to top|highlight keywords.*|"
                       r"wide screen devices may view this page better.*|article dated .{6,30}|desktop version|mobile version)\W*$", re.I)
INLINE_FURNITURE = re.compile(r"\s*\(click (here )?to enlarge\)", re.I)
DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "object", "embed", "nav", "button", "select",
             "input", "textarea", "template", "link", "svg", "canvas", "video", "audio")
FROM = re.compile(r"From:\s*(?P<paper>.+?)\s+issue\s+(?P<number>\d{1,6}),\s*(?P<date>\d{1,2}\s+\w+\s+\d{4})"
                  r"\s*:\s*(?P<headline>.+)", re.I | re.S)
KEYWORDS_LINE = re.compile(r"^\s*(?:search site for keywords|keywords|tags)\s*:\s*(?P<list>.+)$", re.I | re.S)
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.I)
GUESSES = {
    "kicker": r"kicker|overline|eyebrow|rubric",
    "standfirst": r"standfirst|strapline|subtitle|subhead|summary|lede|intro|dek|teaser",
    "byline": r"byline|author|writer",
}


def decode(data: bytes, shown: str) -> str:
    """The page's text: by its byte-order mark, else its declared charset, else UTF-8; an error if it does not decode."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            declared = name
            break
    else:
        found = CHARSET.search(data[:4096])
        declared = found.group(1).decode("ascii").lower() if found else "utf-8"
    try:
        codec = codecs.lookup(declared).name
    except LookupError:
        raise IntakeError(shown, f"the page declares the character set {declared!r}, which is unknown",
                          "save the page again as UTF-8, or correct its <meta charset>") from None
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise IntakeError(shown, f"the page is not valid {codec} (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                          "save the page again as UTF-8, or declare its real character set in <meta charset>") from None


def parse(text: str, shown: str):
    """The page's element tree with its furniture removed."""
    try:
        root = lxml.html.document_fromstring(re.sub(r"^\s*<\?xml[^>]*>", "", text))
    except (etree.ParserError, ValueError) as exc:
        raise IntakeError(shown, f"the page cannot be read as HTML ({exc})", "save the article's page again") from None
    for element in list(root.iter(*DROP_TAGS)):
        _drop(element)
    for comment in list(root.iter(etree.Comment)):
        _drop(comment)
    for element in list(root.iter()):
        if element.getparent() is not None and len(element) == 0 and FURNITURE.match(_text(element) or "x"):
            _drop(element)
        elif element.tail and FURNITURE.match(element.tail):
            element.tail = ""
    for element in list(root.iter()):
        if element.tag in ("p", "div", "span", "a") and FURNITURE.match(_text(element) or "x"):
            _drop(element)
    for element in root.iter(etree.Element):  # "A phone screen (Click to enlarge)": the phrase alone goes
        element.text = INLINE_FURNITURE.sub("", element.text) if element.text else element.text
        element.tail = INLINE_FURNITURE.sub("", element.tail) if element.tail else element.tail
    return root


def _drop(element) -> None:
    if element.getparent() is not None:
        element.drop_tree()


def _text(element) -> str:
    if element is None:
        return ""
    if element.tag == "meta":
        return " ".join((element.get("content") or "").split())
    return " ".join("".join(element.itertext()).split())


def select(root, selector: str):
    """The first element matching a CSS selector, or None."""
    wrapper = cssselect2.ElementWrapper.from_html_root(root)
    return next((found.etree_element for found in wrapper.query_all(selector)), None)


def find(root, name: str, selectors: dict):
    """The element of field `name`: by its selector, else by the usual markup; or None."""
    if name in selectors:
        return select(root, selectors[name])
    if name == "title":
        return _either(next(root.iter("h1"), None), select(root, 'meta[property="og:title"]'), select(root, "title"))
    if name == "keywords":
        return _either(select(root, "meta[name=keywords]"), _first(root, lambda e: KEYWORDS_LINE.match(_text(e))))
    if name == "from":
        return _first(root, lambda e: FROM.match(_text(e)))
    if name in GUESSES:
        pattern = re.compile(GUESSES[name], re.I)
        marked = _first(root, lambda e: pattern.search(f"{e.get('class', '')} {e.get('id', '')}") and _text(e))
        return _either(marked, _after_title(root, name), select(root, "meta[name=author]") if name == "byline" else None)
    return None


BYLINE_LIKE = re.compile(r"^(?:by\s+)?[^\W\d_][^,;.!?]{1,60}[,;]\s*[^.!?]{2,100}$", re.I)
BLOCKS = ("p", "div", "h2", "h3", "h4", "td", "li", "blockquote")


def _after_title(root, name: str):
    """On a page without telling classes: the standfirst is the first short text after the <h1>, the byline
    the first "Name, Branch" line among the next few blocks (the order of the paper's article pages)."""
    title = next(root.iter("h1"), None)
    if title is None or name not in ("standfirst", "byline"):
        return None
    seen, blocks = False, []
    for element in root.iter(etree.Element):
        if element is title:
            seen = True
        elif seen and element.tag in BLOCKS and not any(e.tag in BLOCKS for e in element.iterdescendants()):
            if _text(element):
                blocks.append(element)
        if len(blocks) >= 5:
            break
    bylines = [b for b in blocks if BYLINE_LIKE.match(_text(b)) and len(_text(b)) <= 120]
    if name == "byline":
        return bylines[0] if bylines else None
    first = next((b for b in blocks if b.find(".//img") is None), None)
    if first is not None and first not in bylines and 15 <= len(_text(first)) <= 600 and \
            (not bylines or blocks.index(first) < blocks.index(bylines[0])):
        return first
    return None


def _either(*elements):
    # an lxml element without children is false: test for None, never for truth
    return next((e for e in elements if e is not None and _text(e)), None)


def _first(root, test):
    """The innermost-first match in document order: the smallest element the test accepts."""
    for element in root.iter(etree.Element):
        if element.tag in ("html", "body", "head") or not test(element):
            continue
        inner = next((e for e in element.iterdescendants(etree.Element) if test(e)), None)
        return inner if inner is not None else element
    return None


def text_of(element) -> str:
    return _text(element)


def from_line(text: str) -> dict:
    """Number, date and headline of a "From: <paper> issue N, <date>: <headline>" line; {} if it is not one."""
    match = FROM.search(text)
    if not match:
        return {}
    try:
        day = dt.datetime.strptime(" ".join(match["date"].split()), "%d %B %Y").date()
    except ValueError:
        try:
            day = dt.datetime.strptime(" ".join(match["date"].split()), "%d %b %Y").date()
        except ValueError:
            day = None
    headline = " ".join(match["headline"].split())
    return {"paper": match["paper"].strip(), "number": int(match["number"]), "date": day,
            "headline": headline[:1].upper() + headline[1:]}


def keywords(element) -> list[str]:
    """Keywords from a <meta> (commas) or a visible line ("Search site for keywords: A - B", or links)."""
    if element is None:
        return []
    words = _text(element)
    line = KEYWORDS_LINE.match(words)
    words = line["list"] if line else words
    parts = re.split(r"\s+[-–|·]\s+|\s*[,;]\s*", words)
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))
