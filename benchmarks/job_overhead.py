"""How much a labstudio job costs over running the script by hand, next to MLflow Projects.

Measured in one run, on the same script:
  * direct    — `python train.py` (the floor: Python's own start-up)
  * labstudio — JobService.submit() from an already-running process (a kernel, the server)
                until the script's first line is in the job's log, and until the job is
                Completed (model packed, status written)
  * mlflow    — `mlflow run --env-manager local` on an MLproject holding the same script
                (MLflow's way to launch a training run), first line and exit

Prints medians over --repeat runs and the ratios. Goal: labstudio's first line within 150 ms
of the direct run's first line.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labstudio.shapes import to_json

SCRIPT = """import sys
print("first line", flush=True)
total = 0
for i in range(200000):
    total += i
print("done", total, flush=True)
"""


def time_process(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds from spawn to the line 'first line' on stdout, and to exit."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if first is None and "first line" in line:
            first = time.perf_counter() - t0
    proc.wait()
    total = time.perf_counter() - t0
    if proc.returncode != 0 or first is None:
        raise RuntimeError(f"{cmd} failed with {proc.returncode}")
    return first, total


def time_labstudio(core, src: Path) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    name = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(src)}))["TrainingJobName"]
    log = core.jobs.layout(name).log_file
    first = None
    while first is None:
        try:
            if b"first line" in log.read_bytes():
                first = time.perf_counter() - t0
                break
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    while not core.jobs.get(name).is_terminal:
        time.sleep(0.002)
    total = time.perf_counter() - t0
    status = core.jobs.get(name).status
    if status != "Completed":
        raise RuntimeError(f"labstudio job ended {status}")
    return first, total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--no-mlflow", action="store_true", help="skip the MLflow Projects peer")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-"))
    src = work / "src"
    src.mkdir()
    (src / "train.py").write_text(SCRIPT)
    (src / "MLproject").write_text("name: bench\nentry_points:\n  main:\n    command: \"python train.py\"\n")
    env = dict(os.environ)
    env["LABSTUDIO_HOME"] = str(work / "home")
    env.pop("LABSTUDIO_DB_URL", None)
    env.pop("LABSTUDIO_ARTIFACT_URI", None)
    env["MLFLOW_TRACKING_URI"] = f"sqlite:///{work / 'mlflow.db'}"
    os.environ.update({k: env[k] for k in ("LABSTUDIO_HOME", "MLFLOW_TRACKING_URI")})
    os.environ.pop("LABSTUDIO_DB_URL", None)
    os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)

    from labstudio.core import Core

    core = Core.from_env()
    results: dict[str, list[tuple[float, float]]] = {"direct": [], "labstudio": [], "mlflow": []}
    mlflow_cmd = [sys.executable, "-m", "mlflow", "run", str(src), "--env-manager", "local"]
    have_mlflow = not args.no_mlflow and shutil.which("mlflow") is not None or _importable("mlflow")
    if args.no_mlflow:
        have_mlflow = False
    # warm-up: file caches, the store's schema
    time_process([sys.executable, "train.py"], src, env)
    time_labstudio(core, src)
    for _ in range(args.repeat):
        results["direct"].append(time_process([sys.executable, "train.py"], src, env))
        results["labstudio"].append(time_labstudio(core, src))
        if have_mlflow:
            results["mlflow"].append(time_process(mlflow_cmd, src, env))

    def med(name: str, idx: int) -> float:
        return statistics.median(r[idx] for r in results[name]) * 1000

    print(f"\njob overhead, median of {args.repeat} runs (ms)\n")
    print(f"{'runner':<12}{'first line':>12}{'complete':>12}{'first - direct':>16}{'complete / direct':>19}")
    base_first, base_total = med("direct", 0), med("direct", 1)
    rows = ["direct", "labstudio"] + (["mlflow"] if have_mlflow else [])
    for name in rows:
        first, total = med(name, 0), med(name, 1)
        print(f"{name:<12}{first:>12.1f}{total:>12.1f}{first - base_first:>16.1f}{total / base_total:>18.2f}x")
    over = med("labstudio", 0) - base_first
    print(f"\nlabstudio first line is {over:.0f} ms after a direct run's (goal: within 150 ms): {'met' if over <= 150 else 'NOT met'}")
    if have_mlflow:
        print(
            f"mlflow run / labstudio: first line {med('mlflow', 0) / med('labstudio', 0):.1f}x, "
            f"complete {med('mlflow', 1) / med('labstudio', 1):.1f}x"
        )
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    sys.exit(main())
