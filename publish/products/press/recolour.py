"""A content stream's colours → the printer's CMYK: RGB and grey operators become CMYK ones, text black only.

Two ways in, one rule (_recolour). WeasyPrint writes its content streams one instruction to a line, its
text as hexadecimal glyph strings, with no literal string, inline picture or comment: such a stream is
rewritten line by line, and only the lines that set a colour change (_by_lines). Any other stream (a
picture's form, a hand-made one, one where a line holds two instructions) goes through pikepdf's parser and
is written out again (_by_instructions). Both give the same instructions (_Recolour's); the first makes no
object for the thousands of instructions that draw glyphs.
"""

from __future__ import annotations

import re
from typing import Callable

import pikepdf
from pikepdf import Array, Dictionary, Name, Operator

TEXT_SHOW = {"Tj", "TJ", "'", '"'}
COLOUR_OPERATORS = {"rg", "RG", "g", "G", "k", "K", "cs", "CS", "sc", "scn", "SC", "SCN"}
# the operators _recolour reads: the colours, the graphics state's saves, text objects and text shown
_READ = COLOUR_OPERATORS | TEXT_SHOW | {"q", "Q", "BT", "ET"}
_READ_BYTES = {op.encode() for op in _READ}
_OPS = b"|".join(re.escape(op.encode()) for op in sorted(_READ - {"'", '"'}, key=len, reverse=True))
# what a stream written one instruction to a line never holds: literal strings, comments, the quote
# operators, carriage returns (inline pictures, "BI", are looked for apart)
_NOT_BY_LINES = re.compile(rb"[(%'\"\r]")
# an operator _Recolour reads that is not the last word of its line: after a space, or straight after an
# operand (a string or an array), or first in the stream, and followed by more
_HIDDEN = (re.compile(rb"\s(?:%s)[ \t\[</]" % _OPS), re.compile(rb"[\]>](?:%s)" % _OPS))
_FIRST = re.compile(rb"(?:%s)[ \t\[</]" % _OPS)
_NUMBER = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")


def space_kind(space) -> str:
    """A colour space object → "rgb", "cmyk", "gray", "lab", "spot", "pattern", "indexed:<base kind>" or "other"."""
    if isinstance(space, Name):
        return {"/DeviceRGB": "rgb", "/RGB": "rgb", "/DeviceCMYK": "cmyk", "/CMYK": "cmyk", "/DeviceGray": "gray",
                "/G": "gray", "/Pattern": "pattern"}.get(str(space), "other")
    if isinstance(space, Array) and len(space) > 0:
        family = str(space[0])
        if family == "/ICCBased":
            return {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(space[1].get("/N", 0)), "other")
        if family in ("/CalRGB",):
            return "rgb"
        if family == "/CalGray":
            return "gray"
        if family == "/Lab":
            return "lab"
        if family in ("/Separation", "/DeviceN"):
            return "spot"
        if family in ("/Indexed", "/I"):
            return "indexed:" + space_kind(space[1])
        if family == "/Pattern":
            return "pattern"
    return "other"


def recoloured(holder, stream, inks, resources) -> bytes:
    """The content stream of `holder` (a page, whose contents are one `stream`, or a form) recoloured."""
    data = stream.read_bytes()
    lines = _by_lines(data, inks, resources)
    if lines is not None:
        return lines
    return _by_instructions(holder, inks, resources)


def _by_instructions(holder, inks, resources) -> bytes:
    made = pikepdf.ContentStreamInstruction
    rules = _Recolour(inks, resources, lambda operands, op: made(list(operands), Operator(op)))
    for instruction in pikepdf.parse_content_stream(holder):
        op = str(instruction.operator)
        if op in _READ:
            rules.step(op, instruction, _operands_of_instruction)
        else:
            rules.out.append(instruction)
    return pikepdf.unparse_content_stream(rules.out)


def _by_lines(data: bytes, inks, resources) -> bytes | None:
    """`data` recoloured line by line, or None where it is not written one instruction to a line (each
    operator _Recolour reads ends its line) or holds what a line cannot be sure of (literal strings,
    comments, inline pictures, carriage returns)."""
    if (b"BI" in data or _NOT_BY_LINES.search(data) or _FIRST.match(data)
            or any(hidden.search(data) for hidden in _HIDDEN)):
        return None
    rules = _Recolour(inks, resources, _line)
    out = rules.out
    try:
        for line in data.split(b"\n"):
            op = line[line.rfind(b" ") + 1:]
            if op in _READ_BYTES:
                rules.step(op.decode("latin-1"), line, _operands_of_line)
            else:
                out.append(line)
    except (ValueError, IndexError, TypeError):  # an operand that is not a number or a name, or one missing
        return None
    return b"\n".join(out)


def _operands_of_instruction(instruction) -> list:
    return instruction.operands


def _operands_of_line(line: bytes) -> list:
    return [_operand(word) for word in line.split()[:-1]]


def _operand(word: bytes):
    """A name or a number as PDF writes them (float() would also take "nan" or "1e5"); ValueError otherwise."""
    if word.startswith(b"/"):
        return Name(word.decode("latin-1"))
    if not _NUMBER.fullmatch(word):
        raise ValueError(word)
    return float(word)


