"""An issue's article sources → warnings for characters neither the paper's fonts nor an installed fallback font has.

Such characters would print as empty boxes in the PDF. The paper's fonts are
read with fontTools (their cmaps) and kept in .publish-cache/ while the files
are unchanged, the fallback fonts through fontconfig's cache (publish.fallback),
each once per process; an article whose characters are all in the paper's fonts
costs one set difference.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from publish import fonts_dir
from publish.errors import Problem, rel
from publish.fallback import covered, fallback_dirs, in_fallbacks
from publish.model import Article, Issue

# characters no font draws: format controls (bidi marks, joiners), variation selectors, spaces and line ends
_NO_GLYPH = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})
SHOWN = 12  # the characters a warning names; the rest are counted
FONT_MEMO = Path(".publish-cache") / "font-coverage.json"  # the paper's fonts' code points (fallback.covered)


def _needs_glyph(char: str) -> bool:
    point = ord(char)
    if 0xFE00 <= point <= 0xFE0F or 0xE0100 <= point <= 0xE01EF:
        return False
    return unicodedata.category(char) not in _NO_GLYPH


def _describe(chars: list[str]) -> str:
    named = ", ".join(f"{c} (U+{ord(c):04X} {unicodedata.name(c, 'unnamed')})" for c in chars[:SHOWN])
    return named + (f" and {len(chars) - SHOWN} more" if len(chars) > SHOWN else "")


def _article_problem(article: Article, text: str, paper: frozenset[int], root) -> Problem | None:
    """The warning for one article's source text, or None when every character can be set."""
    lacking = [c for c in set(text) if ord(c) not in paper and _needs_glyph(c)]
    if not lacking:
        return None
    folders = fallback_dirs()
    missing = sorted((c for c in lacking if not in_fallbacks(c, folders)), key=text.index)
    if not missing:
        return None
    line = text.count("\n", 0, text.index(missing[0])) + 1
    where = ", ".join(str(f) for f in folders) or "none (PUBLISH_FALLBACK_FONTS is empty)"
    return Problem(
        rel(article.source, root), line,
        f"no installed font has {_describe(missing)}: the PDF would show empty boxes "
        f"(neither the paper's fonts nor the fallback fonts in {where})",
        "install Debian's fonts-noto-core and fonts-noto-cjk (scripts/setup.sh does), "
        "or add a font that has them to fonts/", "warning")


def missing_font_problems(issue: Issue) -> list[Problem]:
    """A warning per article (standing pages too) with characters no font can set, at their first line."""
    root = issue.publication.root
    paper = covered((fonts_dir(root).resolve(),), memo=root / FONT_MEMO)
    problems = []
    for article in (*issue.articles, *issue.standing_pages):
        try:
            text = article.source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):  # reported when the article was read
            continue
        problem = _article_problem(article, text, paper, root)
        if problem:
            problems.append(problem)
    return problems
