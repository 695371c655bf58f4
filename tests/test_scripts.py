"""Every script set: CJK, Arabic and Hebrew in the PDF (fallback fonts), dir and lang in the PDF, EPUB and site."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from helpers import invoke_at, small_publication, write
from publish.fallback import fonts_conf
from publish.formats.epub import writer as epub_format

WORLD = """\
---
title: "Workers of the world"
section: news
---
全世界无产者，联合起来！这是一段中文。

日本語の段落です。ひらがなとカタカナ、漢字。

هذه فقرة باللغة العربية عن العمال.

זוהי פסקה בעברית על הפועלים.

The slogan in Japanese: [万国の労働者、団結せよ]{lang=ja}, and
hostile: [a]{onclick=x} [b]{style="color:red"} [c]{lang="x onload"} [d]{.evil}.
"""
ARABIC = """\
---
title: "العمال يتحدون"
standfirst: "إضراب في المصنع"
section: news
language: ar
---
نص المقال بالعربية.
"""
EPOCH = "1606867200"


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """The small publication with the scripts' articles, built to pdf, epub and site once."""
    root = small_publication(tmp_path_factory.mktemp("scripts") / "paper")
    write(root / "issues/1112/03-world.md", WORLD)
    write(root / "issues/1112/04-arabic.md", ARABIC)
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,epub,site")
    assert result.exit_code == 0, result.output
    dist = root / "dist" / "1112"
    book = zipfile.ZipFile(next(dist.glob("*.epub")))
    return {"root": root, "output": result.output, "pdf": next(dist.glob("*.pdf")), "epub": book.filename,
            "site": {name: (dist / name).read_text(encoding="utf-8") for name in ("world.html", "arabic.html")},
            "xhtml": {name.rsplit("/", 1)[-1]: book.read(name).decode() for name in book.namelist()
                      if name.endswith(("world.xhtml", "arabic.xhtml"))}}


def _tool(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_cjk_text_is_set_text_in_the_pdf_with_noto_fallbacks_embedded_as_subsets(built):
    text = _tool("pdftotext", str(built["pdf"]), "-")
    for phrase in ("全世界无产者，联合起来！", "日本語の段落です。", "万国の労働者"):
        assert phrase in text
    fonts = _tool("pdffonts", str(built["pdf"])).splitlines()[2:]
    by_name = {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]): line.split() for line in fonts}
    for fallback in ("Noto-Serif-CJK-SC", "Noto-Serif-CJK-JP", "Noto-Naskh-Arabic", "Noto-Serif-Hebrew"):
        assert fallback in by_name, fonts
    # every font embedded and subset (emb, sub columns), the paper's own fonts still there for the Latin text
    assert all(re.match(r"^[A-Z]{6}\+", line) and " yes yes " in line for line in fonts), fonts
    assert "Noto-Serif" in by_name and "Roboto-Condensed," in by_name
    assert ".notdef" not in built["output"]


def test_the_paper_fonts_win_and_nothing_else_of_the_machine_is_seen(tmp_path):
    paper = Path(__file__).resolve().parents[1] / "fonts"
    conf = fonts_conf(paper, tmp_path, (Path("/usr/share/fonts/truetype/noto"),))
    # Debian's copy of the paper's own family is rejected; the paper's families rank before every fallback
    assert "/usr/share/fonts/truetype/noto/NotoSerif-*" in conf and "<dir>/usr/share/fonts" in conf
    assert "<include" not in conf and "/etc/fonts" not in conf
    assert conf.index("<string>Noto Serif</string>") < conf.index("Noto Serif CJK")
    lonely = fonts_conf(paper, tmp_path, ())
    assert "/usr/share" not in lonely and "<match" not in lonely


def test_right_to_left_blocks_get_dir_in_the_epub_and_the_site(built):
    for page in (built["site"]["world.html"], built["xhtml"]["a02-world.xhtml"]):
        assert re.search(r'<p id="world-b3" dir="rtl">هذه فقرة', page)
        assert re.search(r'<p id="world-b4" dir="rtl">זוהי פסקה', page)
        assert re.search(r'<p id="world-b1">全世界', page)  # left-to-right text gets nothing
    for page in (built["site"]["arabic.html"], built["xhtml"]["a03-arabic.xhtml"]):
        assert re.search(r'<h1 class="title" dir="rtl">', page)
        assert re.search(r'<p class="standfirst" dir="rtl">', page)


def test_lang_on_spans_and_on_an_article_in_another_language(built):
    assert '<span lang="ja">万国の労働者、団結せよ</span>' in built["site"]["world.html"]
    assert '<span lang="ja" xml:lang="ja">万国の労働者、団結せよ</span>' in built["xhtml"]["a02-world.xhtml"]
    assert re.search(r'<article [^>]*id="article-arabic" lang="ar"', built["site"]["arabic.html"])
    assert re.search(r'<article [^>]*lang="ar" xml:lang="ar"', built["xhtml"]["a03-arabic.xhtml"])
    assert "<article" in built["site"]["world.html"] and 'id="article-world" lang' not in built["site"]["world.html"]


def test_hostile_attributes_reach_no_output_and_are_warned_about(built):
    for page in (built["site"]["world.html"], built["xhtml"]["a02-world.xhtml"]):
        for bad in ("onclick", "color:red", "onload", "evil", "x onload"):
            assert bad not in page
        assert "<span>a</span> <span>b</span> <span>c</span> <span>d</span>" in page
    for warning in ("onclick='x' in {…} is dropped", "style='color:red' in {…} is dropped",
                    "lang='x onload' is not a BCP 47 language tag", "class='evil' in {…} is dropped"):
        assert f"issues/1112/03-world.md:13: warning: {warning}" in built["output"]


