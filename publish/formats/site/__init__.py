"""The site format: the publication → download pages, Atom and OPDS feeds, covers."""
