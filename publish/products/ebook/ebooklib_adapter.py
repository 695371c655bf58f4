"""The only place that touches ebooklib's private API: hooks on the OPF tree and the NCX its writer produces.

`tests/test_adapters.py` fails, naming this module, when an ebooklib upgrade moves them.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from ebooklib import epub


class _Writer(epub.EpubWriter):
    """ebooklib's writer, handing the OPF tree and the NCX bytes to the caller's hooks on their way out."""

    def __init__(self, out, book, options, opf: Callable, ncx: Callable):
        super().__init__(out, book, options)
        self._opf_hook, self._ncx_hook = opf, ncx

    def _write_opf_file(self, root):
        self._opf_hook(root)
        super()._write_opf_file(root)

    def _get_ncx(self):
        return self._ncx_hook(super()._get_ncx())


def write(book: epub.EpubBook, options: dict, *, opf: Callable[[object], None],
          ncx: Callable[[bytes], bytes]) -> bytes:
    """ebooklib's EPUB zip of `book`; `opf(root)` edits the OPF tree before it is written, `ncx(data)` returns
    the NCX to write instead of ebooklib's."""
    raw = io.BytesIO()
    writer = _Writer(raw, book, options, opf, ncx)
    writer.process()
    writer.write()
    return raw.getvalue()
