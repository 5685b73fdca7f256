#!/usr/bin/env bash
# The main job on the bundled example: set up, validate the ten seed projects' goal files.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
export PATH="$PWD/.venv/bin:$PATH"

echo "== kpitrack check goals/ =="
kpitrack check goals/
