"""The EPUB book of an issue, as bytes: used by the epub format (which writes it) and the kindle format."""
