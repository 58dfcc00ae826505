#!/usr/bin/env bash
# The tree stays legible: no Rust file over 500 lines and no import cycle
# among sibling modules (scripts/check-layout.py).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 scripts/check-layout.py
