"""Copy from outside (Word, LibreOffice, archived web pages) → draft articles in our source dialect, then files."""
