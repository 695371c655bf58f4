"""The print layout's part cache: an edit lays out its own part only, and the PDFs are those of a full layout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from helpers import invoke_at, picture, small_publication

EPOCH = "1606867200"
CACHE = ".publish-cache/layout/1112"


def _entries(root, kind: str = "part") -> set[str]:
    """The cached layouts of one kind: body parts, the front page's measure, the front page, the furniture."""
    return {p.name.split(".", 1)[0] for p in (root / CACHE).glob("*.json")
            if json.loads(p.read_text()).get("kind") == kind}


def _pdfs(root, out: str = "dist") -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / out / "1112").glob("*.pdf"))}


EDIT_BUILD = """
import json, sys
from publish import forkpool
from publish.cli import cli
cli.main(["--root", sys.argv[1], "build", "1112", "--format", "pdf,print"], standalone_mode=False)
print(json.dumps({"weasyprint": "weasyprint" in sys.modules, "spare": forkpool.can_begin()}))
"""


@pytest.fixture(scope="module")
def edited(tmp_path_factory):
    """A publication built (pdf, print), then one article edited and built again; then a forced build elsewhere."""
    root = small_publication(tmp_path_factory.mktemp("partcache") / "pub")
    first = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print")
    assert first.exit_code == 0, first.output
    before, entries_before = _pdfs(root), _entries(root)
    front, folios = _entries(root, "front"), _entries(root, "folios")
    assert len(front) == len(folios) == 1
    review = root / "issues/1112/02-dilemma.md"
    review.write_text(review.read_text().replace("A film about phones", "A long film about phones", 1))
    # the edit's build in a process of its own, as an editor runs it: it says what its main process loaded
    second = subprocess.run([sys.executable, "-c", EDIT_BUILD, str(root)], capture_output=True, text=True,
                            env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, timeout=600)
    assert second.returncode == 0, second.stdout + second.stderr
    # what the edit's build loaded in its main process, and whether it could fork a spare
    loaded = json.loads(second.stdout.strip().splitlines()[-1])
    after, entries_after = _pdfs(root), _entries(root)
    # the edit moves no page: the front page and the running heads are the ones laid out before
    assert (_entries(root, "front"), _entries(root, "folios")) == (front, folios)
    forced = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print", "--force", "--out", str(root / "full"))
    assert forced.exit_code == 0, forced.output
    return root, before, after, entries_before, entries_after, loaded


def test_an_edit_lays_out_its_own_part_only(edited):
    _, _, _, before, after, _ = edited
    assert len(before) >= 2  # news; reviews and the standing page
    assert len(before - after) == 1 and len(after - before) == 1  # one part made again, the rest reused


def test_an_edits_layout_runs_in_a_spare_loaded_while_the_issue_is_read(edited):
    loaded = edited[-1]
    # the building process forks a spare that loads WeasyPrint while it reads the issue, and itself only
    # joins: it never loads WeasyPrint (on a single core there is no spare, and it loads it as before)
    assert loaded["weasyprint"] is not loaded["spare"], loaded


def test_the_pdfs_from_cached_parts_are_those_of_a_full_layout(edited):
    root, before, after, _, _, _ = edited
    assert after != before  # the edit is in them
    assert _pdfs(root, "full") == after  # byte for byte what laying everything out again gives


def test_a_new_picture_under_the_same_name_is_laid_out_again(tmp_path):
    root = small_publication(tmp_path / "pub")
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "pdf").exit_code == 0
    kinds = ("part", "measure", "front", "folios")
    before = {kind: _entries(root, kind) for kind in kinds}
    picture(root / "issues/1112/images/picket.jpg", size=(900, 1400))  # portrait now, same file name
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "pdf").exit_code == 0
    after = {kind: _entries(root, kind) for kind in kinds}
    # the cover picture: the front page and its measure are laid out again; the body and the furniture are not
    assert {kind for kind in kinds if before[kind] != after[kind]} == {"measure", "front"}
    assert all(len(after[kind]) == len(before[kind]) for kind in kinds)


