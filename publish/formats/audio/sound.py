"""Engine WAV files → loudness-normalised FLAC (the cache), FLAC files → MP3 with fixed settings, loudness read back.

All through ffmpeg (Debian's). Speech podcasts aim at EBU R128 −16 LUFS
integrated: each article is measured, then raised or lowered by one gain under
a peak limiter, so the whole issue, made of them, lands there too. `-bitexact` and no
metadata from ffmpeg keep the bytes the same for the same input.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from publish import lifeline
from publish.errors import PublishError

LUFS = -16.0  # integrated loudness of a speech podcast (EBU R128 / AES TD1004)
LIMIT = 0.75  # −2.5 dBFS: the peaks the limiter lets through, leaving room for the MP3 encoder's overshoot
RATE = 44100
BITRATE = "64k"  # mono speech: CBR, so every player seeks and times chapters alike
NORMALISE_VERSION = f"gain {LUFS} limit {LIMIT} {RATE} v4"  # part of each article's cache key


def ffmpeg(*args: str, what: str) -> str:
    """Run ffmpeg quietly; its stderr (where it prints measurements), or a PublishError saying what failed."""
    command = ["ffmpeg", "-hide_banner", "-nostdin", "-y", *args]
    try:
        done = subprocess.run(command, capture_output=True, text=True, errors="replace", timeout=3600,
                              **lifeline.tool_options())
    except FileNotFoundError:
        raise PublishError("ffmpeg not found — apt-get install ffmpeg to make the audio edition") from None
    except subprocess.TimeoutExpired:
        raise PublishError(f"ffmpeg took over an hour to {what} — check the machine") from None
    if done.returncode:
        tail = " ".join(done.stderr.strip().splitlines()[-2:])
        raise PublishError(f"ffmpeg could not {what}: {tail} — check the ffmpeg installation")
    return done.stderr


def measure(path: Path, peak: bool = False) -> tuple[float, float]:
    """(integrated loudness in LUFS, sample peak in dBFS or -inf unless asked) as ffmpeg's EBU R128 meter reads it."""
    meter = "ebur128=framelog=verbose" + (":peak=sample" if peak else "")
    report = ffmpeg("-nostats", "-i", str(path), "-filter_complex", meter, "-f", "null", "-",
                    what="measure the loudness")
    summary = report[report.rfind("Summary:"):]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    value = lambda m: float(m.group(1)) if m and m.group(1) != "-inf" else float("-inf")  # noqa: E731
    return value(integrated), value(peak)


def normalise(wav: Path, flac: Path) -> None:
    """An engine's WAV → FLAC at −16 LUFS, 44.1 kHz mono, with a short breath of silence at each end.

    A measurement, then a linear gain with a limiter holding the peaks under LIMIT (corrected up
    to twice if the limiter took too much off): ffmpeg's loudnorm in linear mode does the same for
    speech at several times the cost (it works at 192 kHz).
    """
    integrated, _ = measure(wav)
    if integrated == float("-inf") or integrated < -70:  # silence: nothing to raise
        integrated = LUFS
    gain = LUFS - integrated
    for attempt in range(3):  # the limiter takes a little loudness off speech with high peaks: make it up
        chain = (f"adelay=300,volume={max(-30.0, min(30.0, gain)):.2f}dB,"
                 f"alimiter=limit={LIMIT}:level=false:latency=1,aresample={RATE},apad=pad_dur=0.5")
        ffmpeg("-i", str(wav), "-af", chain, "-ac", "1", "-sample_fmt", "s16", "-map_metadata", "-1", "-bitexact",
               "-c:a", "flac", str(flac), what="normalise the loudness")
        reached, _ = measure(flac)
        if attempt == 2 or abs(reached - LUFS) <= 0.4 or reached < -70:
            break
        gain += 1.6 * (LUFS - reached)  # the limiter takes part of any extra gain back


def silence(seconds: float, flac: Path) -> None:
    ffmpeg("-f", "lavfi", "-i", f"anullsrc=r={RATE}:cl=mono", "-t", f"{seconds:.3f}", "-sample_fmt", "s16",
           "-map_metadata", "-1", "-bitexact", "-c:a", "flac", str(flac), what="make a pause")


def encode(parts: list[Path], mp3: Path, work: Path) -> None:
    """FLAC files, one after the other → one MP3: 44.1 kHz mono CBR, no tags (publish adds its own)."""
    listing = work / f"{mp3.stem}.concat.txt"
    listing.write_text("".join(f"file '{_quoted(p)}'\n" for p in parts), encoding="utf-8")
    ffmpeg("-f", "concat", "-safe", "0", "-i", str(listing), "-map_metadata", "-1", "-id3v2_version", "0",
           "-write_id3v1", "0", "-ac", "1", "-ar", str(RATE), "-c:a", "libmp3lame", "-b:a", BITRATE,
           "-bitexact", "-fflags", "+bitexact", "-flags:a", "+bitexact", str(mp3), what="encode the MP3")


def _quoted(path: Path) -> str:
    return str(path.resolve()).replace("'", "'\\''")


def loudness(path: Path) -> tuple[float, float]:
    """(integrated loudness in LUFS, sample peak in dBFS) of a finished file."""
    return measure(path, peak=True)
