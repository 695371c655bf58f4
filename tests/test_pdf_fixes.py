"""The PDF fixes of issues 10 and 11: the time limit wins wherever it fires, the front page's teaser,
bullets the fonts have, unbreakable URLs, and the bench from any folder."""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from publish.products.print_layout.fetch import ConfinedFetcher
from publish.products.print_layout.urls import root_url
from publish.products.print_layout.render import Job, render

from helpers import REPO, picture

pytestmark = pytest.mark.slow

LIMIT_MESSAGE = "the PDF layout took longer than"


# --- 1. the time limit wins wherever it fires (issue 10 §1) ------------------------------------
# The alarm is fired at a chosen point by sending SIGALRM there, with a limit far away:
# the real handler runs where the real timer might land, and nothing depends on timing.


def _job(tmp_path: Path) -> Job:
    root = tmp_path / "pub"
    picture(root / "issues/1/images/a.jpg", size=(40, 30))
    html = (f'<html lang="en"><body><article id="article-a"><p>First.</p></article>'
            f'<article id="article-b"><p id="trigger">Second.</p>'
            f'<img src="{root_url(root)}issues/1/images/a.jpg" alt="A"></article></body></html>')
    return Job(html, root, ("press", "screen"), {"article-a": "issues/1/a.md", "article-b": "issues/1/b.md"},
               600, label="issues/1/a.md, issues/1/b.md")


def _fire() -> None:
    signal.raise_signal(signal.SIGALRM)


def test_time_limit_during_a_file_fetch_is_the_time_limit(tmp_path, monkeypatch):
    fetch = ConfinedFetcher.fetch

    def slow_fetch(self, url, headers=None):
        if url.endswith("a.jpg"):
            _fire()
        return fetch(self, url, headers)

    monkeypatch.setattr(ConfinedFetcher, "fetch", slow_fetch)
    result = render(_job(tmp_path))
    assert LIMIT_MESSAGE in result.error, result.error
    assert "could not load" not in result.error and not result.pdf
    assert result.error.startswith("issues/1/")


def test_time_limit_during_layout_names_the_article(tmp_path, monkeypatch):
    from weasyprint.layout import block

    layout = block.block_level_layout

    def slow_layout(context, box, *args, **kwargs):
        if getattr(box, "element", None) is not None and box.element.get("id") == "trigger":
            _fire()
        return layout(context, box, *args, **kwargs)

    monkeypatch.setattr(block, "block_level_layout", slow_layout)
    result = render(_job(tmp_path))
    assert result.error.startswith(f"issues/1/b.md: {LIMIT_MESSAGE} 600 s"), result.error
    assert not result.pdf


def test_time_limit_while_writing_is_the_time_limit(tmp_path, monkeypatch):
    from weasyprint.document import Document

    write = Document.write_pdf

    def slow_write(self, *args, **kwargs):
        _fire()
        return write(self, *args, **kwargs)

    monkeypatch.setattr(Document, "write_pdf", slow_write)
    result = render(_job(tmp_path))
    assert LIMIT_MESSAGE in result.error and not result.pdf


def test_time_limit_caught_by_the_layout_engine_still_wins(tmp_path, monkeypatch):
    """Code that swallows every exception (as WeasyPrint does around pictures) cannot hide the limit."""
    fetch = ConfinedFetcher.fetch

    def swallowing_fetch(self, url, headers=None):
        if url.endswith("a.jpg"):
            try:
                _fire()
            except BaseException:  # noqa: BLE001 - the point of the test
                pass
        return fetch(self, url, headers)

    monkeypatch.setattr(ConfinedFetcher, "fetch", swallowing_fetch)
    result = render(_job(tmp_path))
    assert LIMIT_MESSAGE in result.error and not result.pdf


