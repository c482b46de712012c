"""What a labstudio tuning job costs over the sweep's own work, next to Ray Tune and a bare
Optuna + subprocess loop (the floor).

The trial script sleeps a fixed time (`--trial-seconds`, 1.5 s) and prints an objective computed
from its hyperparameters, so every runner gets exactly the same work and the measure is what
the runner adds. Two sweeps, each in interleaved rounds (the order rotated each round):

1. the sweep of issue 20: `--trials` 24 trials of 1.5 s, `--parallel` 2 at a time, seed 0,
   the same search space, each trial the script as a process:
   * optuna        — the floor: study.optimize(n_jobs=parallel) with TPE, a subprocess per trial,
                     no bookkeeping at all
   * labstudio     — TuningService.submit() .. wait(): every trial a supervised training job
                     with its run, log, captured metrics and model archive, chosen by the
                     detached tuner
   * ray-reuse     — Ray Tune (OptunaSearch, max_concurrent_trials=parallel) with
                     reuse_actors=True, each trial running the script as a subprocess
   * ray-default   — the same with Ray Tune's default (reuse_actors=False: an actor per trial)
   Ray runs on a local cluster started once for the whole run (ray.init, bound to 127.0.0.1,
   ports handed out by the system); its start-up is printed apart, not in the sweeps' wall.
2. "a sweep of eight 0.5-second trials, two at a time" as a user runs it: the SDK's
   HyperparameterTuner.fit() (wait=True), against the same Optuna + subprocess floor.

Printed per runner: wall time, sweep efficiency (the trials' script time — each script process
from start to exit — over wall x parallelism), per-trial overhead ((wall x parallel - script
time) / trials) and the wall's ratio to the floor's; medians of the rounds with ranges; the
load average at the start and at the end. Goals (issue 20, quiet machine): labstudio's overhead
<= 150 ms per trial and its wall <= 1.10x the floor's.

    python benchmarks/tuning.py [--rounds 3] [--trials 24] [--parallel 2] [--trial-seconds 1.5] [--quick]
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Rounds, Series, check_rounds, print_load, table, verdict
from labstudio.shapes import to_json

SCRIPT = """import argparse
import time

p = argparse.ArgumentParser()
p.add_argument("--x", type=float, default=0.5)
p.add_argument("--y", type=float, default=0.5)
p.add_argument("--depth", type=int, default=3)
p.add_argument("--seconds", type=float, default=1.5)
a, _ = p.parse_known_args()
time.sleep(a.seconds)  # the trial's work: the same for every runner
print(f"objective: {(a.x - 0.3) ** 2 + (a.y - 0.7) ** 2 + 0.01 * a.depth:.6f}", flush=True)
"""
# The search space, as labstudio ranges (and the same bounds for Ray and Optuna below).
RANGES = {
    "x": {"type": "Continuous", "min_value": 0.0, "max_value": 1.0},
    "y": {"type": "Continuous", "min_value": 0.01, "max_value": 1.0, "scaling_type": "Logarithmic"},
    "depth": {"type": "Integer", "min_value": 1, "max_value": 5},
}
OBJECTIVE = re.compile(r"objective: ([0-9.]+)")
GOAL_OVERHEAD_MS = 150.0
GOAL_WALL_RATIO = 1.10


def run_script(script: Path, params: dict[str, Any], seconds: float) -> tuple[float, float]:
    """Run one trial as a subprocess: (objective, seconds the script's process ran)."""
    argv = [sys.executable, str(script), "--seconds", str(seconds)]
    for key, value in sorted(params.items()):
        argv += [f"--{key}", str(value)]
    t0 = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    took = time.perf_counter() - t0
    found = OBJECTIVE.search(out)
    if found is None:
        raise RuntimeError(f"the trial printed no objective: {out!r}")
    return float(found.group(1)), took


def figures(wall: float, script: float, trials: int, parallel: int, best: float) -> dict[str, float]:
    return {
        "wall": wall,
        "efficiency": script / (wall * parallel),
        "overhead_ms": (wall * parallel - script) / trials * 1000,
        "best": best,
        "trials": trials,
    }


def bench_optuna(script: Path, trials: int, parallel: int, seed: int, seconds: float) -> dict[str, float]:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spent: list[float] = []

    def objective(trial: optuna.Trial) -> float:
        params = {
            "x": trial.suggest_float("x", 0.0, 1.0),
            "y": trial.suggest_float("y", 0.01, 1.0, log=True),
            "depth": trial.suggest_int("depth", 1, 5),
        }
        value, took = run_script(script, params, seconds)
        spent.append(took)
        return value

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, constant_liar=True))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials, n_jobs=parallel)
    return figures(time.perf_counter() - t0, sum(spent), len(spent), parallel, float(study.best_value))


