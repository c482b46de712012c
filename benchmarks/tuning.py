"""What a labstudio tuning job costs over the sweep's own work, next to Ray Tune and a bare
Optuna loop.

The same sweep three ways, on the same script (a scikit-learn GradientBoostingRegressor
cross-validated on load_diabetes, about a second on a quiet machine), the same search space,
the same number of trials, `--parallel` at a time, a fixed seed:
  * optuna    — an in-process Optuna loop (TPE, study.optimize(n_jobs=parallel)) running the
                script as a subprocess per trial: the floor, no bookkeeping at all
  * labstudio — TuningService.submit() .. wait(): every trial a supervised training job with
                its run, log, captured metrics and model archive, chosen by the detached tuner
  * ray       — Ray Tune (local ray.init(), OptunaSearch, max_concurrent_trials=parallel), each
                trial running the script as a subprocess; ray.init() is timed apart

Printed per runner: wall time, sweep efficiency (the trials' script time — each script
process from start to exit, as the runner saw it — over wall time x parallelism), per-trial
overhead ((wall x parallelism - script time) / trials) and the best objective. Goals (issue 11): labstudio efficiency >= 0.85,
overhead <= 150 ms per trial, wall time <= 0.7x Ray Tune's.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labstudio.shapes import to_json

SCRIPT = """import argparse
import logging

from sklearn.datasets import load_diabetes
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.model_selection import cross_val_score
from labstudio.shapes import to_json

p = argparse.ArgumentParser()
p.add_argument("--n_estimators", type=int, default=100)
p.add_argument("--learning_rate", type=float, default=0.1)
p.add_argument("--max_depth", type=int, default=3)
a, _ = p.parse_known_args()
X, y = load_diabetes(return_X_y=True)
model = GradientBoostingRegressor(n_estimators=a.n_estimators, learning_rate=a.learning_rate, max_depth=a.max_depth, random_state=0)
scores = cross_val_score(model, X, y, cv=3, scoring="neg_root_mean_squared_error")
print(f"validation-rmse: {-scores.mean():.4f}", flush=True)
"""

# The search space, as labstudio ranges (and the same bounds for Ray and Optuna below).
RANGES = {
    "n_estimators": {"type": "Integer", "min_value": 20, "max_value": 120},
    "learning_rate": {"type": "Continuous", "min_value": 0.01, "max_value": 0.3, "scaling_type": "Logarithmic"},
    "max_depth": {"type": "Integer", "min_value": 2, "max_value": 4},
}
RMSE = re.compile(r"validation-rmse: ([0-9.]+)")


@dataclass
class Result:
    wall: float
    script: float  # sum of the trials' script process times
    best: float
    trials: int
    setup: float = 0.0  # start-up not counted in wall (Ray's ray.init)
    reaction_ms: float | None = None  # labstudio: median time from a trial's end to the next trial's submit
    engine_ms: tuple[float, float] | None = None  # labstudio: median job start-up and pack/finish times
    gap_ms: tuple[float, float, float] | None = None  # labstudio: end->next script start (median, min, max)
    idle_s: tuple[float, float, float] | None = None  # labstudio: slot time idle at start-up, in hand-offs, in the tail

    def efficiency(self, parallel: int) -> float:
        return self.script / (self.wall * parallel)

    def overhead_ms(self, parallel: int) -> float:
        return (self.wall * parallel - self.script) / self.trials * 1000


def run_script(script: Path, params: dict[str, Any]) -> tuple[float, float]:
    """Run one trial as a subprocess: (rmse, seconds the script's process ran)."""
    argv = [sys.executable, str(script)]
    for key, value in sorted(params.items()):
        argv += [f"--{key}", str(value)]
    t0 = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    took = time.perf_counter() - t0
    rmse = RMSE.search(out)
    if rmse is None:
        raise RuntimeError(f"the trial printed no objective: {out!r}")
    return float(rmse.group(1)), took


def bench_optuna(script: Path, trials: int, parallel: int, seed: int) -> Result:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spent: list[float] = []

    def objective(trial: optuna.Trial) -> float:
        params = {
            "n_estimators": trial.suggest_int("n_estimators", 20, 120),
            "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.3, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 4),
        }
        rmse, secs = run_script(script, params)
        spent.append(secs)
        return rmse

    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed, constant_liar=True))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=trials, n_jobs=parallel)
    return Result(time.perf_counter() - t0, sum(spent), float(study.best_value), len(spent))


