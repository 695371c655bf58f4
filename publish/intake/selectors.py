"""publication.toml's [import.html] table → checked CSS selectors for the paper's archived pages, with located problems.

The paper's old site used one template for years, so a selector per field
finds the title, kicker, standfirst, byline, keywords and "From:" line
exactly; fields without one are guessed.
"""

from __future__ import annotations

from pathlib import Path

from publish.sourcefiles import key_line, table_lines, unknown_keys

FIELDS = {
    "title": 'title = "h1"',
    "kicker": 'kicker = ".kicker"',
    "standfirst": 'standfirst = ".standfirst"',
    "byline": 'byline = ".byline"',
    "keywords": 'keywords = "meta[name=keywords]"',
    "from": 'from = "p.from"',
    "body": 'body = "div.article-body"',
    "image": 'image = "img.lead"',
}


def read_import(raw, text: str, path: Path, report) -> tuple[tuple[str, str], ...]:
    """The valid (field, selector) pairs of [import.html]; a problem at its line for each bad one."""
    if raw is None:
        return ()
    start = (table_lines(text, "import.html") or table_lines(text, "import") or [0])[0]
    if not isinstance(raw, dict) or not isinstance(raw.get("html", {}), dict):
        report.add(path, start or None, "import must be a table with an [import.html] table of selectors",
                   'write [import.html] and under it e.g. title = "h1"')
        return ()
    unknown_keys(raw, ("html",), report, path, lambda key: key_line(text, key, start), "[import]")
    at = lambda key: key_line(text, key, start) or start or None  # noqa: E731
    unknown_keys(raw.get("html", {}), tuple(FIELDS), report, path, at, "[import.html]")
    found = []
    for name, value in raw.get("html", {}).items():
        if name not in FIELDS:
            continue
        if not isinstance(value, str) or not value.strip():
            report.add(path, at(name), f"import.html {name} must be a CSS selector in quotes", f"write e.g. {FIELDS[name]}")
            continue
        problem = selector_problem(value)
        if problem:
            report.add(path, at(name), f"import.html {name} = {value!r} is not a CSS selector we can use: {problem}",
                       f"write e.g. {FIELDS[name]}")
            continue
        found.append((name, value.strip()))
    return tuple(found)


def selector_problem(selector: str) -> str | None:
    """Why a CSS selector cannot be compiled, or None."""
    import cssselect2  # here: every issue's reading imports this module, few issues name selectors

    try:
        cssselect2.compile_selector_list(selector)
    except cssselect2.SelectorError as exc:
        reason = exc.args[-1] if exc.args else str(exc)
        return str(reason)
    except (ValueError, TypeError, IndexError) as exc:  # tinycss2 on odd input
        return str(exc) or type(exc).__name__
    return None
