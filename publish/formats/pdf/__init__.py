"""The pdf and print formats: the print layout's two PDFs written to dist/ and checked."""
