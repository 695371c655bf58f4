"""Issue 13's pages: filled pages, the lead story on the front page with its jump, measured on real PDFs."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from bench.layout import GOAL, page_fill
from helpers import write

pytestmark = pytest.mark.slow


def _pages_text(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [" ".join(page.split()) for page in text.split("\f")]


def test_every_page_but_the_last_is_filled(demo_pdfs):
    for number, (issue, screen, _) in demo_pdfs.items():
        report = page_fill(screen)
        assert report.front >= GOAL, (number, report.summary())
        assert report.under == [], (number, report.summary())
        # sections run on: some page carries the opening of two sections (their bookmarks point at it)
        reader = PdfReader(screen)
        section_pages = [reader.get_destination_page_number(item) for item in reader.outline
                         if not isinstance(item, list) and item.title != "Front page"]
        assert len(set(section_pages)) < len(section_pages), section_pages


def test_the_lead_story_jumps_from_the_front_page_and_picks_up_inside(demo_pdfs):
    for number, (issue, screen, _) in demo_pdfs.items():
        jumps = page_fill(screen).jumps
        front = [j for j in jumps if j.page == 1 and j.direction == "on"]
        assert len(front) == 1, jumps
        to = front[0].to
        assert front[0].linked and front[0].target == to
        back = [j for j in jumps if j.page == to and j.direction == "from" and j.to == 1]
        assert back and back[0].linked and back[0].target == 1, jumps
        # every jump names the page it leads to, and its link goes there
        for jump in jumps:
            assert jump.linked, jump
            if jump.direction == "on":
                assert jump.target == jump.to > jump.page
        # the story is told once: its first words on the front page only, its last words inside only
        pages = _pages_text(screen)
        lead = issue.cover_story
        words = lead.body.split("\n\n")[0].split()
        start = next(i for i in range(len(words)) if all(w.isalpha() for w in words[i:i + 4]))
        first = " ".join(words[start:start + 4])  # four plain words of the opening paragraph
        assert first in pages[0] and not any(first in page for page in pages[1:]), first
        # the contents box names the page where the lead picks up, and that page has the rest of it
        assert pages[to - 1].upper().count("CONTINUED FROM PAGE 1") == 1


def test_running_heads_still_number_every_page(demo_pdfs):
    """Each body page's number is in its foot band (the bottom margin), where the fillers and jump lines are too."""
    issue, screen, _ = demo_pdfs[1112]
    pages = len(PdfReader(screen).pages)
    for index in range(2, pages + 1):
        foot = subprocess.run(["pdftotext", "-f", str(index), "-l", str(index), "-x", "0", "-y", "800", "-W", "596",
                               "-H", "42", str(screen), "-"], capture_output=True, text=True, check=True).stdout
        assert str(index) in foot.split(), (index, foot)


@pytest.fixture(scope="module")
def short_lead(tmp_path_factory, demo_copy):
    """A publication whose lead story is three short paragraphs: it fits on the front page whole."""
    from helpers import invoke_at, small_publication

    root = small_publication(tmp_path_factory.mktemp("short-lead") / "pub")
    write(root / "issues/1112/00-brief.md", "---\ntitle: \"Council backs down\"\nsection: news\n"
          "standfirst: \"A short win\"\n---\nThe council withdrew the cuts on Monday.\n\n"
          "Campaigners had lobbied every meeting since the summer.\n\nThey will march again in spring.\n")
    toml = root / "issues/1112/issue.toml"
    toml.write_text(toml.read_text().replace('cover-article = "strike"', 'cover-article = "brief"'))
    result = invoke_at("1606867200", root, "build", "1112", "--format", "pdf")
    assert result.exit_code == 0, result.output
    return next((root / "dist/1112").glob("*.pdf")), root


def test_a_short_lead_stays_whole_on_the_front_page_and_teasers_fill_it(short_lead):
    pdf, _ = short_lead
    pages = _pages_text(pdf)
    assert "They will march again in spring." in pages[0]
    assert not any("They will march again" in page for page in pages[1:])
    assert "CONTINUED ON PAGE" not in pages[0].upper()
    # the other stories are teased with their pages
    assert "Bin workers strike" in pages[0] and "PAGE 2" in pages[0].upper()


def test_a_table_never_opens_on_the_front_page(pub, run):
    """The small paper's lead has a table after its first paragraph: the front stops before it."""
    result = run(pub, "build", "1112", "--format", "pdf")
    assert result.exit_code == 0, result.output
    pages = _pages_text(next((pub / "dist/1112").glob("*.pdf")))
    assert "solid" in pages[0] and "CONTINUED ON PAGE 2" in pages[0].upper()
    assert "Driver" not in pages[0]
    assert "CONTINUED FROM PAGE 1" in pages[1].upper() and "Driver" in pages[1]


def test_landscape_pictures_span_the_columns_and_others_keep_to_one(pub):
    from helpers import picture
    from publish.check import load_issues
    from publish.products.print_layout import html as pdf_html

    picture(pub / "issues/1112/images/wide.png", size=(1800, 1000), fmt="PNG")
    picture(pub / "issues/1112/images/small.png", size=(900, 500), fmt="PNG")  # too few pixels to span
    picture(pub / "issues/1112/images/square.png", size=(600, 600), fmt="PNG")
    story = pub / "issues/1112/02-dilemma.md"
    story.write_text(story.read_text(encoding="utf-8") + '\n![Wide](images/wide.png "A wide one")\n\n'
                     '![Square](images/square.png "A square one")\n\n![Small](images/small.png "A small one")\n',
                     encoding="utf-8")
    _, issues, _ = load_issues(pub, ("1112",))
    html = "".join(pdf_html.part_html(issues[0], part) for part in pdf_html.split(issues[0]))
    figures = re.findall(r'<figure class="([^"]*)"[^>]*><img src="[^"]*/(\w+)\.png"', html)
    assert sorted(figures) == [("picture", "small"), ("picture", "square"), ("picture wide", "wide")]


def test_a_fifty_story_issue_lists_what_fits_and_counts_the_rest(tmp_path):
    """The contents box of a big issue: every section's first stories up to front.INSIDE, then a count."""
    import os
    import sys

    from bench.generate import generate
    from helpers import REPO
    from publish.products.print_layout.front import INSIDE

    root = generate(tmp_path / "big", 1, seed=11, articles=50, words=12000, pictures=2)
    built = subprocess.run([sys.executable, "-m", "publish", "--root", str(root), "build", "1000", "--format", "pdf"],
                           capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
                           timeout=600)
    assert built.returncode == 0, built.stderr
    pdf = next((root / "dist/1000").glob("*-1000.pdf"))
    front = _pages_text(pdf)[0]
    assert f"{50 - INSIDE} more stories inside" in front, front
    reader = PdfReader(pdf)
    links = [a.get_object() for a in reader.pages[0].get("/Annots", [])]
    listed = {str(a["/Dest"]) for a in links if "/Dest" in a and str(a["/Dest"]).startswith("article-")}
    assert INSIDE <= len(listed) <= INSIDE + 1  # and the cover headline's link to the lead, if not listed
