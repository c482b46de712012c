#!/usr/bin/env bash
# Install everything the tests need into ./.venv and run the whole suite: the linters (ruff, mypy,
# prettier, eslint), pytest (unit, jp_fetch server tests, process-level, PostgreSQL), Jest, and
# Galata in Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
PYTHON="${PYTHON:-python3}"
start=$(date +%s)
step() { printf '\n=== %s (%ss)\n' "$1" "$(( $(date +%s) - start ))"; }

step "system packages (Chromium for the browser tests, PostgreSQL for the store suite)"
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && id postgres >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "missing Debian packages: ${need[*]} (install them with: sudo apt-get install ${need[*]})" >&2
    exit 1
  fi
fi

step "Python environment (.venv)"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
export PATH="$root/.venv/bin:$PATH"
python -m pip install --quiet --upgrade pip
# The next step builds the extension once; skip the build hook's own (editable) build here.
SKIP_JUPYTER_BUILDER=1 python -m pip install --quiet -e ".[test]"

step "frontend dependencies"
jlpm install

# Cheap and independent of the build: fail fast on lint before the slow steps.
step "linters (ruff, mypy, prettier, eslint)"
ruff check .
mypy
jlpm lint:check

step "labextension build"
jlpm build:prod

step "pytest"
# Two workers; the tests that share the session's Ray cluster carry xdist_group("ray") and
# run on one worker, so only one cluster is started.
# A temporary folder of the run's own: pytest's shared /tmp/pytest-of-$USER numbering reuses
# paths across runs, so a process left over from another run could write into this run's files.
basetemp="$(mktemp -d "${TMPDIR:-/tmp}/labstudio-tests-XXXXXX")"
trap 'rm -rf "$basetemp"' EXIT
python -m pytest -q -p no:cacheprovider -n 2 --dist loadgroup --basetemp="$basetemp/t" tests

step "Jest"
jlpm test

step "Galata (JupyterLab in Chromium)"
(cd ui-tests && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 jlpm install && jlpm test)

step "done"
