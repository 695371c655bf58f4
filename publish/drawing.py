"""Text and a Pillow font → lines that fit a width: shared by the formats that draw covers."""

from __future__ import annotations


def wrap_words(text: str, font, width: float) -> list[str]:
    """Greedy word wrap measured with the font itself; a word longer than the width gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and font.getlength(f"{lines[-1]} {word}") <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
