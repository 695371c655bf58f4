"""The registry of output formats: one `Format` (publish.formats.base) per format, in build order.

Each format's code lives in its own package (or module) here and is imported
only when that format is built or validated. Work several formats share (the
EPUB book, the print layout, the Kindle rules) lives in publish.products.
"""

from __future__ import annotations

from publish.formats.base import Download, Format

EBOOK_LAYOUT = ("epub/", "css/ebook.css", "pdf/", "css/print.css")  # the page-list follows the print layout
AUDIO_HINT = "install ffmpeg and a speech engine (apt-get install ffmpeg espeak-ng) to make the audio edition"
KINDLE_HINT = "install calibre (apt-get install calibre) to make the Kindle edition"

REGISTRY: tuple[Format, ...] = (
    Format("epub", "EPUB 3 for phones, e-readers and Send to Kindle", "epub", "writer:write",
           validator="writer:validate_epub", download=Download(".epub", "EPUB", "application/epub+zip"),
           layout_parts=EBOOK_LAYOUT, page_list=True,
           shared=("products/ebook/", "products/cover.py", "products/kindle_rules.py", "products/print_layout/")),
    Format("kindle", "AZW3 for sideloading onto Kindles", "kindle", "writer:write",
           validator="writer:validate_kindle",
           download=Download(".azw3", "Kindle (AZW3)", "application/x-mobi8-ebook"),
           programs=("ebook-convert",), install_hint=KINDLE_HINT, layout_parts=EBOOK_LAYOUT, page_list=True,
           shared=("products/ebook/", "products/cover.py", "products/kindle_rules.py", "products/print_layout/")),
    Format("kepub", "Kobo EPUB (kepub) for Kobo e-readers", "kepub", "writer:write",
           validator="writer:validate_kepub",
           download=Download(".kepub.epub", "Kobo (kepub)", "application/kepub+zip"),
           layout_parts=EBOOK_LAYOUT, page_list=True,
           shared=("products/ebook/", "products/cover.py", "products/kindle_rules.py", "products/print_layout/")),
    Format("pdf", "PDF to read on screen or print at home", "pdf", "writer:write_pdf",
           validator="writer:validate_pdf", download=Download(".pdf", "PDF", "application/pdf"),
           layout_parts=("pdf/", "css/print.css"), shared=("products/print_layout/",)),
    Format("print", "press-ready CMYK PDF/X-4 with bleed and crop marks", "pdf", "writer:write_print",
           validator="writer:validate_print", download=Download("-print.pdf", "Press PDF", "application/pdf"),
           layout_parts=("pdf/", "css/print.css"), shared=("products/print_layout/", "products/press/"),
           press_profile=True),
    Format("booklet", "the download PDF imposed two pages a side for printing at home and folding", "booklet",
           "writer:write", validator="writer:validate_booklet",
           download=Download("-booklet.pdf", "Text / Print: booklet to fold", "application/pdf"),
           layout_parts=("pdf/", "css/print.css"), shared=("products/print_layout/",)),
    Format("text", "plain text for screen readers, mail and archives", "text", ":write",
           download=Download(".txt", "Text", "text/plain; charset=utf-8"),
           layout_parts=("text/",), shared_html=False, uses_fonts=False),
    Format("audio", "spoken edition: MP3 per article and for the issue, with chapters", "audio", "writer:write",
           validator="writer:validate", download=Download(".mp3", "Audio (MP3)", "audio/mpeg"),
           programs=("ffmpeg",), install_hint=AUDIO_HINT, layout_parts=("audio/", "epub/cover.toml"),
           shared_html=False, shared=("products/cover.py",), opt_in=True,
           announced_by_site=True),
    Format("site", "download pages and feeds", "site", "writer:write", validator="writer:validate",
           per_issue=False, layout_parts=("site/", "css/site.css", "epub/cover.toml"), shared=("products/cover.py",),
           inputs=("pages/subscribe.md",)),  # it decides every page's menu (Subscribe, or Follow alone)
)
FORMATS: dict[str, Format] = {fmt.id: fmt for fmt in REGISTRY}
# the formats whose build lays the issue out: those made from the print layout, the ebooks' page-list aside
PDF_FORMATS = tuple(fmt.id for fmt in REGISTRY if "products/print_layout/" in fmt.shared and not fmt.page_list)
ORDER = tuple(FORMATS)
EXCLUSIVE_LAYOUT_PARTS = frozenset(part for fmt in REGISTRY for part in fmt.layout_parts)


def parse_formats(value: str | None) -> tuple[str, ...] | None:
    """`--format epub,pdf` → ids in build order; None means "all the machine can make"."""
    if not value:
        return None
    wanted = [v.strip().lower() for v in value.split(",") if v.strip()]
    unknown = [v for v in wanted if v not in FORMATS]
    if unknown:
        raise ValueError(f"unknown format {unknown[0]!r}; choose from {', '.join(ORDER)}")
    return tuple(f for f in ORDER if f in wanted)