def bench_labstudio(core: Any, script: Path, trials: int, parallel: int, seed: int, seconds: float) -> dict[str, float]:
    t0 = time.perf_counter()
    name = to_json(core.tuning.submit(
        {
            "training": {
                "entry_point": script.name,
                "source_dir": str(script.parent),
                "hyperparameters": {"seconds": seconds},
                "metric_definitions": [{"Name": "objective", "Regex": OBJECTIVE.pattern}],
            },
            "objective_metric_name": "objective",
            "objective_type": "Minimize",
            "hyperparameter_ranges": RANGES,
            "strategy": "Bayesian",
            "max_jobs": trials,
            "max_parallel_jobs": parallel,
            "random_seed": seed,
        }
    ))["HyperParameterTuningJobName"]
    final = to_json(core.tuning.wait(name, poll=0.01))
    wall = time.perf_counter() - t0
    if final["HyperParameterTuningJobStatus"] != "Completed":
        raise RuntimeError(f"labstudio tuning job ended {final['HyperParameterTuningJobStatus']}: {final['FailureReason']}")
    jobs = [core.jobs.get(t["TrainingJobName"]) for t in to_json(core.tuning.training_jobs(name))["TrainingJobSummaries"]]
    best = float(final["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    out = figures(wall, sum(phase(j, "Training", "Uploading") for j in jobs) / 1000, len(jobs), parallel, best)
    # Where the overhead goes, from the jobs' recorded transitions: the engine's start-up and
    # finish per trial, and the hand-off from one script's end to the next script's start.
    out["startup_ms"] = statistics.median(phase(j, "Starting", "Training") for j in jobs)
    out["finish_ms"] = statistics.median(phase(j, "Uploading", "Completed") for j in jobs)
    ends = sorted(phase_at(j, "Uploading") for j in jobs)
    starts = sorted(phase_at(j, "Training") for j in jobs)[parallel:]
    handoffs = [(s - e) * 1000 for s, e in zip(starts, ends)]
    if handoffs:
        out["handoff_ms"] = statistics.median(handoffs)
    return out


def phase_at(job: Any, status: str) -> float:
    """When a job entered a secondary status (its recorded transition)."""
    return float(next(t.start_time for t in job.transitions if t.status == status))


def phase(job: Any, first: str, then: str) -> float:
    return (phase_at(job, then) - phase_at(job, first)) * 1000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_ray(parallel: int, temp: Path) -> float:
    """A local Ray cluster for Ray Tune, bound to 127.0.0.1; returns its start-up seconds.

    Ray resolves "127.0.0.1" to the machine's outward address unless it is told it is not part
    of a multi-node cluster (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0), which is what a single-machine
    sweep is; the dashboard's port is one the system hands out (not Ray's fixed 8265).
    """
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    os.environ.setdefault("RAY_AUTH_MODE", "token")
    os.environ.setdefault("RAY_AUTH_TOKEN", secrets.token_hex(32))
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    # Ray's raylet waits 30 s for its agents, which load slowly on a busy machine.
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")
    os.environ.setdefault("RAY_agent_register_timeout_ms", "120000")
    import ray

    t0 = time.perf_counter()
    ray.init(num_cpus=parallel, include_dashboard=False, dashboard_port=free_port(), log_to_driver=False,
             logging_level=logging.ERROR, _temp_dir=str(temp))  # fmt: skip
    address = ray.get_runtime_context().gcs_address
    if not address.startswith(("127.", "[::1]", "localhost")):
        raise RuntimeError(f"Ray's local cluster is not on the loopback address ({address}): not measuring Ray Tune")
    return time.perf_counter() - t0


def bench_ray(script: Path, trials: int, parallel: int, seed: int, seconds: float, work: Path, reuse: bool) -> dict[str, float]:
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    def trainable(config: dict[str, Any]) -> dict[str, float]:
        value, took = run_script(script, config, seconds)
        return {"objective": value, "script_seconds": took}

    space = {"x": tune.uniform(0.0, 1.0), "y": tune.loguniform(0.01, 1.0), "depth": tune.randint(1, 6)}
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space=space,
        tune_config=tune.TuneConfig(
            search_alg=OptunaSearch(metric="objective", mode="min", seed=seed),
            num_samples=trials,
            max_concurrent_trials=parallel,
            reuse_actors=reuse,
        ),
        run_config=tune.RunConfig(storage_path=str(work / "ray-results"), name=f"sweep-{secrets.token_hex(4)}", verbose=0),
    )
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):  # Ray Tune prints its configuration tables even at verbose=0
        grid = tuner.fit()
    wall = time.perf_counter() - t0
    frame = grid.get_dataframe()
    if len(frame) != trials or frame["objective"].isna().any():
        raise RuntimeError(f"ray tune ran {len(frame)} of {trials} trials, errors: {[str(r.error) for r in grid if r.error][:2]}")
    return figures(wall, float(frame["script_seconds"].sum()), len(frame), parallel, float(frame["objective"].min()))


