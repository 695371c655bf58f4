"""Any text → its slug: ASCII a-z, 0-9 and hyphens, short enough for a file name. The one slug maker."""

from __future__ import annotations

import hashlib
import re
import unicodedata

MAX_SLUG = 80  # slugs become file names, and a file name has at most 255 bytes


def slugify(text: str, fallback: str = "publication") -> str:
    """a-z, 0-9 and hyphens, at most MAX_SLUG characters (publication slugs, keyword pages, anchors, EPUB names).

    A cut slug ends in a short hash of the whole text, so two long texts that
    share their first 80 characters still get different slugs.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or fallback
    if len(slug) <= MAX_SLUG:
        return slug
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return slug[: MAX_SLUG - 9].rstrip("-") + "-" + digest