@pytest.mark.slow  # epubcheck's Java takes most of this file's time
def test_epubcheck_passes(built, monkeypatch, tmp_path):
    if shutil.which("java") is None:
        pytest.fail("Java is needed to run epubcheck (scripts/setup.sh installs it)")
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "no-ace"))  # Ace has its own tests
    messages = epub_format.validate_epub([Path(built["epub"])])
    summary = [m for m in messages if "epubcheck 5" in m]
    assert summary and summary[0].startswith("ok: ") and "0 errors, 0 warnings" in summary[0], messages


def test_an_invalid_article_language_is_a_located_error(built, run, tmp_path):
    root = small_publication(tmp_path / "paper")
    write(root / "issues/1112/04-arabic.md", ARABIC.replace("language: ar", 'language: "arabic script"'))
    result = run(root, "check", "1112")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "issues/1112/04-arabic.md:5: language 'arabic script' is not a BCP 47 language tag" in result.output


def test_check_warns_naming_characters_no_installed_font_has(built, run, monkeypatch, tmp_path):
    root = built["root"]
    assert "no installed font has" not in run(root, "check", "1112").output  # the Noto fallbacks have them all
    empty = tmp_path / "no-fonts"
    empty.mkdir()
    monkeypatch.setenv("PUBLISH_FALLBACK_FONTS", str(empty))
    result = run(root, "check", "1112")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "no installed font has" in line]
    world = next(line for line in lines if line.startswith("issues/1112/03-world.md:5: warning: "))
    # in the order they first occur; past a dozen, the rest are counted
    assert "全 (U+5168 CJK UNIFIED IDEOGRAPH-5168), 世 (U+4E16" in world and re.search(r"and \d+ more", world)
    assert f"in {empty}" in world
    assert any(line.startswith("issues/1112/04-arabic.md:2: warning: ") for line in lines)
    assert not any("strike.md" in line or "dilemma.md" in line for line in lines)


def test_an_earlier_layout_with_the_machines_fonts_does_not_change_the_fallbacks(tmp_path):
    # fontconfig's process-wide configuration is whatever was loaded first; a build must not depend on it
    from weasyprint import HTML

    HTML(string="<p lang='zh'>全世界</p>").render()  # the machine's own fonts, in this process
    root = small_publication(tmp_path / "paper")
    write(root / "issues/1112/03-world.md", WORLD)
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf")
    assert result.exit_code == 0, result.output
    fonts = _tool("pdffonts", str(next((root / "dist/1112").glob("*.pdf")))).splitlines()[2:]
    names = {re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in fonts}
    assert {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-JP"} <= names, names


def test_the_paper_fonts_code_points_are_kept_between_processes_while_the_files_are_unchanged(tmp_path):
    # reading the cmaps needs fontTools (0.04 s to load) on the way to every PDF build's first layout; the
    # memo gives the same code points without it, and a font added, changed or spoiled is read anew
    import json
    import sys

    from helpers import REPO
    from publish import fallback

    fonts = tmp_path / "fonts"
    fonts.mkdir()
    shutil.copy(REPO / "fonts/RobotoCondensed-Regular.ttf", fonts)
    memo = tmp_path / ".publish-cache/font-coverage.json"
    folders = (fonts.resolve(),)
    truth = fallback.covered(folders)
    assert fallback.covered(folders, memo=memo) == truth and not memo.exists()  # `check` keeps nothing
    memo.parent.mkdir()
    assert fallback.covered(folders, memo=memo) == truth
    kept = json.loads(memo.read_text())
    assert list(kept["files"]) == [str(fonts.resolve() / "RobotoCondensed-Regular.ttf")]

    script = ("import json, sys\nfrom pathlib import Path\nfrom publish.fallback import covered\n"
              "points = covered((Path(sys.argv[1]),), memo=Path(sys.argv[2]))\n"
              "print(json.dumps([len(points), 'fontTools' in sys.modules]))\n")
    again = subprocess.run([sys.executable, "-c", script, str(folders[0]), str(memo)], capture_output=True,
                           text=True, timeout=120, check=True)
    assert json.loads(again.stdout) == [len(truth), False]

    shutil.copy(REPO / "fonts/NotoSerif-Regular.ttf", fonts)  # a font added: read, and kept beside the other
    wider = fallback.covered(folders, memo=memo)
    assert wider > truth and len(json.loads(memo.read_text())["files"]) == 2
    (fonts / "NotoSerif-Regular.ttf").unlink()
    assert fallback.covered(folders, memo=memo) == truth and len(json.loads(memo.read_text())["files"]) == 1

    for spoiled in ("{not json", json.dumps({"version": "1", "files": {str(fonts / "x.ttf"): "everything"}}),
                    json.dumps({"version": "1", "files": {k: [v[0], [[0, 0x110000]]]
                                                          for k, v in kept["files"].items()}})):
        memo.write_text(spoiled)
        assert fallback.covered(folders, memo=memo) == truth  # malformed entries are read from the font again
    stale = {k: [[v[0][0], v[0][1] - 1, v[0][2]], [[0x4E00, 0x9FFF]]] for k, v in kept["files"].items()}
    memo.write_text(json.dumps({"version": "1", "files": stale}))  # another file's stamp: not this one's
    assert fallback.covered(folders, memo=memo) == truth
