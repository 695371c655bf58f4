"""Hostile and odd sources: escapes from the folder, special files, raw HTML, sheer size, strange names."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PIL import Image

from helpers import picture, write
from publish.check import load_issues
from publish.render import body_html

MARKER = "SECRET-MARKER-7f3a9c"
STRIKE = "issues/1112/01-strike.md"
REVIEW = "issues/1112/02-dilemma.md"


@pytest.fixture
def marker(pub) -> Path:
    """A file outside the publication folder that no output may ever contain."""
    path = pub.parent / "outside" / "secret.txt"
    path.parent.mkdir()
    path.write_text(MARKER)
    picture(pub.parent / "outside" / "secret.jpg")
    return path


def _dist_text(root: Path) -> str:
    return "".join(p.read_bytes().decode("utf-8", "replace") for p in (root / "dist").rglob("*") if p.is_file())


def _fails(run, root, where: str, words: str) -> None:
    result = run(root, "build", "1112", "--format", "text", "--force")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert any(line.startswith(where) and words in line for line in result.output.splitlines()), result.output


def test_article_linked_to_a_file_outside(pub, run, marker):
    os.symlink(marker, pub / "issues/1112/03-leak.md")
    _fails(run, pub, "issues/1112/03-leak.md: ", "link to something outside the publication folder")
    assert MARKER not in _dist_text(pub) if (pub / "dist").exists() else True


def test_standing_page_linked_outside(pub, run, marker):
    (pub / "pages/join.md").unlink()
    os.symlink(marker, pub / "pages/join.md")
    _fails(run, pub, "pages/join.md: ", "link to something outside")


def test_picture_linked_to_dev_urandom(pub, run):
    target = pub / "issues/1112/images/picket.jpg"
    target.unlink()
    os.symlink("/dev/urandom", target)
    _fails(run, pub, f"{STRIKE}:10: ", "leads outside the issue's folder")


def test_picture_that_is_a_fifo(pub, run):
    target = pub / "issues/1112/images/picket.jpg"
    target.unlink()
    os.mkfifo(target)
    started = time.monotonic()
    _fails(run, pub, f"{STRIKE}:10: ", "is not a regular file")
    assert time.monotonic() - started < 10  # never blocks reading it


def test_article_that_is_a_fifo(pub, run):
    os.mkfifo(pub / "issues/1112/03-pipe.md")
    _fails(run, pub, "issues/1112/03-pipe.md: ", "not a regular file")


def test_huge_article_is_refused(pub, run):
    path = pub / "issues/1112/03-huge.md"
    path.write_text("---\ntitle: Huge\nsection: news\n---\n" + "word " * 2_000_000)
    _fails(run, pub, "issues/1112/03-huge.md: ", "over the 8 MB limit")


HOSTILE_HTML = """
<script>alert('x')</script>
<p onclick="steal()" onmouseover="steal()">Click <a href="javascript:steal()">here</a></p>
<iframe src="https://evil.example/"></iframe>
<object data="evil.swf"></object><embed src="evil.swf">
<link rel="attachment" href="../../../outside/secret.txt">
<style>@import url(https://evil.example/x.css); body { background: url(file:///etc/passwd) }</style>
<img src="../../../outside/secret.jpg" alt="leak"><img src="file:///etc/passwd" alt="leak2">
<div style="background: url(https://evil.example/t.png)">styled</div>
<a href="file:///etc/passwd">local file</a> <a href="data:text/html,evil">data</a>
<svg><script>alert(1)</script></svg><math><mi xlink:href="javascript:alert(1)">x</mi></math>
<form action="https://evil.example/"><input name="q"></form>
<div><p>unclosed <b>bold <i>italic</div>
<table><tr><td>cell</td></tr></table>
"""


def test_raw_html_is_reduced_to_the_safe_subset(pub, run):
    path = pub / REVIEW
    path.write_text(path.read_text() + HOSTILE_HTML)
    _, [issue], _ = load_issues(pub, ("1112",))
    html = body_html(issue.articles[1], "en-GB")
    for bad in ("<script", "alert(", "onclick", "onmouseover", "javascript:", "<iframe", "<object", "<embed",
                "<link", "<style", "@import", "url(", "secret", "file:", "data:", "<form", "<input", "<svg",
                "<math", "evil"):
        assert bad not in html, bad
    for kept in ("Click here", "<b>bold <i>italic", "<td>cell</td>", "styled"):  # a refused link keeps its text
        assert kept in html, kept
    assert html.count("<div>") == html.count("</div>")
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    text = (pub / "dist/1112/weekly-worker-1112.txt").read_text()
    assert "alert" not in text and "<" not in text and "styled" in text


def test_deep_nesting_is_reported_not_lost(pub, run):
    path = pub / REVIEW
    nested = "".join("  " * i + "- level\n" for i in range(200)) + "\n" + ">" * 500 + " deep quote\n"
    path.write_text(path.read_text() + "\n" + nested)
    _fails(run, pub, f"{REVIEW}:", "nested more than 19 levels deep; what is inside is lost")


def test_reasonable_nesting_is_kept(pub, run):
    path = pub / REVIEW
    nested = "".join("  " * i + "- level\n" for i in range(6)) + "\n" + ">" * 8 + " deep quote\n"
    path.write_text(path.read_text() + "\n" + nested)
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    text = (pub / "dist/1112/weekly-worker-1112.txt").read_text()
    assert "deep quote" in text and all(len(line) <= 72 for line in text.splitlines())


def test_dashes_inside_a_body_are_a_rule_not_front_matter(pub, run):
    path = pub / REVIEW
    path.write_text(path.read_text() + "\nBefore\n\n---\n\ntitle: not front matter\n")
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0
    text = (pub / "dist/1112/weekly-worker-1112.txt").read_text()
    assert "*   *   *" in text and "title: not front matter" in text


def test_file_names_with_spaces_and_accents(pub, run):
    write(pub / "issues/1112/03-Ünïcode story.md", "---\ntitle: Accents\nsection: news\n---\nŁódź, İstanbul.\n")
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    _, [issue], _ = load_issues(pub, ("1112",))
    assert "Ünïcode story" in [a.slug for a in issue.articles]
    # every id made from the slug is a valid XML id: epubcheck passes, the PDF and site build
    path = pub / "issues/1112/03-Ünïcode story.md"
    path.write_text(path.read_text() + "\nWith a note.[^1]\n\n[^1]: The note.\n")
    result = run(pub, "build", "1112", "--format", "epub,pdf,site", "--validate", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert "epub: ok: epubcheck" in result.output and "0 errors, 0 warnings" in result.output
    assert (pub / "dist/1112/Ünïcode story.html").is_file()


@pytest.mark.parametrize("first, second", [("01-strike.md", "03-Strike.md"), ("04-café.md", "05-cafe\u0301.md")])
def test_slugs_clash_under_case_folding_and_normalisation(pub, run, first, second):
    for name in (first, second):
        write(pub / "issues/1112" / name, "---\ntitle: T\nsection: news\n---\nBody.\n")
    _fails(run, pub, "issues/1112/", "is also the slug of")


@pytest.mark.parametrize("mode, size, fmt", [("CMYK", (64, 48), "JPEG"), ("I;16", (64, 48), "PNG"),
                                             ("LA", (64, 48), "PNG"), ("P", (64, 48), "PNG")])
def test_unusual_but_valid_pictures_pass_the_check(pub, run, mode, size, fmt):
    Image.new(mode, size).save(pub / "issues/1112/images/picket.jpg", fmt)
    result = run(pub, "check", "1112")
    assert result.exit_code == 0, result.output


def test_exif_rotated_picture_passes(pub, run):
    image = Image.new("RGB", (80, 40), "#123")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° when shown
    image.save(pub / "issues/1112/images/picket.jpg", exif=exif)
    assert run(pub, "check", "1112").exit_code == 0


def test_animated_gif_is_refused(pub, run):
    frames = [Image.new("P", (20, 20), i) for i in range(3)]
    frames[0].save(pub / "issues/1112/images/picket.jpg", "GIF", save_all=True, append_images=frames[1:])
    _fails(run, pub, f"{STRIKE}:10: ", "is a GIF, not a JPEG, PNG or SVG")


def test_billion_laughs_svg_is_refused_quickly(pub, run):
    lol = (b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
           b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
           b'<svg xmlns="http://www.w3.org/2000/svg"><text>&d;</text></svg>')
    (pub / "issues/1112/images/lol.svg").write_bytes(lol)
    path = pub / STRIKE
    path.write_text(path.read_text().replace("## Pay", "![Laughs](images/lol.svg)\n\n## Pay"))
    started = time.monotonic()
    _fails(run, pub, f"{STRIKE}:17: ", "declares entities or a DTD")
    assert time.monotonic() - started < 10


def test_ten_thousand_articles(tmp_path, run):
    from helpers import ISSUE_TOML, PUBLICATION_TOML, JOIN

    root = tmp_path / "big"
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / "pages/join.md", JOIN)
    write(root / "issues/1112/issue.toml", ISSUE_TOML.format(number=1112).replace('cover-article = "strike"\n', ""))
    folder = root / "issues/1112"
    for i in range(10_000):
        (folder / f"{i:05d}-a{i}.md").write_text(f"---\ntitle: Article {i}\nsection: news\n---\nShort body {i}.\n")
    started = time.monotonic()
    result = run(root, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output[-2000:]
    text = (root / "dist/1112/weekly-worker-1112.txt").read_text()
    assert "Short body 9999." in text
    assert time.monotonic() - started < 120


def test_read_only_output_is_a_clear_error(pub, run, monkeypatch):
    import publish.atomic as atomic

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(pub / "dist/1112"))

    monkeypatch.setattr(atomic.tempfile, "mkstemp", refuse)
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 1
    assert "cannot write (Permission denied) — check free space and permissions" in result.output
    assert "Traceback" not in result.output


def test_nothing_outside_the_folder_reaches_the_text_edition(pub, run, marker):
    path = pub / REVIEW
    path.write_text(path.read_text() + f"\n[secret](file://{marker})\n\n<img src=\"{marker}\">\n")
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    assert MARKER not in _dist_text(pub)
