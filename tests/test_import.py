"""publish import: Word and LibreOffice files made by Pandoc, archived pages written here → articles that pass check."""

from __future__ import annotations

import io
import re
import subprocess
import zipfile
from pathlib import Path

import pytest

from helpers import invoke_at, picture, small_publication, snapshot, write
from publish.markdown import parse, walk
from publish.slug import slugify

EPOCH = "1606867200"
SLUG = slugify("Łódź dockers win the pay claim")
# our article, as an editor would write it: every feature the import must carry back
ARTICLE = f"""\
---
title: "Łódź dockers win the pay claim"
standfirst: "A week on strike brings the port owners to the table"
author: "Zoë Kowalczyk-Nguyễn"
affiliation: "Łódź Socialist Party"
section: news
---
Dockers at the port voted to accept the offer on *Friday*, after a week in which **no ship** was unloaded.[^1]

## How the strike was won

The union's claim was met in full by the owners:

| Grade | Offer |
|-------|-------|
| Crane driver | 6% |
| Lasher | 7% |

> We stood together and we won, said Αλέξης Παπαδόπουλος, a crane driver.

- a rise of six per cent
- no compulsory overtime

![Dockers on the quay at dawn](images/{SLUG}-1.png "The quay at first light")

::: box Strike fund
Give to the strike fund: every donation is passed on.
:::

Messages of support came from 山田太郎 in Osaka and from Dublin.

[^1]: Figures from the branch secretary.
"""


def pandoc_source(article: str) -> str:
    """Our article as Pandoc's Markdown: Subtitle for the standfirst, a By line, Word's Box styles for the box."""
    front, body = article.split("---\n", 2)[1:]
    fields = dict(re.findall(r'^(\w+): "(.*)"$', front, re.M))
    body = re.sub(r"::: box (.+)\n(.+)\n:::", r'::: {custom-style="Box Title"}\n\1\n:::\n\n'
                  r'::: {custom-style="Box"}\n\2\n:::', body)
    return (f'---\ntitle: "{fields["title"]}"\nsubtitle: "{fields["standfirst"]}"\n---\n'
            f'By {fields["author"]}, {fields["affiliation"]}\n\n{body}')


def tokens(markdown: str) -> list[tuple]:
    body = markdown.split("---\n", 2)[2] if markdown.startswith("---\n") else markdown
    return [(t.type, t.tag, t.content.strip(), t.info.strip()) for t in walk(parse(body, "en-GB"))
            if t.type != "softbreak"]


def pandoc(source: Path, out: Path, resources: Path) -> Path:
    subprocess.run(["pandoc", "-f", "markdown-smart", str(source), "-o", str(out), f"--resource-path={resources}"], check=True, timeout=60)
    return out


@pytest.fixture(scope="session")
def documents(tmp_path_factory) -> Path:
    """article.docx, article.odt and noisy.docx, made by Pandoc from Markdown (with the picture beside it)."""
    folder = tmp_path_factory.mktemp("documents")
    picture(folder / "images" / f"{SLUG}-1.png", size=(600, 400), fmt="PNG")
    source = write(folder / "article.md", pandoc_source(ARTICLE))
    pandoc(source, folder / "article.docx", folder)
    pandoc(source, folder / "article.odt", folder)
    noisy = write(folder / "noisy.md", '---\ntitle: "Noise"\n---\nA line broken\\\nby hand.\n\n&nbsp;\n\n'
                  "# Only heading\n\nText under it.\n\n![](images/" + SLUG + "-1.png)\n")
    pandoc(noisy, folder / "noisy.docx", folder)
    return folder


@pytest.fixture(scope="session")
def imported(tmp_path_factory, documents):
    """The small publication after importing article.docx and article.odt into issue 1112."""
    root = small_publication(tmp_path_factory.mktemp("imported") / "pub")
    result = invoke_at(EPOCH, root, "import", str(documents / "article.docx"), str(documents / "article.odt"),
                       "--issue", "1112", "--section", "news")
    return root, result


