"""Property: whatever an article file holds, reading it gives a model or located problems, never a traceback."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publish.formats.text import render_text
from publish.render import body_html
from publish.source import Report, read_issue, read_publication

KEYS = st.sampled_from(["title", "kicker", "standfirst", "author", "affiliation", "section",
                        "keywords", "image", "colour", "src"])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                    st.text(max_size=30), st.dates())
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["src", "alt", "caption", "x"]), inner, max_size=3)),
    max_leaves=6)
MARKDOWN_BITS = st.sampled_from([
    "# ", "## ", "> ", "- ", "1. ", "::: box T\n", ":::\n", "|a|b|\n|-|-|\n|1|2|\n", "[^1]", "[^1]: n\n",
    "![alt](images/x.jpg)", "![](../../etc/passwd)", "<script>x</script>", "<b>", "**", "*", "`", "```\n",
    "\n", "\n\n", "---\n", "text ", "“quoted” ", "'single' ", "--", "...", "Ω ", "\x0b", "\u2028",
    "[link](javascript:alert(1))", "<img src=x onerror=y>", "    code\n", "&amp;", "&nbsp;",
])


def _reader_survives(root: Path, text: str) -> None:
    article = root / "issues/1112/02-dilemma.md"
    article.write_text(text, encoding="utf-8")
    report = Report(root)
    pub = read_publication(root, report)
    issue = read_issue(pub, root / "issues/1112", report)
    for problem in report.problems:
        assert problem.path and problem.message
        assert problem.line is None or problem.line >= 1
    if issue is not None and not report.errors:
        for item in issue.all_pages:
            body_html(item, pub.language)
        assert render_text(issue).endswith("\n")


def _fresh(pub_dir: Path) -> Path:
    root = Path(tempfile.mkdtemp()) / "pub"
    shutil.copytree(pub_dir, root)
    return root


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(front=st.dictionaries(KEYS, VALUES, max_size=6), body=st.lists(MARKDOWN_BITS, max_size=25))
def test_any_front_matter_and_markdown(pub, front, body):
    root = _fresh(pub)
    try:
        text = "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + "".join(body)
        _reader_survives(root, text)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=300))
def test_any_text_at_all(pub, text):
    root = _fresh(pub)
    try:
        _reader_survives(root, text)
        _reader_survives(root, "---\ntitle: t\nsection: news\n---\n" + text)
    finally:
        shutil.rmtree(root.parent, ignore_errors=True)

