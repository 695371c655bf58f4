"""The PDF editions: the demo paper built once, then its structure checked with pypdf, pdffonts and pdftotext."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from publish.check import load_issues
from publish.formats.pdf.preflight import print_resolution_problems
from publish.products.print_layout import edition as pdf
from publish.products.print_layout import html as pdf_html
from publish.formats.pdf.check import check_press, check_screen, fonts
from publish.products.print_layout.fetch import ConfinedFetcher, Refused
from publish.products.print_layout.urls import root_url

from helpers import invoke_at, REPO, write

pytestmark = pytest.mark.slow
EPOCH = "1606867200"  # 2020-12-02
A4 = (595.28, 841.89)
BLEED_PT = 3 * 72 / 25.4


def _outline(reader: PdfReader) -> list[tuple[int, str, int]]:
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item) + 1))

    walk(reader.outline, 0)
    return found


def _close(a: float, b: float, tol: float = 0.05) -> bool:
    return abs(a - b) <= tol


def test_every_demo_issue_has_both_pdfs(demo_pdfs):
    assert len(demo_pdfs) >= 3
    for _, screen, press in demo_pdfs.values():
        assert screen.stat().st_size > 50_000 and press.stat().st_size > 50_000
        # the press edition is printed on folded sheets: its page count is rounded up to a multiple of 4
        assert -(-len(PdfReader(screen).pages) // 4) * 4 == len(PdfReader(press).pages) >= 6


def test_download_pdf_is_trimmed_and_tagged(demo_pdfs):
    for issue, screen, _ in demo_pdfs.values():
        reader = PdfReader(screen)
        root = reader.trailer["/Root"]
        for page in reader.pages:
            box = [float(v) for v in page.mediabox]
            assert _close(box[2] - box[0], A4[0]) and _close(box[3] - box[1], A4[1])
            assert [float(v) for v in page.trimbox] == box
        assert root["/MarkInfo"]["/Marked"]
        tree = root["/StructTreeRoot"]
        assert tree["/K"][0]["/S"] == "/Document" and len(tree["/K"][0]["/K"]) > 10
        assert int(tree["/ParentTreeNextKey"]) >= len(reader.pages)
        for number, page in enumerate(reader.pages):
            assert "/StructParents" in page, f"page {number + 1} is not in the structure tree"
        assert root["/Lang"] == "en-GB"
        assert root["/ViewerPreferences"]["/DisplayDocTitle"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert "pdfuaid:part" in xmp or "<pdfuaid:part>1" in xmp
        assert reader.pdf_header == "%PDF-1.7"


def test_press_pdf_is_pdfx4_with_bleed_and_marks(demo_pdfs):
    for _, _, press in demo_pdfs.values():
        reader = PdfReader(press)
        root = reader.trailer["/Root"]
        xmp = root["/Metadata"].get_object().get_data().decode()
        assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
        assert root["/OutputIntents"][0]["/S"] == "/GTS_PDFX"
        assert reader.metadata["/Trapped"] == "/False"
        assert reader.pdf_header == "%PDF-1.6"
        for page in reader.pages:
            trim = [float(v) for v in page.trimbox]
            bleed = [float(v) for v in page.bleedbox]
            media = [float(v) for v in page.mediabox]
            assert _close(trim[2] - trim[0], A4[0]) and _close(trim[3] - trim[1], A4[1])
            assert all(_close(a, b) for a, b in zip(bleed, [trim[0] - BLEED_PT, trim[1] - BLEED_PT,
                                                            trim[2] + BLEED_PT, trim[3] + BLEED_PT]))
            assert media[0] < bleed[0] and media[3] > bleed[3]  # room for the crop marks beyond the bleed


def test_metadata(demo_pdfs):
    for issue, screen, press in demo_pdfs.values():
        for path in (screen, press):
            info = PdfReader(path).metadata
            assert info["/Author"] == issue.publication.publisher
            assert info["/Subject"] == issue.headline
            assert str(issue.number) in info["/Title"] and issue.publication.title in info["/Title"]
            assert issue.keywords[0] in info["/Keywords"]
            assert info["/CreationDate"].startswith("D:20201202") and info["/ModDate"] == info["/CreationDate"]


def test_bookmarks_are_sections_then_articles(demo_pdfs):
    for issue, screen, press in demo_pdfs.values():
        starts = {}
        for path in (screen, press):
            outline = _outline(PdfReader(path))
            sections = [title for depth, title, _ in outline if depth == 0]
            assert sections[0] == "Front page"
            assert sections[1:1 + len(issue.sections)] == [s.section.title for s in issue.sections]
            articles = [(title, page) for depth, title, page in outline if depth == 1]
            assert [t for t, _ in articles] == [a.full_title for a in issue.articles]
            starts[path] = [p for _, p in articles]
            assert starts[path] == sorted(starts[path]) and starts[path][0] == 2
        assert starts[screen] == starts[press]


def test_contents_links_point_at_the_articles(demo_pdfs):
    for issue, screen, _ in demo_pdfs.values():
        reader = PdfReader(screen)
        dests = reader.named_destinations
        targets = set()
        for annot in reader.pages[0].get("/Annots", []):
            annot = annot.get_object()
            if "/Dest" in annot:
                name = str(annot["/Dest"])
                assert name in dests, name
                targets.add((name, reader.get_destination_page_number(dests[name]) + 1))
        pages = {f"article-{title}": page for title, page in _article_pages(reader, issue).items()}
        assert {name for name, _ in targets} == {f"article-{a.slug}" for a in issue.articles}
        for name, page in targets:
            assert pages[name] == page
        # the page numbers printed in the contents box are the pages the links go to
        text = reader.pages[0].extract_text()
        for article in issue.articles:
            assert re.search(rf"{pages['article-' + article.slug]}\b", text)


def _article_pages(reader: PdfReader, issue) -> dict[str, int]:
    dests = reader.named_destinations
    return {a.slug: reader.get_destination_page_number(dests[f"article-{a.slug}"]) + 1 for a in issue.all_pages}


def test_running_heads_and_page_numbers(demo_pdfs):
    issue, screen, _ = demo_pdfs[1112]
    reader = PdfReader(screen)
    for number, page in enumerate(reader.pages[1:], start=2):
        text = page.extract_text()
        assert issue.publication.title.upper() in text
        assert re.search(rf"(^|\n){number}(\n|$)", text), f"page {number} has no page number"


def test_every_font_embedded_and_from_fonts_folder(demo_pdfs):
    for _, screen, press in demo_pdfs.values():
        for path in (screen, press):
            rows = fonts(path)
            assert rows
            for row in rows:
                assert row["emb"] and row["uni"], row
                assert re.match(r"[A-Z]{6}\+(Noto-Serif|Roboto-Condensed)", row["name"]), row["name"]


def test_text_of_every_article_is_extractable(demo_pdfs):
    for issue, screen, press in demo_pdfs.values():
        for path in (screen, press):
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True,
                                  text=True, check=True).stdout
            flat = " ".join(text.split())
            for article in issue.all_pages:
                words = article.title.replace("'", "’").split()[:3]
                assert " ".join(words) in flat or " ".join(words).upper() in flat, (path.name, article.title)
    _, screen, _ = demo_pdfs[1112]
    text = subprocess.run(["pdftotext", str(screen), "-"], capture_output=True, text=True, check=True).stdout
    for word in ("Θεσσαλονίκη", "Łódź", "Wrocław"):  # Greek and Polish letters come out as text
        assert word in text


def test_page_starts_match_the_print_layout(demo_pdfs):
    issue, _, press = demo_pdfs[1112]
    reader = PdfReader(press)
    from publish.pipeline.types import Context, Options

    starts = pdf.page_starts(issue, Context(Options(formats=("print",)), press.parent.parent))
    assert starts == _article_pages(reader, issue)


def test_validators_pass(demo_pdfs):
    _, screen, press = demo_pdfs[1112]
    for message in check_screen(screen) + check_press(press):
        assert not message.startswith("error"), message


# --- small publications ------------------------------------------------------------------------


def _build(run, root, *args):
    result = run(root, "build", "1112", "--format", "pdf,print", "--force", *args)
    return result


def _copy_fonts(root: Path) -> None:
    shutil.copytree(Path(__file__).resolve().parents[1] / "fonts", root / "fonts")


@pytest.mark.parametrize("size, expect_mm", [("A5", (148, 210)), ("289mm 380mm", (289, 380)),
                                             ("A4 landscape", (297, 210))])
def test_every_page_size_works(pub, run, size, expect_mm):
    _copy_fonts(pub)
    toml = pub / "publication.toml"
    toml.write_text(toml.read_text() + f'\n[print]\npage-size = "{size}"\ncolumns = 2\nbleed = "5mm"\n')
    result = _build(run, pub)
    assert result.exit_code == 0, result.output
    width, height = (v * 72 / 25.4 for v in expect_mm)
    press = PdfReader(pub / "dist/1112/weekly-worker-1112-print.pdf")
    screen = PdfReader(pub / "dist/1112/weekly-worker-1112.pdf")
    for page in press.pages:
        trim = [float(v) for v in page.trimbox]
        assert _close(trim[2] - trim[0], width, 0.2) and _close(trim[3] - trim[1], height, 0.2)
        assert _close(float(page.bleedbox[2]) - trim[2], 5 * 72 / 25.4)
    assert -(-len(screen.pages) // 4) * 4 == len(press.pages)
    assert _close(float(screen.pages[0].mediabox[2]), width, 0.2)


def test_same_sources_same_bytes(pub, run, monkeypatch):
    _copy_fonts(pub)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    assert _build(run, pub).exit_code == 0
    first = {p.name: p.read_bytes() for p in (pub / "dist/1112").glob("*.pdf")}
    assert _build(run, pub).exit_code == 0
    second = {p.name: p.read_bytes() for p in (pub / "dist/1112").glob("*.pdf")}
    assert first == second and len(first) == 2


def test_layout_asking_for_the_network_is_refused(pub, run):
    _copy_fonts(pub)
    css = pub / "layouts/default/css/print.css"
    write(css, (REPO / "layouts/default/css/print.css").read_text()
          + '\n.masthead { background-image: url("https://example.org/x.css"); }\n')
    result = _build(run, pub)
    assert result.exit_code == 1
    assert "layouts/default" in result.output and "https://example.org/x.css" in result.output
    assert "nothing is fetched from the network" in result.output
    assert not list((pub / "dist").rglob("*.pdf"))


def test_file_outside_the_publication_is_refused_naming_the_article(tmp_path):
    from publish.products.print_layout.render import Job, render

    root = tmp_path / "pub"
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"x")
    html = (f'<html lang="en"><body><article id="article-a"><p>A</p></article>'
            f'<article id="article-b"><img src="{root_url(tmp_path)}secret.png" alt=""></article></body></html>')
    root.mkdir()
    result = render(Job(html, root, ("screen",), {"article-a": "issues/1/a.md", "article-b": "issues/1/b.md"}, 60))
    assert result.error.startswith("issues/1/b.md: the PDF may not load")
    assert "outside the publication folder" in result.error and not result.pdf


def test_layout_time_limit_names_the_article(pub, run, monkeypatch):
    _copy_fonts(pub)
    monkeypatch.setenv("PUBLISH_PDF_TIME_LIMIT", "0.05")
    result = _build(run, pub)
    assert result.exit_code == 1
    assert "took longer than 0.05 s" in result.output
    assert re.search(r"issues/1112/0[12]-\w+\.md|pages/join\.md", result.output)


def test_publication_without_fonts_uses_the_builtin_fonts(pub, run):
    result = _build(run, pub)
    assert result.exit_code == 0, result.output
    listing = subprocess.run(["pdffonts", str(pub / "dist/1112/weekly-worker-1112.pdf")],
                             capture_output=True, text=True, check=True).stdout
    assert "Noto-Serif" in listing and "Roboto" in listing


def test_missing_font_file_is_a_clear_error(pub, run):
    (pub / "fonts").mkdir()  # the publication has its own fonts/, without the layout's fonts
    result = _build(run, pub)
    assert result.exit_code == 1
    assert "fonts/NotoSerif-Regular.ttf" in result.output


@pytest.mark.parametrize("url, reason", [
    ("https://example.org/x.png", "network"),
    ("http://127.0.0.1/x.png", "network"),
    ("data:image/png;base64,AAAA", "network"),
    ("file:///etc/passwd", "outside the publication folder"),
    ("file://otherhost/x.png", "another machine"),
    ("{root}missing.png", "does not exist"),
    ("{root}link.txt", "outside the publication folder"),
])
def test_fetcher_refuses(tmp_path, url, reason):
    root = tmp_path / "pub"
    root.mkdir()
    (root / "link.txt").symlink_to("/etc/hostname")
    fetcher = ConfinedFetcher(root)
    with pytest.raises(Refused) as caught:
        fetcher.fetch(url.format(root=root_url(root)))
    assert reason in caught.value.reason


def test_fetcher_serves_files_inside(tmp_path):
    root = tmp_path / "pub"
    write(root / "images/a b.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    response = ConfinedFetcher(root).fetch(root_url(root) + "images/a%20b.svg")
    assert b"<svg" in response.read() and response.content_type == "image/svg+xml"


def test_low_resolution_pictures_are_warned_about(pub):
    from helpers import picture

    picture(pub / "issues/1112/images/picket.jpg", size=(320, 200))
    _, issues, _ = load_issues(pub, ("1112",))
    problems = print_resolution_problems(issues[0])
    assert len(problems) == 1
    problem = problems[0]
    assert problem.severity == "warning" and problem.path == "issues/1112/01-strike.md"
    assert "images/picket.jpg" in problem.message and "dpi" in problem.message


def test_parts_are_whole_sections_in_order(demo_copy):
    _, issues, _ = load_issues(demo_copy, ("1112",))
    issue = issues[0]
    for count in (1, 2, 3):
        parts = pdf_html.split(issue, count)
        assert len(parts) == min(count, len(issue.sections))
        assert [a for p in parts for a in p.articles] == list(issue.articles) + list(issue.standing_pages)
        assert all(p.runs for p in parts)


def test_download_pictures_at_screen_resolution_press_at_full(demo_pdfs):
    issue, screen, press = demo_pdfs[1112]
    def widths(path):
        return sorted(img.image.width for page in PdfReader(path).pages[:3] for img in page.images)
    full, small = widths(press), widths(screen)
    assert len(full) == len(small) and full
    assert sum(small) < sum(full)
    from PIL import Image
    with Image.open(issue.cover_picture.path) as original:
        assert max(full) == original.width  # the press gets the file as it is


def test_every_picture_of_every_article_is_printed(demo_pdfs):
    """Lead pictures and pictures inside bodies alike (bitmaps are image objects; SVGs are drawn as vectors)."""
    for issue, screen, press in demo_pdfs.values():
        bitmaps = {p.path for a in issue.all_pages for p in ([a.image] if a.image else []) + list(a.pictures)
                   if p.path.suffix.lower() != ".svg"}
        for path in (screen, press):
            listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True,
                                     check=True).stdout.splitlines()[2:]
            images = [line for line in listing if line.split()[2] == "image"]
            assert len(images) >= len(bitmaps), (path.name, len(images), len(bitmaps))
    issue, screen, _ = demo_pdfs[1112]
    page_of_ballot = [line.split()[0] for line in subprocess.run(
        ["pdfimages", "-list", str(screen)], capture_output=True, text=True).stdout.splitlines()[2:]
        if line.split()[2] == "smask"]
    assert page_of_ballot, "the transparent PNG inside an article body is missing"
