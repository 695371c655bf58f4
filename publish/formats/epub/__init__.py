"""The epub format: the issue's EPUB written to dist/ and checked (epubcheck, Ace, Kindle pre-flight)."""
