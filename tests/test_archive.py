"""Archive builds: change detection, isolation of failures, resuming a killed build, the lock, and Dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.generate import generate
from helpers import REPO

TEXT = "dist/{n}/benchmark-weekly-{n}.txt"


@pytest.fixture(scope="session")
def archive_source(tmp_path_factory) -> Path:
    """A synthetic archive of 6 small issues (generated once per session)."""
    root = tmp_path_factory.mktemp("archive") / "pub"
    generate(root, 6, seed=3, articles=4, words=1500, pictures=1)
    return root


@pytest.fixture
def archive(archive_source, tmp_path) -> Path:
    root = tmp_path / "pub"
    shutil.copytree(archive_source, root)
    return root


def _stamps(root: Path) -> dict[int, int]:
    return {int(p.parent.name): p.stat().st_mtime_ns for p in (root / "dist").glob("*/*.txt")}


def _touch(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_change_detection_rules(archive, run):
    assert run(archive, "build", "--all", "--format", "text").exit_code == 0
    first = _stamps(archive)
    assert sorted(first) == [1000, 1001, 1002, 1003, 1004, 1005]

    # nothing changed: nothing rebuilt
    result = run(archive, "build", "--all", "--format", "text")
    assert "6 issues: 0 built, 6 unchanged, 0 failed" in result.output
    assert _stamps(archive) == first

    # one article edited: only its issue
    article = sorted((archive / "issues/1003").glob("*.md"))[0]
    _touch(article, "title:", "title: Edited")
    run(archive, "build", "--all", "--format", "text")
    second = _stamps(archive)
    assert [n for n in first if first[n] != second[n]] == [1003]

    # the text layout edited: every issue's text; the site's template: no text
    _touch(archive / "layouts/default/text/edition.txt", "CONTENTS", "IN THIS ISSUE")
    run(archive, "build", "--all", "--format", "text")
    third = _stamps(archive)
    assert all(third[n] != second[n] for n in third)
    assert "IN THIS ISSUE" in (archive / TEXT.format(n=1000)).read_text()
    site = archive / "layouts/default/site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "extra.html").write_text("<p>new site template</p>")
    (archive / "fonts/new-font-licence.txt").write_text("fonts do not feed the text edition")
    result = run(archive, "build", "--all", "--format", "text")
    assert "0 built, 6 unchanged" in result.output
    assert _stamps(archive) == third

    # publication.toml edited: everything; --force: everything
    _touch(archive / "publication.toml", "tagline = ", "tagline = \"New\" #")
    assert "6 built" in run(archive, "build", "--all", "--format", "text").output
    assert "6 built" in run(archive, "build", "--all", "--format", "text", "--force").output


def test_digests_follow_the_formats_layout_parts(archive):
    from publish.check import load_publication
    from publish.pipeline.plan import Inputs

    pub, _ = load_publication(archive)
    folder = archive / "issues/1000"
    before = {fmt: Inputs(pub).digest(folder, fmt) for fmt in ("text", "epub", "pdf", "site")}
    (archive / "layouts/default/css").mkdir(parents=True, exist_ok=True)
    (archive / "layouts/default/css/print.css").write_text("/* edited */", encoding="utf-8")
    after = {fmt: Inputs(pub).digest(folder, fmt) for fmt in ("text", "epub", "pdf", "site")}
    assert before["text"] == after["text"]
    assert before["epub"] != after["epub"]  # the EPUB's page-list follows the print layout
    assert before["site"] == after["site"]
    assert before["pdf"] != after["pdf"]
    (archive / "layouts/default/base.html").write_text("{# edited #}" + (
        archive / "layouts/default/base.html").read_text(), encoding="utf-8")
    shared = {fmt: Inputs(pub).digest(folder, fmt) for fmt in ("text", "epub", "pdf", "site")}
    assert shared["text"] == after["text"]
    assert all(shared[f] != after[f] for f in ("epub", "pdf", "site"))


def test_a_poisoned_issue_does_not_stop_the_others(archive, run, monkeypatch):
    # 1001: a source error; 1002: a renderer crash (the worker dies); 1003: a hang past the time limit
    _touch(sorted((archive / "issues/1001").glob("*.md"))[0], "section:", "section: nowhere\nx:")
    from publish.formats import text

    real = text.render_text

    def poisoned(issue):
        if issue.number == 1002:
            os._exit(3)
        if issue.number == 1003:
            time.sleep(60)
        return real(issue)

    monkeypatch.setattr(text, "render_text", poisoned)  # reaches the forked workers
    result = run(archive, "build", "--all", "--format", "text", "--jobs", "2", "--timeout", "4")
    assert result.exit_code == 1
    assert "6 issues: 3 built, 0 unchanged, 3 failed" in result.output
    assert "unknown section 'nowhere'" in result.output
    assert "issues/1002: the worker exited with status 3" in result.output
    assert "issues/1003: took longer than 4 s and was stopped" in result.output
    assert sorted(_stamps(archive)) == [1000, 1004, 1005]
    from publish.pipeline.plan import state_dir

    report = json.loads((state_dir(archive, archive / "dist") / "build-report.json").read_text())
    assert report["failed"] == 3 and report["built"] == 3
    statuses = {i["number"]: i["status"] for i in report["issues"]}
    assert statuses == {1000: "built", 1001: "failed", 1002: "failed", 1003: "failed",
                        1004: "built", 1005: "built"}
    assert all(i["peak_rss_mb"] > 0 for i in report["issues"] if i["status"] == "built")


def test_killed_build_resumes_where_it_stopped(tmp_path):
    root = tmp_path / "pub"
    generate(root, 24, seed=5, articles=12, words=9000, pictures=0)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "publish", "--root", str(root), "build", "--all", "--format", "text",
               "--jobs", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    records = root / ".publish-cache/state"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(list(records.glob("*/issue-*.json"))) < 2:
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = {int(p.stem.split("-")[1]) for p in records.glob("*/issue-*.json")}
    assert 2 <= len(done) < 24, "the build finished before it could be killed; make the issues bigger"
    # a crash may leave a temporary file mid-write; plant one to be sure
    (root / "dist/1023").mkdir(parents=True, exist_ok=True)
    (root / "dist/1023/.~publish-tmp~benchmark-weekly-1023.txt.x").write_text("half")
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"24 issues: {24 - len(done)} built, {len(done)} unchanged, 0 failed" in result.stdout + result.stderr
    assert not list(root.glob("dist/**/*publish-tmp*"))
    assert len(list(root.glob("dist/*/*.txt"))) == 24


def test_a_second_build_fails_fast_while_one_runs(archive, run):
    from publish.pipeline.lock import lock

    (archive / "dist").mkdir()
    from publish.pipeline.plan import state_dir

    with lock(state_dir(archive, archive / "dist"), archive / "dist"):
        result = run(archive, "build", "1000", "--format", "text")
    assert result.exit_code == 1
    assert "another publish build is writing here" in result.output
    assert run(archive, "build", "1000", "--format", "text").exit_code == 0


def test_parallel_and_serial_builds_are_identical(archive, run, tmp_path):
    run(archive, "build", "--all", "--format", "text", "--jobs", "1", "--out", str(tmp_path / "one"))
    run(archive, "build", "--all", "--format", "text", "--jobs", "2", "--out", str(tmp_path / "two"))
    for path in (tmp_path / "one").glob("*/*.txt"):
        assert path.read_bytes() == (tmp_path / "two" / path.relative_to(tmp_path / "one")).read_bytes()


def test_dask_cluster_builds_the_same_files(archive, run, tmp_path):
    import distributed  # a test dependency: its absence must fail, not skip
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        result = run(archive, "build", "--all", "--format", "text", "--scheduler", cluster.scheduler_address,
                     "--out", str(tmp_path / "dask"))
    assert result.exit_code == 0, result.output
    assert "6 issues: 6 built" in result.output
    run(archive, "build", "--all", "--format", "text", "--jobs", "1", "--out", str(tmp_path / "local"))
    names = sorted(p.relative_to(tmp_path / "local") for p in (tmp_path / "local").glob("*/*.txt"))
    assert len(names) == 6
    for name in names:
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


def test_unreachable_scheduler_is_a_clear_error(archive, run):
    result = run(archive, "build", "--all", "--format", "text", "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def test_an_archive_worker_shares_the_cores_and_the_building_process_does_not(monkeypatch):
    """In an archive's worker, layouts run one at a time and nothing is begun beside them; a lone build's
    process may use every core."""
    import types

    from publish import ahead, forkpool
    from publish.pipeline import executors
    from publish.pipeline.types import IssueOutcome
    from publish.products.print_layout import edition

    monkeypatch.setattr(forkpool, "cpus", lambda: 2)
    monkeypatch.setattr(edition, "cpus", lambda: 2)
    monkeypatch.setattr(executors, "build_issue", lambda task: IssueOutcome(
        task.number, error=repr((forkpool.can_begin(), edition._workers()))))
    [(_, outcome, _)] = list(forkpool.run([lambda: executors._guarded(types.SimpleNamespace(number=7))], 1, [60],
                                          lambda index, why: why))
    assert outcome.error == repr((False, 1))
    assert not forkpool.shares_cores() and edition._workers() == 2
    assert forkpool.can_begin() == forkpool.can_fork()


def test_archive_workers_inherit_the_formats_code_instead_of_importing_it_each(monkeypatch):
    """The building process imports the writers of the formats it builds before the workers fork: an archive
    of N issues imports WeasyPrint once, not N times."""
    import publish.formats
    from publish.formats import FORMATS
    from publish.pipeline import executors
    from publish.pipeline.types import IssueOutcome, Options, Task

    package = FORMATS["text"].package
    module = f"publish.formats.{package}"
    # not imported yet; both names come back afterwards, so that later tests patch the module the build uses
    monkeypatch.delitem(sys.modules, module, raising=False)
    monkeypatch.delattr(publish.formats, package, raising=False)
    monkeypatch.setattr(executors, "build_issue", lambda task: IssueOutcome(
        task.number, error="inherited" if module in sys.modules else "imported by the worker"))
    tasks = [Task(REPO, REPO / "issues" / str(n), ("text",), {}, {}, Options(jobs=2)) for n in (1111, 1112)]
    outcomes = list(executors._run_processes(tasks, 2, 60.0))
    assert [o.error for o in outcomes] == ["inherited", "inherited"]


def test_an_issue_laid_out_for_print_is_read_beside_the_import_and_read_again_if_that_fails(tmp_path, monkeypatch):
    from helpers import small_publication

    from publish import ahead, forkpool
    from publish.check import load_publication, read_issues
    from publish.pipeline import issue as issue_module
    from publish.pipeline.types import Options, Task

    root = small_publication(tmp_path / "pub")
    pub, _ = load_publication(root)
    task = Task(root, root / "issues/1112", ("pdf", "print"), {}, {}, Options())
    monkeypatch.setattr(forkpool, "can_begin", lambda: True)
    parent = os.getpid()
    where = []

    def reading(*args, **kwargs):
        where.append(os.getpid())
        return read_issues(*args, **kwargs)

    monkeypatch.setattr(issue_module, "read_issues", reading)
    read = issue_module._read(task, pub)
    assert where == [] and not read.failed(False)  # read in the forked process, whose list is its own
    direct = read_issues(pub, [task.folder], print_checks=True)[0]
    assert read.issue.headline == direct.issue.headline and read.problems == direct.problems
    assert read.issue == direct.issue  # every field of the issue, its articles and pictures

    def failing(*args, **kwargs):
        if os.getpid() != parent:
            raise RuntimeError("the fork could not read")
        return reading(*args, **kwargs)

    monkeypatch.setattr(issue_module, "read_issues", failing)
    again = issue_module._read(task, pub)
    assert where == [parent] and again.issue.headline == read.issue.headline  # read here, once
    # WeasyPrint that cannot start: the reading is still waited for, and the build goes on to say so itself
    from publish.products.print_layout import weasy_adapter

    monkeypatch.setattr(issue_module, "read_issues", reading)
    monkeypatch.setattr(weasy_adapter, "warm", lambda languages: (_ for _ in ()).throw(ImportError("no pango")))
    assert issue_module._read(task, pub).issue.headline == read.issue.headline


# --- the spare: a process loaded while the issue is read, for an edit's one layout --------------------------


def test_a_spare_takes_the_first_call_says_what_it_raised_and_dies_past_its_limit():
    import time
    from functools import partial

    from publish import ahead, forkpool

    def why(index: int, reason: str) -> str:
        return reason

    spare = ahead.Spare(lambda: None)
    done = {index: result for index, result, _ in forkpool.run([partial(os.getpid), partial(os.getpid)], 2,
                                                               [60, 60], why, spare=spare)}
    assert done[0] == spare.pid and done[1] not in (spare.pid, os.getpid()) and spare.exitcode == 0
    spare = ahead.Spare(lambda: None)
    [(_, raised, _)] = forkpool.run([partial(int, "x")], 1, [60], why, spare=spare)
    assert raised.startswith("raised: ValueError: invalid literal")
    spare = ahead.Spare(lambda: None)
    [(_, late, _)] = forkpool.run([partial(time.sleep, 60)], 1, [0.5], why, spare=spare)
    assert late == "timeout" and spare.exitcode == -9


class _ReadOnlyHere:
    """A call that pickles in this process and cannot be read back in any other."""

    def __init__(self, pid: int) -> None:
        self.pid = pid

    def __reduce__(self):
        return (_read_back, (self.pid,))

    def __call__(self) -> int:
        return os.getpid()


def _read_back(pid: int) -> _ReadOnlyHere:
    if os.getpid() != pid:
        raise RuntimeError("cannot be read back here")
    return _ReadOnlyHere(pid)


def test_a_spare_is_handed_a_large_call_at_once_and_answers_what_it_cannot(tmp_path, monkeypatch):
    import tempfile
    import time
    from functools import partial

    from publish import ahead, forkpool

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the calls are handed over

    def why(index: int, reason: str) -> str:
        return reason

    # still loading (for ever): the hand-over of 4 MB does not wait for it, and the time limit stops it
    stuck = ahead.Spare(partial(time.sleep, 3600))
    [(_, late, _)] = forkpool.run([partial(len, b"x" * 4_000_000)], 1, [0.5], why, spare=stuck)
    assert late == "timeout" and stuck.exitcode == -9
    # a call it cannot read back is forked as any other; a result it cannot send back is the call's failure
    spare = ahead.Spare(lambda: None)
    [(_, pid, _)] = forkpool.run([_ReadOnlyHere(os.getpid())], 1, [60], why, spare=spare)
    assert pid not in (spare.pid, os.getpid()) and spare.exitcode == 0
    spare = ahead.Spare(lambda: None)
    [(_, unsent, _)] = forkpool.run([partial(eval, "lambda: 0")], 1, [60], why, spare=spare)
    assert unsent.startswith("raised:") and "could not be sent back" in unsent, unsent
    assert not list(tmp_path.glob("publish-spare-*"))  # every hand-over's file is gone, the stuck one's too


def test_a_call_a_spare_cannot_take_is_forked_and_the_spare_is_stopped():
    from publish import ahead, forkpool

    def why(index: int, reason: str) -> str:
        return reason

    loaded = []
    spare = ahead.Spare(lambda: None)
    # a closure does not pickle: forked as any other call, after what the caller loads first
    [(_, pid, _)] = forkpool.run([lambda: os.getpid()], 1, [60], why, spare=spare,
                                 before_fork=lambda: loaded.append(1))
    assert pid not in (spare.pid, os.getpid()) and loaded == [1] and spare.exitcode is not None
    dead = ahead.Spare(lambda: os._exit(3))  # its loading crashed
    dead.join()
    [(_, pid, _)] = forkpool.run([os.getpid], 1, [60], why, spare=dead)
    assert pid != dead.pid and dead.exitcode == 3
    unused = ahead.Spare(lambda: None)
    unused.close()
    assert unused.exitcode is not None
    with pytest.raises(ChildProcessError):  # reaped: no process is left behind
        os.waitpid(unused.pid, os.WNOHANG)


def test_the_first_spares_guess_looks_where_the_part_cache_is():
    from publish.pipeline import spare
    from publish.products.print_layout import partcache

    assert spare.LAYOUT == partcache.CACHE


def test_no_spare_where_no_process_can_be_had(monkeypatch):
    from publish import ahead, forkpool

    def no_fork():
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forkpool.os, "fork", no_fork)
    assert ahead.spare(lambda: None) is None  # the layouts are forked as before, later


# --- calls that tell: news before they end, and the calls that wait for it ----------------------------------


def _tell_then_wait(flag: str) -> str:
    """Tell, then wait for the call started on hearing it: it can only end if that one runs beside it."""
    from publish import ahead, forkpool

    forkpool.tell(("laid out", os.getpid()))
    deadline = time.monotonic() + 60
    while not os.path.exists(flag):
        if time.monotonic() > deadline:
            return "the call it waits for never started"
        time.sleep(0.01)
    return "went on"


def _raise_flag(flag: str) -> str:
    Path(flag).touch()
    return "started beside it"


def _begins_a_teller() -> str:
    """A call that begins another which tells: that one's news is no one's (it must not reach run())."""
    from functools import partial

    from publish import ahead, forkpool

    return forkpool.begin(partial(forkpool.tell, "from the begun call"), lambda index, why: why)() or "begun"


@pytest.mark.parametrize("spare", [False, True])
def test_what_a_call_tells_is_heard_and_the_calls_it_asks_for_start_beside_it(tmp_path, spare):
    from functools import partial

    from publish import ahead, forkpool

    flag, heard = str(tmp_path / "flag"), []

    def on(index: int, news) -> list:
        heard.append((index, news[0], news[1] != os.getpid()))
        return [(partial(_raise_flag, flag), 60)]

    def why(index: int, reason: str) -> str:
        return reason

    # one worker, and the call that told still running: what it asked for starts all the same
    done = {index: result for index, result, _ in forkpool.run(
        [partial(_tell_then_wait, flag)], 1, [120], why, spare=ahead.Spare(lambda: None) if spare else None,
        heard=on)}
    assert heard == [(0, "laid out", True)]
    assert done == {0: "went on", 1: "started beside it"}
    # news from a call that a call began goes nowhere: run() hears only its own calls
    assert [result for _, result, _ in forkpool.run([_begins_a_teller], 1, [60], why, heard=on)] == ["begun"]
    assert len(heard) == 1


def test_tasks_run_here_are_heard_as_each_ends_and_the_late_ones_run_last():
    from publish import ahead, forkpool
    from publish.products.print_layout import parallel

    seen: list = []

    def task(name: str):
        def run():
            forkpool.tell(f"{name} laid out")
            seen.append(name)
            return name
        return run

    def heard(index: int, news) -> list:
        seen.append((index, news))
        return [(task("late"), "late", 60)] if index == 1 else []

    assert parallel.call([task("a"), task("b")], 1, ["a", "b"], [60, 60], heard=heard) == ["a", "b", "late"]
    assert seen == ["a", (0, "a laid out"), "b", (1, "b laid out"), "late", (2, "late laid out")]
    forkpool.tell("outside any run")  # heard by no one, and no error


def test_a_child_never_collects_its_parents_objects_and_the_parent_collects_as_before():
    import gc

    from publish import ahead, forkpool

    def why(index: int, reason: str) -> str:
        return reason

    gc.collect()
    [(_, frozen, _)] = forkpool.run([gc.get_freeze_count], 1, [60], why)
    assert frozen > 1000  # the parent's objects, out of the child's collector's way: no copy of their pages
    assert gc.get_freeze_count() == 0  # here they are collected as ever


# --- the zygote: loaded ahead, it forks a process of its own for each call ----------------------------------


def _parent_and_self() -> tuple[int, int]:
    return os.getppid(), os.getpid()


def test_a_zygote_forks_each_call_and_says_how_each_ended():
    from functools import partial

    from publish import ahead, forkpool

    def why(index: int, reason: str) -> str:
        return reason

    zygote = ahead.Zygote(lambda: None)
    calls = [_parent_and_self, _parent_and_self, partial(int, "x"), partial(os._exit, 3),
             partial(time.sleep, 60), lambda: "a closure", _parent_and_self]
    done = {index: result for index, result, _ in forkpool.run(calls, 2, [60, 60, 60, 60, 0.5, 60, 60], why,
                                                               spare=zygote)}
    (parent, first), (other, second) = done[0], done[1]
    assert parent == other == zygote.pid and len({first, second, zygote.pid, os.getpid()}) == 4
    assert done[2].startswith("raised: ValueError: invalid literal")
    assert done[3] == "died: 3"  # the zygote says how its process ended
    assert done[4] == "timeout"
    assert done[5] == "a closure" and done[6][0] == zygote.pid  # it does not pickle: forked here; the zygote goes on
    # news from a zygote's process is heard as from any other, and the calls asked for go to the zygote too
    heard: list = []
    done = {index: result for index, result, _ in forkpool.run(
        [partial(forkpool.tell, "laid out")], 1, [60], why, spare=zygote,
        heard=lambda index, news: heard.append(news) or [(_parent_and_self, 60)])}
    assert heard == ["laid out"] and done[1][0] == zygote.pid
    zygote.close()
    assert zygote.exitcode == 0
    with pytest.raises(ChildProcessError):  # reaped: nothing is left behind
        os.waitpid(zygote.pid, os.WNOHANG)


def test_calls_given_to_a_dead_or_unused_zygote_are_forked_here():
    from publish import ahead, forkpool

    def why(index: int, reason: str) -> str:
        return reason

    dead = ahead.Zygote(lambda: os._exit(3))  # its loading crashed
    [(_, (parent, _), _)] = forkpool.run([_parent_and_self], 1, [60], why, spare=dead)
    assert parent == os.getpid() and dead.exitcode is not None
    unused = ahead.Zygote(lambda: time.sleep(3600))  # never given a call: stopped, not waited for
    unused.close()
    assert unused.exitcode == -9
