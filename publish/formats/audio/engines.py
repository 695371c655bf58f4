"""[audio] settings → a speech engine that turns a text file into a WAV file, run as a child process.

Piper (piper-tts, GPL-3.0) runs through its command line, `python -m piper`,
in its own process, so publish (MIT) never links it; espeak-ng is Debian's
program. `resolve()` picks the engine: Piper when a Piper voice is installed,
espeak-ng otherwise, and says how to install one when neither is.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import importlib.util
import logging
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from publish.errors import PublishError
from publish import lifeline
from publish.model import Publication

log = logging.getLogger("publish")
INSTALL = ("install a speech engine: apt-get install espeak-ng (robotic but clear), or pip install piper-tts "
           "with a Piper voice (voice = \"voices/NAME.onnx\" in [audio])")
TIMEOUT = 3600  # seconds for one article


@dataclass(frozen=True)
class Engine:
    """One engine with one voice: `speak(text_file, wav_file)`; `identity` names both, for the cache."""

    name: str
    voice: str
    command: tuple[str, ...]  # before the input and output arguments
    identity: str

    def speak(self, text_file: Path, wav_file: Path) -> None:
        if self.name == "piper":
            args = [*self.command, "-i", str(text_file), "-f", str(wav_file)]
        else:
            args = [*self.command, "-f", str(text_file), "-w", str(wav_file)]
        try:
            done = subprocess.run(args, capture_output=True, timeout=TIMEOUT, **lifeline.tool_options())
        except subprocess.TimeoutExpired:
            raise PublishError(f"{self.name}: no audio after {TIMEOUT} s for one article — "
                               "check the engine runs (see the README)") from None
        if done.returncode or not wav_file.is_file() or wav_file.stat().st_size <= 44:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise PublishError(f"{self.name} failed (exit {done.returncode}): {' '.join(said) or 'no audio'} — "
                               f"check the voice {self.voice!r} in [audio]")


@functools.lru_cache(maxsize=4)
def _espeak_version() -> str:
    done = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True)
    return done.stdout.strip()


@functools.lru_cache(maxsize=16)
def _file_digest(path: Path, size: int, mtime: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _piper_installed() -> bool:
    return importlib.util.find_spec("piper") is not None


def piper_model(pub: Publication, voice: str) -> Path | None:
    """A Piper model: a file in the publication, or the .onnx an installed voice package ships; else None."""
    if voice.endswith(".onnx") or "/" in voice:
        path = pub.root / voice
        return path if path.is_file() else None
    if not voice:
        return None
    try:
        spec = importlib.util.find_spec(voice.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).rglob("*.onnx"))
        if found and found[0].with_name(found[0].name + ".json").is_file():
            return found[0]
    return None


@functools.lru_cache(maxsize=1)
def _espeak_voices() -> frozenset[str]:
    """Every language and voice name espeak-ng knows, lower case ("en-gb", "en-gb-x-rp", "german")."""
    done = subprocess.run(["espeak-ng", "--voices"], capture_output=True, text=True, errors="replace")
    names = set()
    for line in done.stdout.splitlines()[1:]:
        parts = line.split()
        if len(parts) >= 5:
            names |= {parts[1].lower(), parts[3].lower(), parts[4].rsplit("/", 1)[-1].lower()}
    return frozenset(names)


def espeak_voice(pub: Publication, voice: str) -> str:
    """The voice asked for if espeak-ng has it, else the publication's language (or its primary tag)."""
    known = _espeak_voices()
    primary = pub.language.split("-")[0].lower()
    if voice and voice.lower() not in known:
        log.warning("publication.toml: [audio] voice %r is not an espeak-ng voice (espeak-ng --voices lists them); "
                    "speaking in the publication's language", voice)
    for name in (voice.lower(), pub.language.lower(), primary):
        if name and name in known:
            return name
    log.warning("espeak-ng has no voice for %r; speaking with its English voice", voice or pub.language)
    return "en"


def _piper(pub: Publication, voice: str, model: Path | None) -> Engine | None:
    """Piper with the voice's model, or None (said in a warning) when Piper or the model is not installed."""
    if not _piper_installed() or model is None:
        why = "Piper is not installed (pip install piper-tts)" if not _piper_installed() else \
            f"voice {voice!r} is neither a model file in the publication nor an installed voice package"
        log.warning("publication.toml: [audio] asks for Piper, but %s; speaking with espeak-ng instead", why)
        return None
    info = model.stat()
    version = importlib.metadata.version("piper-tts")
    options = ("--sentence-silence", "0.25")
    identity = f"piper {version} {_file_digest(model, info.st_size, info.st_mtime_ns)} {' '.join(options)}"
    return Engine("piper", voice, (sys.executable, "-m", "piper", "-m", str(model), *options), identity)


def resolve(pub: Publication) -> Engine:
    """The engine [audio] asks for (Piper when its voice is a Piper model); espeak-ng, the fallback, when no
    neural voice is installed; a PublishError saying how to install one when neither engine is."""
    settings = pub.audio
    engine, voice = (settings.engine, settings.voice) if settings else ("", "")
    model = piper_model(pub, voice) if engine != "espeak-ng" else None
    if engine == "piper" or (not engine and model):
        chosen = _piper(pub, voice, model)
        if chosen:
            return chosen
        voice = ""  # a Piper voice's name means nothing to espeak-ng
    if shutil.which("espeak-ng") is None:
        raise PublishError(f"espeak-ng not found — {INSTALL}")
    name = espeak_voice(pub, voice)
    return Engine("espeak-ng", name, ("espeak-ng", "-v", name, "-s", "165"), f"{_espeak_version()} {name} 165")
