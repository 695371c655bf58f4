"""Issue folders in, nothing out: the least work any `check` must do, as a baseline.

Reads every article of each issue folder, loads its YAML front matter and parses
its body with markdown-it (CommonMark + tables); also loads issue.toml.
"""

import sys
import tomllib
from pathlib import Path

import yaml
from markdown_it import MarkdownIt


def main(folders: list[str]) -> int:
    md = MarkdownIt("commonmark").enable("table")
    tokens = 0
    for folder in map(Path, folders):
        tomllib.loads((folder / "issue.toml").read_text(encoding="utf-8"))
        for path in sorted(folder.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            _, front, body = text.split("---\n", 2)
            yaml.safe_load(front)
            tokens += len(md.parse(body))
    print(f"{tokens} tokens")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