def test_tiny_time_limit_end_to_end(pub, run, monkeypatch):
    shutil.copytree(REPO / "fonts", pub / "fonts")
    monkeypatch.setenv("PUBLISH_PDF_TIME_LIMIT", "0.001")
    result = run(pub, "build", "1112", "--format", "pdf,print", "--force")
    assert result.exit_code == 1
    assert "took longer than 0.001 s" in result.output
    assert "could not load" not in result.output
    assert re.search(r"issues/1112/0[12]-\w+\.md|pages/join\.md", result.output)
    assert not list((pub / "dist").rglob("*.pdf"))


# --- 2. the front page opens the cover story (issue 11 §1) -------------------------------------

OPENERS = {  # how the cover story begins, before its first real paragraph
    "picture": '![A gate](images/gate.jpg "Caption zebra words")\n',
    "table": "| Grade | Offer |\n|:--|--:|\n| Tablecell | 1% |\n",
    "box": "::: box Boxtitle\nBoxtext words here.\n:::\n",
    "quote": "> Pullquote words here.\n",
}
FIRST = "Our lead text for the front is here, and it is {kind}."
SECOND = "The next bit of the story goes on."


def _cover_story(kind: str) -> str:
    return (f'---\ntitle: "Cover {kind}"\nstandfirst: "Standfirst line"\nsection: news\n---\n'
            f"{OPENERS[kind]}\n{FIRST.format(kind=kind)}[^1]\n\n{SECOND}[^2]\n\n## Later\n\nLater words.\n\n"
            "[^1]: Footnote words one.\n[^2]: Footnote words two.\n")


@pytest.fixture(scope="session")
def cover_pub(tmp_path_factory) -> Path:
    """One issue per way a cover story can open, each with footnotes, built as download PDFs."""
    from helpers import JOIN, PUBLICATION_TOML, invoke_at, write

    root = tmp_path_factory.mktemp("covers") / "pub"
    write(root / "publication.toml", PUBLICATION_TOML)
    write(root / "pages/join.md", JOIN)
    for number, kind in enumerate(OPENERS, 1):
        folder = root / f"issues/{number}"
        write(folder / "issue.toml", f'number = {number}\ndate = 2020-12-0{number}\n'
                                     f'headline = "Headline {kind}"\ncover-article = "cover"\n')
        write(folder / "01-cover.md", _cover_story(kind))
        picture(folder / "images/gate.jpg", size=(300, 200))
    result = invoke_at("1606867200", root, "build", "--all", "--format", "pdf")
    assert result.exit_code == 0, result.output
    return root


def _plain(text: str) -> str:
    return " ".join(text.replace("\u00ad", "").replace("-\n", "").split())


@pytest.mark.parametrize("number, kind", list(enumerate(OPENERS, 1)))
def test_front_page_opens_with_the_first_real_paragraph(cover_pub, number, kind):
    """The front page carries the lead's text; its picture, table, box or quotation and its notes stay inside."""
    pdf = next((cover_pub / f"dist/{number}").glob("*.pdf"))

    def page(n: int) -> str:
        return _plain(subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                                     capture_output=True, text=True, check=True).stdout).replace(",", "")

    front, inside = page(1), page(2)
    first = FIRST.format(kind=kind).replace(",", "")
    assert first in front and SECOND in front
    assert front.index(first) < front.index(SECOND) < front.index("Later words")
    assert "Continued on page 2".upper() in front.upper()
    for stray in ("Footnote", "Pullquote", "Boxtext", "Tablecell", "zebra"):
        assert stray not in front
    # inside, the story picks up with what the front page left, and is not told twice
    assert "Continued from page 1".upper() in inside.upper()
    assert first not in inside and "Later words" not in inside
    assert {"picture": "zebra", "table": "Tablecell", "box": "Boxtext", "quote": "Pullquote"}[kind] in inside
    assert "Footnote words one." in inside


