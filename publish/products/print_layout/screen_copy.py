"""A part written once (render.py) → the download PDF's copy: the same pages, each picture swapped for its
screen-resolution copy, with pikepdf.

The write keeps the bleed and the tags for both editions: the join trims the download PDF's pages to their
TrimBox and leaves the press's tags out. The pictures come as (full, copy) pairs of the image XObjects the
write made (pydyf streams, from weasy_adapter.screen_copies); the full one's object number finds it in the
written file, where its data and dictionary are replaced by the copy's.
"""

from __future__ import annotations

import io

import pikepdf
from pikepdf import Array, Dictionary, Name, String


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
