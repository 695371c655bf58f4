"""The only place that touches pypdf's private API: a writer's document ID (the booklet's).

`tests/test_adapters.py` fails, naming this module, when a pypdf upgrade moves it.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject


def set_document_id(writer: PdfWriter, identifier: bytes) -> None:
    """The trailer's /ID: `identifier` as both the permanent and the changing part (one build, one ID)."""
    value = ByteStringObject(identifier)
    writer._ID = ArrayObject([value, value])
