"""Front matter YAML text → (node tree, Python value), read with the YAML 1.2 core schema, no aliases, bounded depth.

YAML 1.1 (PyYAML's default) reads yes/no/on/off/y/n as booleans, 1:20 as a number
and 2020-12-02 as a date; an editor writing `keywords: [Norway, NO]` means words.
The core schema keeps only true/false, null, and plain numbers as non-text.
libyaml's composer recurses in C (a deep document crashes the process) and expands
aliases (a "billion laughs" document), so both are refused before it runs.
"""

from __future__ import annotations

import re

import yaml

MAX_DEPTH = 32  # front matter needs three levels (image → src); the rest is a mistake or an attack

_BASE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when PyYAML has it


class CoreLoader(_BASE):  # type: ignore[misc, valid-type]
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types."""

    yaml_implicit_resolvers: dict = {}


def _core_int(loader, node):
    text = loader.construct_scalar(node).lstrip("+")
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)  # 012 is twelve in YAML 1.2, not octal


CoreLoader.add_constructor("tag:yaml.org,2002:int", _core_int)
for _tag, _pattern, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    ("float", r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
              r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", "-+0123456789."),
):
    CoreLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_tag}", re.compile(_pattern), list(_first))


class FrontMatterError(ValueError):
    """YAML that parses but is refused: where (0-based line in the YAML) and why."""

    def __init__(self, line: int, message: str, hint: str):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def _depth_bound(raw: str) -> int:
    """An upper bound on the nesting depth, from the text alone (cheap; exact checks run only above it)."""
    deepest = 0
    for line in raw.split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        deepest = max(deepest, indent + line.count("-") + line.count(":") + line.count("?"))
    # a block level needs an indicator or more indentation; a mapping's sequence may share its indent
    return 2 * (deepest + 1) + raw.count("[") + raw.count("{")


def _guard(raw: str) -> None:
    """Refuse aliases and deep nesting by walking libyaml's events (flat, no recursion)."""
    if "*" not in raw and _depth_bound(raw) <= MAX_DEPTH:
        return
    loader = CoreLoader(raw)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, yaml.AliasEvent):
                raise FrontMatterError(event.start_mark.line, f"the front matter uses an alias (*{event.anchor})",
                                       "write the value out in full: aliases are not supported")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise FrontMatterError(event.start_mark.line,
                                           f"the front matter is nested more than {MAX_DEPTH} levels deep",
                                           "use plain key: value lines; only image: has keys under it")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        loader.dispose()


def load(raw: str):
    """(the node tree with line marks, the Python value) from one document; yaml.YAMLError or FrontMatterError."""
    _guard(raw)
    loader = CoreLoader(raw)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else {})
    finally:
        loader.dispose()
