"""The audio edition: the reading script on tricky text, the MP3s and their ID3 chapters, loudness, the podcast
feed and the site's players, the per-article cache, the opt-in, and bad [audio] settings.

Speech is made by espeak-ng (fast, deterministic); one small publication is built once for the session.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import feedparser
import onnx
import pytest
from onnx import TensorProto, helper
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from helpers import PUBLICATION_TOML, invoke_at, small_publication, write
from publish.check import load_publication, read_issues
from publish.errors import PublishError
from publish.formats.audio import engines, sound
from publish.formats.audio.script import reading_script
from publish.pipeline.build import choose_formats

EPOCH = "1606867200"
AUDIO = '\n[audio]\nengine = "espeak-ng"\n'

TRICKY = """\
---
title: "Pay: £8.72 an hour is not enough"
author: "Łukasz Żółć"
affiliation: "Cardiff Socialist Party"
section: news
standfirst: "Rents up 15% since 2019"
image:
  src: images/picket.jpg
  alt: "A picket line at dawn"
  caption: "Strikers in Cardiff"
---
On 2 December 2020 the NHS trust offered €1,200 — a rise of 10–20 hours’ pay. See
https://www.socialistparty.org.uk/join or write to editors@socialist.org.uk.[^1]

| Grade | Offer |
|---|---|
| Porter | 1% |
| Nurse | 2.5% |

::: box Fighting fund
Give £5 today.
:::

A “soft\u00adhyphen” and a ﬁnal word. Visit A&E, e.g. at 3.30pm in the 1980s.