def test_a_damaged_entry_is_a_miss_not_an_error(tmp_path):
    root = small_publication(tmp_path / "pub")
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "pdf").exit_code == 0
    # the parts' entries (the front page's measuring layout has no PDF of its own)
    entries = [e for e in sorted((root / CACHE).glob("*.json"))
               if list((root / CACHE).glob(f"{e.name.split('.')[0]}.*.pdf"))]
    entries[0].write_text(json.dumps({"pages": "many"}))
    pdf = next((root / CACHE).glob(f"{entries[1].name.split('.')[0]}.*.pdf"))
    pdf.write_bytes(pdf.read_bytes()[:-300])  # cut short
    issue = root / "issues/1112/issue.toml"  # the front page changes, the parts do not
    issue.write_text(issue.read_text().replace("worse for workers", "worse for all of us"))
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf")
    assert result.exit_code == 0, result.output
    full = invoke_at(EPOCH, root, "build", "1112", "--format", "pdf", "--force", "--out", str(root / "full"))
    assert full.exit_code == 0, full.output
    assert _pdfs(root) == _pdfs(root, "full")


def test_the_press_pictures_in_cmyk_are_kept_and_a_damaged_one_is_converted_again(tmp_path):
    root = small_publication(tmp_path / "pub")
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "print").exit_code == 0
    kept = sorted((root / ".publish-cache/cmyk/1112").iterdir())
    assert kept, "no picture was kept in CMYK"
    kept[0].write_bytes(kept[0].read_bytes()[:-100])  # cut short
    issue = root / "issues/1112/issue.toml"  # the front page changes; the pictures do not
    issue.write_text(issue.read_text().replace("worse for workers", "worse for all of us"))
    result = invoke_at(EPOCH, root, "build", "1112", "--format", "print")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (root / ".publish-cache/cmyk/1112").iterdir()) == [p.name for p in kept]
    full = invoke_at(EPOCH, root, "build", "1112", "--format", "print", "--force", "--out", str(root / "full"))
    assert full.exit_code == 0, full.output
    assert _pdfs(root) == _pdfs(root, "full")  # byte for byte what converting every picture again gives


def test_a_part_kept_separated_for_other_inks_is_another_part(tmp_path):
    # the press variant is kept in CMYK: the printer's profile (even the system's default one, which no
    # setting names), its ink limit or the conversion's version make it another part
    from dataclasses import replace

    from publish.products.press.inks import Inks
    from publish.products.print_layout.partcache import PartCache
    from publish.products.print_layout.render import Job

    job = Job("<p>A part.</p>", tmp_path, ("press", "screen"), {}, 60, inks=Inks(b"profile one", "FOGRA", "One"))
    cache = PartCache(tmp_path, 1, "base")
    others = [replace(job, inks=Inks(b"profile two", "FOGRA", "One")),
              replace(job, inks=Inks(b"profile one", "FOGRA", "One", ink_limit=300)),
              replace(job, inks=None)]
    assert len({cache.key(j) for j in [job, *others]}) == 4
    assert cache.key(replace(job, inks=Inks(b"profile one", "FOGRA", "One"))) == cache.key(job)
    screen = replace(job, variants=("screen",))  # the download PDF does not depend on the printer
    assert cache.key(screen) == cache.key(replace(screen, inks=None))


