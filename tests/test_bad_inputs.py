"""One table of bad inputs: each must give its located message, exit 1, and leave dist/ exactly as it was."""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import pytest

from helpers import picture, refused_lines, replacing, snapshot, writing


_replace, _write = replacing, writing  # the shared table mutations (helpers.py)


def _bytes(path: str, data: bytes):
    def mutate(root: Path) -> None:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)

    return mutate


def _image_src(src: str):
    return _replace("issues/1112/01-strike.md", "src: images/picket.jpg", f"src: {src}")


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims enormous dimensions: a decompression bomb in 60 bytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")


def _truncated_jpeg(root: Path) -> None:
    path = picture(root / "issues/1112/images/picket.jpg", size=(800, 600))
    path.write_bytes(path.read_bytes()[:400])


def _outside_symlink(root: Path) -> None:
    secret = root.parent / "secret.jpg"
    picture(secret)
    target = root / "issues/1112/images/picket.jpg"
    target.unlink()
    os.symlink(secret, target)


def _duplicate_slug(root: Path) -> None:
    (root / "issues/1112/03-strike.md").write_text((root / "issues/1112/01-strike.md").read_text())


def _empty_issue(root: Path) -> None:
    for article in (root / "issues/1112").glob("*.md"):
        article.unlink()


STRIKE = "issues/1112/01-strike.md"
REVIEW = "issues/1112/02-dilemma.md"
ISSUE = "issues/1112/issue.toml"

