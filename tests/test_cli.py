"""The command line: exit codes, messages, help, new, incremental builds, atomic writes, and a real subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from helpers import REPO

TEXT = "dist/1112/weekly-worker-1112.txt"


def test_build_writes_the_text_edition(pub, run):
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0, result.output
    assert "issue 1112: built text" in result.output
    text = (pub / TEXT).read_text(encoding="utf-8")
    assert text.startswith(" " * 20) and "THE WEEKLY WORKER" in text


def test_unchanged_issue_is_not_rebuilt_unless_forced(pub, run):
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    stamp = (pub / TEXT).stat().st_mtime_ns
    again = run(pub, "build", "1112", "--format", "text")
    assert "unchanged text" in again.output
    assert (pub / TEXT).stat().st_mtime_ns == stamp
    forced = run(pub, "build", "1112", "--format", "text", "--force")
    assert "built text" in forced.output
    # editing an article rebuilds
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text().replace("phones", "screens"))
    edited = run(pub, "build", "1112", "--format", "text")
    assert "built text" in edited.output
    assert "screens" in (pub / TEXT).read_text()


def test_deleted_output_is_rebuilt(pub, run):
    run(pub, "build", "1112", "--format", "text")
    (pub / TEXT).unlink()
    assert "built text" in run(pub, "build", "1112", "--format", "text").output
    assert (pub / TEXT).exists()


def test_out_option(pub, run, tmp_path):
    out = tmp_path / "elsewhere"
    assert run(pub, "build", "1112", "--format", "text", "--out", str(out)).exit_code == 0
    assert (out / "1112/weekly-worker-1112.txt").is_file()
    assert not (pub / "dist").exists()


def test_all_builds_every_issue_and_isolates_failures(pub, run):
    import shutil

    shutil.copytree(pub / "issues/1112", pub / "issues/1113")
    toml = pub / "issues/1113/issue.toml"
    toml.write_text(toml.read_text().replace("1112", "1113"))
    shutil.copytree(pub / "issues/1112", pub / "issues/1114")
    result = run(pub, "build", "--all", "--format", "text")
    assert result.exit_code == 1
    assert "issues/1114/issue.toml:1: number 1112 does not match the folder issues/1114" in result.output
    assert "3 issues: 2 built, 0 unchanged, 1 failed" in result.output
    assert (pub / "dist/1112/weekly-worker-1112.txt").is_file()
    assert (pub / "dist/1113/weekly-worker-1113.txt").is_file()
    assert not (pub / "dist/1114").exists()


def test_default_issue_is_the_latest(pub, run):
    result = run(pub, "check")
    assert result.exit_code == 0 and "issue 1112: ok" in result.output


@pytest.mark.parametrize("args, words", [
    (["build", "9999"], "no issue 9999"),
    (["build", "banana"], "'banana' is not an issue"),
    (["build", "1112", "--format", "pdff"], "unknown format 'pdff'"),
    (["build", "1112", "--jobs", "0"], "--jobs"),
    (["check", "--frobnicate"], "No such option"),
    (["new", "abc"], "not a valid integer"),
    (["new", "1113", "--date", "2020-13-45"], "--date"),
    (["launch"], "No such command"),
])
def test_usage_errors_exit_2(pub, run, args, words):
    result = run(pub, *args)
    assert result.exit_code == 2, result.output
    assert words in result.output


def test_missing_publication_is_a_clear_error(tmp_path, run):
    result = run(tmp_path, "check")
    assert result.exit_code == 1
    assert "publication.toml: no publication.toml in" in result.output
    assert "give --root DIR" in result.output


def test_help_describes_every_option(pub, run):
    top = run(pub, "--help").output
    for command in ("build", "check", "new"):
        assert command in top
    build = run(pub, "build", "--help").output
    for option in ("--all", "--format", "--out", "--jobs", "--force", "--strict", "--validate"):
        assert option in build
    from publish.formats import ORDER

    assert ",".join(ORDER) in build and "epub,kindle,kepub,pdf,print" in build


def test_new_scaffolds_an_issue_that_checks(pub, run):
    result = run(pub, "new", "1113", "--date", "2020-12-09")
    assert result.exit_code == 0, result.output
    toml = (pub / "issues/1113/issue.toml").read_text()
    assert "number = 1113" in toml and "date = 2020-12-09" in toml
    assert (pub / "issues/1113/images").is_dir()
    assert run(pub, "check", "1113").exit_code == 0
    assert run(pub, "check", "1113", "--strict").exit_code == 1  # the placeholders are still there
    assert run(pub, "build", "1113", "--format", "text").exit_code == 0
    again = run(pub, "new", "1113")
    assert again.exit_code == 1 and "issues/1113 already exists" in again.output


def test_new_without_date_follows_the_latest_issue(pub, run):
    assert run(pub, "new", "1113").exit_code == 0
    assert "date = 2020-12-09" in (pub / "issues/1113/issue.toml").read_text()


def test_failed_write_keeps_the_previous_file_and_leaves_no_temporary(pub, run, monkeypatch):
    assert run(pub, "build", "1112", "--format", "text").exit_code == 0
    before = (pub / TEXT).read_bytes()
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text().replace("phones", "screens"))

    from publish import atomic

    real = Path.write_bytes

    def full_disk(self, data):
        if atomic.TEMP_MARK in self.name:
            real(self, data[: len(data) // 2])
            raise OSError(28, "No space left on device", str(self))
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 1
    assert "No space left on device" in result.output and "check free space" in result.output
    assert (pub / TEXT).read_bytes() == before
    assert [p.name for p in (pub / "dist/1112").iterdir() if atomic.TEMP_MARK in p.name] == []


def test_leftover_temporary_files_are_removed(pub, run):
    run(pub, "build", "1112", "--format", "text")
    leftover = pub / "dist/1112/.~publish-tmp~weekly-worker-1112.txt.abc"
    leftover.write_text("half")
    run(pub, "build", "1112", "--format", "text", "--force")
    assert not leftover.exists()


def test_internal_errors_are_one_line_unless_debug(pub, run, monkeypatch):
    from click.testing import CliRunner

    from publish.cli import cli
    from publish.formats import text

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(text, "render_text", boom)
    result = CliRunner().invoke(cli, ["--root", str(pub), "build", "1112", "--format", "text"])
    assert result.exit_code == 1
    assert "internal error: RuntimeError: kaboom" in result.output
    assert "--debug" in result.output and "Traceback" not in result.output
    debug = CliRunner().invoke(cli, ["--root", str(pub), "--debug", "build", "1112", "--format", "text"])
    assert isinstance(debug.exception, RuntimeError)


def test_source_date_epoch_must_be_a_number(pub, run, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    from publish.render import source_date
    from publish.errors import PublishError

    with pytest.raises(PublishError, match="SOURCE_DATE_EPOCH"):
        source_date()


def test_real_subprocess_build_and_check(pub):
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    check = subprocess.run([sys.executable, "-m", "publish", "--root", str(pub), "check", "1112"],
                           capture_output=True, text=True, env=env, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "issue 1112: ok" in check.stdout
    build = subprocess.run([sys.executable, "-m", "publish", "build", "issues/1112", "--format", "text"],
                           cwd=pub, capture_output=True, text=True, env=env, timeout=120)
    assert build.returncode == 0, build.stderr
    assert (pub / TEXT).is_file()
    broken = pub / "issues/1112/02-dilemma.md"
    broken.write_text(broken.read_text().replace("section: reviews", "section: nowhere"))
    failed = subprocess.run([sys.executable, "-m", "publish", "--root", str(pub), "build", "1112"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert failed.returncode == 1
    assert failed.stderr.startswith("issues/1112/02-dilemma.md:5: unknown section 'nowhere'")
    assert "Traceback" not in failed.stderr


def test_two_builds_are_byte_identical(pub, run, tmp_path):
    run(pub, "build", "1112", "--format", "text", "--out", str(tmp_path / "a"))
    run(pub, "build", "1112", "--format", "text", "--out", str(tmp_path / "b"))
    name = "1112/weekly-worker-1112.txt"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_format_failing_late_leaves_every_earlier_format_as_it_was(pub, run, tmp_path, monkeypatch):
    assert run(pub, "build", "1112", "--format", "epub,text").exit_code == 0
    before = {p.name: p.read_bytes() for p in (pub / "dist/1112").iterdir() if p.is_file()}
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text() + "\nA new paragraph.\n")
    fake = tmp_path / "bin"
    fake.mkdir()
    for program in ("ebook-convert", "calibre-debug"):  # the conversion runs through either
        (fake / program).write_text("#!/bin/sh\necho 'calibre crashed' >&2\nexit 3\n")
        (fake / program).chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:{os.environ['PATH']}")
    result = run(pub, "build", "1112", "--format", "epub,kindle,text")
    assert result.exit_code == 1 and "ebook-convert" in result.output
    after = {p.name: p.read_bytes() for p in (pub / "dist/1112").iterdir() if p.is_file()}
    assert after == before  # the new EPUB and text did not replace the old ones
    assert not [p for p in (pub / "dist").iterdir() if "publish-tmp" in p.name]


def test_a_partial_build_keeps_the_sites_checksums_true(pub, run):
    import hashlib

    assert run(pub, "build", "1112", "--format", "text,site").exit_code == 0
    article = pub / "issues/1112/02-dilemma.md"
    article.write_text(article.read_text() + "\nA new paragraph.\n")
    result = run(pub, "build", "1112", "--format", "text")
    assert result.exit_code == 0 and "site: refreshing its download records" in result.output
    digest = hashlib.sha256((pub / TEXT).read_bytes()).hexdigest()
    assert digest in (pub / "dist/1112/index.html").read_text()


def _leaving(tmp_path: Path, code: str, before: str = "") -> subprocess.CompletedProcess:
    """A process that ends through the command line's quick exit, with an exit handler that leaves a mark."""
    script = (f"import atexit, sys\nfrom publish import cli\n{before}\n"
              "atexit.register(lambda: open(sys.argv[1], 'a').write('handler ran'))\n"
              f"print('said before leaving', end='')\ncli._leave({code})\n")
    return subprocess.run([sys.executable, "-c", script, str(tmp_path / "mark")], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)


