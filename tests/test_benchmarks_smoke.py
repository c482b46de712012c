"""Each benchmark script runs end to end in its `--quick` mode and prints what it must.

The `--quick` runs are opt-in (`LABSTUDIO_BENCH_SMOKE=1`): the scripts start servers,
clusters and hundreds of jobs. Nothing is timed here; a run passes when the script exits 0,
prints the load average at its start and its end, shows labstudio next to its floor, and
says which goal it met or did not meet. Peers that are not installed (MLflow, Ray: the
`bench` extra) are left out by the scripts themselves, with the reason printed.

    LABSTUDIO_BENCH_SMOKE=1 python -m pytest -q -p no:cacheprovider tests/test_benchmarks_smoke.py
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"

OPT_IN = pytest.mark.skipif(os.environ.get("LABSTUDIO_BENCH_SMOKE") != "1", reason="benchmark smoke runs are opt-in: set LABSTUDIO_BENCH_SMOKE=1")


def _have_cluster_tools() -> bool:
    """backends.py starts PostgreSQL, moto's S3 server and a Ray cluster."""
    has_initdb = shutil.which("initdb") is not None or any(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return has_initdb and all(importlib.util.find_spec(m) is not None for m in ("ray", "moto", "psycopg2"))


@pytest.mark.slow
@OPT_IN
@pytest.mark.timeout(2400)
@pytest.mark.parametrize("script", ["job_overhead.py", "tracking.py", "transform.py", "tuning.py", "pipelines.py", "backends.py", "async_serverless.py"])
def test_quick_run_prints_figures_with_floor_and_goal(script: str, tmp_path: Path) -> None:
    if script == "backends.py" and not _have_cluster_tools():
        pytest.skip("backends.py needs PostgreSQL's initdb, ray, moto and psycopg2 (pip install -e '.[bench,test]')")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}  # the scripts make their own homes
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), "--quick"], cwd=tmp_path, env=env, capture_output=True, text=True)
    out = done.stdout
    assert done.returncode == 0, f"{script} exited {done.returncode}\n{out[-3000:]}\n{done.stderr[-5000:]}"
    assert out.count("load average") >= 2, out  # at the start and at the end
    assert "labstudio" in out and "floor" in out, out
    assert "met" in out, out  # "met" or "NOT met": each figure says which goal it is held to
    assert "Traceback" not in out, out


# Always on: the cheapest size of the scripts that need no peer, so a script that stops working
# (an API it calls changed shape) fails CI instead of the next person who measures. Sizes are
# far too small to say anything about speed; the scripts print so ("do not quote them").
TINY = {
    "job_overhead.py": ["--quick", "--no-mlflow"],
    "transform.py": ["--rows", "3000", "--rounds", "1", "--mlflow", "/nonexistent/mlflow"],
    "pipelines.py": ["--rounds", "1", "--step-seconds", "0.1"],
    "registry.py": ["--versions", "30", "--approvals", "3", "--artifacts", "200", "--repeat", "2", "--no-mlflow"],
    "model_monitor.py": ["--rows", "2000", "--rounds", "1"],
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("script", sorted(TINY))
def test_a_tiny_run_still_works(script: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LABSTUDIO_")}
    done = subprocess.run([sys.executable, str(BENCHMARKS / script), *TINY[script]], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=540)
    assert done.returncode == 0, f"{script} exited {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    assert "labstudio" in done.stdout and "Traceback" not in done.stdout, done.stdout
