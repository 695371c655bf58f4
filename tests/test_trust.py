"""Across every format: reproducible bytes, no network, no byte from outside the folder, and the validation gate."""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from helpers import REPO

EPOCH = "1606867200"  # 2 December 2020
# The AZW3 is left out: calibre orders images and styles differently on every run (see docs/security.md).
SAME_BYTES = "epub,pdf,print,text,site"


def _build(root: Path, env_extra: dict, formats: str = SAME_BYTES) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), "SOURCE_DATE_EPOCH": EPOCH, **env_extra}
    return subprocess.run([sys.executable, "-m", "publish", "build", "1112", "--format", formats, "--jobs", "1"],
                          cwd=root, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="session")
def twin_builds(demo_copy, tmp_path_factory) -> tuple[Path, Path]:
    """The demo issue 1112 built twice: other folders, time zones and locales, same SOURCE_DATE_EPOCH."""
    first = tmp_path_factory.mktemp("twin-a") / "paper"
    second = tmp_path_factory.mktemp("twin-b-elsewhere") / "deeper" / "the paper"
    for target in (first, second):
        shutil.copytree(demo_copy, target, ignore=shutil.ignore_patterns("dist", ".publish-cache"))
    one = _build(first, {"TZ": "UTC", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
    assert one.returncode == 0, one.stderr
    two = _build(second, {"TZ": "Pacific/Auckland", "LC_ALL": "de_DE.UTF-8", "LANG": "de_DE.UTF-8"})
    assert two.returncode == 0, two.stderr
    return first / "dist", second / "dist"


def _outputs(dist: Path) -> dict[str, bytes]:
    skip = {".publish-state.json", ".publish-site.json", "build-report.json", ".publish.lock"}
    return {p.relative_to(dist).as_posix(): p.read_bytes() for p in sorted(dist.rglob("*"))
            if p.is_file() and p.name not in skip}


def test_two_builds_are_byte_identical(twin_builds):
    first, second = (_outputs(d) for d in twin_builds)
    assert set(first) == set(second)
    names = set(first)
    for suffix in (".epub", ".pdf", "-print.pdf", ".txt", "index.html", "feed.atom", "opds.xml"):
        assert any(n.endswith(suffix) for n in names), suffix
    different = sorted(n for n in first if first[n] != second[n])
    assert different == []


def test_no_output_names_the_build_folder(twin_builds):
    for dist in twin_builds:
        folder = str(dist.parent).encode()
        for name, data in _outputs(dist).items():
            blobs = [data]
            if name.endswith(".epub"):
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    blobs = [archive.read(n) for n in archive.namelist()]
            assert not any(folder in blob for blob in blobs), name


def test_a_build_makes_no_network_request(pub, run, monkeypatch):
    calls = []

    def refuse(self, address, *args, **kwargs):
        calls.append(address)
        raise OSError("network is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    path = pub / "issues/1112/02-dilemma.md"
    path.write_text(path.read_text() + '\n<img src="https://example.org/pixel.png" alt="pixel">\n'
                    '<a href="https://example.org/x">a link is fine</a>\n')
    result = run(pub, "build", "1112", "--format", "epub,pdf,print,text,site", "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert calls == []


MARKER = "OUTSIDE-MARKER-51d2"


def test_no_byte_from_outside_reaches_any_output(pub, run):
    outside = pub.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(MARKER)
    (outside / "secret.css").write_text(f'body::after {{ content: "{MARKER}" }}')
    path = pub / "issues/1112/02-dilemma.md"
    path.write_text(path.read_text() + (
        f'\n[file](file://{outside}/secret.txt) <a href="../../../outside/secret.txt">rel</a>\n\n'
        f'<img src="{outside}/secret.txt"> <img src="../../../outside/secret.txt">\n\n'
        f'<link rel="stylesheet" href="../../../outside/secret.css">'
        f'<link rel="attachment" href="../../../outside/secret.txt">\n'))
    result = run(pub, "build", "1112", "--format", "epub,pdf,print,text,site", "--jobs", "1")
    assert result.exit_code == 0, result.output
    for file in (pub / "dist").rglob("*"):
        if not file.is_file():
            continue
        blobs = [file.read_bytes()]
        if file.suffix == ".epub":
            with zipfile.ZipFile(file) as archive:
                blobs = [archive.read(n) for n in archive.namelist()]
        if file.suffix == ".pdf":
            text = subprocess.run(["pdftotext", str(file), "-"], capture_output=True, text=True).stdout
            blobs.append(text.encode())
            attachments = subprocess.run(["pdfdetach", "-list", str(file)], capture_output=True, text=True).stdout
            assert "secret" not in attachments
        assert not any(MARKER.encode() in blob for blob in blobs), file


def test_validation_gate_on_the_demo_issue(demo_copy, tmp_path):
    root = tmp_path / "paper"
    shutil.copytree(demo_copy, root, ignore=shutil.ignore_patterns("dist", ".publish-cache"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "publish", "build", "1112", "--validate", "--strict",
                             "--format", "epub,kindle,pdf,print,text,site"],
                            cwd=root, env=env, capture_output=True, text=True, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("validate ")]
    joined = "\n".join(lines)
    for expected in ("epub: ok: epubcheck", "epub: ok: Kindle pre-flight", "pdf: ok", "print: ok",
                     "site: ok: feed.atom parses", "site: ok: opds.xml parses", "site: ok: opds.json parses"):
        assert expected in joined, joined
    assert not any(": error:" in line or ": skipped:" in line for line in lines), joined


def test_a_documents_own_ids_are_those_of_its_key_alone():
    # one pattern for every document, the key compared after: keys that look like ids, or hold digits
    from publish.safehtml import OwnIds

    cases = {("a", "a-b1"): True, ("a", "a-b1-b2"): False, ("a-b1", "a-b1-b2"): True, ("k-1", "fn-k-1-2"): True,
             ("k", "fn-k-1-2"): False, ("k", "fnref-k-3:2"): True, ("ref-x", "fnref-x-1"): False,
             ("x", "fn-x-b1"): False, ("fn-x", "fn-x-b1"): True, ("a", "a-b"): False, ("a", "b-b1"): False}
    assert {case: OwnIds(case[0]).fullmatch(case[1]) for case in cases} == cases
