"""Hostile sources at the reader: one table of inputs with the located message each must give, then what must survive."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import refused_lines, replacing, snapshot, write, writing

STRIKE = "issues/1112/01-strike.md"
REVIEW = "issues/1112/02-dilemma.md"
ISSUE = "issues/1112/issue.toml"


_replace, _write = replacing, writing  # the shared table mutations (helpers.py)


def _bytes_name(name: bytes):
    """A file whose name is not UTF-8 (a Windows zip's cp1252 name): os.listdir gives surrogate escapes."""
    def mutate(root: Path) -> None:
        folder = bytes(root / "issues/1112" / "images")
        with open(folder + b"/" + name, "wb") as handle:
            handle.write(b"x")

    return mutate


DEEP = "[" * 2000 + "]" * 2000

# (id, mutation, where the message must be, words it must hold)
CASES = [
    # control characters and non-characters, raw or escaped, in every kind of source
    ("title-raw-c0", _replace(REVIEW, 'title: "The Social Dilemma"', 'title: "The Social\x01 Dilemma"'),
     f"{REVIEW}:2: ", "column 19: the file contains the control character U+0001"),
    ("title-yaml-escape", _replace(REVIEW, 'title: "The Social Dilemma"', 'title: "The Social\\e Dilemma"'),
     f"{REVIEW}:2: ", "title contains the control character U+001B"),
    ("caption-yaml-nonchar", _replace(STRIKE, 'caption: "On the picket line"', 'caption: "On the \\uFFFE line"'),
     f"{STRIKE}:12: ", "image.caption contains the Unicode non-character U+FFFE"),
    ("keyword-yaml-c1", _replace(STRIKE, "keywords: [Strikes, Unions]", 'keywords: [Strikes, "Uni\\x85ons"]'),
     f"{STRIKE}:8: ", "keywords contains the control character U+0085"),
    ("body-raw-escape", _replace(STRIKE, "## Pay", "## P\x1bay"), f"{STRIKE}:17: ", "column 5: the file contains the control character U+001B"),
    ("body-raw-nonchar", _replace(REVIEW, "A film about phones.", "A film \ufdd0about phones."),
     f"{REVIEW}:7: ", "the Unicode non-character U+FDD0"),
    ("body-raw-plane-nonchar", _replace(REVIEW, "A film about phones.", "A film \U0001FFFF about phones."),
     f"{REVIEW}:7: ", "the Unicode non-character U+1FFFF"),
    ("body-del", _replace(REVIEW, "A film about phones.", "A film\x7f about phones."),
     f"{REVIEW}:7: ", "the control character U+007F"),
    ("headline-toml-escape", _replace(ISSUE, "Better for billionaires", "Better \\u0001for billionaires"),
     f"{ISSUE}:3: ", "headline contains the control character U+0001"),
    ("headline-raw", _replace(ISSUE, "Better for billionaires", "Better \x0cfor billionaires"),
     f"{ISSUE}:3: ", "the control character U+000C"),
    ("tagline-toml-escape", _replace("publication.toml", "Paper of the test party", "Paper \\u001b of the party"),
     "publication.toml:3: ", "tagline contains the control character U+001B"),
    ("section-title-toml-escape", _replace("publication.toml", 'title = "Reviews"', 'title = "Re\\u0007views"'),
     "publication.toml:", "contains the control character U+0007"),
    # nesting that would exhaust the parsers' recursion
    ("issue-toml-deep-array", _replace(ISSUE, 'cover-article = "strike"', f'cover-article = "strike"\nextra = {DEEP}'),
     f"{ISSUE}:5: ", "nested too deeply"),
    ("publication-toml-deep-array", _replace("publication.toml", 'slug = "weekly-worker"', f'slug = "weekly-worker"\nx = {DEEP}'),
     "publication.toml:3: ", "nested too deeply"),
    ("issue-toml-deep-inline-table", _replace(ISSUE, 'cover-article = "strike"',
                                              'cover-article = "strike"\nextra = ' + "{a = " * 2000 + "1" + "}" * 2000),
     f"{ISSUE}:5: ", "nested too deeply"),
    ("issue-toml-deep-table-name", _replace(ISSUE, 'cover-article = "strike"',
                                            'cover-article = "strike"\n[' + ".".join(["t"] * 2000) + "]\nx = 1"),
     f"{ISSUE}:5: ", "nested too deeply"),
    # file names no output can carry
    ("name-not-utf8", _bytes_name(b"caf\xe9.jpg"), "issues/1112/images/caf\\xe9.jpg: ", "the file name is not UTF-8"),
    ("article-name-not-utf8", lambda root: (root / STRIKE).rename(root / "issues/1112" / "03-gr\udce8ve.md"),
     "issues/1112/03-gr\\xe8ve.md: ", "the file name is not UTF-8"),
    ("name-control-character", _write("issues/1112/images/a\x1bb.jpg", "x"), "issues/1112/images/a\\u001bb.jpg: ",
     "the file name contains the control character U+001B"),
    ("name-too-long", _write(f"issues/1112/03-{'n' * 236}.md", "---\ntitle: T\nsection: news\n---\nBody.\n"),
     f"issues/1112/03-{'n' * 236}.md: ", "the file name is 242 bytes long, over the limit of 150"),
    ("picture-name-too-long", _write(f"issues/1112/images/{'p' * 236}.jpg", "x"),
     f"issues/1112/images/{'p' * 236}.jpg: ", "over the limit of 150"),
    ("publication-slug-too-long", _replace("publication.toml", 'slug = "weekly-worker"', f'slug = "{"w" * 250}"'),
     "publication.toml:2: ", "slug is 250 characters long"),
    ("front-matter-deep-yaml", _replace(REVIEW, "section: reviews", "section: reviews\nkeywords: " + "[" * 2000 + "]" * 2000),
     f"{REVIEW}:", "front matter"),
]


def test_long_keywords_never_make_long_file_names(pub, run):
    from publish.formats.site.pages import keyword_slug
    keyword = "Workers " * 35  # ~280 characters
    assert len(keyword_slug(keyword)) <= 80 and keyword_slug(keyword) != keyword_slug(keyword + "x")
    _replace(STRIKE, "keywords: [Strikes, Unions]", f'keywords: [Strikes, "{keyword}", "{keyword}x"]')(pub)
    result = run(pub, "build", "1112", "--format", "site")
    assert "File name too long" not in result.output and "Traceback" not in result.output, result.output
    names = [p.name for p in (pub / "dist").rglob("*")]
    assert max(len(name.encode()) for name in names) <= 100, max(names, key=len)


def test_slugify_caps_length_and_stays_unique():
    from publish.slug import MAX_SLUG, slugify
    long_a, long_b = "a" * 300, "a" * 299 + "b"
    assert len(slugify(long_a)) == MAX_SLUG and slugify(long_a) != slugify(long_b)
    assert slugify("The Socialist") == "the-socialist"


def test_a_bad_file_name_fails_only_its_issue(pub, run):
    write(pub / "issues/1113/issue.toml", (pub / ISSUE).read_text().replace("1112", "1113"))
    for name in ("01-strike.md", "02-dilemma.md", "images/picket.jpg"):
        target = pub / "issues/1113" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((pub / "issues/1112" / name).read_bytes())
    _bytes_name(b"Gr\xfc\xdfe.jpg")(pub)
    result = run(pub, "build", "--all", "--format", "text")
    assert result.exit_code == 1, result.output
    assert "issues/1112/images/Gr\\xfc\\xdfe.jpg: the file name is not UTF-8" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert (pub / "dist/1113/weekly-worker-1113.txt").is_file()
    assert not (pub / "dist/1112").exists()





@pytest.mark.parametrize("case_id, mutate, where, words", CASES, ids=[c[0] for c in CASES])
def test_hostile_source_gives_a_located_error(text_built, run, case_id, mutate, where, words):
    root, before = text_built
    mutate(root)
    for command in (["check", "1112"], ["build", "1112", "--force", "--format", "text"]):
        output, located = refused_lines(run, root, command, where)
        assert any(words in line and " — " in line for line in located), f"{words!r} at {where!r} not in:\n{output}"
    assert snapshot(root / "dist") == before


# --- the text edition under deep nesting -----------------------------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from publish.formats.text import article_text  # noqa: E402
from publish.model import Article  # noqa: E402


def _nest(levels: list[tuple[str, int]], leaf: str) -> str:
    """Markdown nesting `levels` (outermost first) around a paragraph."""
    text = leaf
    for kind, number in reversed(levels):
        if kind == "ol":
            mark = f"{number}. "
            text = mark + text.replace("\n", "\n" + " " * len(mark))
        elif kind == "ul":
            text = "- " + text.replace("\n", "\n  ")
        elif kind == "quote":
            text = "> " + text.replace("\n", "\n> ")
        else:
            text = f"::: box Box\n{text}\n:::"
    return text + "\n"


def test_six_nested_lists_from_123456789_become_text(pub, run):
    body = _nest([("ol", 123456789)] * 6, "Deep item") + "\nAfter.\n"
    _replace(REVIEW, "A film about phones.", body)(pub)
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    text = (pub / "dist/1112/weekly-worker-1112.txt").read_text()
    assert "123456789. Deep item" in text and "After." in text


@settings(max_examples=60, deadline=None)
@given(levels=st.lists(st.tuples(st.sampled_from(["ol", "ul", "quote", "box"]),
                                 st.integers(min_value=0, max_value=999_999_999)), max_size=12),
       width=st.integers(min_value=1, max_value=80))
def test_any_nesting_and_list_number_renders(levels, width):
    body = _nest(levels, "Leaf words here")
    article = Article(slug="x", source=Path("x.md"), title="T", section="news", body=body)
    text = article_text(article, "en", width=width).body
    if len(levels) <= 8:  # within markdown-it's nesting limit, nothing is lost
        assert "Leaf" in text, text


def test_text_edition_gives_alt_text_and_caption(pub, run):
    _replace(REVIEW, "A film about phones.", 'A film.\n\n![A phone lit in the dark](images/picket.jpg "Screens")\n')(pub)
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    text = " ".join((pub / "dist/1112/weekly-worker-1112.txt").read_text().split())
    assert "[Picture: Pickets at the depot gate. Caption: On the picket line (Photo: A. Reader)]" in text
    assert "[Picture: A phone lit in the dark. Caption: Screens]" in text


# --- links and raw HTML: what the published HTML keeps ----------------------------------------

from publish.safehtml import link_target, sanitize  # noqa: E402

HOSTILE_LINKS = ("[share](//host/share/doc.pdf) [rooted](/etc/passwd) [file](file:///etc/passwd) "
                 "[script](javascript:alert(1)) [data](data:text/html,hi) [rel](notes/a.pdf) "
                 "[anchor](#nowhere) [last week](1111/strike.html) [before](../1111/strike.html#top) "
                 '[ok](https://example.org/ok) [mail](mailto:news@example.org) <a href="//raw/share">raw</a>\n\n'
                 '<p><span id="dup" lang="!!bad" role="nonsense">one</span> <span id="dup" lang="de" role="note">two</span></p>\n\n'
                 '<table><tr><td colspan="100000000" rowspan="x">wide</td><td id="dilemma-b1">cell</td></tr></table>\n'
                 '<p title="&#x1;">&#xFFFE;</p>\n')

# (id, body text, the warning `check` must give on the body's line)
LINK_WARNINGS = [
    ("protocol-relative", "[x](//host/share/doc.pdf)", "the link to '//host/share/doc.pdf' is shown as plain text"),
    ("rooted", "[x](/etc/passwd)", "the link to '/etc/passwd' is shown as plain text"),
    ("file", "[x](file:///etc/passwd)", "the link to 'file:…' is shown as plain text, with its brackets"),
    ("relative", "[x](notes/a.pdf)", "the link to 'notes/a.pdf' is shown as plain text"),
    ("dangling-fragment", "[x](#nowhere)", "the link to '#nowhere' points to nothing"),
    ("raw-html", '<a href="//raw/share">x</a>', "the link to '//raw/share' is shown as plain text"),
    ("bad-lang", '<span lang="!!bad">x</span>', "lang='!!bad' is not a BCP 47 language tag"),
    ("bad-role", '<span role="nonsense">x</span>', "role='nonsense' is not a WAI-ARIA role"),
]


@pytest.mark.parametrize("case_id, body, message", LINK_WARNINGS, ids=[c[0] for c in LINK_WARNINGS])
def test_check_warns_about_each_dropped_link(pub, run, case_id, body, message):
    _replace(REVIEW, "A film about phones.", f"A film about phones.\n\nSee {body}.")(pub)
    result = run(pub, "check", "1112")
    assert result.exit_code == 0, result.output
    assert f"{REVIEW}:9: warning: {message}" in result.output, result.output


def test_a_link_to_another_issue_without_url_is_dropped_with_a_warning(pub, run):
    _replace("publication.toml", 'url = "https://example.org/ww/"\n', "")(pub)
    _replace(REVIEW, "A film about phones.", "[last week](1111/strike.html)")(pub)
    result = run(pub, "check", "1112")
    assert f"{REVIEW}:7: warning: the link to '1111/strike.html' is shown as plain text: without url" in result.output


@pytest.mark.parametrize("href, expected", [
    ("https://example.org/a", "https://example.org/a"), ("HTTP://Example.org", "HTTP://Example.org"),
    ("mailto:a@example.org", "mailto:a@example.org"), ("#fn-x-1", "#fn-x-1"),
    ("1111/strike.html", "https://ex.org/p/1111/strike.html"),
    ("../1111/strike.html#x", "https://ex.org/p/1111/strike.html#x"),
    ("other.html", "https://ex.org/p/1112/other.html"),
    ("//host/share", None), ("/etc/passwd", None), ("file:///etc/passwd", None), ("javascript:alert(1)", None),
    ("data:text/html,x", None), ("notes/a.pdf", None), ("https:evil.org", None), ("https:\\\\evil.org", None),
    (" javascript:alert(1)", None), ("java\tscript:x", None), ("mailto:", None), ("../../etc/x.html", None),
    ("", None), ("#", None),
])
def test_link_policy(href, expected):
    assert link_target(href, "https://ex.org/p/", "1112") == expected


def test_sanitize_keeps_only_valid_ids_languages_roles_and_spans():
    html = sanitize('<p id="k-b1"><span id="k-b1" lang="!!bad" role="nonsense">a</span>'
                    '<span lang="pt-BR" role="note" id="mine">b</span><b role="note">c</b></p>'
                    '<table><tr><td colspan="100000000" rowspan="99999999">x</td><td colspan="0" rowspan="2x">y</td>'
                    '<th scope="wrong" colspan="3">z</th></tr></table><ol start="1e9"><li>q</li></ol>', doc_key="k")
    assert html.count('id="k-b1"') == 1 and 'id="mine"' not in html
    assert "!!bad" not in html and "nonsense" not in html and 'lang="pt-BR"' in html and 'role="note"' in html
    assert "<b>c</b>" in html  # roles only where any role is allowed
    assert 'colspan="1000"' in html and 'rowspan="65534"' in html and 'colspan="1"' in html
    assert 'rowspan="2x"' not in html and "scope" not in html and "start" not in html and 'colspan="3"' in html


def test_character_references_to_control_characters_never_reach_the_html():
    from publish.sourcefiles import FORBIDDEN
    html = sanitize('<p>a &#x1; b &#xFFFE; &#127;<span title="&#x1;&#x1b;x">c</span></p>')
    assert not FORBIDDEN.search(html) and "c</span>" in html


@pytest.fixture(scope="session")
def hostile_build(tmp_path_factory):
    """A small publication whose article carries every hostile link and raw-HTML attribute, built as PDF and EPUB."""
    from helpers import ISSUE_TOML, JOIN, PUBLICATION_TOML, REVIEW as REVIEW_TEXT, STRIKE as STRIKE_TEXT, invoke_at, picture
    root = tmp_path_factory.mktemp("hostile") / "pub"
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / ISSUE, ISSUE_TOML.format(number=1112))
    write(root / STRIKE, STRIKE_TEXT)
    write(root / REVIEW, REVIEW_TEXT.replace("A film about phones.", HOSTILE_LINKS))
    picture(root / "issues/1112/images/picket.jpg")
    write(root / "pages/join.md", JOIN)
    result = invoke_at("1606867200", root, "build", "1112", "--format", "pdf,epub")
    assert result.exit_code == 0, result.output
    return root / "dist/1112"


