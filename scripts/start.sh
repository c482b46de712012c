#!/usr/bin/env bash
# Install labstudio into ./.venv and start JupyterLab on the embedded defaults
# (SQLite store and local artifacts under ~/.labstudio, local processes).
# The first run takes a couple of minutes (pip, then the panel's TypeScript build); every step
# says what it is doing and pip shows its own progress, so a quiet terminal means a real hang.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
say() { printf 'labstudio: %s\n' "$*"; }
die() { printf 'labstudio: %s\n' "$*" >&2; exit 1; }

# Check what the install needs before spending minutes on it.
command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found: install Python 3.10 or newer, or set PYTHON=/path/to/python3"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' \
  || die "labstudio needs Python 3.10 or newer; $PYTHON is $("$PYTHON" -V 2>&1). Set PYTHON=/path/to/python3.10+"
if [ ! -f server_ext/labstudio/labextension/static/style.js ]; then
  # The panel is built from TypeScript during the install; that needs Node.js.
  command -v node >/dev/null 2>&1 || die "Node.js 18 or newer is needed to build the panel: install it (e.g. apt-get install nodejs) and run this again"
  node_major="$(node -p 'process.versions.node.split(".")[0]')"
  [ "$node_major" -ge 18 ] || die "Node.js 18 or newer is needed to build the panel; found $(node --version)"
fi

if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PYTHON" -m venv .venv
fi
say "updating pip in .venv"
.venv/bin/python -m pip install --progress-bar on --upgrade pip
say "installing labstudio (with scikit-learn, for the README's examples) and building the panel (about 2 minutes the first time)…"
.venv/bin/python -m pip install --progress-bar on ".[examples]"
extra=()
[ "$(id -u)" = 0 ] && extra+=(--allow-root)
say "starting JupyterLab: open the Studio tab in the left sidebar (Ctrl-C stops the server; jobs keep running)"
exec .venv/bin/jupyter lab "${extra[@]}" "$@"
