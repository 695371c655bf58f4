"""What the audio edition left in dist/<n>/ → the site's audio listings: the issue file, its tracks, durations.

The audio format writes `<name>.mp3` (the issue, with chapters), `<name>.chapters.json`
(Podcasting 2.0 chapters: the opening, then one per article in reading order) and
`audio/NN-<key>.mp3` (track NN is chapter NN). The site reads only those files, never
the sound: durations come from the chapters.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

CHAPTERS_LIMIT = 1 << 20  # bytes: a chapters file is a few kB; a bigger one is not ours
_TRACK = re.compile(r"(\d{2,})-(.+)\.mp3")


@dataclass(frozen=True)
class AudioTrack:
    file: str  # under dist/<n>/, e.g. "audio/02-strike.mp3"
    key: str  # the article's key (Article.key)
    title: str
    seconds: float


@dataclass(frozen=True)
class IssueAudio:
    file: str  # "<name>.mp3"
    size: int
    seconds: float
    chapters: str  # "<name>.chapters.json"
    tracks: tuple[AudioTrack, ...] = ()

    def track(self, key: str) -> AudioTrack | None:
        return next((t for t in self.tracks if t.key == key), None)


def find_audio(out_dir: Path, name: str) -> IssueAudio | None:
    """The issue's audio as the audio format left it in `out_dir`, or None (not built, or half there)."""
    whole, listing = out_dir / f"{name}.mp3", out_dir / f"{name}.chapters.json"
    try:
        if not whole.is_file() or listing.stat().st_size > CHAPTERS_LIMIT:
            return None
        chapters = json.loads(listing.read_text(encoding="utf-8"))["chapters"]
        spans = [(str(c["title"]), float(c["startTime"]), float(c["endTime"])) for c in chapters]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return None
    tracks = []
    folder = out_dir / "audio"
    for path in sorted(folder.glob("*.mp3")) if folder.is_dir() else []:
        found = _TRACK.fullmatch(path.name)
        if found and 0 < int(found.group(1)) < len(spans):
            title, start, end = spans[int(found.group(1))]
            tracks.append(AudioTrack(f"audio/{path.name}", found.group(2), title, end - start))
    return IssueAudio(whole.name, whole.stat().st_size, spans[-1][2] if spans else 0.0, listing.name, tuple(tracks))


def stamp(audio: IssueAudio | None) -> str:
    """What the article pages' players depend on: re-render them when it changes."""
    return "" if audio is None else f"audio:{audio.size}:{len(audio.tracks)}:{audio.seconds:.3f}"


def duration(seconds: float) -> str:
    """1:02:03 or 4:05, as players and iTunes write durations."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


