"""The print layout of an issue, once per run: both PDFs, their page starts and page breaks (the EPUB page-list)."""
