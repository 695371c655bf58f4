"""Speech engines on the demo paper's reading script → the real-time factor of each (synthesis s per s of audio).

    python -m bench.audio [--words 2000] [--piper-voice PATH.onnx] [--issue 1112]

Reports, per engine: words, seconds of audio, synthesis seconds, the real-time factor (RTF),
words per minute, the cost of loudness normalisation and MP3 encoding (also as a factor of the
audio's length), and what a 20,000-word issue would take on this machine with every core speaking.
Like the rest of bench/, it only reports; it never fails on a time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import wave
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from publish.check import load_publication, read_issues  # noqa: E402
from publish.formats.audio import sound  # noqa: E402
from publish.formats.audio.engines import resolve  # noqa: E402
from publish.formats.audio.script import reading_script  # noqa: E402
from publish.model import AudioSettings  # noqa: E402

ISSUE_WORDS = 20_000


def script_text(issue_number: str, words: int) -> tuple[str, int]:
    """The first `words` words of the demo issue's reading script, whole paragraphs."""
    pub, _ = load_publication(REPO)
    issue = read_issues(pub, [pub.issues_dir / issue_number], print_checks=False)[0].issue
    _, segments = reading_script(issue)
    paragraphs, count = [], 0
    for paragraph in (p for s in segments for p in s.paragraphs):
        if count >= words:
            break
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n".join(paragraphs) + "\n", count


def measure(pub, text: str, words: int, work: Path) -> dict:
    engine = resolve(pub)
    source = work / f"{engine.name}.txt"
    source.write_text(text, encoding="utf-8")
    wav, flac, mp3 = (work / f"{engine.name}{suffix}" for suffix in (".wav", ".flac", ".mp3"))
    started = time.perf_counter()
    engine.speak(source, wav)
    synthesis = time.perf_counter() - started
    with wave.open(str(wav)) as handle:
        seconds = handle.getnframes() / handle.getframerate()
    started = time.perf_counter()
    sound.normalise(wav, flac)
    sound.encode([flac], mp3, work)
    post = time.perf_counter() - started
    integrated, peak = sound.loudness(mp3)
    rtf = synthesis / seconds
    issue_minutes = ISSUE_WORDS / (words / (seconds / 60))
    cores = os.cpu_count() or 1
    return {"engine": f"{engine.name} ({engine.voice})", "words": words, "audio s": round(seconds, 1),
            "synthesis s": round(synthesis, 1), "RTF": round(rtf, 3), "wpm": round(words / (seconds / 60)),
            "post RTF": round(post / seconds, 3), "LUFS": integrated, "peak dBFS": peak,
            "20k-word issue, min": round(issue_minutes * 60 * (rtf + post / seconds) / cores / 60, 1),
            "MP3 kB/min": round(mp3.stat().st_size / 1024 / (seconds / 60))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--issue", default="1112")
    parser.add_argument("--piper-voice", type=Path, help="a Piper model (.onnx with its .onnx.json)")
    args = parser.parse_args(argv)
    text, words = script_text(args.issue, args.words)
    pub, _ = load_publication(REPO)
    setups = [replace(pub, audio=AudioSettings("espeak-ng", ""))]
    if args.piper_voice:
        voice = args.piper_voice.resolve()
        setups.append(replace(pub, root=voice.parent, audio=AudioSettings("piper", voice.name)))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for setup in setups:
            rows.append(measure(setup, text, words, Path(folder)))
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))
    print(f"\n{os.cpu_count()} cores; RTF = synthesis seconds per second of audio (one engine process); "
          "post = loudness and MP3 encoding; the issue estimate runs one engine per core.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
