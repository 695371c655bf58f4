#!/usr/bin/env bash
# Set up everything publish needs on a Debian machine: system programs, then a
# virtual environment in .venv with the package and its test dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

# System programs: calibre (ebook-convert), Java (epubcheck), qpdf, poppler
# (pdftoppm, pdffonts), pandoc (publish import; benchmark baseline), Chromium (site tests, DAISY Ace),
# the libraries WeasyPrint draws with, and ICC colour profiles (press PDF).
# make runs the quick start; tzdata and locales let the tests build in other
# time zones and locales (a German locale is generated below).
APT_PACKAGES=(calibre default-jre-headless qpdf poppler-utils pandoc chromium
              libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libjpeg62-turbo
              fonts-dejavu-core make tzdata locales python3 python3-venv
              libgs-common icc-profiles-free  # the press PDF's default CMYK profile; an sRGB one for tests
              ffmpeg espeak-ng  # the audio edition: encoding and loudness, the fallback voice
              fontconfig fonts-noto-core fonts-noto-cjk)  # the PDF's fallback fonts: every script set
# Node.js and npm install DAISY Ace (below); nodesource's nodejs carries its own npm
command -v npm >/dev/null || APT_PACKAGES+=(nodejs npm)
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

if ! locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' && [[ $(id -u) -eq 0 ]] \
        && [[ -f /etc/locale.gen ]]; then
    sed -i 's/^# *de_DE.UTF-8 UTF-8/de_DE.UTF-8 UTF-8/' /etc/locale.gen
    locale-gen >/dev/null
fi

# DAISY Ace, the EPUB accessibility checker (--validate and the tests run it), pinned, into .tools/ace;
# it drives the system Chromium headless (its runner turns Chromium's sandbox off, as root needs).
ACE_VERSION=1.4.6
ace_installed() {
    local pkg
    for pkg in ace-cli ace-axe-runner-puppeteer; do
        grep -qs "\"version\": \"$ACE_VERSION\"" ".tools/ace/node_modules/@daisy/$pkg/package.json" || return 1
    done
}
if ! ace_installed; then
    echo "setup: installing DAISY Ace $ACE_VERSION into .tools/ace"
    mkdir -p .tools/ace
    PUPPETEER_SKIP_DOWNLOAD=1 PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium \
        npm install --prefix .tools/ace --save-exact --no-audit --no-fund --loglevel=error \
        "@daisy/ace-cli@$ACE_VERSION" "@daisy/ace-axe-runner-puppeteer@$ACE_VERSION" >/dev/null
fi

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,piper]'
# the package's bytecode, compiled now: where PYTHONDONTWRITEBYTECODE is set, every run would compile
# the ~60 modules a build imports again (40 ms of a 0.4 s EPUB build)
.venv/bin/python -m compileall -q publish >/dev/null
echo "setup: ready ($(.venv/bin/publish --version))"
