#!/usr/bin/env bash
# Start JupyterLab for the UI tests: a fresh LABSTUDIO_HOME and root folder, no token,
# the labextension freshly built in server_ext/labstudio/labextension.
# Uses `jupyter` from the PATH: activate the environment where labstudio is installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

export LABSTUDIO_HOME="$(mktemp -d -t labstudio-ui-home-XXXXXX)"
export JUPYTERLAB_GALATA_ROOT_DIR="${JUPYTERLAB_GALATA_ROOT_DIR:-$(mktemp -d -t labstudio-ui-root-XXXXXX)}"
export LABSTUDIO_UI_PORT="${LABSTUDIO_UI_PORT:-8899}"
echo "labstudio ui-tests: LABSTUDIO_HOME=$LABSTUDIO_HOME root=$JUPYTERLAB_GALATA_ROOT_DIR port=$LABSTUDIO_UI_PORT"

# Seed the store (runs to see and compare; 10,000 more with LABSTUDIO_UI_BENCHMARK=1).
python "$here/seed.py"

exec jupyter lab --config "$here/jupyter_server_test_config.py"
