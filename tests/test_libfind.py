"""publish.libfind: WeasyPrint's C libraries found in the loader's cache, as ctypes would find them."""

from __future__ import annotations

import ctypes.util
import subprocess
import sys

import pytest

from publish import libfind

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the loader's cache is Linux's")

# the names WeasyPrint 70 tries, found and not, and a few of the C library's
NAMES = ("libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "pango-1.0", "harfbuzz", "harfbuzz-subset",
         "harfbuzz-vector", "libharfbuzz-vector.so.0", "fontconfig-1", "fontconfig", "pangoft2-1.0", "c", "m",
         "no-such-library-at-all")


def test_the_quick_lookup_answers_as_ctypes_does():
    listing = libfind._loader_cache()
    assert listing, "ldconfig -p gave nothing on this machine"
    answers = {name: (libfind.lookup(name, listing), ctypes.util.find_library(name)) for name in NAMES}
    assert all(quick == own for quick, own in answers.values()), answers
    assert answers["gobject-2.0"][0] and answers["no-such-library-at-all"][0] is None


def test_the_quick_lookup_is_in_place_only_while_it_is_asked_for(monkeypatch):
    original = ctypes.util.find_library
    with libfind.quick_lookup():
        assert ctypes.util.find_library is not original
        assert ctypes.util.find_library("c") == original("c")
    assert ctypes.util.find_library is original
    monkeypatch.setenv("LD_LIBRARY_PATH", "/opt/elsewhere")  # libraries the cache may not know: ctypes' own
    with libfind.quick_lookup():
        assert ctypes.util.find_library is original


def test_an_import_that_fails_under_the_quick_lookup_is_made_again_with_ctypes_own(tmp_path, monkeypatch):
    (tmp_path / "needs_libc.py").write_text(
        "import ctypes.util\n"
        "print('could not find it')\n"
        "if ctypes.util.find_library('c') is None:\n"
        "    raise OSError('no C library')\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(libfind, "lookup", lambda name, listing: None)  # a cache that lacks it
    module = libfind.import_quickly("needs_libc")
    assert module.__name__ == "needs_libc" and ctypes.util.find_library("c")
    sys.modules.pop("needs_libc", None)


def test_weasyprint_starts_with_one_reading_of_the_loaders_cache():
    # in a new process: the whole import, counting the linker and compiler runs that ctypes would make
    code = ("import subprocess, sys\n"
            "runs = []\n"
            "real = subprocess.Popen.__init__\n"
            "def counting(self, args, *a, **k):\n"
            "    runs.append(args[0] if isinstance(args, (list, tuple)) else args)\n"
            "    real(self, args, *a, **k)\n"
            "subprocess.Popen.__init__ = counting\n"
            "import publish.products.print_layout.fetch\n"
            "import weasyprint.text.ffi as ffi\n"
            "assert ffi.pango is not None and ffi.harfbuzz_subset is not None\n"
            "print(len(runs), runs)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    count = int(done.stdout.split()[0])
    assert count <= 1, done.stdout