# (id, mutation, expected location, expected words in the message)
CASES = [
    ("publication-missing-title", _replace("publication.toml", 'title = "The Weekly Worker"\n', ""),
     "publication.toml: ", "missing required field 'title'"),
    ("publication-bad-toml", _replace("publication.toml", 'publisher = "Test Party"', "publisher = Test Party"),
     "publication.toml:4: ", "invalid TOML"),
    ("publication-bad-language", _replace("publication.toml", '"en-GB"', '"English"'),
     "publication.toml:5: ", "not a BCP 47 tag"),
    ("publication-bad-issn", _replace("publication.toml", "1234-5679", "1234-5678"),
     "publication.toml:7: ", "wrong check digit (expected 9)"),
    ("publication-unknown-layout", _replace("publication.toml", 'slug = "weekly-worker"', 'slug = "weekly-worker"\nlayout = "fancy"'),
     "publication.toml:3: ", "layout 'fancy' not found"),
    ("publication-missing-standing-page", _replace("publication.toml", "pages/join.md", "pages/gone.md"),
     "publication.toml:8: ", "standing page 'pages/gone.md' does not exist"),
    ("publication-duplicate-section", _replace("publication.toml", 'id = "reviews"', 'id = "news"'),
     "publication.toml:15: ", "section id 'news' is used twice"),
    ("publication-bad-columns", _replace("publication.toml", "[[sections]]", "[print]\ncolumns = \"three\"\n\n[[sections]]"),
     "publication.toml:11: ", "columns 'three' must be a whole number"),
    ("issue-number-mismatch", _replace(ISSUE, "number = 1112", "number = 1113"),
     f"{ISSUE}:1: ", "does not match the folder issues/1112"),
    ("issue-date-as-text", _replace(ISSUE, "date = 2020-12-02", 'date = "2 Dec 2020"'),
     f"{ISSUE}:2: ", "date must be a date like 2020-12-02"),
    ("issue-impossible-date", _replace(ISSUE, "date = 2020-12-02", "date = 2020-13-02"),
     f"{ISSUE}:2: ", "month 13 is out of range"),
    ("issue-missing-headline", _replace(ISSUE, 'headline = "Better for billionaires, worse for workers"\n', ""),
     f"{ISSUE}: ", "missing required field 'headline'"),
    ("issue-unknown-cover-article", _replace(ISSUE, 'cover-article = "strike"', 'cover-article = "strikes"'),
     f"{ISSUE}:4: ", "did you mean 'strike'?"),
    ("issue-order-unknown", _replace(ISSUE, 'cover-article = "strike"', 'cover-article = "strike"\norder = ["dilemma", "nope"]'),
     f"{ISSUE}:5: ", "order names 'nope'"),
    ("issue-empty", _empty_issue, "issues/1112: ", "the issue has no articles"),
    ("publication-empty-sections", _replace("publication.toml", '[[sections]]\nid = "news"\ntitle = "News"\n\n[[sections]]\nid = "reviews"\ntitle = "Reviews"\n', "sections = []\n"),
     "publication.toml:10: ", "no [[sections]] given"),
    ("article-without-slug", _write("issues/1112/03-.md", "---\ntitle: T\nsection: news\n---\nBody.\n"),
     "issues/1112/03-.md: ", "the file name gives the article no slug"),
    ("article-no-front-matter", _write(REVIEW, "Just a body.\n"), f"{REVIEW}:1: ", "does not start with front matter"),
    ("article-front-matter-unclosed", _write(REVIEW, "---\ntitle: x\nsection: news\nbody\n"),
     f"{REVIEW}:1: ", "front matter is never closed"),
    ("article-bad-yaml", _write(REVIEW, "---\ntitle: x\nsection: news\nkicker: [unclosed\n---\nbody\n"),
     f"{REVIEW}:4: ", "invalid YAML front matter"),
    ("article-colon-in-title", _write(REVIEW, "---\ntitle: TV: the review\nsection: news\n---\nbody\n"),
     f"{REVIEW}:2: ", "invalid YAML front matter"),
    ("article-missing-title", _replace(REVIEW, 'title: "The Social Dilemma"\n', ""),
     f"{REVIEW}:1: ", "missing required field 'title'"),
    ("article-title-list", _replace(REVIEW, 'title: "The Social Dilemma"', "title: [a, b]"),
     f"{REVIEW}:2: ", "title must be text, got a list"),
    ("article-unknown-section", _replace(REVIEW, "section: reviews", "section: review"),
     f"{REVIEW}:5: ", "unknown section 'review' — did you mean 'reviews'?"),
    ("article-author-number", _replace(REVIEW, 'author: ["Joe Bloggs", "Jo Smith"]', "author: 42"),
     f"{REVIEW}:4: ", "author must be a name or a list of names, got the number 42"),
    ("article-duplicate-key", _replace(REVIEW, "section: reviews", "section: reviews\nsection: news"),
     f"{REVIEW}:6: ", "key 'section' is given twice"),
    ("article-not-utf8", _bytes(REVIEW, b"---\ntitle: x\nsection: news\n---\nCaf\xe9 society\n"),
     f"{REVIEW}:5: ", "not UTF-8"),
    ("article-nul-byte", _bytes(REVIEW, b"---\ntitle: x\nsection: news\n---\nA\x00B\n"),
     f"{REVIEW}:5: ", "NUL byte"),
    ("article-duplicate-slug", _duplicate_slug, "issues/1112/03-strike.md: ", "slug 'strike' is also the slug of 01-strike.md"),
    ("article-unclosed-box", _replace(REVIEW, "Give to the fighting fund.\n:::\n", "Give to the fighting fund.\n"),
     f"{REVIEW}:9: ", "'::: box' is never closed"),
    ("image-without-alt", _replace(STRIKE, '  alt: "Pickets at the depot gate"\n', ""),
     f"{STRIKE}:10: ", "has no alt text"),
    ("image-missing-file", _image_src("images/gone.jpg"), f"{STRIKE}:10: ", "'images/gone.jpg' does not exist"),
    ("image-parent-path", _image_src("../../../secret.jpg"), f"{STRIKE}:10: ", "points outside the issue's folder"),
    ("image-absolute-path", _image_src("/etc/passwd"), f"{STRIKE}:10: ", "is an absolute path"),
    ("image-http-url", _image_src("https://example.org/a.jpg"), f"{STRIKE}:10: ", "is a URL; pictures are never fetched"),
    ("image-file-url", _image_src("file:///etc/passwd"), f"{STRIKE}:10: ", "is a URL"),
    ("image-not-a-picture", _bytes("issues/1112/images/picket.jpg", b"hello, I am text\n"),
     f"{STRIKE}:10: ", "not a JPEG, PNG or SVG file"),
    ("image-gif", _bytes("issues/1112/images/picket.jpg", b"GIF89a" + b"\0" * 20),
     f"{STRIKE}:10: ", "is a GIF, not a JPEG, PNG or SVG"),
    ("image-truncated", _truncated_jpeg, f"{STRIKE}:10: ", "damaged or truncated"),
    ("image-decompression-bomb", _bytes("issues/1112/images/picket.jpg", _png_header(100_000, 100_000)),
     f"{STRIKE}:10: ", "too large to decode safely"),
    ("image-symlink-outside", _outside_symlink, f"{STRIKE}:10: ", "leads outside the issue's folder"),
    ("image-svg-entities", _bytes("issues/1112/images/picket.jpg",
                                  b'<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                                  b'<svg xmlns="http://www.w3.org/2000/svg">&x;</svg>'),
     f"{STRIKE}:10: ", "declares entities or a DTD"),
    ("body-picture-without-alt", _replace(STRIKE, "## Pay", "![](images/picket.jpg)\n\n## Pay"),
     f"{STRIKE}:17: ", "has no alt text"),
    ("body-picture-missing", _replace(STRIKE, "## Pay", "![A crowd](images/crowd.png)\n\n## Pay"),
     f"{STRIKE}:17: ", "'images/crowd.png' does not exist"),
]





@pytest.mark.parametrize("case_id, mutate, where, words", CASES, ids=[c[0] for c in CASES])
def test_bad_input_is_reported_at_its_place(text_built, run, case_id, mutate, where, words):
    root, before = text_built
    mutate(root)
    for command in (["check", "1112"], ["build", "1112", "--force", "--format", "text"]):
        output, located = refused_lines(run, root, command, where)
        assert located, f"no line starts with {where!r}:\n{output}"
        assert any(words in line for line in located), f"{words!r} not in:\n{output}"
        assert any(" — " in line for line in located), f"no 'what to do' part:\n{output}"
    assert snapshot(root / "dist") == before


def test_table_is_long_enough():
    assert len(CASES) >= 25


WARNINGS = [
    ("unknown-front-matter-key", _replace(REVIEW, "section: reviews", "section: reviews\nsubtitle: x"),
     f"{REVIEW}:6: warning: unknown key 'subtitle'"),
    ("unknown-publication-key", _replace("publication.toml", 'slug = "weekly-worker"', 'slug = "weekly-worker"\ncolour = "red"'),
     "publication.toml:3: warning: unknown key 'colour'"),
    ("unknown-image-key", _replace(STRIKE, '  credit: "Photo: A. Reader"', '  credit: "Photo: A. Reader"\n  captoin: x'),
     f"{STRIKE}:14: warning: unknown image key 'captoin' — did you mean 'caption'?"),
    ("empty-body", _replace(REVIEW, "A film about phones.\n\n::: box Finance appeal\nGive to the fighting fund.\n:::\n", ""),
     f"{REVIEW}:7: warning: the article has no body text"),
    ("unknown-block", _replace(REVIEW, "::: box Finance appeal", "::: warning Finance appeal"),
     f"{REVIEW}:9: warning: unknown block '::: warning'"),
    ("low-resolution-for-print", lambda root: picture(root / "issues/1112/images/picket.jpg", size=(320, 200)),
     f"{STRIKE}:10: warning: picture 'images/picket.jpg' would print at 44 dpi"),
    ("mislabelled-picture", lambda root: picture(root / "issues/1112/images/picket.jpg", fmt="PNG"),
     f"{STRIKE}:10: warning: image 'images/picket.jpg' is a PNG file with a .jpg extension"),
]


@pytest.mark.parametrize("case_id, mutate, message", WARNINGS, ids=[c[0] for c in WARNINGS])
def test_warnings_pass_unless_strict(pub, run, case_id, mutate, message):
    mutate(pub)
    result = run(pub, "check", "1112")
    assert result.exit_code == 0, result.output
    assert message in result.output
    strict = run(pub, "check", "1112", "--strict")
    assert strict.exit_code == 1
    assert message in strict.output
    assert "(errors with --strict)" in strict.output
    assert run(pub, "build", "1112", "--strict").exit_code == 1
    assert not (pub / "dist/1112").exists()


def test_every_problem_of_an_issue_is_reported_at_once(pub, run):
    _replace(REVIEW, "section: reviews", "section: review")(pub)
    _image_src("images/gone.jpg")(pub)
    _replace(ISSUE, 'cover-article = "strike"', 'cover-article = "nope"')(pub)
    result = run(pub, "check", "1112")
    assert result.exit_code == 1
    assert "unknown section 'review'" in result.output
    assert "'images/gone.jpg' does not exist" in result.output
    assert "cover-article 'nope'" in result.output
    assert "3 errors" in result.output


def test_bom_and_crlf_are_fine(pub, run):
    path = pub / REVIEW
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    toml = pub / ISSUE
    toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes().replace(b"\n", b"\r\n"))
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    text = (pub / "dist/1112/weekly-worker-1112.txt").read_bytes()
    assert b"\r" not in text and b"\xef\xbb\xbf" not in text
    assert "Give to the fighting fund." in text.decode()
