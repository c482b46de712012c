"""Running `labstudio ...` as a user does, in a subprocess (shared by the CLI tests)."""
from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import labstudio


def cli_runner(cwd: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """`run(*args, check=True)`: `python -m labstudio.cli ARGS` in `cwd`, with this checkout's
    package first on PYTHONPATH; with `check`, a non-zero exit fails the test with its stderr."""
    env = dict(os.environ)
    package_root = str(Path(labstudio.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join([package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([sys.executable, "-m", "labstudio.cli", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=300)
        if check and result.returncode != 0:
            raise AssertionError(f"labstudio {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    return run
