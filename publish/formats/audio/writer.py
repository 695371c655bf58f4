"""An Issue → the audio edition: audio/NN-<key>.mp3 per article, <slug>-<n>.mp3 with chapters, <slug>-<n>.chapters.json.

Each article's speech is cached (in .publish-cache/audio/, never in dist/)
under the digest of its spoken text, the engine and voice and the loudness
settings: editing one article re-speaks that article alone. Articles are
spoken in parallel, one engine process per core.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mutagen.flac import FLAC
from mutagen.mp3 import MP3

from publish.atomic import write_text
from publish.formats.audio import sound, tags
from publish.formats.audio.engines import Engine, resolve
from publish.formats.audio.script import Segment, reading_script, reading_settings
from publish.model import Issue
from publish.pipeline.types import Context
from publish.products.cover import front_cover, jpeg

log = logging.getLogger("publish")
CACHE = Path(".publish-cache") / "audio"
ARTWORK = 1400  # px, the long side: what podcast directories ask for at the least


def cache_key(segment: Segment, engine: Engine) -> str:
    text = f"{engine.identity}\0{sound.NORMALISE_VERSION}\0{segment.text}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Progress:
    """Minutes of audio made so far, as a bar logged when each part is done (from any worker process)."""

    def __init__(self, issue: int, total: int):
        self.issue, self.total, self.done, self.seconds = issue, total, 0, 0.0
        self.lock = threading.Lock()

    def add(self, seconds: float, cached: bool) -> None:
        with self.lock:
            self.done += 1
            self.seconds += seconds
            filled = round(20 * self.done / self.total)
            log.info("issue %s audio [%s%s] %d/%d parts, %.1f minutes of audio%s", self.issue, "#" * filled,
                     "." * (20 - filled), self.done, self.total, self.seconds / 60, " (cached)" if cached else "")


def _speak(segment: Segment, engine: Engine, cache: Path, work: Path, progress: _Progress) -> Path:
    """One segment's normalised FLAC: from the cache, or spoken now and cached."""
    key = cache_key(segment, engine)
    target = cache / key[:2] / f"{key}.flac"
    if not target.is_file():
        name = f"{key[:16]}-{threading.get_ident()}"  # two parts may say the same words at once
        text_file, wav = work / f"{name}.txt", work / f"{name}.wav"
        text_file.write_text(segment.text, encoding="utf-8")
        engine.speak(text_file, wav)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = work / f"{name}.flac"
        sound.normalise(wav, partial)
        os.replace(partial, target)  # whole or not at all: a killed build leaves no half file in the cache
        progress.add(_seconds(target), cached=False)
    else:
        progress.add(_seconds(target), cached=True)
    return target


def _seconds(flac: Path) -> float:
    info = FLAC(flac).info
    return info.total_samples / info.sample_rate


def _workers(context: Context) -> int:
    """Engine processes at once: every core, shared between the issues built side by side."""
    return max(1, (os.cpu_count() or 1) // max(1, context.options.jobs))


def artwork(issue: Issue) -> bytes | None:
    """The issue's front cover, as the ebooks carry it, made small enough to ride in every file."""
    try:
        image = front_cover(issue)
        image.thumbnail((ARTWORK, ARTWORK))
        return jpeg(image.convert("RGB"), quality=85)
    except (OSError, ValueError) as exc:
        log.warning("issue %s audio: no cover artwork (%s)", issue.number, exc)
        return None


def write(issue: Issue, stage: Path, context: Context) -> list[Path]:
    pub = issue.publication
    engine = resolve(pub)
    opening, segments = reading_script(issue)
    pause = float(reading_settings(pub).get("pause", 1.5))
    cache = pub.root / CACHE
    cache.mkdir(parents=True, exist_ok=True)
    progress = _Progress(issue.number, len(segments) + 1)
    with tempfile.TemporaryDirectory(prefix="speak-", dir=cache) as folder:
        work = Path(folder)
        with ThreadPoolExecutor(max_workers=_workers(context)) as pool:
            flacs = list(pool.map(lambda s: _speak(s, engine, cache, work, progress), [opening, *segments]))
        gap = work / "pause.flac"
        sound.silence(pause, gap)
        cover = artwork(issue)
        files = _article_files(issue, segments, flacs[1:], stage, work, cover)
        files += _issue_files(issue, [opening, *segments], flacs, gap, stage, work, cover, pause)
    log.info("issue %s audio: %s, %.1f minutes", issue.number, engine.name, progress.seconds / 60)
    return files


def _article_files(issue: Issue, segments: list[Segment], flacs: list[Path], stage: Path, work: Path,
                   cover: bytes | None) -> list[Path]:
    folder = stage / "audio"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for track, (segment, flac) in enumerate(zip(segments, flacs), start=1):
        target = folder / article_file(track, segment.slug)
        sound.encode([flac], target, work)
        tags.tag_article(target, issue, segment.article, track, len(segments), cover, round(_seconds(flac) * 1000))
        files.append(target)
    return files


def article_file(track: int, key: str) -> str:
    return f"{track:02d}-{key}.mp3"


def _issue_files(issue: Issue, segments: list[Segment], flacs: list[Path], gap: Path, stage: Path, work: Path,
                 cover: bytes | None, pause: float) -> list[Path]:
    """The whole issue with a pause between articles, its chapters in ID3 and as Podcasting 2.0 JSON."""
    parts, chapters, start = [], [], 0.0
    for index, (segment, flac) in enumerate(zip(segments, flacs)):
        if index:
            parts.append(gap)
            start += _seconds(gap)
        length = _seconds(flac)
        chapters.append((segment.title, round(start * 1000), round((start + length) * 1000)))
        parts.append(flac)
        start += length
    target = stage / f"{issue.name}.mp3"
    sound.encode(parts, target, work)
    tags.tag_issue(target, issue, chapters, cover)
    listing = stage / f"{issue.name}.chapters.json"
    write_text(listing, json.dumps(chapters_json(chapters), indent=1, ensure_ascii=False) + "\n")
    return [target, listing]


def chapters_json(chapters: list[tuple[str, int, int]]) -> dict:
    """The Podcasting 2.0 JSON chapters format (podcast:chapters), times in seconds."""
    return {"version": "1.2.0", "chapters": [
        {"startTime": start / 1000, "endTime": end / 1000, "title": title} for title, start, end in chapters]}


def validate(files: list[Path], context: Context) -> list[str]:
    """The whole issue's loudness (EBU R128) and chapters, read back from the file."""
    issue_files = [f for f in files if f.suffix == ".mp3" and f.parent.name != "audio"]
    messages = []
    for path in issue_files:
        integrated, peak = sound.loudness(path)
        verdict = "ok" if abs(integrated + 16) <= 1.5 else "warning"
        messages.append(f"{verdict}: {path.name} is {integrated:.1f} LUFS integrated (aim −16), peak {peak:.1f} dBFS")
        chapters = [k for k in MP3(path).tags.keys() if k.startswith("CHAP:")] if MP3(path).tags else []
        articles = sum(1 for f in files if f.parent.name == "audio")
        verdict = "ok" if len(chapters) == articles + 1 else "error"
        messages.append(f"{verdict}: {path.name} has {len(chapters)} chapters for {articles} articles and the opening")
    return messages