def test_docx_round_trip_gives_the_same_article(imported):
    root, result = imported
    assert result.exit_code == 0, result.output
    made = (root / f"issues/1112/03-{SLUG}.md").read_text(encoding="utf-8")
    assert made.split("---\n")[1] == ARTICLE.split("---\n")[1]  # the front matter, field for field
    assert tokens(made) == tokens(ARTICLE)  # the body, element for element
    assert (root / f"issues/1112/images/{SLUG}-1.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote issues/1112/03-{SLUG}.md and 1 picture" in result.output


def test_odt_keeps_title_standfirst_text_and_reports_lost_alt(imported):
    root, result = imported
    made = (root / f"issues/1112/04-{SLUG}-2.md").read_text(encoding="utf-8")
    assert 'title: "Łódź dockers win the pay claim"' in made
    assert 'standfirst: "A week on strike brings the port owners to the table"' in made
    assert 'author: "Zoë Kowalczyk-Nguyễn"' in made and 'affiliation: "Łódź Socialist Party"' in made
    for kept in ("*Friday*", "**no ship**", "## How the strike was won", "[^1]: Figures", "Crane driver",
                 "Give to the strike fund", "山田太郎", f"images/{SLUG}-2-1.png"):
        assert kept in made
    # Pandoc's ODT reader empties a table's header cells: they come back from content.xml
    assert re.search(r"^\| Grade +\| Offer \|$", made, re.M), made
    # Pandoc's ODT writer drops alt text: the import says so, and check names the line to fill
    assert f"picture 1 has no alt text (Word's description): describe it between the brackets of " \
           f"![](images/{SLUG}-2-1.png)" in result.output
    assert re.search(rf"still to do: issues/1112/04-{SLUG}-2.md:\d+: picture .* has no alt text", result.output)


def test_noise_is_dropped_and_a_first_heading_is_the_title(tmp_path, documents, run):
    root = small_publication(tmp_path / "pub")
    result = run(root, "import", str(documents / "noisy.docx"), "--issue", "1112", "--section", "news")
    assert result.exit_code == 0, result.output
    made = (root / "issues/1112/03-noise.md").read_text(encoding="utf-8")
    assert "A line broken by hand.\n\n## Only heading\n\nText under it." in made
    assert "\u00a0" not in made and "\n\n\n" not in made
    assert "has no alt text" in result.output


def test_import_never_overwrites_and_dry_run_writes_nothing(tmp_path, documents, run):
    root = small_publication(tmp_path / "pub")
    before = snapshot(root / "issues")
    dry = run(root, "import", str(documents / "article.docx"), "--issue", "1112", "--dry-run")
    assert dry.exit_code == 0 and f"would write issues/1112/03-{SLUG}.md" in dry.output
    assert "section: news (the first of publication.toml" in dry.output
    assert snapshot(root / "issues") == before
    for _ in range(2):
        assert run(root, "import", str(documents / "article.docx"), "--issue", "1112").exit_code == 0
    assert sorted(p.name for p in (root / "issues/1112").glob("0*.md")) == [
        "01-strike.md", "02-dilemma.md", f"03-{SLUG}.md", f"04-{SLUG}-2.md"]
    assert (root / "issues/1112/01-strike.md").read_text(encoding="utf-8").startswith('---\ntitle: "Bin workers')
    assert run(root, "check", "1112").exit_code == 0


# --- archived web pages -------------------------------------------------------------------

FURNITURE = ("Print this article", "Click to enlarge", "Home", "Join us", "Around the country", "Sidebar story",
             "TRACKER", "tracker", "javascript", "onclick", "alert", "Subscribe", "ebook / Kindle", "paper of the",
             "Wide screen", "<script", "color:red")


def page(number: int = 1113, title: str = "Readers back the walkout", extra: str = "", picture_src: str = "lead.jpg",
         charset: str = "utf-8") -> str:
    """An archived article page of the paper's old site: the article amid menus, sidebars, scripts and footers."""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="{charset}">
<title>Libraries: {title} | The Weekly Worker</title>
<meta name="keywords" content="Libraries, Strikes, Council cuts">
<script>var tracker = 'x'; document.write('TRACKER');</script><style>.x{{color:red}}</style>
</head><body>
<p>Wide screen devices may view this page better by clicking here</p>
<div id="menu"><ul><li><a href="/">Home</a></li><li><a href="/join">Join us</a></li></ul></div>
<div class="sidebar"><h3>Around the country</h3><p>Sidebar story about something else entirely.</p></div>
<div id="content">
<p class="tools"><a href="javascript:window.print()">Print this article</a></p>
<p class="from">From: The Weekly Worker issue {number}, 9 December 2020: save our libraries</p>
<p class="kw">Search site for keywords: Libraries - Strikes - Council cuts</p>
<h1><span class="kicker">Libraries</span>: {title}</h1>
<p class="standfirst">Staff at six branches stop work over closure plans</p>
<div class="pic"><a href="{picture_src}" onclick="window.open(this.href);return false"><img src="{picture_src}"
 alt="Strikers outside the central library" title="On the picket line"></a><br>(Click to enlarge)</div>
<p class="byline">Dorota Wiśniewska, Leeds Socialist Party</p>
<div class="article">
<p>Library workers in the city walked out on Monday after the council confirmed plans to close six branches.
Readers joined the picket lines from the first morning, bringing tea and signing the petition.</p>
<h3>Solid support</h3>
<p>The union says the closures would put <em>forty</em> jobs at risk. A <strong>ballot</strong> returned a 92% vote
for action, said Ngozi Adébáyọ̀ and Ιωάννα Κωνσταντίνου.</p>
<blockquote><p>We are not going to let them shut the doors on our children, said one reader.</p></blockquote>
<table><tr><th>Branch</th><th>Staff</th></tr><tr><td>Central</td><td>24</td></tr></table>
<p>Supporters can <a href="https://example.org/petition" onclick="track()">sign the petition</a> or
<a href="javascript:alert(1)">press here</a> to help.<script>alert('x')</script></p>
<img src="https://tracker.example.com/pixel.gif" alt="">
{extra}
<p>The campaign meets again next Thursday at the community centre, and a march is planned for Saturday.</p>
</div></div>
<div id="footer"><p>The Weekly Worker, paper of the Test Party</p>
<p>Subscribe | ebook / Kindle | PDF version | Text / Print | Back issues | Audio files</p></div>
<script src="https://tracker.example.com/t.js"></script>
</body></html>
"""


def test_archived_page_gives_its_fields_and_no_furniture(tmp_path, run):
    root = small_publication(tmp_path / "pub")
    site = tmp_path / "site"
    picture(site / "lead.jpg", size=(1600, 1000))
    write(site / "strike.html", page())
    result = run(root, "import", str(site / "strike.html"), "--issue", "1113", "--section", "news")
    assert result.exit_code == 0, result.output
    made = (root / "issues/1113/01-readers-back-the-walkout.md").read_text(encoding="utf-8")
    front = made.split("---\n")[1]
    assert front == """\
title: "Readers back the walkout"
kicker: "Libraries"
standfirst: "Staff at six branches stop work over closure plans"
author: "Dorota Wiśniewska"
affiliation: "Leeds Socialist Party"
section: news
keywords: ["Libraries", "Strikes", "Council cuts"]
image:
  src: "images/readers-back-the-walkout-1.jpg"
  alt: "Strikers outside the central library"
  caption: "On the picket line"
"""
    for kept in ("## Solid support", "*forty*", "**ballot**", "> We are not going", "| Branch  | Staff |",
                 "[sign the petition](https://example.org/petition)", "press here to help", "Ngozi Adébáyọ̀",
                 "Ιωάννα Κωνσταντίνου", "march is planned for Saturday."):
        assert kept in made
    for leaked in FURNITURE:
        assert leaked not in made
    assert "From:" not in made and "Search site" not in made and made.count("Readers back the walkout") == 1
    assert "remote picture https://tracker.example.com/pixel.gif was not fetched" in result.output
    assert (root / "issues/1113/issue.toml").read_text(encoding="utf-8") == \
        'number = 1113\ndate = 2020-12-09\nheadline = "Save our libraries"\n'
    assert run(root, "check", "1113").exit_code == 0


SELECTORS = """
[import.html]
title = "div.hed"
kicker = "div.label"
standfirst = "div.dek"
byline = "div.credit"
keywords = "ul.tags"
from = "div.issue-line"
body = "div.copy"
"""


def test_selectors_read_the_papers_own_template(tmp_path, run):
    root = small_publication(tmp_path / "pub")
    toml = root / "publication.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + SELECTORS, encoding="utf-8")
    write(tmp_path / "old.html", """<html><head><meta charset="windows-1252"></head><body>
<div class="issue-line">From: The Weekly Worker issue 900, 4 March 2015: Cuts</div>
<div class="label">Housing</div><div class="hed">Tenants win repairs</div>
<div class="dek">A rent strike ends in victory</div><div class="credit">Seán Ó Briain, Cork branch</div>
<ul class="tags"><li>Housing</li>, <li>Rent</li></ul>
<div class="copy"><p>After four months the landlord agreed to fix every flat on the estate, café owners cheered.</p>
<p><a href="#" onclick="steal()">Print this article</a></p></div></body></html>""".replace("é", "\xe9"))
    (tmp_path / "old.html").write_bytes((tmp_path / "old.html").read_text(encoding="utf-8").encode("cp1252"))
    result = run(root, "import", str(tmp_path / "old.html"), "--issue", "900")
    assert result.exit_code == 0, result.output
    made = (root / "issues/900/01-tenants-win-repairs.md").read_text(encoding="utf-8")
    assert 'kicker: "Housing"' in made and 'author: "Seán Ó Briain"' in made and 'affiliation: "Cork branch"' in made
    assert 'keywords: ["Housing", "Rent"]' in made and "café owners cheered." in made and "Print" not in made
    assert 'headline = "Cuts"' in (root / "issues/900/issue.toml").read_text(encoding="utf-8")


def test_a_bad_selector_is_located_in_publication_toml(tmp_path, run):
    root = small_publication(tmp_path / "pub")
    toml = root / "publication.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[import.html]\ntitle = "h1["\nheadline = "h2"\n',
                    encoding="utf-8")
    line = toml.read_text(encoding="utf-8").splitlines().index('title = "h1["') + 1
    result = run(root, "check", "1112")
    assert result.exit_code == 1
    assert f"publication.toml:{line}: import.html title = 'h1[' is not a CSS selector we can use" in result.output
    assert f"publication.toml:{line + 1}: warning: unknown key 'headline'" in result.output


def test_archive_groups_pages_into_issues(tmp_path, run):
    root = small_publication(tmp_path / "pub")
    archive = tmp_path / "archive"
    picture(archive / "lead.jpg", size=(1600, 1000))
    write(archive / "a-1.html", page(1120, "Readers back the walkout"))
    write(archive / "a-2.html", page(1120, "Council backs down on two branches"))
    write(archive / "b-1.html", page(1121, "Six branches saved"))
    write(archive / "c-copy.html", page(1120, "Readers back the walkout"))
    write(archive / "d-lost.html", page(1122).replace("From: The Weekly Worker issue 1122", "Printed"))
    (archive / "e-broken.html").write_bytes(page(1123).encode("utf-8").replace(b"Monday", b"Mon\xffday"))
    result = run(root, "import", "--archive", str(archive), "--section", "news")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / "issues/1120").glob("*.md")) == [
        "01-readers-back-the-walkout.md", "02-council-backs-down-on-two-branches.md"]
    assert [p.name for p in (root / "issues/1121").glob("*.md")] == ["01-six-branches-saved.md"]
    assert 'number = 1121\ndate = 2020-12-09\nheadline = "Save our libraries"' in \
        (root / "issues/1121/issue.toml").read_text(encoding="utf-8")
    assert "not imported: c-copy.html: a duplicate of a-1.html (issue 1120, the same title)" in result.output
    assert 'not imported: d-lost.html: no "From: <paper> issue N, <date>: <headline>" line' in result.output
    assert "not imported: e-broken.html: the page is not valid utf-8 (byte 0xff" in result.output
    assert "imported 3 of 6 pages into 2 issues; 3 not imported — next: publish build --all" in result.output
    assert not (root / "issues/1122").exists() and not (root / "issues/1123").exists()
    assert "reading pages" in result.output  # the progress bar's label (a terminal also sees it move)
    before = snapshot(root)
    again = run(root, "import", "--archive", str(archive), "--section", "news")  # the same folder a second time
    assert again.exit_code == 0, again.output
    assert snapshot(root) == before
    assert "not imported: a-1.html: already imported as issues/1120/01-readers-back-the-walkout.md " \
           "(issue 1120, the same title) — skipped" in again.output
    assert "not imported: b-1.html: already imported as issues/1121/01-six-branches-saved.md" in again.output
    assert "imported 0 of 6 pages into 0 issues; 6 not imported" in again.output
    assert run(root, "check", "--all").exit_code == 0
    built = run(root, "build", "--all", "--format", "text")
    assert built.exit_code == 0, built.output
    assert "Six branches saved" in (root / "dist/1121/weekly-worker-1121.txt").read_text(encoding="utf-8")


# --- bad input: a clear error naming the file, exit 1, and nothing written -----------------------------


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def _bad_sources(folder: Path, documents: Path) -> dict[str, bytes]:
    good = (documents / "article.docx").read_bytes()
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptionInfo".encode("utf-16-le") + bytes(64)
    return {
        "corrupt.docx": b"PK\x03\x04" + bytes(range(256)) * 4,
        "truncated.docx": good[: len(good) // 2],
        "locked.docx": ole,
        "old.docx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
        "bomb.docx": _zip({"word/document.xml": bytes(40 * 2**20)}),
        "report.docx": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        "notes.txt": b"Just some notes.\n",
        "empty.html": b"<html><body><div id='menu'><a href='/'>Home</a></div><p>Print this article</p></body></html>",
        "latin.html": page().encode("utf-8").replace(b"Monday", b"Mon\xe9day"),
        "klingon.html": page(charset="x-klingon").encode("utf-8"),
        "escape.html": page(picture_src="../../secret.jpg").encode("utf-8"),
        "rooted.html": page(picture_src="/srv/site/lead.jpg").encode("utf-8"),
        "stub.html": b"<html><body><div><h1>A headline</h1><p>One line.</p></div></body></html>",
        "whole-site.html": page(extra="<p>" + "Another story. " * 150_000 + "</p>").encode("utf-8"),
    }


BAD = [
    ("corrupt.docx", "the document is damaged"),
    ("truncated.docx", "the document is damaged"),
    ("locked.docx", "the document is password-protected (encrypted) — open it in Word or LibreOffice, remove"),
    ("old.docx", "this is an old binary Word file (.doc), not a .docx"),
    ("bomb.docx", "refused as a zip bomb: word/document.xml expands to 40 MB"),
    ("report.docx", "not a Word (.docx) document: the file is not a zip archive (it is a PDF)"),
    ("notes.txt", "cannot import a .txt: only .docx, .odt, .html are read"),
    ("empty.html", "no article found on the page"),
    ("latin.html", "the page is not valid utf-8 (byte 0xe9 at offset"),
    ("klingon.html", "the page declares the character set 'x-klingon', which is unknown"),
    ("escape.html", "picture path '../../secret.jpg' leaves the page's folder"),
    ("rooted.html", "picture path '/srv/site/lead.jpg' leaves the page's folder"),
    ("stub.html", "no article found on the page"),
    ("whole-site.html", "the page is 2.1 MB, over the 2 MB limit for one article's page — save the article alone"),
]


@pytest.fixture(scope="session")
def bad_folder(tmp_path_factory, documents) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    for name, data in _bad_sources(folder, documents).items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize(("name", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_by_name_and_nothing_is_written(tmp_path, run, bad_folder, documents, name, message):
    root = small_publication(tmp_path / "pub")
    before = snapshot(root)
    # a good document first: it must not be written either, since one source failed
    result = run(root, "import", str(documents / "article.docx"), str(bad_folder / name), "--issue", "1112")
    assert result.exit_code == 1, result.output
    assert f"error: {bad_folder / name}: {message}" in result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    # the extractor's own log lines ("readability_lxml failed:", "discarding data: None") stay quiet
    assert "failed:" not in result.output and "discarding" not in result.output
    assert snapshot(root) == before


def test_a_page_without_classes_is_guessed_in_the_papers_order(tmp_path, run):
    """From line, keywords line, "Kicker: Title", standfirst, picture, byline, body: no class names to go by."""
    root = small_publication(tmp_path / "pub")
    picture(tmp_path / "old" / "pic.jpg", size=(1600, 1000))
    write(tmp_path / "old" / "p.html", """<html><head><meta charset="utf-8"><title>Old site</title></head><body>
<table><tr><td><a href="/">Home</a> <a href="/x">What we stand for</a></td></tr></table>
<p><a href="print.html">Print this article</a></p>
<p><i>From: The Weekly Worker issue 1130, 3 February 2021: Fight the freeze</i></p>
<p>Search site for keywords: Film - Housing - Rent</p>
<h1>Film: The Landlord's Year</h1>
<p><b>A documentary follows one estate through twelve months of rent rises</b></p>
<p><img src="pic.jpg" alt="Tenants at a meeting"><br>Tenants at a meeting (Click to enlarge)</p>
<p><b>Ayşe Yılmaz, Hackney Socialist Party</b></p>
<p>The camera stays with the tenants of one tower block from January to December, as each letter from the agent
brings another increase and another repair put off until spring.</p>
<h2>Organising back</h2>
<p>By the autumn the tenants have formed an association, and the film ends with their first collective meeting
with the council's housing officer.</p>
<div><p>Article dated 3 February 2021</p><p>Join | Subscribe | Donate</p></div>
</body></html>""")
    result = run(root, "import", str(tmp_path / "old" / "p.html"), "--issue", "1130", "--section", "reviews")
    assert result.exit_code == 0, result.output
    made = (root / "issues/1130/01-the-landlord-s-year.md").read_text(encoding="utf-8")
    assert made.startswith("""---
title: "The Landlord's Year"
kicker: "Film"
standfirst: "A documentary follows one estate through twelve months of rent rises"
author: "Ayşe Yılmaz"
affiliation: "Hackney Socialist Party"
section: reviews
keywords: ["Film", "Housing", "Rent"]
image:
  src: "images/the-landlord-s-year-1.jpg"
  alt: "Tenants at a meeting"
---
The camera stays""")
    assert "## Organising back" in made and made.rstrip().endswith("housing officer.")
    for leaked in ("Home", "Print", "Article dated", "Subscribe", "Click", "From:", "Search site"):
        assert leaked not in made
    assert run(root, "check", "1130").exit_code == 0


def boxed_page(lead: str) -> str:
    """A page whose issue line and appeal sit outside the article's box: a shape that fools the extractor."""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Tenants refuse the rise | The Weekly Worker</title>
</head><body>
<ul class="nav"><li><a href="/">Home</a></li><li><a href="/archive">Archive</a></li></ul>
<p class="issue">From: The Weekly Worker issue 1140, 4 March 2021: No to the rent rise</p>
<div class="article">
<h1>Tenants refuse the rise</h1>
<div class="photo"><img src="{lead}" alt="A banner on a balcony"><br>Balconies on the estate, Saturday</div>
<p>Tenants on the riverside estate have voted not to pay the April rise, saying the lifts stay broken.</p>
<p>The association, led by Kwame Asante, meets <a href="https://example.org/assoc">each Tuesday</a>.</p>
<h3>Who is standing firm</h3>
<p>Three blocks out of four backed the refusal, with a <em>clear</em> majority in each.</p>
<img src="hall.jpg" alt="The community hall meeting">
<img src="https://photos.example.net/estate.jpg" alt="The estate from the river">
<p>They will meet the housing committee to press for repairs first.</p>
</div>
<div class="appeal"><h3>Fund the paper</h3><p>Our finance appeal needs you: give what you can today.</p></div>
</body></html>
"""


def test_an_issue_line_outside_the_article_keeps_its_pictures_and_subheadings(tmp_path, run):
    root = small_publication(tmp_path / "pub")
    site = tmp_path / "site" / "pages"
    picture(site / "lead.jpg", size=(1600, 1000))
    picture(site / "hall.jpg", size=(800, 600))
    picture(tmp_path / "site" / "elsewhere.jpg", size=(800, 600))
    write(site / "escaping.html", boxed_page("../elsewhere.jpg"))
    before = snapshot(root)
    refused = run(root, "import", str(site / "escaping.html"), "--issue", "1140", "--section", "news")
    assert refused.exit_code == 1, refused.output
    assert f"error: {site / 'escaping.html'}: picture path '../elsewhere.jpg' leaves the page's folder" in refused.output
    assert snapshot(root) == before

    write(site / "tenants.html", boxed_page("lead.jpg"))
    too_big = run(root, "import", str(site / "tenants.html"), "--issue", "99999999999999999999")
    assert too_big.exit_code == 2 and "is not in the range 1<=x<=999999" in too_big.output
    assert snapshot(root) == before
    result = run(root, "import", str(site / "tenants.html"), "--issue", "1140", "--section", "news")
    assert result.exit_code == 0, result.output
    made = (root / "issues/1140/01-tenants-refuse-the-rise.md").read_text(encoding="utf-8")
    assert 'image:\n  src: "images/tenants-refuse-the-rise-1.jpg"\n  alt: "A banner on a balcony"\n' \
           '  caption: "Balconies on the estate, Saturday"\n---\nTenants on the riverside estate' in made
    assert "## Who is standing firm" in made
    assert "![The community hall meeting](images/tenants-refuse-the-rise-2.jpg)" in made
    assert (root / "issues/1140/images/tenants-refuse-the-rise-2.jpg").is_file()
    assert "remote picture https://photos.example.net/estate.jpg was not fetched" in result.output
    for leaked in ("finance appeal", "Fund the paper", "From:", "Home", "Archive"):
        assert leaked not in made
    assert made.rstrip().endswith("press for repairs first.")
    assert "discarding" not in result.output and "WARNING" not in result.output
