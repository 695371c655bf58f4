"""A publication folder → WeasyPrint's only door to files: a URL fetcher confined to it, and a font set of its fonts/.

Every URL a layout or an article names goes through `ConfinedFetcher`: `file:`
URLs inside the publication folder are served, anything else (other paths,
links out of it, any network or data address) stops the render with
`Refused`, which the caller turns into an error naming the article.
`isolated_fonts()` points fontconfig at the publication's fonts/ alone, so no
font of the machine can slip into a PDF as a fallback.
"""

from __future__ import annotations

import contextlib
import logging
import mimetypes
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

# WeasyPrint reports every step and page at INFO (from its first import on, when it parses its own
# stylesheets); the build's log says what matters.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from publish import fonts_dir  # noqa: E402


# The base URL the PDF's HTML is laid out under, mapped to the publication folder by the fetcher.
VIRTUAL_ROOT = "file:///publication/"


class Refused(Exception):
    """A URL the PDF may not load; `url` is what was asked for, `reason` says why."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason


class ConfinedFetcher(URLFetcher):
    """Serves files inside `root` (after resolving links); refuses every other URL."""

    def __init__(self, root: Path):
        super().__init__(fail_on_errors=True)
        self.root = root.resolve()
        # a publication without fonts/ gets the built-in fonts, under the same fonts/ names
        self.fonts = fonts_dir(self.root).resolve()
        self.served: list[Path] = []

    def fetch(self, url, headers=None):
        path = self.resolve(url)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Refused(url, f"cannot be read ({exc.strerror})") from None
        self.served.append(path)
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=data, headers={"Content-Type": kind})

    def resolve(self, url: str) -> Path:
        """The file a URL names, if the PDF may read it; Refused otherwise."""
        if url.startswith(VIRTUAL_ROOT):
            url = self.root.as_uri().rstrip("/") + "/" + url[len(VIRTUAL_ROOT):]
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise Refused(url, "is not a file of the publication (nothing is fetched from the network)")
        if parts.netloc not in ("", "localhost"):
            raise Refused(url, "names another machine")
        named = Path(unquote(parts.path))
        if self.fonts != (self.root / "fonts") and named.is_relative_to(self.root / "fonts"):
            named = self.fonts / named.relative_to(self.root / "fonts")
        try:
            path = named.resolve(strict=True)
        except (OSError, RuntimeError):
            raise Refused(url, "does not exist") from None
        if not (path.is_relative_to(self.root) or path.is_relative_to(self.fonts)):
            raise Refused(url, "is outside the publication folder")
        if not path.is_file():
            raise Refused(url, "is not a file")
        return path


FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


@contextlib.contextmanager
def isolated_fonts(root: Path):
    """While active, a new weasyprint FontConfiguration sees only the fonts in `root`/fonts."""
    from xml.sax.saxutils import escape

    with tempfile.TemporaryDirectory(prefix="publish-fonts-") as tmp:
        conf = Path(tmp) / "fonts.conf"
        fonts = fonts_dir(root).resolve()
        conf.write_text(FONTS_CONF.format(fonts=escape(str(fonts)), cache=escape(tmp)), encoding="utf-8")
        saved = {k: os.environ.get(k) for k in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
        os.environ["FONTCONFIG_FILE"] = str(conf)
        os.environ.pop("FONTCONFIG_PATH", None)
        try:
            from weasyprint.text.fonts import FontConfiguration

            yield FontConfiguration()
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
