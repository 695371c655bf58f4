"""Issue summaries, newest first → the subscription feeds: Atom (feed.atom), OPDS 1.2 (opds.xml), OPDS 2.0 (opds.json).

With publication.toml's `url` every link and id is absolute; without it links are relative to dist/
(where the feeds live) and ids are `urn:uuid:`s derived from the slug, so they never change.
The press PDF is left out of every feed: it is for the printer, not for feed readers or reading apps.
Characters XML cannot hold are dropped, so a feed always parses.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from types import SimpleNamespace
from pathlib import Path
from urllib.parse import quote

from publish.formats.site.pages import absolute, xml_safe
from publish.model import Publication
from publish.render import render_template, source_date

OPDS_ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
COVER = ("cover.jpg", 600, 849)
THUMB = ("cover-thumb.jpg", 200, 283)


def link(pub: Publication, path: str) -> str:
    return absolute(pub, path) or path


def identifier(pub: Publication, what: str, path: str) -> str:
    """The feed's or an issue's id: its address when the publication has one, else a stable UUID URN."""
    if pub.url:
        return absolute(pub, path)
    return uuid.uuid5(uuid.NAMESPACE_URL, f"publish:{pub.slug}:{what}").urn


def _stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def updated(entry) -> dt.datetime:
    # source_date reads only the date of what it is given: SOURCE_DATE_EPOCH wins, else the date
    return source_date(SimpleNamespace(date=entry.date))


def feed_updated(entries: list) -> dt.datetime:
    return max((updated(e) for e in entries), default=source_date(None))


def _items(pub: Publication, entries: list) -> list[dict]:
    """What the templates need of each issue: ids, links, times and the files to acquire."""
    items = []
    for entry in entries:
        n = entry.number
        files = entry.for_readers
        items.append({
            "entry": entry,
            "id": identifier(pub, f"issue:{n}", f"{n}/"),
            "title": f"Issue {n}: {entry.headline}",
            "updated": _stamp(updated(entry)),
            "published": _stamp(dt.datetime.combine(entry.date, dt.time(), dt.timezone.utc)),
            "page": link(pub, f"{n}/index.html" if not pub.url else f"{n}/"),
            "cover": link(pub, f"{n}/{COVER[0]}"),
            "thumbnail": link(pub, f"{n}/{THUMB[0]}"),
            "files": [{"file": d, "href": link(pub, f"{n}/{quote(d.file)}")} for d in files],
            "keywords": list(dict.fromkeys(k for a in entry.articles for k in a.keywords)),
            "contents": "; ".join(a.full_title for a in entry.articles),
        })
    return items


# A feed reader needs what is new, not the whole archive (which dist/index.html and the OPDS
# catalogues list): the Atom feed carries the newest issues only.
FEED_LENGTH = 50


def atom(pub: Publication, entries: list) -> str:
    """feed.atom: one entry per issue (the newest 50), newest first, each format an enclosure, contents as summary."""
    return xml_safe(render_template(
        pub, "site/feed.atom", items=_items(pub, entries[:FEED_LENGTH]),
        feed_id=identifier(pub, "feed.atom", "feed.atom"), updated=_stamp(feed_updated(entries)),
        self_href=link(pub, "feed.atom"), home=link(pub, "" if pub.url else "index.html"),
    ))


# OPDS readers page through a catalogue (rel="next"): opds.xml and opds.json hold the newest
# issues, opds-2.xml / opds-2.json the next ones, and so on.
CATALOGUE_PAGE = 50


def catalogue_name(page: int, suffix: str) -> str:
    return f"opds{suffix}" if page == 1 else f"opds-{page}{suffix}"


def catalogues(pub: Publication, entries: list) -> dict[str, str]:
    """Every page of both OPDS catalogues (file name → text), newest issues first."""
    items = [i for i in _items(pub, entries) if i["files"]]
    chunks = [items[k:k + CATALOGUE_PAGE] for k in range(0, len(items), CATALOGUE_PAGE)] or [[]]
    pages = {}
    for page, chunk in enumerate(chunks, start=1):
        for suffix, kind in ((".xml", OPDS_ACQUISITION), (".json", "application/opds+json")):
            nav = _paging(pub, page, len(chunks), suffix)
            make = _opds_xml if suffix == ".xml" else _opds_json
            pages[catalogue_name(page, suffix)] = make(pub, entries, chunk, page, nav)
    return pages


def _paging(pub: Publication, page: int, pages: int, suffix: str) -> dict[str, str]:
    """first/previous/next/last links, for a catalogue of more than one page."""
    if pages == 1:
        return {}
    nav = {"first": link(pub, catalogue_name(1, suffix)), "last": link(pub, catalogue_name(pages, suffix))}
    if page > 1:
        nav["previous"] = link(pub, catalogue_name(page - 1, suffix))
    if page < pages:
        nav["next"] = link(pub, catalogue_name(page + 1, suffix))
    return nav


def _opds_xml(pub: Publication, entries: list, items: list, page: int, nav: dict) -> str:
    name = catalogue_name(page, ".xml")
    return xml_safe(render_template(
        pub, "site/opds.xml", items=items, feed_id=identifier(pub, "opds.xml", name),
        updated=_stamp(feed_updated(entries)), self_href=link(pub, name), nav=nav,
        json_href=link(pub, catalogue_name(page, ".json")), home=link(pub, "" if pub.url else "index.html"),
        kind=OPDS_ACQUISITION, acquisition=OPEN_ACCESS,
    ))


def _opds_json(pub: Publication, entries: list, items: list, page: int, nav: dict) -> str:
    publications = []
    for item in items:
        entry = item["entry"]
        metadata = {
            "@type": "http://schema.org/PublicationIssue",
            "title": item["title"],
            "identifier": item["id"],
            "language": pub.language,
            "published": entry.date.isoformat(),
            "modified": item["updated"],
            "publisher": {"name": pub.publisher},
            "description": item["contents"],
            "subject": item["keywords"],
            "belongsTo": {"series": {"name": pub.title, "position": entry.number}},
        }
        links = [{"rel": OPEN_ACCESS, "href": f["href"], "type": f["file"].mime, "title": f["file"].label}
                 for f in item["files"]]
        links.append({"rel": "alternate", "href": item["page"], "type": "text/html"})
        images = [{"href": item[key], "type": "image/jpeg", "width": size[1], "height": size[2]}
                  for key, size in (("cover", COVER), ("thumbnail", THUMB))]
        publications.append({"metadata": metadata, "links": links, "images": images})
    feed = {
        "metadata": {"title": pub.title, "modified": _stamp(feed_updated(entries)),
                     "numberOfItems": len(publications)},
        "links": [
            {"rel": "self", "href": link(pub, catalogue_name(page, ".json")), "type": "application/opds+json"},
            {"rel": "alternate", "href": link(pub, catalogue_name(page, ".xml")), "type": OPDS_ACQUISITION},
            {"rel": "alternate", "href": link(pub, "" if pub.url else "index.html"), "type": "text/html"},
            *({"rel": rel, "href": href, "type": "application/opds+json"} for rel, href in nav.items()),
        ],
        "publications": publications,
    }
    if pub.tagline:
        feed["metadata"]["subtitle"] = pub.tagline
    return xml_safe(json.dumps(feed, indent=1, ensure_ascii=False)) + "\n"


ATOM = "{http://www.w3.org/2005/Atom}"


def validate_site(out_root: Path) -> list[str]:
    """The feeds parsed back and checked against the structure Atom and OPDS require ("ok: …"/"error: …")."""
    from lxml import etree

    messages = []
    for name, acquisition in (("feed.atom", False), ("opds.xml", True)):
        path = out_root / name
        try:
            root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            messages.append(f"error: {name} does not parse: {exc}")
            continue
        missing = [f"feed/{tag}" for tag in ("id", "title", "updated") if root.find(ATOM + tag) is None]
        entries = root.findall(ATOM + "entry")
        for entry in entries:
            missing += [f"entry/{tag}" for tag in ("id", "title", "updated") if entry.find(ATOM + tag) is None]
            links = entry.findall(ATOM + "link")
            if acquisition and not any(l.get("rel", "").startswith("http://opds-spec.org/acquisition")
                                       and l.get("type") for l in links):
                missing.append(f"an acquisition link in {entry.findtext(ATOM + 'id')}")
        if root.tag != ATOM + "feed" or missing:
            messages.append(f"error: {name} lacks {', '.join(sorted(set(missing))) or 'an Atom <feed> root'}")
        else:
            messages.append(f"ok: {name} parses, {len(entries)} entries with the required elements")
    try:
        catalogue = json.loads((out_root / "opds.json").read_text(encoding="utf-8"))
        good = (isinstance(catalogue.get("metadata", {}).get("title"), str)
                and any(l.get("rel") == "self" for l in catalogue.get("links", []))
                and all(p.get("metadata", {}).get("title") and p.get("links")
                        for p in catalogue.get("publications", [])))
        messages.append("ok: opds.json parses, with metadata, a self link and linked publications" if good
                        else "error: opds.json lacks metadata.title, a self link or publications' links")
    except (OSError, ValueError, AttributeError, RecursionError) as exc:
        messages.append(f"error: opds.json does not parse: {exc}")
    return messages