@pytest.mark.parametrize("code, status, stderr", [("0", 0, ""), ("None", 0, ""), ("3", 3, ""),
                                                  ("'no such thing'", 1, "no such thing\n")])
def test_the_quick_exit_keeps_the_exit_status_the_output_and_the_exit_handlers(tmp_path, code, status, stderr):
    left = _leaving(tmp_path, code)
    assert (left.returncode, left.stdout, left.stderr) == (status, "said before leaving", stderr)
    assert (tmp_path / "mark").read_text() == "handler ran"


def test_the_quick_exit_waits_for_a_thread_at_work(tmp_path):
    # a thread that has not finished: the ordinary exit, which waits for it, not the quick one
    before = ("import threading, time\n"
              "def work():\n    time.sleep(0.3)\n    open(sys.argv[1], 'a').write('thread done; ')\n"
              "threading.Thread(target=work).start()")
    left = _leaving(tmp_path, "0", before)
    assert left.returncode == 0, left.stderr
    assert (tmp_path / "mark").read_text() == "thread done; handler ran"


def test_templates_compile_where_their_bytecode_cannot_be_kept(pub, run, monkeypatch, tmp_path):
    from publish import render

    squatted = tmp_path / "tmp"
    squatted.mkdir()
    (squatted / f"_jinja2-cache-{os.getuid()}").write_text("not a folder")  # Jinja's folder, taken
    monkeypatch.setattr(tempfile, "tempdir", str(squatted))
    render._bytecode_cache.cache_clear()
    render._environment.cache_clear()
    try:
        assert render._bytecode_cache() is None
        assert run(pub, "build", "1112", "--format", "text").exit_code == 0
        assert (pub / TEXT).is_file()
    finally:
        render._bytecode_cache.cache_clear()
        render._environment.cache_clear()


def test_damaged_or_unwritable_compiled_templates_only_mean_compiling_again(pub, run, monkeypatch, tmp_path):
    import glob

    import jinja2

    from publish import render

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    render._bytecode_cache.cache_clear()
    render._environment.cache_clear()
    try:
        assert run(pub, "build", "1112", "--format", "text", "--force").exit_code == 0
        kept = render._bytecode_cache()
        files = glob.glob(os.path.join(kept.directory, kept.pattern % "*"))
        assert files, "no compiled template was kept"
        for name in files:
            Path(name).write_bytes(b"j2\x00 not what Jinja wrote")
        render._environment.cache_clear()  # a new run: templates are loaded again, through the damaged files
        assert run(pub, "build", "1112", "--format", "text", "--force").exit_code == 0

        def full(self, bucket):
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(jinja2.FileSystemBytecodeCache, "dump_bytecode", full)
        for name in files:
            os.remove(name)
        render._environment.cache_clear()
        result = run(pub, "build", "1112", "--format", "text", "--force")
        assert result.exit_code == 0, result.output
        assert (pub / TEXT).is_file()
    finally:
        render._bytecode_cache.cache_clear()
        render._environment.cache_clear()