def _line(operands, op: str) -> bytes:
    return b" ".join([*(_number(v) if not isinstance(v, Name) else str(v).encode() for v in operands),
                      op.encode()])


def _number(value: float) -> bytes:
    """A PDF number: no exponent, at most six decimals."""
    text = f"{float(value):.6f}".rstrip("0").rstrip(".")
    return (text if text not in ("", "-", "-0") else "0").encode()


def _colour_operator(op: str, operands, side: str, inks, converting: dict, spaces):
    """One operator's colour as (converted, black-only), or None; and its operands (a cs/CS gets DeviceCMYK).

    `converting[side]` is updated on cs/CS: the kind of the space replaced, while sc/scn need converting.
    """
    colour = None
    if op in ("rg", "RG", "g", "G"):
        rgb = tuple(float(v) for v in operands) if op in ("rg", "RG") else (float(operands[0]),) * 3
        colour = (inks.colour(rgb), inks.colour(rgb, text=True))
    elif op in ("k", "K"):
        cmyk = tuple(float(v) for v in operands)
        colour = (cmyk, _black_only(cmyk))
    elif op in ("cs", "CS"):
        name = operands[0]
        kind = space_kind(spaces[str(name)]) if str(name) in spaces else space_kind(name)
        converting[side] = kind if kind in ("rgb", "lab", "gray") else None
        if converting[side]:
            operands = [Name.DeviceCMYK]
    elif op in ("sc", "scn", "SC", "SCN") and converting[side]:
        rgb = _as_rgb(converting[side], [float(v) for v in operands])
        colour = (inks.colour(rgb), inks.colour(rgb, text=True))
    return colour, operands


class _Recolour:
    """RGB and grey colour operators → CMYK ones; RGB or Lab colour spaces (cs/CS) → DeviceCMYK.

    step() takes each instruction whose operator is one of _READ, with its operands when asked for
    (`operands_of(instruction)`), and adds to `out` the instruction as it is, or made anew by
    `made(operands, operator)`; the others are added to `out` by the caller, as they are.

    Text takes its colour from the graphics state, usually set before BT: the first
    text shown in a text object gets a black-only version of the current colours, and
    ET puts the converted colours back for what is drawn after it.
    """

    def __init__(self, inks, resources, made: Callable) -> None:
        self.inks, self.made, self.out = inks, made, []
        self.current = {"fill": (0.0, 0.0, 0.0, 1.0), "stroke": (0.0, 0.0, 0.0, 1.0)}  # converted CMYK
        self.text_form = {"fill": (0.0, 0.0, 0.0, 1.0), "stroke": (0.0, 0.0, 0.0, 1.0)}  # the same, black only
        self.stack: list = []
        self.in_text = self.blacked = False
        self.converting = {"fill": None, "stroke": None}  # the replaced space's kind, while sc/scn convert
        self.spaces = resources.get("/ColorSpace", Dictionary())

    def emit(self, side: str, values) -> None:
        self.out.append(self.made(values, "K" if side == "stroke" else "k"))

    def step(self, op: str, instruction, operands_of: Callable) -> None:
        side = "stroke" if op in ("RG", "G", "CS", "SC", "SCN", "K") else "fill"
        if op in COLOUR_OPERATORS:  # the others' operands are never read: pikepdf makes them on each read
            given = operands_of(instruction)
            colour, operands = _colour_operator(op, given, side, self.inks, self.converting, self.spaces)
        else:
            given = operands = colour = None
        if colour is not None:
            self.current[side], self.text_form[side] = colour
            if op in ("sc", "scn", "SC", "SCN"):
                operands = list(colour[1] if self.in_text else colour[0])
            else:
                self.emit(side, colour[1] if self.in_text else colour[0])
                return
        if op == "q":
            self.stack.append((dict(self.current), dict(self.text_form)))
        elif op == "Q" and self.stack:
            self.current, self.text_form = self.stack.pop()
        elif op == "BT":
            self.in_text, self.blacked = True, False
        elif op in TEXT_SHOW and not self.blacked:
            self.blacked = True
            self._text_colours(self.text_form)
        # an instruction that passes unchanged is kept as it is, not made again
        self.out.append(instruction if operands is given else self.made(operands, op))
        if op == "ET":
            if self.blacked:
                self._text_colours(self.current)
            self.in_text = False

    def _text_colours(self, colours: dict) -> None:
        """Set `colours` where they differ from what the text is drawn in (on the first text shown, and at ET)."""
        for key in ("fill", "stroke"):
            if self.text_form[key] != self.current[key]:
                self.emit(key, colours[key])


def _black_only(cmyk) -> tuple[float, ...]:
    """A CMYK text colour → black ink alone: tints keep their darkness, colours print solid."""
    c, m, y, k = cmyk
    return (0.0, 0.0, 0.0, k) if (c, m, y) == (0, 0, 0) else (0.0, 0.0, 0.0, 1.0)


def _as_rgb(kind: str, values: list[float]) -> tuple[float, float, float]:
    if kind == "rgb" and len(values) >= 3:
        return tuple(values[:3])
    if kind == "lab" and values:
        grey = max(0.0, min(1.0, values[0] / 100))  # lightness alone: Lab is not used by the layouts
        return (grey, grey, grey)
    grey = values[0] if values else 0.0
    return (grey, grey, grey)
