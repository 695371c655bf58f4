"""An archived article page (.html) → a Draft: kicker, title, standfirst, byline, keywords, lead picture, body.

The fields come from publication.toml's [import.html] selectors, or are
guessed; the body is the element `body` selects, else what trafilatura finds as
the page's main text. The body passes the project's HTML sanitiser before
Pandoc turns it into our Markdown. Pictures beside the page are copied; remote
ones are never fetched and are listed as missing; a picture path that leaves
the page's folder stops the import.
"""

from __future__ import annotations

import copy
import logging
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from publish.intake import page as pages
from publish.intake import tree
from publish.intake.draft import Draft, IntakeError
from publish.intake.pandoc import read_html, write_markdown
from publish.intake.pictures import picture_from_bytes
from publish.safehtml import sanitize

# the extractor's libraries log their own warnings ("discarding data: None"): the user sees only ours
for _name in ("trafilatura", "htmldate", "courlan", "justext", "charset_normalizer"):
    logging.getLogger(_name).setLevel(logging.ERROR)
MAX_PICTURE_BYTES = 64 * 2**20
PROSE_SHARE = 0.5  # the article holds at least half of the page's text outside links
KEPT_SHARE = 0.8  # below this the extractor cut paragraphs: keep the container whole
CAPTION_BREAKERS = ("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "section")
NAME_BRANCH = re.compile(r"^(?:by\s+)?(?P<name>[^,;]{2,80}?)\s*[,;]\s*(?P<where>[^.!?]{2,120})$", re.I)


def read_page(path: Path, shown: str, selectors: dict) -> Draft:
    """The Draft of one saved article page; IntakeError when it cannot be read or holds no article."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IntakeError(shown, f"cannot read the page ({exc.strerror})", "check that it exists and is readable") from None
    if len(data) > pages.MAX_PAGE_BYTES:
        raise IntakeError(shown, f"the page is {len(data) / 2**20:.1f} MB, over the {pages.MAX_PAGE_BYTES // 2**20} MB "
                          "limit for one article's page", "save the article alone, without the rest of the site")
    root = pages.parse(pages.decode(data, shown), shown)
    draft = Draft(source=path)
    texts = _fields(root, selectors, draft)
    body = _body(root, selectors, shown)
    if body is None or len(pages.text_of(body)) < 40:
        raise IntakeError(shown, "no article found on the page (no text beyond menus and links)",
                          "check that this is an article page, or set body = \"…\" under [import.html]")
    _drop_repeats(body, texts)
    lead = pages.find(root, "image", selectors) if "image" in selectors else _lead_image(body)
    if lead is not None and lead.tag == "img":
        # the caption is read where the page put it: the extractor may have moved the picture out of its box
        same = next((i for i in root.iter("img") if i.get("src") == lead.get("src")), lead)
        caption = _lead(lead, _caption(same), path, shown, draft)
        if lead.getparent() is not None and lead in body.iter("img"):
            lead.drop_tree()
        _drop_repeats(body, [caption, *(" ".join((lead.get(k) or "").split()) for k in ("alt", "title"))])
    _header_rows(body)
    html = sanitize(lxml.html.tostring(body, encoding="unicode"))
    doc = read_html(html, shown)
    blocks = tree.clean(doc.get("blocks", []), lambda node: _body_picture(node, path, shown, draft))
    draft.body = write_markdown(tree.shift_headings(blocks), doc.get("pandoc-api-version"), shown).strip() + "\n"
    return draft


def _fields(root, selectors: dict, draft: Draft) -> list[str]:
    """Front matter and the page's "From:" line into the draft; the texts that must not repeat in the body."""
    found = {name: pages.find(root, name, selectors) for name in ("from", "keywords", "title", "kicker",
                                                                   "standfirst", "byline")}
    texts = {name: pages.text_of(element) for name, element in found.items()}
    draft.origin = pages.from_line(texts["from"])
    title, kicker = texts["title"], texts["kicker"]
    if found["title"] is not None and found["title"].tag == "title":
        title = re.split(r"\s+[|–—]\s+", title)[0]  # "Headline | Site name"
    if kicker and title.startswith(kicker):
        title = title[len(kicker):].lstrip(" :–—-")
    elif not kicker and "kicker" not in selectors:
        head, sep, rest = title.partition(": ")
        if sep and rest and len(head) <= 30 and len(head.split()) <= 3:  # "TV: The Social Dilemma"
            kicker, title = head, rest
    for name, value in (("title", title), ("kicker", kicker), ("standfirst", texts["standfirst"])):
        if value:
            draft.front[name] = value
    if not title:
        draft.note("no title found on the page: write title: in the front matter")
    byline = NAME_BRANCH.match(texts["byline"]) if texts["byline"] else None
    if byline:
        draft.front["author"], draft.front["affiliation"] = byline["name"].strip(), byline["where"].strip()
    elif texts["byline"]:
        draft.front["author"] = re.sub(r"^by\s+", "", texts["byline"], flags=re.I)
    words = pages.keywords(found["keywords"])
    if words:
        draft.front["keywords"] = words
    return [t for t in (*texts.values(), title, f"{kicker}: {title}") if t]


def _body(root, selectors: dict, shown: str):
    """The article's body: the `body` selector's element; else the container around the title, through
    trafilatura when it keeps all of it; else trafilatura's main text of the whole page."""
    if "body" in selectors:
        return pages.select(root, selectors["body"])
    region = _region(root)
    found = _extract(lxml.html.tostring(region if region is not None else root, encoding="unicode"))
    if region is None:
        return found
    if found is None or _loses(region, found):  # pictures and subheadings never depend on the extractor
        found = copy.deepcopy(region)
    return found


def _extract(html: str):
    found = trafilatura.extract(html, output_format="html", include_images=True, include_tables=True,
                                include_formatting=True, include_links=True, include_comments=False,
                                favor_recall=True)  # keeps subheadings that precision drops
    if not found:
        return None
    body = lxml.html.fragment_fromstring(found, create_parent="div")
    return next(body.iter("body"), body)


def _region(root):
    """The element that holds the <h1> and most of the page's prose (links aside), short of <body>; or None.

    Found in the tree, not left to the extractor: a short paragraph outside the article (a "From:" line)
    makes trafilatura take the whole page for the article, dropping its pictures and pulling in appeals.
    """
    title = next(root.iter("h1"), None)
    whole = _prose(root)
    if title is None or not whole:
        return None
    for element in title.iterancestors():
        if element.tag in ("body", "html"):
            return None
        if _prose(element) >= PROSE_SHARE * whole:
            return element
    return None


def _prose(element) -> int:
    """How many characters of text `element` holds outside links (menus and link lists are all links)."""
    links = sum(len(pages.text_of(a)) for a in element.iter("a"))
    return max(0, len(pages.text_of(element)) - links)


def _loses(region, found) -> bool:
    """Whether the extractor left out a picture, a subheading or a good part of the text of the region."""
    def pictures(element):
        return sorted((img.get("src") or "").strip() for img in element.iter("img"))

    def headings(element):
        return sorted(pages.text_of(h) for h in element.iter("h2", "h3", "h4", "h5", "h6"))

    return pictures(region) != pictures(found) or not set(headings(region)) <= set(headings(found)) or \
        len(pages.text_of(found)) < KEPT_SHARE * len(pages.text_of(region))


def _drop_repeats(body, texts: list[str]) -> None:
    """The title, kicker, standfirst, byline, keywords and "From:" lines that extraction left in the body."""
    repeated = {" ".join(t.split()) for t in texts}
    for element in list(body.iter("h1", "h2", "p", "div", "span")):
        words = pages.text_of(element)
        if element.getparent() is not None and element.find(".//img") is None and \
                (element.tag == "h1" or words in repeated or pages.FROM.match(words) or pages.KEYWORDS_LINE.match(words)):
            element.drop_tree()
    for element in list(body.iter("table", "ul", "ol", "p", "div")):  # menus: nothing but links, or "A | B | C"
        links = " ".join(pages.text_of(a) for a in element.iter("a"))
        words = pages.text_of(element)
        parts = re.split(r"\s*\|\s*", words)
        if element.getparent() is not None and ((links and " ".join(links.split()) == words) or (
                len(parts) >= 3 and all(len(part.split()) <= 4 for part in parts))):
            element.drop_tree()


def _header_rows(body) -> None:
    """A first row of <th> cells outside a <thead> is the table's header (Pandoc reads it so only inside one)."""
    for table in body.iter("table"):
        rows = [r for r in table.iter("tr")]
        if table.find(".//thead") is None and rows and all(c.tag == "th" for c in rows[0]):
            head = lxml.html.Element("thead")
            rows[0].getparent().remove(rows[0])
            head.append(rows[0])
            table.insert(0, head)


def _lead_image(body):
    """The first picture, if it comes before any paragraph of text: the article's lead picture."""
    for element in body.iter():
        if element.tag == "img":
            return element
        if element.tag in ("p", "li", "table", "blockquote", "h2", "h3") and len(pages.text_of(element)) > 40:
            return None
    return None


def _lead(img, caption: str, page: Path, shown: str, draft: Draft) -> str:
    """The lead picture into the front matter; its caption (to drop from the body), or ""."""
    picture = _local_picture(img.get("src") or "", page, shown, draft)
    if picture is None:
        return ""
    alt = " ".join((img.get("alt") or "").split())
    caption = caption if caption != alt else ""
    draft.front["image"] = {"src": picture.token, "alt": alt, "caption": caption or " ".join((img.get("title") or "").split())}
    if not alt:
        draft.note("the lead picture has no alt text: write image: alt: in the front matter")
    return caption


def _caption(img) -> str:
    """A picture's caption: its <figcaption>, or the short text that shares a box with the picture alone
    ("<div><img><br>Students outside halls</div>"); "" when there is none."""
    holder = img.getparent()
    while holder is not None and holder.tag in ("a", "span", "b", "i", "em", "strong"):
        holder = holder.getparent()
    if holder is None or holder.tag in ("body", "html"):
        return ""
    figcaption = holder.find(".//figcaption")
    if figcaption is not None:
        return pages.text_of(figcaption)
    words = pages.text_of(holder)
    alone = len(list(holder.iter("img"))) == 1 and \
        not any(e.tag in CAPTION_BREAKERS for e in holder.iterdescendants(lxml.etree.Element))
    return words if alone and len(words) <= 300 else ""


def _body_picture(node: dict, page: Path, shown: str, draft: Draft) -> list:
    src, alt, caption = tree.image_parts(node)
    picture = _local_picture(src, page, shown, draft)
    if picture is None:
        return []
    if not alt:
        draft.note(f"a picture has no alt text: describe it between the brackets of ![]({picture.token})")
    return [tree.image(picture.token, alt, caption)]


def _local_picture(src: str, page: Path, shown: str, draft: Draft):
    """The picture beside the page that `src` names; remote and missing ones are noted, escaping ones refused."""
    parts = urlsplit(src.strip())
    if parts.scheme in ("http", "https") or src.strip().startswith("//"):
        draft.note(f"remote picture {src} was not fetched (the tool works offline): it is missing")
        return None
    if parts.scheme or not parts.path:
        draft.note(f"picture {src[:60]!r} is not a file beside the page: it is missing")
        return None
    name = unquote(parts.path)
    folder = page.parent.resolve()
    target = (folder / name).resolve()
    if name.startswith(("/", "\\")) or ".." in Path(name).parts or not target.is_relative_to(folder):
        raise IntakeError(shown, f"picture path {src!r} leaves the page's folder",
                          "copy the picture beside the page (or below it) and correct its src")
    if not target.is_file():
        draft.note(f"picture {name} is not beside the page: it is missing")
        return None
    if target.stat().st_size > MAX_PICTURE_BYTES:
        draft.note(f"picture {name} is over 64 MB: it was left out")
        return None
    return picture_from_bytes(target.read_bytes(), len(draft.pictures) + 1, name, draft)
