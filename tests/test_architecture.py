"""The tree's rules, checked from the source with ast: no import cycle, formats independent, small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from publish.formats import FORMATS, REGISTRY

PACKAGE = Path(__file__).resolve().parents[1] / "publish"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py")) if "__pycache__" not in p.parts}


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every publish module `name` imports, at module level or inside a function (TYPE_CHECKING excluded)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                   and "TYPE_CHECKING" in ast.unparse(node.test) for n in ast.walk(node)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                package = name if path.name == "__init__.py" else name.rpartition(".")[0]
                for _ in range(node.level - 1):
                    package = package.rpartition(".")[0]
                base = f"{package}.{base}".rstrip(".")
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    return {module for module in found if module in MODULES and module != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _format_of(module: str) -> str | None:
    """The format package (or module) a module belongs to: publish.formats.<it>[...], not the registry."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "formats" and parts[2] != "base":
        return parts[2]
    return None


def test_there_is_no_import_cycle():
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycle = path[path.index(target):] + [target]
                pytest.fail("import cycle: " + " → ".join(cycle))
            if target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module)


def test_no_format_imports_another_format():
    crossing = [f"{module} imports {target}" for module, targets in GRAPH.items() for target in targets
                if _format_of(module) and _format_of(target) and _format_of(module) != _format_of(target)]
    assert not crossing, crossing


def test_shared_products_import_no_format():
    crossing = [f"{module} imports {target}" for module, targets in GRAPH.items() for target in targets
                if module.startswith("publish.products") and _format_of(target)]
    assert not crossing, crossing


def test_no_module_is_over_the_line_limit():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_every_format_has_its_code_and_says_how_it_is_checked(fmt):
    spec = FORMATS[fmt]
    assert spec.implemented, f"no publish/formats/{spec.package}"
    assert callable(spec._entry(spec.writer))
    if spec.validator is not None:  # None says the format has no checks of its own
        assert callable(spec._entry(spec.validator))
    for path in spec.code():
        assert path.is_file(), path
    assert spec.code()[0].is_relative_to(PACKAGE / "formats")


def test_registry_ids_are_unique_and_in_build_order():
    assert len({fmt.id for fmt in REGISTRY}) == len(REGISTRY)
    assert list(FORMATS) == [fmt.id for fmt in REGISTRY]


MAX_FUNCTION_LINES = 60


def test_no_function_is_over_the_line_limit():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name}: {lines} lines")
    assert not long, long


# what reads, checks or plans from sources: the pipeline's, never a format's (formats get checked models)
SOURCE_READERS = ("publish.check", "publish.source", "publish.articles", "publish.sourcefiles")


def test_formats_read_no_sources_and_use_only_the_pipelines_types():
    crossing = [f"{module} imports {target}" for module, targets in GRAPH.items() for target in targets
                if module.startswith("publish.formats.") and _format_of(module)
                and (target in SOURCE_READERS
                     or (target.startswith("publish.pipeline") and target != "publish.pipeline.types"))]
    assert not crossing, crossing


def test_an_ebook_or_text_build_loads_nothing_of_the_pdf(tmp_path):
    # what a build loads is start-up time: an EPUB and a text edition need neither WeasyPrint, nor pikepdf,
    # nor the print layout's renderer (the spare of an edit, pipeline/spare.py, is only looked for)
    import json
    import os
    import subprocess
    import sys

    from helpers import small_publication

    root = small_publication(tmp_path / "pub")
    script = ("import json, sys\nfrom publish.cli import cli\n"
              "cli.main(['--root', sys.argv[1], 'build', '1112', '--format', 'epub,text'], standalone_mode=False)\n"
              "print(json.dumps([m for m in ('weasyprint', 'pikepdf', 'publish.products.print_layout.render',"
              " 'publish.products.print_layout.partcache') if m in sys.modules]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(root)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "SOURCE_DATE_EPOCH": "1606867200"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert (root / "dist/1112/weekly-worker-1112.epub").is_file()


def test_a_spare_loads_what_a_part_is_laid_out_with_and_not_the_pipelines_templates(tmp_path):
    # a spare (pipeline/spare.py) loads while the building process reads the issue, and an edit's layout
    # waits for it: it loads WeasyPrint and the part's renderer, not the templates, Markdown and dates the
    # building process renders the HTML with (0.06 s); a part's call, pickled, needs nothing more
    import json
    import os
    import pickle
    import subprocess
    import sys
    from functools import partial

    from publish.products.print_layout.render import Job, render

    job = Job("<html><body><p>Text</p></body></html>", tmp_path, ("screen",), {}, 60.0, label="part")
    call = tmp_path / "call.pickle"
    call.write_bytes(pickle.dumps(partial(render, job)))
    (tmp_path / "publication.toml").write_text('language = "en-GB"\n', encoding="utf-8")
    script = ("import json, pickle, sys\nfrom pathlib import Path\nfrom publish.pipeline.spare import prepare\n"
              "prepare(Path(sys.argv[1]))\n"
              "heavy = ('jinja2', 'markdown_it', 'babel.dates', 'publish.render', 'publish.products.print_layout.html')\n"
              "loaded = [m for m in heavy if m in sys.modules]\n"
              "ready = [m for m in ('weasyprint', 'publish.products.print_layout.render') if m in sys.modules]\n"
              "result = pickle.loads(Path(sys.argv[2]).read_bytes())()\n"
              "print(json.dumps([loaded, ready, result.pages, [m for m in heavy if m in sys.modules]]))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path), str(call)], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "SOURCE_DATE_EPOCH": "1606867200"})
    assert done.returncode == 0, done.stdout + done.stderr
    loaded, ready, pages, after = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == [] and after == [], (loaded, after)
    assert ready == ["weasyprint", "publish.products.print_layout.render"] and pages == 1
