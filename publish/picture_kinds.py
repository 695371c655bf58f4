"""A file's first bytes → the picture kind they are: jpeg, png, svg, or None."""

from __future__ import annotations


def sniff(head: bytes) -> str | None:
    """The picture kind from a file's first bytes: jpeg, png, svg, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE svg")) and b"<svg" in head:
        return "svg"
    return None