[^1]: Figures from the branch.
"""


def _publication(root: Path, audio: str = AUDIO) -> Path:
    small_publication(root)
    write(root / "publication.toml", PUBLICATION_TOML + audio)
    write(root / "issues/1112/03-pay.md", TRICKY)
    shutil.copy(root / "issues/1112/images/picket.jpg", root / "issues/1112/images/picket2.jpg")
    return root


def _script(root: Path):
    pub, _ = load_publication(root)
    issue = read_issues(pub, [pub.issues_dir / "1112"], print_checks=False)[0].issue
    return issue, *reading_script(issue)


# --- the reading script ------------------------------------------------------------------------


def test_reading_script_says_what_a_person_would(tmp_path):
    issue, opening, segments = _script(_publication(tmp_path / "pub"))
    assert [s.article.slug for s in segments] == [a.slug for a in issue.all_pages]
    assert opening.text.startswith("The Weekly Worker. Issue one thousand, one hundred and twelve, "
                                   "the second of December twenty twenty.")
    pay = next(s for s in segments if s.slug == "pay").text
    for said in ("News.", "Pay: eight pounds and seventy-two pence an hour is not enough.",
                 "By Łukasz Żółć, Cardiff Socialist Party.", "Rents up fifteen per cent since twenty nineteen.",
                 "On the second of December twenty twenty the N H S trust offered one thousand, two hundred euros",
                 "ten to twenty hours' pay", "socialistparty dot org dot uk slash join",
                 "editors at socialist dot org dot uk", "A table of two rows.", "Grade: Porter; Offer: one per cent.",
                 "Grade: Nurse; Offer: two point five per cent.", "Box: Fighting fund.", "Give five pounds today.",
                 "softhyphen and a final word", "A and E, for example at three thirty P M in the nineteen eighties",
                 "Notes.\nNote one: Figures from the branch."):
        assert said in pay, said
    assert not re.search(r"\d|https?|www|@|£|€|%|[“”]|\u00ad|ﬁ", pay), pay
    assert "picket line" not in pay  # pictures are read only if the layout says so
    assert pay.index("Notes.") > pay.index("Give five pounds")


def test_layout_reads_pictures_and_skips_big_tables(tmp_path):
    root = _publication(tmp_path / "pub")
    builtin = (Path(__file__).resolve().parents[1] / "layouts/default/audio/reading.toml").read_text()
    settings = builtin.replace("pictures = false", "pictures = true").replace("table-rows = 12", "table-rows = 1")
    write(root / "layouts/default/audio/reading.toml", settings)
    pay = next(s for s in _script(root)[2] if s.slug == "pay").text
    assert "Picture: A picket line at dawn. Strikers in Cardiff." in pay
    assert "A table of two rows follows in the text edition; it is not read here." in pay
    assert "Porter" not in pay


def test_other_languages_keep_the_engines_words(tmp_path):
    root = _publication(tmp_path / "pub")
    toml = (root / "publication.toml").read_text().replace('language = "en-GB"', 'language = "de"')
    write(root / "publication.toml", toml)
    write(root / "issues/1112/03-pay.md", TRICKY.replace("€1,200", "1.200 €").replace("£8.72", "8,72 €"))
    pay = next(s for s in _script(root)[2] if s.slug == "pay").text
    assert "acht Euro zweiundsiebzig Cent" in pay and "eintausendzweihundert Euro" in pay
    assert "per cent" not in pay and "Notes" not in pay  # the built-in words are English


# --- the built edition ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    root = _publication(tmp_path_factory.mktemp("audio") / "pub")
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "audio,text,site", "--validate")
    assert result.exit_code == 0, result.output
    return root, result.output


def test_files_and_tags(built):
    root, _ = built
    out = root / "dist/1112"
    _, _, segments = _script(root)
    tracks = sorted((out / "audio").glob("*.mp3"))
    assert [t.name for t in tracks] == ["01-strike.mp3", "02-pay.mp3", "03-dilemma.mp3", "04-join.mp3"]
    for number, (track, segment) in enumerate(zip(tracks, segments), start=1):
        tags = ID3(track)
        assert tags["TIT2"].text == [segment.title]
        assert tags["TALB"].text == ["The Weekly Worker 1112"]
        assert tags["TRCK"].text == [f"{number}/4"]
        assert tags["TLAN"].text == ["eng"]
        assert tags.getall("APIC")[0].data[:3] == b"\xff\xd8\xff"  # the cover, as JPEG
    assert ID3(tracks[1])["TPE1"].text == ["Łukasz Żółć"]
    assert ID3(tracks[0]).version == (2, 3, 0)


def test_whole_issue_chapters_loudness_and_rate(built):
    root, output = built
    out = root / "dist/1112"
    whole = out / "weekly-worker-1112.mp3"
    tags = ID3(whole)
    toc = tags.getall("CTOC")[0]
    chapters = [tags[f"CHAP:{element}"] for element in toc.child_element_ids]
    titles = [c.sub_frames["TIT2"].text[0] for c in chapters]
    assert titles == ["The Weekly Worker", "Newport: Bin workers strike", "Pay: £8.72 an hour is not enough",
                      "TV: The Social Dilemma", "Join us"]
    assert chapters[0].start_time == 0
    assert all(a.end_time < b.start_time for a, b in zip(chapters, chapters[1:]))
    length = MP3(whole).info.length
    assert abs(length * 1000 - chapters[-1].end_time) < 200
    listing = json.loads((out / "weekly-worker-1112.chapters.json").read_text())
    assert [c["title"] for c in listing["chapters"]] == titles
    integrated, peak = sound.loudness(whole)
    assert -17.5 <= integrated <= -14.5 and peak <= 0.0
    assert "validate audio: ok: weekly-worker-1112.mp3 is -1" in output
    assert "validate audio: ok: weekly-worker-1112.mp3 has 5 chapters for 4 articles and the opening" in output
    assert "validate site: ok: podcast.xml parses, 1 episodes with audio enclosures" in output
    words = sum(s.words for s in _script(root)[2]) + _script(root)[1].words
    assert 100 <= words / (length / 60) <= 260


def test_podcast_feed_and_site(built):
    root, _ = built
    feed = feedparser.parse((root / "dist/podcast.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "The Weekly Worker: audio edition"
    entry = feed.entries[0]
    enclosure = entry.enclosures[0]
    assert enclosure.type == "audio/mpeg" and enclosure.href.endswith("1112/weekly-worker-1112.mp3")
    assert int(enclosure.length) == (root / "dist/1112/weekly-worker-1112.mp3").stat().st_size
    assert int(entry.itunes_duration) == round(MP3(root / "dist/1112/weekly-worker-1112.mp3").info.length)
    assert entry.itunes_episode == "1112"
    xml = (root / "dist/podcast.xml").read_text()
    assert 'podcast:chapters url="https://example.org/ww/1112/weekly-worker-1112.chapters.json"' in xml
    assert 'podcast:transcript url="https://example.org/ww/1112/weekly-worker-1112.txt" type="text/plain"' in xml
    page = (root / "dist/1112/index.html").read_text()
    assert '<h2 id="audio-title">Audio files</h2>' in page
    assert '<audio controls preload="none" src="weekly-worker-1112.mp3">' in page
    assert re.search(r'href="audio/02-pay.mp3"[^>]*>Pay: £8.72 an hour is not enough</a> '
                     r'<span class="duration">\d+:\d\d</span>', page)
    article = (root / "dist/1112/pay.html").read_text()
    assert '<audio controls preload="none" src="audio/02-pay.mp3"></audio>' in article
    assert 'href="podcast.xml"' in (root / "dist/index.html").read_text()


def test_an_edit_respeaks_one_article_and_bytes_are_reproducible(built, tmp_path):
    root = tmp_path / "pub"
    shutil.copytree(built[0], root)
    cache = root / ".publish-cache/audio"
    before = {p.name for p in cache.rglob("*.flac")}
    old = {p.name: p.read_bytes() for p in (root / "dist/1112/audio").glob("*.mp3")}
    text = (root / "issues/1112/02-dilemma.md").read_text()
    write(root / "issues/1112/02-dilemma.md", text.replace("A film about phones.", "A film about screens."))
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "audio")
    assert result.exit_code == 0, result.output
    assert len({p.name for p in cache.rglob("*.flac")} - before) == 1  # the edited article alone
    assert result.output.count("(cached)") == 4, result.output
    new = {p.name: p.read_bytes() for p in (root / "dist/1112/audio").glob("*.mp3")}
    assert new["01-strike.mp3"] == old["01-strike.mp3"]  # same speech, same tags: the same bytes
    assert new["03-dilemma.mp3"] != old["03-dilemma.mp3"]
    made = {p.relative_to(root / "dist").as_posix(): p.read_bytes() for p in (root / "dist/1112").rglob("*.mp3")}
    shutil.rmtree(cache)  # speak everything again: espeak-ng, ffmpeg and the tags give the same bytes
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "audio", "--force")
    assert result.exit_code == 0 and "(cached)" not in result.output, result.output
    assert made == {p.relative_to(root / "dist").as_posix(): p.read_bytes() for p in (root / "dist/1112").rglob("*.mp3")}


def test_espeak_is_reproducible(tmp_path):
    pub, _ = load_publication(_publication(tmp_path / "pub"))
    engine = engines.resolve(pub)
    text = write(tmp_path / "say.txt", "The same words, twice.\n")
    engine.speak(text, tmp_path / "a.wav")
    engine.speak(text, tmp_path / "b.wav")
    assert (tmp_path / "a.wav").read_bytes() == (tmp_path / "b.wav").read_bytes()


# --- Piper, with a voice the paper supplies ----------------------------------------------------------


def tiny_piper_voice(folder: Path) -> Path:
    """A Piper voice model of a dozen ONNX nodes: a tone per phoneme, its pitch following the phoneme id.

    No neural voice can be fetched here; this one keeps Piper's real interface (its inputs, its
    config) so that the real `python -m piper` runs it, as it would a paper's voice.
    """
    const = lambda name, kind, dims, values: helper.make_node(  # noqa: E731
        "Constant", [], [name], value=helper.make_tensor(name + "_value", kind, dims, values))
    nodes = [
        const("repeats", TensorProto.INT64, [2], [1, 512]), const("zero", TensorProto.FLOAT, [], [0.0]),
        const("one", TensorProto.FLOAT, [], [1.0]), const("step", TensorProto.FLOAT, [], [0.002]),
        const("base", TensorProto.FLOAT, [], [0.05]), const("axis", TensorProto.INT32, [], [1]),
        const("shape", TensorProto.INT64, [3], [1, 1, -1]),
        helper.make_node("Cast", ["input"], ["ids"], to=TensorProto.FLOAT),
        helper.make_node("Tile", ["ids", "repeats"], ["long"]),  # 512 samples per phoneme
        helper.make_node("Mul", ["long", "step"], ["pitch0"]), helper.make_node("Add", ["pitch0", "base"], ["pitch"]),
        helper.make_node("Mul", ["long", "zero"], ["zeros"]), helper.make_node("Add", ["zeros", "one"], ["ones"]),
        helper.make_node("CumSum", ["ones", "axis"], ["index"]),
        helper.make_node("Mul", ["index", "pitch"], ["phase"]), helper.make_node("Sin", ["phase"], ["wave"]),
        helper.make_node("ReduceSum", ["scales"], ["total"], keepdims=0),  # Piper feeds it: take it, unused
        helper.make_node("Mul", ["total", "zero"], ["nothing"]), helper.make_node("Add", ["wave", "nothing"], ["sum"]),
        helper.make_node("Reshape", ["sum", "shape"], ["output"]),
    ]
    graph = helper.make_graph(nodes, "tiny", [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "n"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
    ], [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "m"])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "tiny.onnx"
    onnx.save(model, str(path))
    symbols = "_^$ !'(),-.:;?abcdefghijklmnopqrstuvwxyzæçðøŋœɐɑɒɔɕəɚɛɜɡɪɫɬɹɾʃʊʌʒʔˈˌːθᵻ"
    config = {"audio": {"sample_rate": 22050}, "espeak": {"voice": "en-us"}, "phoneme_type": "espeak",
              "num_speakers": 1, "num_symbols": len(symbols), "phoneme_id_map": {c: [i] for i, c in enumerate(symbols)},
              "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8}}
    (folder / "tiny.onnx.json").write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    return path


def test_piper_speaks_a_voice_the_paper_supplies(tmp_path):
    root = _publication(tmp_path / "pub", '\n[audio]\nvoice = "voices/tiny.onnx"\n')  # no engine: Piper, by the voice
    tiny_piper_voice(root / "voices")
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "audio")
    assert result.exit_code == 0, result.output
    assert "issue 1112 audio: piper," in result.output
    whole = root / "dist/1112/weekly-worker-1112.mp3"
    assert len(ID3(whole).getall("CHAP")) == 5 and MP3(whole).info.length > 10
    assert -17.5 <= sound.loudness(whole)[0] <= -14.5
    pub, _ = load_publication(root)
    assert engines.resolve(pub).identity.startswith("piper ")  # the model's digest is part of the cache key
    feed = feedparser.parse((root / "dist/podcast.xml").read_bytes())  # --format audio alone: the site comes too
    assert feed.entries[0].enclosures[0].type == "audio/mpeg"


# --- when audio is built, and what stops it ----------------------------------------------------------


def test_audio_is_opt_in():
    assert "audio" not in choose_formats(None)[0]
    assert "audio" in choose_formats(None, (), frozenset({"audio"}))[0]
    assert choose_formats(("audio",))[0] == ("audio",)


def test_espeak_ng_is_the_fallback_when_no_neural_voice_is_installed(tmp_path, caplog):
    root = _publication(tmp_path / "pub", '\n[audio]\nengine = "piper"\nvoice = "en_GB-alan-medium"\n')
    pub, _ = load_publication(root)
    engine = engines.resolve(pub)
    assert (engine.name, engine.voice) == ("espeak-ng", "en-gb")
    assert "voice 'en_GB-alan-medium' is neither a model file in the publication nor an installed voice package; " \
           "speaking with espeak-ng instead" in caplog.text


def test_no_engine_says_how_to_install(tmp_path, monkeypatch):
    pub, _ = load_publication(_publication(tmp_path / "pub"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(PublishError, match=r"espeak-ng not found — install a speech engine: apt-get install espeak-ng"):
        engines.resolve(pub)


@pytest.mark.parametrize("audio, line, message", [
    ('engine = "festival"', 'publication.toml:{at}: unknown speech engine \'festival\'', "choose from piper, espeak-ng"),
    ('engine = "piper"\nvoice = "voices/none.onnx"', "publication.toml:{next}: voice 'voices/none.onnx' does not exist",
     "inside the publication"),
    ('voice = "../outside.onnx"', "publication.toml:{at}: voice '../outside.onnx' is outside the publication folder",
     "put the model in the publication"),
    ('voice = "voices/link.onnx"', "publication.toml:{at}: voice 'voices/link.onnx' leads outside the publication",
     "copy the model"),
    ('voice = "voices/bare.onnx"', "publication.toml:{at}: voice 'voices/bare.onnx' has no bare.onnx.json beside it",
     "Piper needs both"),
    ('voice = 3', "publication.toml:{at}: voice must be text, got the number 3", "voice ="),
])
def test_bad_audio_settings(tmp_path, run, audio, line, message):
    root = _publication(tmp_path / "pub", "\n[audio]\n" + audio + "\n")
    outside = write(tmp_path / "outside.onnx", "x")
    (root / "voices").mkdir()
    (root / "voices/link.onnx").symlink_to(outside)
    write(root / "voices/bare.onnx", "x")
    result = run(root, "check")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    at = PUBLICATION_TOML.count("\n") + 3  # the first line of the [audio] table's body
    line = line.format(at=at, next=at + 1)
    found = [l for l in result.output.splitlines() if l.startswith(line)]
    assert found and message in found[0], result.output


def test_bad_reading_settings_are_located(tmp_path, run):
    root = _publication(tmp_path / "pub")
    write(root / "layouts/default/audio/reading.toml", 'table-rows = "many"\n')
    result = run(root, "build", "1112", "--format", "audio")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert ("layouts/default/audio/reading.toml: table-rows has the wrong kind of value ('many') — "
            "write e.g. table-rows = 12") in result.output