def bench_sdk(script: Path, trials: int, parallel: int, seed: int, seconds: float) -> dict[str, float]:
    """HyperparameterTuner.fit() as a user calls it (what it prints is captured, not shown)."""
    from labstudio.estimator import Estimator
    from labstudio.tuner import ContinuousParameter, HyperparameterTuner, IntegerParameter

    estimator = Estimator(entry_point=script.name, source_dir=str(script.parent), hyperparameters={"seconds": seconds})
    tuner = HyperparameterTuner(
        estimator,
        objective_metric_name="objective",
        hyperparameter_ranges={
            "x": ContinuousParameter(0.0, 1.0),
            "y": ContinuousParameter(0.01, 1.0, scaling_type="Logarithmic"),
            "depth": IntegerParameter(1, 5),
        },
        metric_definitions=[{"Name": "objective", "Regex": OBJECTIVE.pattern}],
        objective_type="Minimize",
        max_jobs=trials,
        max_parallel_jobs=parallel,
        random_seed=seed,
    )
    printed = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(printed):
        tuner.fit(wait=True)
    wall = time.perf_counter() - t0
    described = tuner.describe()
    core = tuner.core
    jobs = [core.jobs.get(t["TrainingJobName"]) for t in to_json(core.tuning.training_jobs(described["HyperParameterTuningJobName"]))["TrainingJobSummaries"]]
    best = float(described["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    return figures(wall, sum(phase(j, "Training", "Uploading") for j in jobs) / 1000, len(jobs), parallel, best)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of each sweep (medians over them); default 3")
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--trial-seconds", type=float, default=1.5, help="each trial's work (a sleep); default 1.5")
    parser.add_argument("--sdk-trials", type=int, default=8, help="trials of the SDK sweep; default 8")
    parser.add_argument("--sdk-trial-seconds", type=float, default=0.5, help="each SDK trial's work; default 0.5")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runners", default="optuna,labstudio,ray-reuse,ray-default,sdk",
                        help="which runners, comma-separated (default: all; the floor always runs)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 6 trials of 0.3 s, SDK 4 trials of 0.2 s")
    args = parser.parse_args()
    if args.quick:
        args.trials, args.trial_seconds, args.sdk_trials, args.sdk_trial_seconds = 6, 0.3, 4, 0.2
    runners = set(args.runners.split(",")) | {"optuna"}
    p = args.parallel

    print_load("start")
    check_rounds(args.rounds)
    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-tuning-"))
    ray_temp = Path(tempfile.mkdtemp(prefix="lsbt-", dir="/tmp"))  # short: Ray's socket paths have a length limit
    src = work / "src"
    src.mkdir()
    script = src / "train.py"
    script.write_text(SCRIPT)
    os.environ["LABSTUDIO_HOME"] = str(work / "home")
    os.environ["LABSTUDIO_MAX_CONCURRENT_JOBS"] = str(max(p, 2))
    for var in ("LABSTUDIO_DB_URL", "LABSTUDIO_ARTIFACT_URI"):
        os.environ.pop(var, None)
    from labstudio.core import Core

    core = Core.from_env()
    run_script(script, {}, 0.0)  # warm-up: file caches
    ray_setup: float | None = None
    notes: list[str] = []
    sweep = Rounds(args.rounds, "sweep")
    small = Rounds(args.rounds, "SDK sweep")
    try:
        if runners & {"ray-reuse", "ray-default"}:
            try:
                ray_setup = start_ray(p, ray_temp)
            except Exception as exc:  # e.g. "The current node timed out during startup" on a loaded machine
                notes.append(f"Ray Tune left out: its cluster did not start ({type(exc).__name__}: {exc})")
                runners -= {"ray-reuse", "ray-default"}
        t, s = args.trials, args.trial_seconds
        steps: dict[str, Callable[[], dict[str, float]]] = {"optuna": lambda: bench_optuna(script, t, p, args.seed, s)}
        if "labstudio" in runners:
            steps["labstudio"] = lambda: bench_labstudio(core, script, t, p, args.seed, s)
        if "ray-reuse" in runners:
            steps["ray-reuse"] = lambda: bench_ray(script, t, p, args.seed, s, work, reuse=True)
        if "ray-default" in runners:
            steps["ray-default"] = lambda: bench_ray(script, t, p, args.seed, s, work, reuse=False)
        sweep.run(steps, optional={"ray-reuse", "ray-default"})
        if "sdk" in runners:
            st, ss = args.sdk_trials, args.sdk_trial_seconds
            small.run({"optuna": lambda: bench_optuna(script, st, p, args.seed, ss), "sdk": lambda: bench_sdk(script, st, p, args.seed, ss)})
    finally:
        if ray_setup is not None:
            import ray

            ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(ray_temp, ignore_errors=True)

    report(sweep, f"{args.trials} trials x {args.trial_seconds:g} s, {p} in parallel, seed {args.seed}", p, "labstudio")
    if ray_setup is not None:
        print(f"  Ray's local cluster (ray.init) took {ray_setup:.2f} s to start, not counted in Ray Tune's wall.")
    lab = sweep.results.get("labstudio", {})
    if "startup_ms" in lab:
        print(
            f"  labstudio per trial (medians of the rounds' medians): {lab['startup_ms'].show(1, 0, 'ms')} from submit to the script's start, "
            f"{lab['finish_ms'].show(1, 0, 'ms')} from the script's end to Completed"
            + (f", {lab['handoff_ms'].show(1, 0, 'ms')} from one script's end to the next one's start in the slot" if "handoff_ms" in lab else "")
        )
    if small.results:
        report(small, f"the SDK: HyperparameterTuner.fit(), {args.sdk_trials} trials x {args.sdk_trial_seconds:g} s, {p} at a time", p, "sdk")
    for name, why in {**sweep.failed, **small.failed}.items():
        notes.append(f"{name} failed and was left out: {why}")
    for note in notes:
        print(f"  note: {note}")
    print_load("end")
    return 0


