"""How much a labstudio job costs over running the script by hand, next to MLflow Projects.

The same trivial script (prints a first line, counts to 200,000, prints its own end time) is
run in interleaved rounds (the order rotated each round), each round every way once:
  * direct    — `python train.py` as a process (the floor: Python's own start-up and exit)
  * labstudio — JobService.submit() from an already-running process (a kernel, the server):
                until the script's first line is in the job's log, and until the job reads
                Completed (model packed, status written)
  * sdk       — `Estimator(...).fit(wait=True)` as a user calls it (its log printing captured):
                the call's wall time, and how long after the script's own last line it returns
  * mlflow    — `mlflow run --env-manager local` on an MLproject holding the same script
                (MLflow's way to launch a training run), first line and exit

Printed: medians over the rounds with their ranges (min-max), each next to the direct run,
with the difference and the ratio; the load average at the start and at the end. Goals
(issue 20, quiet machine): first line <= +50 ms over the direct run, Completed <= +150 ms
over the direct run's exit, and fit(wait=True) returning <= 150 ms after the script's end.

    python benchmarks/job_overhead.py [--rounds 5] [--no-mlflow] [--quick]
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Rounds, Series, check_rounds, print_load, ratio, table, verdict
from labstudio.shapes import to_json

SCRIPT = """import time
print("first line", flush=True)
total = 0
for i in range(200000):
    total += i
print("done", total, flush=True)
print(f"script end {time.time():.6f}", flush=True)
"""
END = re.compile(r"script end ([0-9.]+)")
GOAL_FIRST_MS = 50.0  # first line, over the direct run's
GOAL_COMPLETED_MS = 150.0  # Completed, over the direct run's exit
GOAL_FIT_MS = 150.0  # fit(wait=True) returns after the script's last line


def script_end(text: str) -> float:
    """The wall-clock time the script printed as its last line."""
    found = END.search(text)
    if found is None:
        raise RuntimeError(f"the script did not print its end time: {text[-300:]!r}")
    return float(found.group(1))


def time_process(cmd: list[str], cwd: Path, env: dict[str, str]) -> dict[str, float]:
    """A process's first line (stdout), exit, and exit after the script's own last line."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    first = None
    lines = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if first is None and "first line" in line:
            first = time.perf_counter() - t0
        lines.append(line)
    proc.wait()
    total = time.perf_counter() - t0
    ended = time.time()
    if proc.returncode != 0 or first is None:
        raise RuntimeError(f"{cmd} failed with {proc.returncode}")
    return {"first": first, "total": total, "after_end": ended - script_end("".join(lines))}


def time_labstudio(core: Any, src: Path) -> dict[str, float]:
    """submit() -> the first line in the job's log file, and -> the job reading Completed."""
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
        time.sleep(0.001)
    while not core.jobs.get(name).is_terminal:
        time.sleep(0.005)  # each look is a store read: finer polling would take CPU from the job
    total = time.perf_counter() - t0
    status = core.jobs.get(name).status
    if status != "Completed":
        raise RuntimeError(f"labstudio job {name} ended {status}")
    return {"first": first, "total": total}


