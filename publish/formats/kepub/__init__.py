"""The Kobo edition (kepub): the issue's EPUB → a `.kepub.epub` with Kobo's koboSpan markup (see spans.py)."""
