"""A publication folder → WeasyPrint's only door to files: a URL fetcher confined to it, and a font set of its fonts/ (+ fallbacks).

Every URL a layout or an article names goes through `ConfinedFetcher`: `file:`
URLs inside the publication folder are served, anything else (other paths,
links out of it, any network or data address) stops the render with
`Refused`, which the caller turns into an error naming the article (and is
kept in `refused`, for refusals WeasyPrint swallows, as inside an SVG).
Pictures are served as `publishable()` makes them: without metadata, SVGs
sanitised, so no GPS position or script reaches a PDF (and a 16-bit grey PNG
in 8 bits, as a PDF embeds it: raster_clean.eight_bit).
`isolated_fonts()` points fontconfig at the publication's fonts/, and for the
characters they lack at the fallback fonts of publish.fallback (Debian's Noto)
alone, so no other font of the machine can slip into a PDF.
"""

from __future__ import annotations

import base64
import contextlib
import re
import mimetypes
import os
import tempfile
from pathlib import Path
from urllib.parse import unquote, urlsplit

from publish.products.print_layout.weasy_adapter import load_weasyprint  # noqa: E402

load_weasyprint()  # quietly, and quickly

from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

from publish import fonts_dir  # noqa: E402
from publish.fallback import fallback_dirs, fonts_conf  # noqa: E402
from publish.errors import PublishError  # noqa: E402
from publish.picture_clean import publishable
from publish.raster_clean import clean_raster, eight_bit  # noqa: E402
from publish.picture_kinds import sniff  # noqa: E402
from publish.products.print_layout.urls import VIRTUAL_ROOT  # noqa: E402,F401 - the fetcher's base URL


PICTURE_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "svg": "image/svg+xml"}
# what a sanitised SVG may carry inline: a cleaned JPEG or PNG
_DATA_PICTURE = re.compile(r"^data:image/(png|jpeg);base64,([A-Za-z0-9+/=]*)$", re.I)


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
        self.refused: list[Refused] = []  # every refusal, also those WeasyPrint only logs
        self._pictures: dict[Path, tuple[bytes, str]] = {}

    def fetch(self, url, headers=None):
        try:
            if url.lower().startswith("data:"):
                return self._inline(url)
            path = self.resolve(url)
            body, kind = self._read(url, path)
        except Refused as refusal:
            self.refused.append(refusal)
            raise
        return URLFetcherResponse(url, body=body, headers={"Content-Type": kind})

    def _read(self, url: str, path: Path) -> tuple[bytes, str]:
        """A file's bytes and type; pictures cleaned once per path."""
        if path in self._pictures:
            return self._pictures[path]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Refused(url, f"cannot be read ({exc.strerror})") from None
        picture = sniff(data[:512])
        if picture is None:
            return data, mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        try:
            clean = eight_bit(publishable(path, picture)[0], picture)
        except PublishError as exc:
            raise Refused(url, exc.message.removeprefix(f"{path}: ")) from None
        except (OSError, ValueError, SyntaxError) as exc:  # checked, cleaned, and still not decodable
            raise Refused(url, f"cannot be decoded ({exc})") from None
        self._pictures[path] = clean, PICTURE_TYPES[picture]
        return self._pictures[path]

    def _inline(self, url: str) -> URLFetcherResponse:
        """A JPEG or PNG written into a (sanitised) SVG, cleaned again; any other data: URL is refused."""
        match = _DATA_PICTURE.match(url)
        try:
            if not match:
                raise ValueError("not a JPEG or PNG")
            kind = match.group(1).lower()
            body = eight_bit(clean_raster(base64.b64decode(match.group(2), validate=True), kind), kind)
        except (OSError, ValueError, SyntaxError):
            raise Refused(url[:40] + "…", "is inline data, not a JPEG or PNG picture (nothing is fetched "
                          "from the network)") from None
        return URLFetcherResponse(url[:40], body=body, headers={"Content-Type": PICTURE_TYPES[kind]})

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


@contextlib.contextmanager
def isolated_fonts(root: Path):
    """While active, a new weasyprint FontConfiguration sees the fonts in `root`/fonts, then the fallback fonts."""
    with tempfile.TemporaryDirectory(prefix="publish-fonts-") as tmp:
        conf = Path(tmp) / "fonts.conf"
        conf.write_text(fonts_conf(fonts_dir(root).resolve(), Path(tmp), fallback_dirs()), encoding="utf-8")
        saved = {k: os.environ.get(k) for k in ("FONTCONFIG_FILE", "FONTCONFIG_PATH")}
        os.environ["FONTCONFIG_FILE"] = str(conf)
        os.environ.pop("FONTCONFIG_PATH", None)
        try:
            from weasyprint.text.fonts import FontConfiguration

            from publish.products.print_layout.weasy_adapter import make_current

            fonts = FontConfiguration()
            # fontconfig also asks its process-wide configuration (what the process's first layout, or a
            # parent's before a fork, loaded): it must be this one, or fallbacks come out of another set
            make_current(fonts)
            yield fonts
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
