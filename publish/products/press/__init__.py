"""The press edition's inks: RGB → the printer's CMYK (inks), the press PDF separated (separate), preflight."""
