"""MP3 files and the issue → their ID3 tags: title, author, album, track, cover, language, and CHAP/CTOC chapters.

Written with mutagen as ID3v2.3 (what podcast apps and car stereos read best),
with no time stamps and no padding left to chance, so tagging is reproducible.
"""

from __future__ import annotations

from pathlib import Path

from mutagen.id3 import APIC, CHAP, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, TPE2, TPUB, TRCK, CTOCFlags

from publish.model import Article, Issue

# ID3 wants ISO 639-2 codes; the languages papers are written in, else the BCP 47 primary tag as it is
ISO639_2 = {"en": "eng", "de": "deu", "fr": "fra", "es": "spa", "it": "ita", "pt": "por", "nl": "nld", "pl": "pol",
            "sv": "swe", "da": "dan", "no": "nor", "nb": "nob", "fi": "fin", "el": "ell", "tr": "tur", "ru": "rus",
            "uk": "ukr", "cy": "cym", "ga": "gle", "cs": "ces", "hu": "hun", "ro": "ron", "ca": "cat", "eu": "eus"}


def language_code(language: str) -> str:
    primary = language.split("-")[0].lower()
    return ISO639_2.get(primary, primary)


def album(issue: Issue) -> str:
    return f"{issue.publication.title} {issue.number}"


def _common(tags: ID3, issue: Issue, cover: bytes | None, milliseconds: int) -> None:
    pub = issue.publication
    tags.add(TALB(encoding=3, text=album(issue)))
    tags.add(TPE2(encoding=3, text=pub.publisher))
    tags.add(TPUB(encoding=3, text=pub.publisher))
    tags.add(TDRC(encoding=3, text=issue.date.isoformat()))
    tags.add(TLAN(encoding=3, text=language_code(pub.language)))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(TLEN(encoding=3, text=str(milliseconds)))
    if cover:
        tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="Cover", data=cover))


def _save(tags: ID3, path: Path) -> None:
    tags.save(path, v2_version=3, v1=0, padding=lambda info: 0)


def tag_article(path: Path, issue: Issue, article: Article, track: int, total: int, cover: bytes | None,
                milliseconds: int) -> None:
    tags = ID3()
    tags.add(TIT2(encoding=3, text=article.full_title))
    tags.add(TPE1(encoding=3, text=", ".join(article.authors) or issue.publication.publisher))
    tags.add(TRCK(encoding=3, text=f"{track}/{total}"))
    _common(tags, issue, cover, milliseconds)
    _save(tags, path)


def tag_issue(path: Path, issue: Issue, chapters: list[tuple[str, int, int]], cover: bytes | None) -> None:
    """The whole-issue file: its tags, one CHAP frame per (title, start ms, end ms) and a CTOC listing them."""
    pub = issue.publication
    tags = ID3()
    tags.add(TIT2(encoding=3, text=f"{pub.title} {issue.number}: {issue.headline}"))
    tags.add(TPE1(encoding=3, text=pub.publisher))
    tags.add(TRCK(encoding=3, text="1/1"))
    _common(tags, issue, cover, chapters[-1][2] if chapters else 0)
    ids = [f"chp{index}" for index in range(len(chapters))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                  sub_frames=[TIT2(encoding=3, text=album(issue))]))
    for element, (title, start, end) in zip(ids, chapters):
        tags.add(CHAP(element_id=element, start_time=start, end_time=end, start_offset=0xFFFFFFFF,
                      end_offset=0xFFFFFFFF, sub_frames=[TIT2(encoding=3, text=title)]))
    _save(tags, path)
