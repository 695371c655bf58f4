#!/usr/bin/env bash
# Quick start, first command: set everything up, then build the demo edition into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/publish build --all "$@"
