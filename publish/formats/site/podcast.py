"""Issue summaries with audio → dist/podcast.xml: RSS 2.0 with the iTunes and Podcasting 2.0 tags.

One episode per issue that has audio (publish.formats.site.audio), newest first: the issue MP3
as enclosure, its duration, cover, contents as show notes, chapters (JSON) and the text
edition as transcript.
"""

from __future__ import annotations

import datetime as dt
import uuid
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote

from publish.formats.site.pages import absolute, xml_safe
from publish.model import Publication
from publish.render import render_template


def _link(pub: Publication, path: str) -> str:
    return absolute(pub, path) or path


def podcast(pub: Publication, entries: list) -> str | None:
    """podcast.xml for the issues with audio (entries newest first), or None when none has any."""
    spoken = [e for e in entries if getattr(e, "audio", None)]
    if not spoken:
        return None
    items = []
    for entry in spoken:
        n, audio = entry.number, entry.audio
        text = next((d for d in entry.for_readers if d.fmt == "text"), None)
        items.append({
            "entry": entry, "audio": audio, "title": f"Issue {n}: {entry.headline}",
            "guid": uuid.uuid5(uuid.NAMESPACE_URL, f"publish:{pub.slug}:audio:{n}").urn,
            "date": format_datetime(dt.datetime.combine(entry.date, dt.time(6), dt.timezone.utc)),
            "page": _link(pub, f"{n}/index.html" if not pub.url else f"{n}/"),
            "enclosure": _link(pub, f"{n}/{quote(audio.file)}"), "cover": _link(pub, f"{n}/cover.jpg"),
            "chapters": _link(pub, f"{n}/{quote(audio.chapters)}"),
            "transcript": _link(pub, f"{n}/{quote(text.file)}") if text else "",
            "duration": int(round(audio.seconds)),
        })
    return xml_safe(render_template(
        pub, "site/podcast.xml", items=items, self_href=_link(pub, "podcast.xml"),
        home=_link(pub, "" if pub.url else "index.html"), cover=items[0]["cover"],
        guid=str(uuid.uuid5(uuid.NAMESPACE_URL, pub.url or f"publish:{pub.slug}:podcast")),
    ))


def validate_podcast(out_root: Path) -> list[str]:
    """podcast.xml parsed back: an RSS 2.0 channel whose every item has an audio enclosure with its length."""
    from lxml import etree

    path = out_root / "podcast.xml"
    if not path.is_file():
        return []
    try:
        channel = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).find("channel")
    except etree.XMLSyntaxError as exc:
        return [f"error: podcast.xml does not parse: {exc}"]
    items = channel.findall("item") if channel is not None else []
    bad = [i.findtext("title") or "?" for i in items
           if not ((e := i.find("enclosure")) is not None and (e.get("type") or "").startswith("audio/")
                   and (e.get("length") or "").isdigit() and e.get("url"))]
    if channel is None or not items or bad:
        return [f"error: podcast.xml lacks audio enclosures in {', '.join(bad) or 'its channel'}"]
    return [f"ok: podcast.xml parses, {len(items)} episodes with audio enclosures"]
