"""WeasyPrint's start-up without its 18 slow library lookups: ctypes' find_library answered from the loader's cache.

WeasyPrint opens each C library it needs by trying several names, most of which are other
platforms' (`libgobject-2.0-0`, `gobject-2.0-0`, then `gobject-2.0`). cffi hands every name it cannot
open straight to `ctypes.util.find_library`, which on Linux reads `ldconfig -p` and, for a name the
loader's cache lacks, runs the compiler and the linker to look for it: about 17 ms a miss, 0.29 s of
an edit's 5 s on a 2-core machine. `quick_lookup()` reads the cache once and answers from it, as
`find_library` does first.

A name the cache lacks is reported missing without asking the compiler, which is right wherever the
loader finds libraries through its cache alone, as on a standard install. Where LD_LIBRARY_PATH or
LIBRARY_PATH points elsewhere, or `ldconfig` is missing, nothing changes. If an import still fails under
the quick lookup, `import_quickly` imports again with ctypes' own (WeasyPrint will have printed its
complaint about the first attempt: stdout is not redirected, which would hide other threads' output).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import shutil
import subprocess
import sys
from functools import lru_cache
from types import ModuleType

# what ctypes.util's _findSoname_ldconfig looks for, by machine
_ABI = {"x86_64": "libc6,x86-64", "ppc64": "libc6,64bit", "sparc64": "libc6,64bit", "s390x": "libc6,64bit",
        "ia64": "libc6,IA-64", "aarch64": "libc6,AArch64"}


def _applies() -> bool:
    return (sys.platform.startswith("linux") and not os.environ.get("LD_LIBRARY_PATH")
            and not os.environ.get("LIBRARY_PATH"))


@lru_cache(maxsize=1)
def _loader_cache() -> bytes:
    """`ldconfig -p`'s listing, or b"" where it cannot be read."""
    ldconfig = shutil.which("ldconfig") or next((p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig")
                                                if os.path.exists(p)), None)
    if ldconfig is None:
        return b""
    try:
        done = subprocess.run([ldconfig, "-p"], capture_output=True, timeout=10,
                              env={"LC_ALL": "C", "LANG": "C", "PATH": os.environ.get("PATH", "")})
    except (OSError, subprocess.SubprocessError):
        return b""
    return done.stdout if done.returncode == 0 else b""


def lookup(name: str, listing: bytes) -> str | None:
    """The soname ctypes' first step would find for `name` in an `ldconfig -p` listing, or None."""
    machine = os.uname().machine
    abi = _ABI.get(machine, "libc6") if sys.maxsize > 2**32 else "libc6"
    found = re.search(rb"\s+(lib%s\.[^\s]+)\s+\(%s" % (re.escape(os.fsencode(name)), re.escape(abi.encode())),
                      listing)
    return os.fsdecode(found.group(1)) if found else None


@contextlib.contextmanager
def quick_lookup():
    """While active, ctypes.util.find_library answers from the loader's cache (where that is safe)."""
    import ctypes.util

    listing = _loader_cache() if _applies() else b""
    if not listing:
        yield
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: lookup(name, listing)
    try:
        yield
    finally:
        ctypes.util.find_library = original


def import_quickly(module: str) -> ModuleType:
    """`import module` under quick_lookup(); if that fails, once more with ctypes' own lookup."""
    if module in sys.modules:
        return sys.modules[module]
    try:
        with quick_lookup():
            return importlib.import_module(module)
    except OSError:
        return importlib.import_module(module)
