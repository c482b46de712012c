#!/usr/bin/env bash
# Install labstudio into ./.venv and start JupyterLab on the embedded defaults
# (SQLite store and local artifacts under ~/.labstudio, local processes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet .
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
exec .venv/bin/jupyter lab "${extra[@]}" "$@"
