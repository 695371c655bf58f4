#!/usr/bin/env bash
# Set up everything publish needs on a Debian machine: system programs, then a
# virtual environment in .venv with the package and its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

# System programs: calibre (ebook-convert), Java (epubcheck), qpdf, poppler
# (pdftoppm, pdffonts), pandoc (benchmark baseline), Chromium (site tests),
# and the libraries WeasyPrint draws with.
APT_PACKAGES=(calibre default-jre-headless qpdf poppler-utils pandoc chromium
              libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libjpeg62-turbo
              fonts-dejavu-core)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$pkg")
done
if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: missing system packages: ${missing[*]}" >&2
        echo "setup: run as root, or: sudo apt-get install ${missing[*]}" >&2
        exit 1
    fi
    echo "setup: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'
echo "setup: ready ($(.venv/bin/publish --version))"