def test_the_front_page_takes_the_text_of_the_markdown(cover_pub):
    from publish.check import load_issues
    from publish.products.print_layout import front
    from publish.products.print_layout.html import picture_url

    _, issues, _ = load_issues(cover_pub, all_issues=True)
    for issue in issues:
        blocks = front.blocks(issue.cover_story, "en-GB", picture_url, "")
        kind = issue.cover_story.title.split()[-1]
        texts = [_plain(lxml_text(blocks[i])) for i in front.candidates(blocks, 10_000)]
        assert texts == [FIRST.format(kind=kind) + "[1]", SECOND + "[2]", "Later", "Later words."]


def lxml_text(block: str) -> str:
    from lxml import html

    return html.fragment_fromstring(block).text_content()


def test_the_front_page_takes_sanitised_text_without_pictures(pub):
    from publish.check import load_issues
    from publish.products.print_layout import front

    body = ('Read [the share](//host/share/doc.pdf), <a href="/etc/passwd">this</a> and <b onclick="x()">bold</b>'
            '[^1] *now*.\n\nA picture ![x](images/picket.jpg) in a paragraph.\n\nThe end.\n\n[^1]: A note.\n')
    story = pub / "issues/1112/02-dilemma.md"
    story.write_text(story.read_text(encoding="utf-8").split("---\n", 2)[0] + "---\n"
                     + story.read_text(encoding="utf-8").split("---\n", 2)[1] + "---\n" + body, encoding="utf-8")
    _, issues, _ = load_issues(pub, ("1112",))
    article = next(a for a in issues[0].articles if a.slug == "dilemma")
    blocks = front.blocks(article, "en-GB", None, "")
    chosen = [blocks[i] for i in front.candidates(blocks, 10_000)]
    assert len(chosen) == 2 and "The end." in chosen[1]  # the paragraph with a picture stays inside
    text = "".join(chosen)
    assert "onclick" not in text and "/etc/passwd" not in text and "//host" not in text and "<img" not in text
    assert "<em>now</em>" in text
    assert "A picture" in "".join(blocks)  # inside, where the story picks up


# --- 3. bullets the fonts have; a character without a glyph is a located warning (issue 11 §4) ---

NESTED = """\
- Level one
    - Level two
        - Level three
            - Level four
1. Numbered
    - Under a number
"""


def _css_list_markers() -> set[str]:
    css = (REPO / "layouts/default/css/print.css").read_text(encoding="utf-8")
    strings = re.findall(r'list-style-type:\s*"([^"]*)"', css)
    decoded = {re.sub(r"\\([0-9a-fA-F]{1,6})\s?", lambda m: chr(int(m.group(1), 16)), s) for s in strings}
    return {ch for s in decoded for ch in s}


def test_list_bullets_are_in_every_font():
    from fontTools.ttLib import TTFont

    markers = _css_list_markers() | {"\u2022"}  # the first level is the disc
    assert "\u2013" in markers
    for font in sorted((REPO / "fonts").glob("*.ttf")):
        cmap = TTFont(font).getBestCmap()
        assert not [ch for ch in markers if ord(ch) not in cmap], font.name


def _article_with(pub: Path, body: str) -> None:
    from helpers import REVIEW

    (pub / "issues/1112/02-dilemma.md").write_text(REVIEW + "\n" + body, encoding="utf-8")