def test_each_pdf_is_the_same_bytes_whichever_formats_a_run_builds(tmp_path):
    # a part is written the same way for one edition or both, so the cache serves either run alike
    root = small_publication(tmp_path / "pub")
    for formats, out in (("pdf,print", "both"), ("pdf", "alone"), ("print", "alone")):
        result = invoke_at(EPOCH, root, "build", "1112", "--format", formats, "--force", "--out", str(root / out))
        assert result.exit_code == 0, result.output
    assert _pdfs(root, "both") == _pdfs(root, "alone") and len(_pdfs(root, "both")) == 2
    # the press PDF alone, its parts from the cache the run of both left
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "pdf,print", "--force").exit_code == 0
    assert invoke_at(EPOCH, root, "build", "1112", "--format", "print", "--out", str(root / "cached")).exit_code == 0
    assert _pdfs(root, "cached") == {k: v for k, v in _pdfs(root, "both").items() if k.endswith("-print.pdf")}


def test_the_front_page_and_furniture_are_laid_out_in_the_bodys_run_the_same_as_one_at_a_time(tmp_path,
                                                                                                monkeypatch):
    """Each part tells its pages before it writes them; once all are known, the front page, the running heads
    and the press's filler pages join the same run (forkpool.tell, body's `then`), beside the parts still
    being written. Forked or one at a time here, the PDFs are the same bytes."""
    from publish.check import load_issues
    from publish.products.print_layout import body, edition

    root = small_publication(tmp_path / "pub")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    [issue] = load_issues(root, ("1112",))[1]
    runs: list[tuple[int, int]] = []
    calls = body.call

    def counted(tasks, *args, **kwargs):
        results = calls(tasks, *args, **kwargs)
        runs.append((len(tasks), len(results)))
        return results

    def no_run_of_its_own(*args, **kwargs):
        raise AssertionError("the front page or the furniture was laid out after the body's run")

    monkeypatch.setattr(body, "call", counted)
    monkeypatch.setattr(edition, "cached", no_run_of_its_own)
    forked = edition.lay_out(issue, ("press", "screen"), workers=2, fresh=True)
    here = edition.lay_out(issue, ("press", "screen"), workers=1, fresh=True)
    assert forked.pdfs == here.pdfs and forked.starts == here.starts and forked.breaks == here.breaks
    gap = -forked.pages % 4
    # the body's tasks (the lead's chain and the other parts), then the front page, the furniture, the filler
    assert [late - given for given, late in runs] == [2 + bool(gap)] * 2, runs


FULL_BUILD = """
import json, os, sys
if "--one-core" in sys.argv:  # pinned to one core, as taskset -c would: no second core, so no zygote
    sys.argv.remove("--one-core")
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from publish import forkpool
from publish.cli import cli
cli.main(["--root", sys.argv[1], "build", "1112", "--format", "pdf,print", *sys.argv[2:]], standalone_mode=False)
print(json.dumps({"weasyprint": "weasyprint" in sys.modules, "forks": forkpool.can_begin()}))
"""


def test_a_whole_layout_is_forked_from_a_zygote_and_the_building_process_never_loads_weasyprint(tmp_path):
    """The first build of an issue, and a forced one: every layout is forked from a zygote, loaded while this
    process read the issue; the PDFs are the same bytes as those laid out one at a time."""
    root = small_publication(tmp_path / "pub")
    env = {**os.environ, "SOURCE_DATE_EPOCH": EPOCH}
    for args in ([], ["--force"]):
        run = subprocess.run([sys.executable, "-c", FULL_BUILD, str(root), *args], capture_output=True, text=True,
                             env=env, timeout=600)
        assert run.returncode == 0, run.stdout + run.stderr
        loaded = json.loads(run.stdout.strip().splitlines()[-1])
        # without a second core there is no zygote: the building process loads WeasyPrint and forks as before
        assert loaded["weasyprint"] is not loaded["forks"], loaded
    one = subprocess.run([sys.executable, "-c", FULL_BUILD, str(root), "--one-core", "--force", "--out",
                          str(root / "one")], capture_output=True, text=True, env=env, timeout=600)
    assert one.returncode == 0, one.stdout + one.stderr
    assert json.loads(one.stdout.strip().splitlines()[-1]) == {"weasyprint": True, "forks": False}
    assert _pdfs(root, "one") == _pdfs(root)