def time_fit(src: Path) -> dict[str, float]:
    """Estimator.fit(wait=True) as a user calls it (the log it prints is captured, not shown)."""
    from labstudio.estimator import Estimator

    estimator = Estimator(entry_point="train.py", source_dir=str(src))
    printed = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        estimator.fit(wait=True)
    total = time.perf_counter() - t0
    returned = time.time()
    job = estimator.latest_training_job
    assert job is not None
    if job.status != "Completed":
        raise RuntimeError(f"fit: job {job.name} ended {job.status}")
    return {"total": total, "after_end": returned - script_end(job.logs())}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (medians over them); default 10")
    parser.add_argument("--no-mlflow", action="store_true", help="skip the MLflow Projects peer")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 rounds")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds

    print_load("start")
    check_rounds(rounds)
    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-"))
    src = work / "src"
    src.mkdir()
    (src / "train.py").write_text(SCRIPT)
    (src / "MLproject").write_text("name: bench\nentry_points:\n  main:\n    command: \"python train.py\"\n")
    env = dict(os.environ)
    env.update({"LABSTUDIO_HOME": str(work / "home"), "MLFLOW_TRACKING_URI": f"sqlite:///{work / 'mlflow.db'}"})
    for var in ("LABSTUDIO_DB_URL", "LABSTUDIO_ARTIFACT_URI"):
        env.pop(var, None)
        os.environ.pop(var, None)
    os.environ.update({k: env[k] for k in ("LABSTUDIO_HOME", "MLFLOW_TRACKING_URI")})

    from labstudio.core import Core

    core = Core.from_env()
    have_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    mlflow_cmd = [sys.executable, "-m", "mlflow", "run", str(src), "--env-manager", "local"]
    steps: dict[str, Callable[[], dict[str, float]]] = {
        "direct": lambda: time_process([sys.executable, "train.py"], src, env),
        "labstudio": lambda: time_labstudio(core, src),
        "sdk": lambda: time_fit(src),
    }
    if have_mlflow:
        steps["mlflow"] = lambda: time_process(mlflow_cmd, src, env)
    # warm-up, not counted: file caches, the store's schema, the SDK's imports, MLflow's database
    for name, step in steps.items():
        try:
            step()
        except Exception as exc:
            if name != "mlflow":
                raise
            print(f"mlflow run does not work here ({exc}); measured without it", file=sys.stderr)
            del steps["mlflow"]
            break
    bench = Rounds(rounds, "job overhead")
    try:
        bench.run(steps, optional={"mlflow"})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    report(bench, rounds, "mlflow" in steps and "mlflow" not in bench.failed)
    print_load("end")
    return 0


def report(bench: Rounds, rounds: int, have_mlflow: bool) -> None:
    def ms(s: Series | None) -> str:
        return s.show(1000, 1, "ms") if s else "-"

    def diff(a: Series | None, b: Series | None) -> float | None:
        return None if a is None or b is None else (a.median - b.median) * 1000

    d_first, d_total, d_end = bench.get("direct", "first"), bench.get("direct", "total"), bench.get("direct", "after_end")
    l_first, l_total = bench.get("labstudio", "first"), bench.get("labstudio", "total")
    f_total, f_end = bench.get("sdk", "total"), bench.get("sdk", "after_end")
    m_first, m_total = bench.get("mlflow", "first"), bench.get("mlflow", "total")
    over_first, over_total = diff(l_first, d_first), diff(l_total, d_total)
    over_fit = diff(f_total, d_total)
    fit_after = f_end.median * 1000 if f_end else None

    print(f"\njob overhead: medians of {rounds} interleaved rounds (min-max); floor = `python train.py` as a process\n")
    rows = [
        ["first line", ms(d_first), ms(l_first), f"{over_first:+.0f} ms, {ratio(l_first, d_first)}", ms(m_first) if have_mlflow else "-",
         ratio(m_first, d_first) if have_mlflow else "-",
         f"<= +{GOAL_FIRST_MS:.0f} ms: {verdict(over_first is not None and over_first <= GOAL_FIRST_MS)}"],
        ["Completed / exit", ms(d_total), ms(l_total), f"{over_total:+.0f} ms, {ratio(l_total, d_total)}", ms(m_total) if have_mlflow else "-",
         ratio(m_total, d_total) if have_mlflow else "-",
         f"<= +{GOAL_COMPLETED_MS:.0f} ms: {verdict(over_total is not None and over_total <= GOAL_COMPLETED_MS)}"],
        ["fit(wait=True) returns", ms(d_total), ms(f_total), f"{over_fit:+.0f} ms, {ratio(f_total, d_total)}", "-", "-", ""],
        ["  ... after the script's end", ms(d_end), ms(f_end), "", "-", "-",
         f"<= {GOAL_FIT_MS:.0f} ms: {verdict(fit_after is not None and fit_after <= GOAL_FIT_MS)}"],
    ]  # fmt: skip
    table(["figure", "direct (floor)", "labstudio", "labstudio vs floor", "mlflow run", "mlflow vs floor", "goal (issue 20)"], rows)
    print(
        "\n  labstudio: JobService.submit() from this process; fit: labstudio.estimator.Estimator.fit(wait=True);"
        "\n  'after the script's end': from the script's own last line (its time.time()) to the process exiting (direct)"
        "\n  or to fit() returning (labstudio), so the floor's figure is Python's own shutdown."
    )
    if have_mlflow:
        print(f"  mlflow run vs labstudio: first line {ratio(m_first, l_first)}, exit vs Completed {ratio(m_total, l_total)}")
    for name, reason in bench.failed.items():
        print(f"  {name}: left out after it failed: {reason}")


if __name__ == "__main__":
    sys.exit(main())