def report(bench: Rounds, what: str, parallel: int, ours: str) -> None:
    print(f"\ntuning sweep, {what}: medians of {bench.rounds} interleaved rounds (min-max)\n")
    floor = bench.get("optuna", "wall")
    rows = []
    for name, figs in bench.results.items():
        wall = figs["wall"]
        rows.append([
            name + (" (floor)" if name == "optuna" else ""),
            wall.show(1, 2, "s"),
            f"{wall.median / floor.median:.2f}x" if floor else "-",
            figs["efficiency"].show(1, 2),
            figs["overhead_ms"].show(1, 0, "ms"),
            f"{figs['best'].median:.4f}",
            f"{figs['trials'].median:.0f}",
        ])  # fmt: skip
    table(["runner", "wall", "wall vs floor", "efficiency", "overhead per trial", "best objective", "trials"], rows)
    mine: dict[str, Series] = bench.results.get(ours, {})
    if mine and floor:
        over, x = mine["overhead_ms"].median, mine["wall"].median / floor.median
        print(
            f"\n{ours}: overhead {over:.0f} ms per trial (goal <= {GOAL_OVERHEAD_MS:.0f} ms: {verdict(over <= GOAL_OVERHEAD_MS)}); "
            f"wall {x:.2f}x the Optuna + subprocess floor's (goal <= {GOAL_WALL_RATIO:.2f}x: {verdict(x <= GOAL_WALL_RATIO)})"
        )
    for peer in ("ray-reuse", "ray-default"):
        other = bench.get(peer, "wall")
        if mine and other:
            print(f"{ours} / {peer}: wall {mine['wall'].median / other.median:.2f}x")


if __name__ == "__main__":
    sys.exit(main())
