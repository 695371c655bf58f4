"""lxml elements → the small tree edits several sanitisers and writers share."""

from __future__ import annotations


def remove_keeping_tail(element) -> None:
    """Remove an element, keeping its tail text in place (a root element, having no parent, stays)."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail:
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
