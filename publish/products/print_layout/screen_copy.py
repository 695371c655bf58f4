"""A part written once (render.py) → the download PDF's copy: the same pages, each picture swapped for its
screen-resolution copy, with pikepdf.

The write keeps the bleed and the tags for both editions: the join trims the download PDF's pages to their
TrimBox and leaves the press's tags out. The pictures come as (full, copy) pairs of the image XObjects the
write made (pydyf streams, from weasy_adapter.screen_copies); the full one's object number finds it in the
written file, where its data and dictionary are replaced by the copy's.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
from pathlib import Path
from typing import Callable

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from publish.atomic import write_bytes

COPIES = Path(".publish-cache") / "screen-copies"  # kept_copy's folder, in the publication's
COPIES_VERSION = "1"


def with_screen_pictures(pdf_bytes: bytes, pairs: list) -> bytes:
    """`pdf_bytes` with each full picture of `pairs` replaced by its copy; the same bytes if there is none."""
    if not pairs:
        return pdf_bytes
    with pikepdf.open(io.BytesIO(pdf_bytes)) as pdf:
        for full, copy in pairs:
            target = pdf.get_object((full.number, 0))
            dictionary = _value(pdf, copy.extra)
            target.write(_data(copy), filter=dictionary.get("/Filter"), decode_parms=dictionary.get("/DecodeParms"),
                         type_check=False)
            for key in set(target.keys()) - set(dictionary.keys()) - {"/Length", "/Filter", "/DecodeParms"}:
                del target[key]  # e.g. the full picture's soft mask, where the copy has none
            for key, value in dictionary.items():
                if key not in ("/Filter", "/DecodeParms"):
                    target[key] = value
        out = io.BytesIO()
        pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.preserve)
        return out.getvalue()


def kept_copy(folder: Path, source: bytes, interpolate: bool, ratio: float, make: Callable, renew: bool = False):
    """A picture's screen copy (a pydyf stream) as make() makes it, or as it was made before from the same bytes
    at the same ratio, kept in `folder` by their digest (an edited article's part laid out again makes its
    pictures' copies again: 25 ms each); with `renew` (--force), made and kept again. Only a JPEG copy is
    kept: its bytes, and its dictionary as JSON."""
    import PIL
    import pydyf
    import weasyprint

    digest = hashlib.sha256(source)
    digest.update(repr((interpolate, ratio, PIL.__version__, weasyprint.__version__, COPIES_VERSION)).encode())
    path = folder / digest.hexdigest()
    if not renew:
        with contextlib.suppress(OSError, ValueError, TypeError, AttributeError):  # none kept, or damaged
            head, _, data = path.read_bytes().partition(b"\n")
            extra = json.loads(head)
            if extra.get("Filter") == "/DCTDecode" and data:
                return pydyf.Stream([data], pydyf.Dictionary(
                    {key: pydyf.Array(value) if isinstance(value, list) else value for key, value in extra.items()}))
    copy = make()
    extra = dict(copy.extra)
    plain = all(isinstance(v, (str, int, float)) or (isinstance(v, list) and all(isinstance(n, (int, float))
                                                                                 for n in v)) for v in extra.values())
    if plain and extra.get("Filter") == "/DCTDecode":
        with contextlib.suppress(OSError):
            folder.mkdir(parents=True, exist_ok=True)
            write_bytes(path, json.dumps({k: list(v) if isinstance(v, list) else v for k, v in extra.items()},
                                         sort_keys=True).encode() + b"\n" + _data(copy))
    return copy


def _data(stream) -> bytes:
    """A pydyf stream's data as written: its items' bytes, one per line (pydyf's own layout)."""
    return b"\n".join(item if isinstance(item, bytes) else item.data for item in stream.stream)


def _value(pdf, value):
    """A pydyf value (dictionary, array, stream, name as "/Name", number, string) → pikepdf's."""
    import pydyf

    if isinstance(value, pydyf.Stream):
        return pdf.make_indirect(pikepdf.Stream(pdf, _data(value), _value(pdf, value.extra)))
    if isinstance(value, dict):
        return Dictionary({f"/{key}": _value(pdf, item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return Array([_value(pdf, item) for item in value])
    if isinstance(value, pydyf.String):
        return String(value.string)
    if isinstance(value, bytes):
        value = value.decode("ascii")
    if isinstance(value, str):
        if value in ("true", "false"):
            return value == "true"
        if value.startswith("/"):
            return Name(value)
        raise ValueError(f"a picture's dictionary holds {value!r}, which is no PDF name or boolean")
    return value
