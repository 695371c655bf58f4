"""An office file on disk → an opened, bounded zip archive, or an IntakeError saying why it cannot be read.

Word and LibreOffice files are zip archives. Before a converter sees one, it
is checked here: a password-protected file (an encrypted OLE container, not a
zip), an old binary .doc, a corrupt or truncated archive, and a zip bomb (an
archive that expands far beyond any article) are refused by name.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from publish.intake.draft import IntakeError

MAX_FILE_BYTES = 100 * 2**20  # an article with its photos is a few MB
MAX_EXPANDED_BYTES = 300 * 2**20  # everything in the archive, uncompressed
MAX_RATIO = 200  # uncompressed / compressed for a large member; text compresses ~10:1, pictures ~1:1
MAX_MEMBERS = 5000
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
KINDS = {".docx": ("word/document.xml", "a Word (.docx)"), ".odt": ("content.xml", "a LibreOffice (.odt)")}


def open_office(path: Path, shown: str) -> zipfile.ZipFile:
    """The checked archive of a .docx or .odt file (caller closes it)."""
    main, kind = KINDS[path.suffix.lower()]
    head = _head(path, shown)
    if head.startswith(OLE_MAGIC):
        if "EncryptionInfo".encode("utf-16-le") in path.read_bytes()[:MAX_FILE_BYTES]:
            raise IntakeError(shown, "the document is password-protected (encrypted)",
                              "open it in Word or LibreOffice, remove the password and save it again")
        raise IntakeError(shown, "this is an old binary Word file (.doc), not a .docx",
                          "open it in Word or LibreOffice and save it as .docx or .odt")
    if not head.startswith(b"PK\x03\x04"):
        raise IntakeError(shown, f"not {kind} document: the file is not a zip archive ({_what(head)})",
                          "export the article from Word or LibreOffice as .docx or .odt")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise IntakeError(shown, f"the document is damaged ({exc})", "save it again from Word or LibreOffice") from None
    try:
        _check_members(archive, shown)
        if main not in archive.namelist():
            raise IntakeError(shown, f"not {kind} document: it has no {main}",
                              "export the article from Word or LibreOffice as .docx or .odt")
        bad = archive.testzip()
        if bad:
            raise IntakeError(shown, f"the document is damaged ({bad} fails its checksum)",
                              "save it again from Word or LibreOffice")
    except IntakeError:
        archive.close()
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
        archive.close()
        raise IntakeError(shown, f"the document is damaged ({exc})", "save it again from Word or LibreOffice") from None
    return archive


def _head(path: Path, shown: str) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise IntakeError(shown, f"the file is {size // 2**20} MB, over the {MAX_FILE_BYTES // 2**20} MB limit",
                              "make the pictures in it smaller, or import the text alone")
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise IntakeError(shown, f"cannot read the file ({exc.strerror})", "check that it exists and is readable") from None


def _what(head: bytes) -> str:
    if not head:
        return "it is empty"
    if head.startswith(b"%PDF"):
        return "it is a PDF"
    if head.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        return "it looks like HTML or XML"
    return f"it starts with {head[:4].hex(' ')}"


def _check_members(archive: zipfile.ZipFile, shown: str) -> None:
    members = archive.infolist()
    if len(members) > MAX_MEMBERS:
        raise IntakeError(shown, f"the archive holds {len(members):,} files, more than any document needs",
                          "save the document again from Word or LibreOffice")
    total = 0
    for member in members:
        if member.flag_bits & 1:
            raise IntakeError(shown, "the document is password-protected (encrypted)",
                              "remove the password and save it again")
        total += member.file_size
        ratio = member.file_size / max(member.compress_size, 1)
        if total > MAX_EXPANDED_BYTES or (member.file_size > 10 * 2**20 and ratio > MAX_RATIO):
            raise IntakeError(shown, f"refused as a zip bomb: {member.filename} expands to "
                              f"{member.file_size // 2**20} MB from {member.compress_size // 1024} KB",
                              "this is not an ordinary document; ask the sender for the article again")


def read_member(archive: zipfile.ZipFile, name: str, limit: int = 64 * 2**20) -> bytes | None:
    """A member's bytes (at most `limit`), or None if it is missing or larger."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > limit:
        return None
    with archive.open(info) as handle:
        data = handle.read(limit + 1)
    return data if len(data) <= limit else None
