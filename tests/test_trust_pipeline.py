"""The build pipeline under stress: kill -9 leaves no worker and no lock, dist/ holds only what is published,
temporary names no source can match, change tracking of every file, a full disk, and the small commands."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from helpers import ISSUE_TOML, REPO, REVIEW, picture, small_publication, write

LIMIT = 300  # seconds: a bound for waiting on a marker, never a guess at how long something takes


_small_pub = small_publication


def _env(tag: str = "") -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    if tag:
        env["PUBLISH_TEST_TAG"] = tag  # inherited by every process the build starts or forks
    return env


def _publish(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "publish", "--root", str(root), *args], env=_env(),
                          capture_output=True, text=True, timeout=LIMIT)


# --- processes -------------------------------------------------------------------------------------


def _tagged(tag: str) -> dict[int, int]:
    """Live processes carrying the tag in their environment: pid → parent pid (zombies left out)."""
    found = {}
    needle = f"PUBLISH_TEST_TAG={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if needle in environ.split(b"\0") and fields[0] != "Z":
            found[int(entry.name)] = int(fields[1])
    return found


def _wait(condition, what: str, limit: float = LIMIT):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _descendants(pid: int) -> dict[int, bytes]:
    """Every live process below `pid` (whatever its environment), with its command line."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text()
            commands[int(entry.name)] = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        parents[int(entry.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
    found, frontier = {}, [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parents.items():
            if parent == current and child not in found:
                found[child] = commands.get(child, b"")
                frontier.append(child)
    return found


def _children(tag: str, parent: int) -> list[int]:
    return [pid for pid, ppid in _tagged(tag).items() if ppid == parent]


class Running:
    """A publish process started with a tag; its merged output is read line by line as it comes."""

    def __init__(self, root: Path, *args: str):
        self.tag = uuid.uuid4().hex
        self.process = subprocess.Popen([sys.executable, "-m", "publish", "--root", str(root), *args],
                                        env=_env(self.tag), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        text=True, start_new_session=True)
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def seen(self, pattern: str, count: int = 1) -> bool:
        return sum(bool(re.search(pattern, line)) for line in list(self.lines)) >= count

    def wait_for(self, pattern: str, count: int = 1) -> None:
        def ready():
            if self.process.poll() is not None and not self.reader.is_alive():
                raise AssertionError(f"exited before {pattern!r}:\n" + "\n".join(self.lines))
            return self.seen(pattern, count)
        _wait(ready, repr(pattern))

    def kill_only_the_leader(self) -> None:
        """kill -9 as a terminal or an editor does: the process itself, not its group."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def cleanup(self) -> None:
        """Whatever the test found, leave nothing running."""
        for pid in _tagged(self.tag):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


PDF = "dist/1112/weekly-worker-1112.pdf"


def _nothing_left(run: Running, root: Path, finished: bool = False) -> None:
    _wait(lambda: not _tagged(run.tag), "every publish process of the killed build to end", limit=120)
    if not finished:  # they died with it: a build that went on would have written the PDF in the end
        assert not (root / PDF).exists()


@pytest.fixture
def small(tmp_path) -> Path:
    root = _small_pub(tmp_path / "pub")
    result = _publish(root, "build", "1112", "--format", "text,site")
    assert result.returncode == 0, result.stderr
    return root


def _next_build_succeeds_at_once(root: Path) -> None:
    again = _publish(root, "build", "1112", "--format", "text", "--force")
    assert again.returncode == 0, again.stderr
    assert "another publish build" not in again.stderr
    assert not list((root / "dist").rglob("*publish-tmp*"))


@pytest.mark.parametrize("point", ["layout", "join", "site"])
def test_kill_9_of_a_pdf_build_leaves_no_process_and_no_lock(small, point):
    run = Running(small, "--debug", "build", "1112", "--format", "pdf,print", "--jobs", "1")
    mid_way = True  # killed while the build still had work to do
    try:
        if point == "layout":
            # the body parts are laid out in forked workers: wait until they run, then kill the build alone
            run.wait_for(r"^pdf: \d+ task\(s\) for issues/1112/\d\d-")
            _wait(lambda: _children(run.tag, run.process.pid), "a PDF worker")
        elif point == "join":
            # the front page is laid out in the body's run (edition.lay_out): the first run of its own is the joins'
            run.wait_for(r"^pdf: \d+ task\(s\) for issues/1112/issue\.toml")
            _wait(lambda: _children(run.tag, run.process.pid) or run.seen("PDF in"), "the joins")
            mid_way = not run.seen("PDF in")
        else:
            run.wait_for(r"^site: refreshing")
            mid_way = False
        run.kill_only_the_leader()
        _nothing_left(run, small, finished=not mid_way)
    finally:
        run.cleanup()
    _next_build_succeeds_at_once(small)


def test_kill_9_during_the_kindle_conversion_takes_calibre_with_it(small):
    run = Running(small, "build", "1112", "--format", "kindle", "--jobs", "1")
    try:
        def converting():
            assert run.process.poll() is None, "the build ended before calibre was seen:\n" + "\n".join(run.lines)
            return [pid for pid, command in _descendants(run.process.pid).items() if b"calibre" in command]

        calibre = _wait(converting, "calibre's conversion")
        below = set(_descendants(run.process.pid)) | set(calibre)
        run.kill_only_the_leader()
        _wait(lambda: not any(_alive(pid) for pid in below), "calibre to end with the build", limit=120)
        assert not (small / "dist/1112/weekly-worker-1112.azw3").exists()
    finally:
        run.cleanup()
        for pid in below if "below" in dir() else ():
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    _next_build_succeeds_at_once(small)


def test_serve_kills_the_build_it_abandons_and_its_builds_die_with_it(small):
    article = small / "issues/1112/02-dilemma.md"
    run = Running(small, "serve", "1112", "--port", "0", "--format", "pdf")
    try:
        def building() -> tuple[int, list[int]] | None:
            for pid, ppid in _tagged(run.tag).items():
                if ppid == run.process.pid:
                    workers = _children(run.tag, pid)
                    if workers:
                        return pid, workers
            return None

        # a change while the PDF is being laid out: serve abandons that build, workers and all
        build, workers = _wait(building, "serve's PDF build and its workers")
        article.write_text(article.read_text() + "\nA late paragraph.\n")
        run.wait_for(r"stopped building pdf")
        _wait(lambda: not ({build, *workers} & set(_tagged(run.tag))), "the abandoned build to be gone", 60)
        # serve starts again; kill -9 of serve itself then takes its build and the build's workers with it
        _wait(lambda: (found := building()) and found[0] != build, "the next PDF build")
        run.kill_only_the_leader()
        _nothing_left(run, small)
    finally:
        run.cleanup()
    _next_build_succeeds_at_once(small)


# --- dist/ holds only what is published ---------------------------------------------------------------

BOOKKEEPING = {".publish-state.json", ".publish.lock", "build-report.json"}


def test_dist_holds_no_bookkeeping_and_the_report_goes_where_asked(pub, run, tmp_path):
    from publish.pipeline.plan import state_dir

    report = tmp_path / "elsewhere" / "report.json"
    report.parent.mkdir()
    result = run(pub, "build", "1112", "--format", "text", "--report", str(report))
    assert result.exit_code == 0, result.output
    assert json.loads(report.read_text())["issues"][0]["number"] == 1112
    assert not {p.name for p in (pub / "dist").rglob("*")} & BOOKKEEPING
    records = state_dir(pub, pub / "dist")
    assert (records / "issue-1112.json").is_file()
    assert not records.resolve().is_relative_to((pub / "dist").resolve())
    assert state_dir(pub, tmp_path / "other-out") != records  # one folder of records per output folder
    run(pub, "build", "1112", "--format", "text", "--force")
    assert (records / "build-report.json").is_file()  # by default beside the state, never in dist/


def test_an_old_layout_dist_is_moved_over_without_rebuilding(pub, run):
    from publish.pipeline.plan import state_dir

    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    records = state_dir(pub, pub / "dist")
    dist = pub / "dist"
    # what an earlier version left: the state, the lock and the report inside dist/
    (records / "issue-1112.json").rename(dist / "1112/.publish-state.json")
    (dist / ".publish.lock").write_text("")
    (dist / "build-report.json").write_text("{}")
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    assert "unchanged text" in result.output and "built" not in result.output
    assert not {p.name for p in dist.rglob("*")} & BOOKKEEPING
    assert "text" in json.loads((records / "issue-1112.json").read_text())


# --- the site phase: which issues failed, and a full disk ---------------------------------------------


def test_the_site_is_told_which_issues_failed(pub, run, monkeypatch):
    shutil.copytree(pub / "issues/1112", pub / "issues/1113")
    (pub / "issues/1113/issue.toml").write_text(ISSUE_TOML.format(number=1113))
    broken = pub / "issues/1113/02-dilemma.md"
    broken.write_text(broken.read_text().replace("section: reviews", "section: nowhere"))
    from publish.formats.site import writer as site

    real, seen = site.write, []

    def watched(pub_, out, context):
        seen.append(context.failed)
        return real(pub_, out, context)

    monkeypatch.setattr(site, "write", watched)
    result = run(pub, "build", "--all", "--format", "text,site", "--jobs", "1")
    assert result.exit_code == 1
    assert seen == [frozenset({1113})]


def test_a_full_disk_during_the_site_is_a_located_error(pub, run, monkeypatch):
    assert run(pub, "build", "1112", "--format", "text,site").exit_code == 0
    page = pub / "dist/1112/strike.html"
    before = page.read_bytes()
    article = pub / "issues/1112/01-strike.md"
    article.write_text(article.read_text().replace("Bin workers strike", "Bin workers win"))

    def full(source, target, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))

    monkeypatch.setattr(os, "replace", full)
    monkeypatch.setattr(os, "rename", full)
    result = run(pub, "build", "1112", "--format", "site")
    assert result.exit_code == 1
    assert "No space left on device" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output
    assert re.search(r"^\S+: .*No space left on device.* — ", result.output, re.M)
    assert page.read_bytes() == before


# --- temporary names, change tracking ---------------------------------------------------------------


def test_leftovers_are_only_what_the_tool_made(tmp_path):
    from publish.atomic import remove_leftovers, write_text

    ours = [tmp_path / ".~publish-tmp~strike.html.x1y2", tmp_path / "1112/.~publish-tmp~stage-1112"]
    theirs = [tmp_path / "1112/publish-tmp-notes.html", tmp_path / "1112/.strike.html.publish-tmp-abc",
              tmp_path / "1112/x~publish-tmp~y.html"]
    for path in [*ours, *theirs]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert remove_leftovers(tmp_path) == 2
    assert [p.exists() for p in ours] == [False, False] and all(p.exists() for p in theirs)
    long = tmp_path / ("a" * 240 + ".txt")  # the temporary name must not pass the file system's limit
    assert write_text(long, "ok\n").read_text() == "ok\n"


def test_a_slug_that_looks_temporary_survives_the_next_build(pub, run):
    write(pub / "issues/1112/03-publish-tmp-notes.md", REVIEW.replace("The Social Dilemma", "Notes"))
    assert run(pub, "build", "1112", "--format", "text,site").exit_code == 0
    page = pub / "dist/1112/publish-tmp-notes.html"
    assert page.is_file()
    assert run(pub, "build", "1112", "--format", "text,site", "--force").exit_code == 0
    assert page.is_file()


def test_a_changed_dotfile_picture_makes_the_epub_stale(pub, run):
    picture(pub / "issues/1112/images/.pic.jpg", size=(600, 400))
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text() + "\n![A phone](images/.pic.jpg)\n")
    first = run(pub, "build", "1112", "--format", "epub")
    assert first.exit_code == 0, first.output
    assert "unchanged epub" in run(pub, "build", "1112", "--format", "epub").output
    picture(pub / "issues/1112/images/.pic.jpg", size=(500, 400))
    again = run(pub, "build", "1112", "--format", "epub")
    assert again.exit_code == 0 and "built epub" in again.output


def test_a_file_name_that_is_not_utf8_does_not_crash_change_tracking(pub, run):
    from publish.check import load_publication
    from publish.pipeline.plan import Inputs

    folder = pub / "issues/1112"
    loaded, _ = load_publication(pub)
    before = Inputs(loaded).digest(folder, "text")
    (folder / os.fsdecode(b"caf\xe9 notes.txt")).write_bytes(b"from a Windows zip\n")
    assert Inputs(loaded).digest(folder, "text") != before
    result = run(pub, "build", "1112", "--format", "text")
    assert "internal error" not in result.output and "UnicodeEncodeError" not in result.output


# --- publication.toml's formats ---------------------------------------------------------------------


def test_publication_formats_are_the_default_of_a_build(pub, run):
    toml = pub / "publication.toml"
    toml.write_text('formats = ["text", "site"]\n' + toml.read_text())
    result = run(pub, "build", "1112")
    assert result.exit_code == 0, result.output
    made = {p.suffix for p in (pub / "dist/1112").iterdir() if p.is_file()}
    assert ".txt" in made and ".html" in made and not made & {".epub", ".pdf", ".azw3"}
    assert run(pub, "build", "1112", "--format", "epub").exit_code == 0  # --format still wins
    assert (pub / "dist/1112/weekly-worker-1112.epub").is_file()


def test_an_unknown_format_in_publication_toml_is_located(pub, run):
    toml = pub / "publication.toml"
    toml.write_text('# editions\nformats = ["text", "sight"]\n' + toml.read_text())
    line = toml.read_text().splitlines().index('formats = ["text", "sight"]') + 1
    for command in ("build", "check"):
        result = run(pub, command, "1112")
        assert result.exit_code == 1
        assert f"publication.toml:{line}: unknown format 'sight'" in result.output
    assert not (pub / "dist").exists()


# --- serve: --open, and what editors leave beside a file ------------------------------------------------


def test_serve_opens_the_browser_at_the_address_it_prints(pub, tmp_path):
    opened = tmp_path / "opened"
    browser = f"{sys.executable} -c 'import sys; open(sys.argv[1], \"w\").write(sys.argv[2])' {opened} %s"
    process = subprocess.Popen([sys.executable, "-m", "publish", "--root", str(pub), "serve", "1112", "--port", "0",
                                "--format", "text", "--open"], env={**_env(), "BROWSER": browser},
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        first = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+/1112/index\.html", first).group(0)
        assert _wait(lambda: opened.is_file() and opened.read_text(), "the browser to be opened") == url
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=LIMIT)


def test_serve_ignores_editors_swap_and_temporary_files(pub):
    run = Running(pub, "serve", "1112", "--port", "0", "--format", "text")
    try:
        run.wait_for(r"^built text")
        folder = pub / "issues/1112"
        for name in (".02-dilemma.md.swp", "02-dilemma.md~", "4913", "sed0BBhcv", ".#02-dilemma.md", "draft.tmp"):
            (folder / name).write_text("editor's scratch\n")
        article = folder / "02-dilemma.md"
        article.write_text(article.read_text() + "\nA saved edit.\n")
        run.wait_for(r"^changed: ")
        assert [line for line in run.lines if line.startswith("changed: ")] == ["changed: 02-dilemma.md"]
    finally:
        run.process.send_signal(signal.SIGINT)
        run.process.wait(timeout=LIMIT)
        run.cleanup()


# --- publish clean ------------------------------------------------------------------------------------


def test_clean_removes_dist_and_the_caches_and_nothing_else(pub, run):
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    sources = sorted(p.relative_to(pub) for p in pub.rglob("*") if not {"dist", ".publish-cache"} & set(p.parts))
    result = run(pub, "clean")
    assert result.exit_code == 0 and "removed dist/ and .publish-cache/" in result.output
    assert not (pub / "dist").exists() and not (pub / ".publish-cache").exists()
    assert sorted(p.relative_to(pub) for p in pub.rglob("*")) == sources
    assert run(pub, "clean").output.strip() == "nothing to remove"
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0  # and building again works


@pytest.mark.parametrize("out", [".", "issues", "..", "mine", "linked"])
def test_clean_refuses_what_is_not_a_publish_output(pub, run, out):
    (pub / "mine").mkdir()
    (pub / "mine/notes.txt").write_text("mine\n")
    (pub / "linked").symlink_to(pub / "issues")
    before = sorted(p.relative_to(pub.parent) for p in pub.parent.rglob("*"))
    result = run(pub, "clean", "--out", str(pub / out))
    assert result.exit_code == 1 and "nothing was removed" in result.output
    assert sorted(p.relative_to(pub.parent) for p in pub.parent.rglob("*")) == before


def test_clean_waits_for_no_build(pub, run):
    from publish.pipeline.lock import lock
    from publish.pipeline.plan import state_dir

    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    with lock(state_dir(pub, pub / "dist"), pub / "dist"):
        result = run(pub, "clean")
    assert result.exit_code == 1 and "a publish build is writing here" in result.output
    assert (pub / "dist/1112/weekly-worker-1112.txt").is_file()


def test_counts_of_one_are_singular(pub, run):
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    (pub / "dist/1112/.~publish-tmp~weekly-worker-1112.txt.x").write_text("half")
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text().replace("section: reviews", "section: nowhere"))
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 1
    assert "removed 1 temporary file left by an interrupted build" in result.output
    assert "1 issue: 0 built, 0 unchanged, 1 failed" in result.output
    assert "1 issues:" not in result.output and "temporary file(s)" not in result.output


def test_every_kept_record_nested_too_deep_is_read_as_none_and_the_build_is_the_same(pub, tmp_path, monkeypatch):
    # the tool's records and memos (.publish-cache/, and the user's hyphenation memo) are files anyone who can
    # write the folder can spoil; JSON nested deep enough makes json.loads raise RecursionError, which was an
    # "internal error" in every build and check
    import pyphen
    from helpers import invoke_at

    from publish import pictures
    from publish.products.print_layout import hyphenation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(pyphen, "hdcache", {})  # whatever an earlier test loaded: this build parses and keeps it
    epoch, formats = "1606867200", ("--format", "pdf,print,epub,text")
    assert invoke_at(epoch, pub, "build", "1112", *formats).exit_code == 0
    before = {p.name: p.read_bytes() for p in (pub / "dist/1112").iterdir()}
    kept = [*(pub / ".publish-cache").rglob("*.json"), *hyphenation.cache_folder().glob("*.json")]
    names = {p.name for p in kept}
    assert {"hashes.json", "font-coverage.json", "decoded-pictures.json"} <= names, names
    assert any(n.startswith("hyph_en_GB-") for n in names), names
    for path in kept:
        path.write_text('{"a": ' + "[" * 200_000)
    monkeypatch.setattr(pyphen, "hdcache", {})  # and these read the spoiled memos, as a new process would
    monkeypatch.setattr(pictures, "_memos", {})
    checked = invoke_at(epoch, pub, "check", "1112")
    assert checked.exit_code == 0, checked.output
    built = invoke_at(epoch, pub, "build", "1112", *formats)
    assert built.exit_code == 0 and "internal error" not in built.output, built.output
    assert {p.name: p.read_bytes() for p in (pub / "dist/1112").iterdir()} == before
