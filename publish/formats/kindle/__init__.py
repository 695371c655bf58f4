"""The kindle format: the issue's EPUB converted to AZW3 by calibre, made reproducible."""