def test_nested_lists_print_without_empty_boxes(pub, run):
    shutil.copytree(REPO / "fonts", pub / "fonts")
    _article_with(pub, NESTED)
    result = run(pub, "build", "1112", "--format", "pdf", "--validate")
    assert result.exit_code == 0, result.output
    assert "empty box" not in result.output and ".notdef" not in result.output
    assert "ok: every character has a glyph" in result.output
    text = subprocess.run(["pdftotext", str(pub / "dist/1112/weekly-worker-1112.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "\u2013" in text and "\u25e6" not in text and "\u25aa" not in text


def test_missing_glyph_is_a_located_warning_and_validation_reports_it(pub, run, monkeypatch):
    monkeypatch.setenv("PUBLISH_FALLBACK_FONTS", "")  # a machine without Debian's Noto fonts
    shutil.copytree(REPO / "fonts", pub / "fonts")
    _article_with(pub, "Workers of the world \u262d unite.\n")
    result = run(pub, "build", "1112", "--format", "pdf,print", "--validate")
    assert result.exit_code == 0, result.output
    assert "issues/1112/02-dilemma.md: warning: the PDF shows an empty box for '\u262d' (U+262D)" in result.output
    assert ".notdef glyph rendered" not in result.output
    assert re.search(r"validate pdf: warning: issues/1112/02-dilemma\.md: .*U\+262D", result.output), result.output
    assert "01-strike.md: warning" not in result.output


def test_missing_glyph_is_an_error_with_strict(pub, run, monkeypatch):
    monkeypatch.setenv("PUBLISH_FALLBACK_FONTS", "")
    shutil.copytree(REPO / "fonts", pub / "fonts")
    _article_with(pub, "Workers of the world \u262d unite.\n")
    result = run(pub, "build", "1112", "--format", "pdf", "--strict")
    assert result.exit_code == 1
    assert "issues/1112/02-dilemma.md: the PDF shows an empty box for '\u262d'" in result.output
    assert "(an error with --strict)" in result.output and "Traceback" not in result.output
    assert not list((pub / "dist").rglob("*.pdf"))


# --- 4. URLs and e-mail addresses are never hyphenated, and break only after a slash (issue 11 §6) ---

URLS = [
    "https://the-socialist.org.uk/subscriptions/international-solidarity/understanding",
    "socialistparty.org.uk/membership/responsibilities/international-committees",
    "https://example.org/organisation/representatives/accountability",
    "subscriptions@socialist.org.uk",  # one piece: it stays whole
]
URL_BODY = "\n\n".join(
    f"Paragraph {n}: unquestionably the {'campaigning ' * n}organisation says subscribe at {URLS[0]} today, "
    f"or write to {URLS[3]} about {URLS[1]} and read [{URLS[2]}]({URLS[2]}) or <{URLS[2]}> for more."
    for n in range(1, 7))


def test_urls_are_not_hyphenated(pub, run):
    shutil.copytree(REPO / "fonts", pub / "fonts")
    _article_with(pub, URL_BODY + "\n")
    result = run(pub, "build", "1112", "--format", "pdf")
    assert result.exit_code == 0, result.output
    text = subprocess.run(["pdftotext", str(pub / "dist/1112/weekly-worker-1112.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "\u200b" not in text  # the break opportunities are not characters
    joined = re.sub(r"/\n+", "/", text)  # a line (or column) may end after a slash, nowhere else in an address
    for url in URLS:
        assert joined.count(url) >= (12 if url == URLS[2] else 6), (url, text)
    # and the URLs did break somewhere: the test lays them out across lines
    assert "/\n" in text


def test_url_marking_keeps_the_html():
    from publish.products.print_layout.html import unbreakable_urls

    html = ('<p id="a-b1">See https://x.org/a/b, or me@x.org.</p><pre><code>http://x.org/c</code></pre>'
            '<p><a href="https://x.org/d">https://x.org/d</a> &amp; “q” <img src="file:///p/a.jpg" alt="A"></p>')
    marked = str(unbreakable_urls(html))
    assert marked.count('class="url"') == 3
    assert '<span class="url-part">https://</span>\u200b<span class="url-part">x.org/</span>' in marked
    assert "<code>http://x.org/c</code>" in marked and "&amp; “q”" in marked and 'id="a-b1"' in marked
    assert str(unbreakable_urls("<p>No address here.</p>")) == "<p>No address here.</p>"


# --- 5. the bench runs from any folder (issue 11 §7) ---------------------------------------------


def test_bench_runs_from_any_folder(tmp_path):
    import os
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = tmp_path / "synthetic"
    made = subprocess.run([sys.executable, str(REPO / "bench/generate.py"), str(out), "--issues", "1",
                           "--articles", "2", "--words", "300", "--pictures", "1"],
                          cwd=tmp_path, env=env, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert (out / "publication.toml").is_file() and (out / "layouts").is_dir()
    checked = subprocess.run([sys.executable, str(REPO / "bench/validate.py"), str(out)],
                             cwd=tmp_path, env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for script in ("run.py", "archive.py", "rows_site.py"):
        shown = subprocess.run([sys.executable, str(REPO / "bench" / script), "--help"],
                               cwd=tmp_path, env=env, capture_output=True, text=True)
        assert shown.returncode == 0, (script, shown.stderr)




# --- one write of a part serves both editions (issue 17) ---------------------------------------------


def _content(pdf: bytes) -> list:
    """What a PDF shows, page by page: its text, and its pictures' sizes (the dates and IDs aside)."""
    from pypdf import PdfReader

    pages = PdfReader(io.BytesIO(pdf)).pages
    return [(page.extract_text(), sorted((int(x["/Width"]), int(x["/Height"]), "/SMask" in x) for x in
             (o.get_object() for o in page["/Resources"].get("/XObject", {}).values())
             if x.get("/Subtype") == "/Image"), [float(v) for v in page.trimbox]) for page in pages]


def _pictures(pdf: bytes) -> list[bytes]:
    """Every picture's stream data, and its mask's, as stored."""
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as doc:
        found = [o for o in doc.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        return sorted(o.read_raw_bytes() for o in found)


def _pictured_job(tmp_path: Path, variants: tuple[str, ...], kind: str = "part") -> Job:
    root = tmp_path / "pub"
    picture(root / "issues/1/images/big.jpg", size=(2400, 1600))  # shrunk for the screen
    picture(root / "issues/1/images/small.jpg", size=(40, 30))  # under 150 dpi already
    picture(root / "issues/1/images/cut.png", size=(1800, 1200), mode="RGBA", fmt="PNG")  # shrunk, with a mask
    url = f"{root_url(root)}issues/1/images"
    html = (f'<html lang="en"><style>@page {{ size: 120mm 160mm; bleed: 3mm; margin: 10mm }} img {{ width: 60mm }}'
            f'</style><body><article id="article-a"><p>First.</p><img src="{url}/big.jpg" alt="Big">'
            f'<img src="{url}/small.jpg" alt="Small" style="width: 20mm"></article>'
            f'<article id="article-b"><p>Second.</p><img src="{url}/cut.png" alt="Cut"><p>Third, after '
            f'the cut-out.</p></article></body></html>')
    return Job(html, root, variants, {"article-a": "issues/1/a.md", "article-b": "issues/1/b.md"}, 600,
               label="issues/1/a.md, issues/1/b.md", kind=kind)


def test_one_write_of_a_part_is_both_editions_pictures_at_their_resolutions(tmp_path):
    both = render(_pictured_job(tmp_path, ("press", "screen")))
    assert not both.error and set(both.pdf) == {"press", "screen"} and set(both.seconds) == {"layout", "write"}
    press_alone = render(_pictured_job(tmp_path, ("press",)))
    assert set(press_alone.pdf) == {"press"}
    assert _pictures(press_alone.pdf["press"]) == _pictures(both.pdf["press"])  # the same write for one edition
    # each edition written on its own, as the front page is: the press's, and WeasyPrint's own 150 dpi cap
    press = render(_pictured_job(tmp_path, ("press",), kind="front"))
    screen = render(_pictured_job(tmp_path, ("screen",), kind="front"))
    assert _content(both.pdf["press"]) == _content(press.pdf["press"])
    assert _content(both.pdf["screen"]) == _content(screen.pdf["screen"])
    sizes = [size for page in _content(both.pdf["screen"]) for size in page[1]]
    assert len(sizes) == 3 and (40, 30, False) in sizes and any(mask for *_, mask in sizes), sizes
    assert _content(both.pdf["screen"]) != _content(both.pdf["press"])  # the big ones were shrunk
    # the very pictures WeasyPrint's own capped write embeds, and the full ones for the press
    assert _pictures(both.pdf["screen"]) == _pictures(screen.pdf["screen"])
    assert _pictures(both.pdf["press"]) == _pictures(press.pdf["press"])
    # the join trims the download PDF's pages and keeps no structure reference in the press's
    from publish.products.print_layout.join import join

    import pikepdf

    for tagged, bleed, pdf in ((True, None, both.pdf["screen"]), (False, 8.5, both.pdf["press"])):
        joined = join(pdf, None, [pdf], [], press_bleed_pt=bleed, tagged=tagged, version="1.7", document_id="x")
        with pikepdf.open(io.BytesIO(joined)) as doc:
            for page in doc.pages:
                assert ("/StructParents" in page.obj) is tagged
                if not tagged:
                    assert all("/StructParent" not in a for a in page.obj.get("/Annots", []))
                else:
                    assert [float(v) for v in page.mediabox] == [float(v) for v in page.trimbox]


def test_a_parts_screen_copies_are_kept_and_come_back_the_same(tmp_path, monkeypatch):
    """screen_copy.kept_copy: the JPEG's copy is made once and kept by its picture's bytes; the next layout of
    the part takes it and writes the same download PDF; a kept copy that is damaged is made again, and
    so is every copy under --force; the PNG's copy (with its mask) is never kept."""
    from weasyprint import images

    from publish.products.print_layout.screen_copy import COPIES

    job = _pictured_job(tmp_path, ("press", "screen"))
    folder = job.root / COPIES
    made = {"n": 0}
    real = images.RasterImage.get_x_object

    def counting(self, interpolate, dpi_ratio):
        made["n"] += dpi_ratio < 1
        return real(self, interpolate, dpi_ratio)

    monkeypatch.setattr(images.RasterImage, "get_x_object", counting)
    first = render(job)
    assert made["n"] == 2 and len(list(folder.iterdir())) == 1  # the big JPEG's copy; the PNG's not kept
    again = render(job)
    assert made["n"] == 3  # only the PNG's copy made again

    def same(result) -> bool:  # the same pages and the very same pictures (the dates aside)
        return all(_content(result.pdf[v]) == _content(first.pdf[v]) and _pictures(result.pdf[v]) ==
                   _pictures(first.pdf[v]) for v in ("screen", "press"))

    assert same(again)
    (kept,) = folder.iterdir()
    kept.write_bytes(b'{"Filter": "/DCTDecode", "Width": [' + b"\n" + b"damaged")
    assert same(render(job)) and made["n"] == 5
    assert same(render(replace(job, renew=True))) and made["n"] == 7  # --force


def test_the_join_keeps_the_parts_and_the_front_pages_own_destinations():
    """Named destinations of the parts, and those of the front page on its page (a custom layout may link
    to them), reach the joined PDF; a part's name wins over the front page's placeholder for it."""
    import io

    import pikepdf
    from weasyprint import HTML

    from publish.products.print_layout.join import Bookmark, join

    front = HTML(string='<p id="fr">Front</p><span id="article-a"></span><p style="break-before: page" id="two">'
                        'p2</p><a href="#fr">up</a>').write_pdf()
    part = HTML(string='<h1 id="article-a">A</h1><p id="article-a-b1">text</p>').write_pdf()
    joined = join(front, None, [part], [Bookmark("A", "article-a", [])], press_bleed_pt=None, tagged=False,
                  version="1.7", document_id="test")
    with pikepdf.open(io.BytesIO(joined)) as pdf:
        pages = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        dests = {name: pages.get(dest[0].objgen) for name, dest in pikepdf.NameTree(pdf.Root.Names.Dests).items()}
        assert len(pdf.pages) == 2
        assert dests["fr"] == 1 and dests["article-a"] == 2 and dests["article-a-b1"] == 2
        assert "two" not in dests  # on the front document's page 2, which the edition leaves out
        assert dests["front-page"] == 1 and dests["page-2"] == 2
        with pdf.open_outline() as outline:
            assert [(item.title, pages[item.destination[0].objgen]) for item in outline.root] == [("A", 2)]