def bench_labstudio(script: Path, trials: int, parallel: int, seed: int) -> Result:
    from labstudio.core import Core

    core = Core.from_env()
    t0 = time.perf_counter()
    epoch0 = time.time()
    name = to_json(core.tuning.submit(
        {
            "training": {
                "entry_point": script.name,
                "source_dir": str(script.parent),
                "metric_definitions": [
                    {"Name": "validation:rmse", "Regex": RMSE.pattern},
                ],
            },
            "objective_metric_name": "validation:rmse",
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
    epoch1 = epoch0 + wall
    if final["HyperParameterTuningJobStatus"] != "Completed":
        raise RuntimeError(f"labstudio tuning job ended {final['HyperParameterTuningJobStatus']}: {final['FailureReason']}")
    summaries = to_json(core.tuning.training_jobs(name))["TrainingJobSummaries"]
    best = float(final["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    # The tuner's own share: each trial after the first `parallel` is submitted when an earlier
    # one ends; the gap is the time to notice the end, tell the search, ask, record and submit.
    jobs = [core.jobs.get(t["TrainingJobName"]) for t in summaries]
    ends = sorted(j.last_modified_time for j in jobs)  # when each job's final status was written
    starts = sorted(j.creation_time for j in jobs)[parallel:]
    gaps = [(start - end) * 1000 for start, end in zip(starts, ends)]

    def phase(job: Any, first: str, then: str) -> float:
        at = {t.status: t.start_time for t in job.transitions}
        return (at[then] - at[first]) * 1000

    spent = sum(phase(j, "Training", "Uploading") for j in jobs) / 1000  # the script's process, start to exit
    engine = (
        statistics.median(phase(j, "Starting", "Training") for j in jobs),
        statistics.median(phase(j, "Uploading", "Completed") for j in jobs),
    )
    # The whole per-slot cost, from the jobs' recorded times alone: each script after the first
    # `parallel` starts when an earlier one's slot frees; pair the k-th script end with the
    # (parallel + k)-th script start.
    script_ends = sorted(phase_at(j, "Uploading") for j in jobs)
    script_starts = sorted(phase_at(j, "Training") for j in jobs)[parallel:]
    handoffs = [(start - end) * 1000 for start, end in zip(script_starts, script_ends)]
    gap = (statistics.median(handoffs), min(handoffs), max(handoffs)) if handoffs else None
    # Where the slots' idle time (wall x parallel - script time) goes: before each slot's first
    # script, between scripts, and after each slot's last script until the sweep is over.
    first_starts = sorted(phase_at(j, "Training") for j in jobs)[:parallel]
    last_ends = script_ends[-parallel:]
    idle = (sum(s - epoch0 for s in first_starts), sum(handoffs) / 1000, sum(epoch1 - e for e in last_ends))
    return Result(
        wall,
        spent,
        best,
        len(summaries),
        reaction_ms=statistics.median(gaps) if gaps else None,
        engine_ms=engine,
        gap_ms=gap,
        idle_s=idle,
    )


def phase_at(job: Any, status: str) -> float:
    """When a job entered a secondary status (its recorded transition)."""
    return float(next(t.start_time for t in job.transitions if t.status == status))


def bench_ray(script: Path, trials: int, parallel: int, seed: int, work: Path) -> Result:
    import ray
    from ray import tune
    from ray.tune.search.optuna import OptunaSearch

    # Ray's raylet waits 30 s for its dashboard agent, which loads slowly on a busy machine.
    os.environ.setdefault("RAY_raylet_start_wait_time_s", "120")
    os.environ.setdefault("RAY_agent_register_timeout_ms", "120000")
    t0 = time.perf_counter()
    ray.init(num_cpus=parallel, include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    setup = time.perf_counter() - t0

    def trainable(config: dict[str, Any]) -> dict[str, float]:
        rmse, took = run_script(script, config)
        return {"rmse": rmse, "script_seconds": took}

    space = {
        "n_estimators": tune.randint(20, 121),
        "learning_rate": tune.loguniform(0.01, 0.3),
        "max_depth": tune.randint(2, 5),
    }
    tuner = tune.Tuner(
        tune.with_resources(trainable, {"cpu": 1}),
        param_space=space,
        tune_config=tune.TuneConfig(
            search_alg=OptunaSearch(metric="rmse", mode="min", seed=seed), num_samples=trials, max_concurrent_trials=parallel
        ),
        run_config=tune.RunConfig(storage_path=str(work / "ray-results"), verbose=0),
    )
    try:
        t1 = time.perf_counter()
        grid = tuner.fit()
        wall = time.perf_counter() - t1
        frame = grid.get_dataframe()
    finally:
        ray.shutdown()
    return Result(wall, float(frame["script_seconds"].sum()), float(frame["rmse"].min()), len(frame), setup)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=24)
    parser.add_argument("--parallel", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray Tune peer")
    parser.add_argument("--runners", default="optuna,labstudio,ray", help="which runners, comma-separated (default: all three)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-tuning-"))
    src = work / "src"
    src.mkdir()
    script = src / "train.py"
    script.write_text(SCRIPT)
    os.environ["LABSTUDIO_HOME"] = str(work / "home")
    os.environ["LABSTUDIO_MAX_CONCURRENT_JOBS"] = str(max(args.parallel, 2))
    for var in ("LABSTUDIO_DB_URL", "LABSTUDIO_ARTIFACT_URI"):
        os.environ.pop(var, None)

    run_script(script, {"n_estimators": 20, "learning_rate": 0.1, "max_depth": 2})  # warm-up: file caches
    results: dict[str, Result] = {}
    try:
        runners = set(args.runners.split(","))
        if "optuna" in runners:
            results["optuna"] = bench_optuna(script, args.trials, args.parallel, args.seed)
        if "labstudio" in runners:
            results["labstudio"] = bench_labstudio(script, args.trials, args.parallel, args.seed)
        if "ray" in runners and not args.no_ray:
            try:
                results["ray"] = bench_ray(script, args.trials, args.parallel, args.seed, work)
            except Exception as exc:  # e.g. "The current node timed out during startup" on a loaded machine
                print(f"ray tune could not run: {exc}", file=sys.stderr)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    p = args.parallel
    if not results:
        return 1
    mean_script = statistics.mean(r.script / r.trials for r in results.values())
    print(f"\ntuning sweep: {args.trials} trials, {p} in parallel, seed {args.seed}; mean script time {mean_script:.2f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n")
    print(f"{'runner':<12}{'wall s':>9}{'efficiency':>12}{'overhead/trial ms':>19}{'best rmse':>11}{'trials':>8}")
    for name, r in results.items():
        print(f"{name:<12}{r.wall:>9.2f}{r.efficiency(p):>12.2f}{r.overhead_ms(p):>19.0f}{r.best:>11.3f}{r.trials:>8}")
    lab = results.get("labstudio")
    if lab is None:
        return 0
    print(
        f"\nlabstudio: efficiency {lab.efficiency(p):.2f} (goal >= 0.85: {'met' if lab.efficiency(p) >= 0.85 else 'NOT met'}), "
        f"overhead {lab.overhead_ms(p):.0f} ms per trial (goal <= 150: {'met' if lab.overhead_ms(p) <= 150 else 'NOT met'})"
    )
    if "optuna" in results:
        print(f"labstudio / optuna floor: wall {lab.wall / results['optuna'].wall:.2f}x")
    if lab.reaction_ms is not None:
        print(f"labstudio tuner: median {lab.reaction_ms:.0f} ms from a trial's final status to the next trial's submit")
    if lab.gap_ms is not None:
        print(
            f"labstudio hand-off: median {lab.gap_ms[0]:.0f} ms (min {lab.gap_ms[1]:.0f}, max {lab.gap_ms[2]:.0f}) "
            "from a trial's script end to the next trial's script start, from the jobs' recorded times"
        )
    if lab.idle_s is not None:
        print(
            f"labstudio idle slot time: {lab.idle_s[0]:.2f} s before the first scripts (submit, tuner start-up), "
            f"{lab.idle_s[1]:.2f} s in hand-offs, {lab.idle_s[2]:.2f} s after the last scripts (the sweep's tail)"
        )
    if lab.engine_ms is not None:
        print(
            f"labstudio job engine, per trial (medians): {lab.engine_ms[0]:.0f} ms from submit to the script's start, "
            f"{lab.engine_ms[1]:.0f} ms from the script's end to the final status (archives packed)"
        )
    if "ray" in results:
        ray = results["ray"]
        ratio = lab.wall / ray.wall
        print(
            f"labstudio / ray tune: wall {ratio:.2f}x (goal <= 0.7: {'met' if ratio <= 0.7 else 'NOT met'}); "
            f"ray.init() took a further {ray.setup:.2f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