def test_pdf_links_are_only_http_and_mailto(hostile_build):
    from pypdf import PdfReader
    uris = []
    for page in PdfReader(hostile_build / "weekly-worker-1112.pdf").pages:
        for annotation in page.get("/Annots") or ():
            action = annotation.get_object().get("/A")
            if action and "/URI" in action:
                uris.append(str(action["/URI"]))
    assert uris and all(u.startswith(("https://", "http://", "mailto:")) for u in uris), uris
    assert "https://example.org/ww/1111/strike.html" in uris and "https://example.org/ok" in uris
    assert not any("file:" in u or "host/share" in u or "passwd" in u for u in uris)


def test_epub_with_hostile_links_and_attributes_passes_epubcheck(hostile_build):
    from publish.formats.epub import writer as epub_format
    messages = epub_format.epubcheck(hostile_build / "weekly-worker-1112.epub")
    assert messages and all(m.startswith("ok: ") for m in messages), messages


def test_a_control_character_never_reaches_the_feeds(pub, run):
    from lxml import etree
    _replace(ISSUE, "Better for billionaires", "Better \\u0001for \\uFFFE billionaires")(pub)
    _replace(STRIKE, 'caption: "On the picket line"', 'caption: "On the \\e picket line"')(pub)
    checked = run(pub, "check", "1112")
    assert checked.exit_code == 1
    assert f"{ISSUE}:3: headline contains the control character U+0001" in checked.output
    assert f"{STRIKE}:12: image.caption contains the control character U+001B" in checked.output
    result = run(pub, "build", "1112", "--format", "site")
    assert "Traceback" not in result.output and "internal error" not in result.output
    for feed in ("feed.atom", "opds.xml"):
        if (pub / "dist" / feed).exists():  # the issue is left out; what is written parses
            etree.fromstring((pub / "dist" / feed).read_bytes())


@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_read_text_never_lets_a_forbidden_character_through(tmp_path_factory, text):
    from publish.sourcefiles import FORBIDDEN, Report, read_text
    folder = tmp_path_factory.mktemp("t")
    (folder / "a.md").write_bytes(text.encode("utf-8"))
    report = Report(folder)
    result = read_text(folder / "a.md", report)
    if result is None:
        assert len(report.problems) == 1 and report.problems[0].line and " — " in str(report.problems[0])
    else:
        assert not FORBIDDEN.search(result) and not report.problems


@settings(max_examples=300, deadline=None)
@given(href=st.text(max_size=40) | st.builds(lambda a, b: a + b, st.sampled_from(
    ["http:", "https://", "//", "/", "mailto:", "file:", "javascript:", "../", "1111/", "#", "HTTPS:\\\\"]),
    st.text(max_size=30)))
def test_link_policy_lets_out_only_safe_addresses(href):
    target = link_target(href, "https://ex.org/p/", "1112")
    if target and not target.startswith("#"):
        from urllib.parse import urlsplit
        parts = urlsplit(target)
        assert parts.scheme in ("http", "https", "mailto") and (parts.netloc or parts.scheme == "mailto")
