"""scripts/start.sh as a new user sees it: a line per step, pip's own progress, early refusals.

The script runs for real in a scratch copy of its folder layout; only the programs it calls
(the Python that creates the venv, the venv's pip and jupyter) are small recorders, so the
test takes a second instead of a two-minute install and never touches the repository.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# Stands in for python3: answers the version check like a real one (exit code from argv),
# and "-m venv .venv" lays out a venv whose python and jupyter record how they were called.
FAKE_PYTHON = """#!/usr/bin/env bash
if [ "$1" = -c ]; then exit "${FAKE_TOO_OLD:-0}"; fi
if [ "$1" = -V ]; then echo "Python 3.8.10"; exit 0; fi
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin"
  printf '#!/usr/bin/env bash\\necho "pip-called: $*" >> "%s/calls"\\n' "$PWD" > "$3/bin/python"
  printf '#!/usr/bin/env bash\\necho "jupyter-called: $*" >> "%s/calls"\\n' "$PWD" > "$3/bin/jupyter"
  chmod +x "$3/bin/python" "$3/bin/jupyter"
  exit 0
fi
exit 3
"""


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(REPO / "scripts" / "start.sh", root / "scripts" / "start.sh")
    built = root / "server_ext" / "labstudio" / "labextension" / "static"
    built.mkdir(parents=True)
    (built / "style.js").write_text("")  # a prebuilt panel: the Node.js check does not apply
    fake = tmp_path / "fake-python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    return root


def run_start(root: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "PYTHON": str(root.parent / "fake-python"), **env}
    return subprocess.run(["bash", str(root / "scripts" / "start.sh")], capture_output=True, text=True, env=full_env, timeout=60)


def test_each_step_is_announced_and_pip_shows_its_progress(scratch: Path) -> None:
    out = run_start(scratch)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "labstudio: creating .venv",
        "labstudio: updating pip in .venv",
        "labstudio: installing labstudio (with scikit-learn, for the README's examples) and building the panel (about 2 minutes the first time)…",
        "labstudio: starting JupyterLab: open the Studio tab in the left sidebar (Ctrl-C stops the server; jobs keep running)",
    ]
    calls = (scratch / "calls").read_text().splitlines()
    installs = [c for c in calls if c.startswith("pip-called: -m pip install")]
    assert installs[-1].endswith(" .[examples]") and len(installs) == 2  # labstudio and the examples' scikit-learn
    assert all("--quiet" not in c and " -q" not in c for c in installs)  # pip's progress reaches the user
    assert calls[-1].startswith("jupyter-called: lab")


def test_an_existing_venv_is_reused(scratch: Path) -> None:
    assert run_start(scratch).returncode == 0
    again = run_start(scratch)
    assert again.returncode == 0 and "creating .venv" not in again.stdout


def test_an_old_python_is_refused_before_anything_is_installed(scratch: Path) -> None:
    out = run_start(scratch, FAKE_TOO_OLD="1")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr.strip() == (
        f"labstudio: labstudio needs Python 3.10 or newer; {scratch.parent / 'fake-python'} is Python 3.8.10. "
        "Set PYTHON=/path/to/python3.10+"
    )
    assert not (scratch / ".venv").exists()


def test_a_missing_node_is_refused_when_the_panel_must_be_built(scratch: Path, tmp_path: Path) -> None:
    shutil.rmtree(scratch / "server_ext" / "labstudio" / "labextension")
    bare = tmp_path / "bin"  # a PATH with bash's basics but no node
    bare.mkdir()
    for tool in ("bash", "dirname", "id", "mkdir", "chmod", "cat"):
        found = shutil.which(tool)
        if found:
            (bare / tool).symlink_to(found)
    out = run_start(scratch, PATH=str(bare))
    assert out.returncode == 1 and "Node.js 18 or newer is needed to build the panel" in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1 and not (scratch / ".venv").exists()

