"""What several formats share, made once per issue: the EPUB book, the print layout, the Kindle rules."""
