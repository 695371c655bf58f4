"""The only place that touches pypdf's private API: a writer's catalog, new indirect objects, /Info, the ID.

`tests/test_adapters.py` fails, naming this module, when a pypdf upgrade moves them.
"""

from __future__ import annotations

from pypdf import PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject, DictionaryObject, IndirectObject, PdfObject


def catalog(writer: PdfWriter) -> DictionaryObject:
    """The document catalog (/Root) the writer will write, for adding entries to it."""
    return writer._root_object


def add_object(writer: PdfWriter, obj: PdfObject) -> IndirectObject:
    """A reference to `obj`, registered as an indirect object of the writer."""
    return writer._add_object(obj)


def document_info(writer: PdfWriter) -> DictionaryObject:
    """The document information dictionary (/Info) the writer will write."""
    return writer._info.get_object()


def set_document_id(writer: PdfWriter, identifier: bytes) -> None:
    """The trailer's /ID: `identifier` as both the permanent and the changing part (one build, one ID)."""
    value = ByteStringObject(identifier)
    writer._ID = ArrayObject([value, value])
