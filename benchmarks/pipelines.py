"""A pipeline's wall time against its critical path, and a fully cached rerun.

The pipeline: five processing steps that each sleep one second (`--step-seconds`), shaped as

    Prepare -> (FeaturesA, FeaturesB, FeaturesC) -> Combine

so its critical path is three steps (3 s) while the steps add up to five (5 s). SageMaker's
LocalPipelineSession is not available here (it needs Docker and runs steps one at a time), so
the peers are plain subprocess runs of the same step scripts, started from this process:

  * critical path — the steps' own sleep along the longest chain (3 x step seconds): the goal
  * floor         — `python step.py` per step as subprocesses, the middle three at once: the
                    critical path plus three Python start-ups, what any runner of separate
                    processes pays
  * sequential    — the same five subprocesses one after another (SageMaker local mode's way)
  * labstudio     — `PipelineService.start` of the pipeline (no caching) until it Succeeded:
                    the runner process, five processing jobs with their supervisors, the store
  * cached rerun  — the same pipeline with `CacheConfig(enable_caching=True)` on every step,
                    rerun after one execution filled the cache: start -> Succeeded with all
                    five steps served from the cache

Interleaved rounds (the order rotated each round), medians with ranges (min-max), the load
average at the start and at the end. Goals (issue 22): the pipeline within 1.15x its critical
path; a fully cached rerun in at most 1 s.

    python benchmarks/pipelines.py [--rounds 5] [--step-seconds 1.0] [--workdir DIR] [--quick]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _common import Rounds, Series, check_rounds, print_load, ratio, table, verdict

STEP_SCRIPT = """
import os, sys, time
time.sleep(float(sys.argv[2]))
out = os.environ.get("STEP_OUT", "/opt/ml/processing/output")
os.makedirs(out, exist_ok=True)
open(os.path.join(out, sys.argv[1] + ".txt"), "w").write(sys.argv[1])
print("done", sys.argv[1], flush=True)
"""

FIRST, MIDDLE, LAST = "Prepare", ("FeaturesA", "FeaturesB", "FeaturesC"), "Combine"
CRITICAL_STEPS = 3  # Prepare, one of the middle three, Combine


def build(name: str, script: Path, seconds: float, cached: bool) -> Any:
    """The five-step pipeline (SageMaker SDK classes from labstudio.workflow)."""
    from labstudio.processing import ProcessingOutput, ScriptProcessor
    from labstudio.workflow.pipeline import Pipeline
    from labstudio.workflow.pipeline_context import PipelineSession
    from labstudio.workflow.steps import CacheConfig, ProcessingStep

    warnings.simplefilter("ignore")  # role and image only matter on SageMaker
    session = PipelineSession()
    cache = CacheConfig(enable_caching=True, expire_after="P1D") if cached else None

    def step(label: str, after: list[Any]) -> Any:
        processor = ScriptProcessor(command=["python3"], image_uri="local", role="bench", instance_type="ml.m5.large",
                                    instance_count=1, sagemaker_session=session)
        return ProcessingStep(label, depends_on=after or None, cache_config=cache, step_args=processor.run(
            code=str(script), arguments=[label, str(seconds)],
            outputs=[ProcessingOutput(output_name="out", source="/opt/ml/processing/output")]))

    first = step(FIRST, [])
    middle = [step(label, [first]) for label in MIDDLE]
    last = step(LAST, middle)
    return Pipeline(name, steps=[first, *middle, last], sagemaker_session=session)


def run_pipeline(core: Any, name: str) -> tuple[dict[str, float], dict[str, Any]]:
    """Start an execution and wait for its end: its figures (wall seconds; until the first step
    started; the steps' mean duration, start to end as the runner records them) and its steps."""
    from datetime import datetime

    at = time.time()
    t0 = time.perf_counter()
    started = core.pipelines.start(name)
    final = core.pipelines.wait(started["PipelineExecutionArn"], timeout=600, poll=0.02)
    wall = time.perf_counter() - t0
    if final["PipelineExecutionStatus"] != "Succeeded":
        raise SystemExit(f"execution {started['PipelineExecutionId']} of {name} ended {final['PipelineExecutionStatus']}: "
                         f"{final.get('FailureReason')}")
    steps = core.pipelines.list_steps(started["PipelineExecutionArn"], max_results=100)
    stamp = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()  # noqa: E731
    starts = [stamp(s["StartTime"]) for s in steps["PipelineExecutionSteps"]]
    spans = [stamp(s["EndTime"]) - stamp(s["StartTime"]) for s in steps["PipelineExecutionSteps"] if s["EndTime"]]
    return {"value": wall, "first_step": min(starts) - at, "step": sum(spans) / len(spans)}, steps


def subprocess_step(script: Path, label: str, seconds: float, out: Path) -> None:
    subprocess.run([sys.executable, str(script), label, str(seconds)], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "STEP_OUT": str(out)})


def subprocess_run(script: Path, seconds: float, out: Path, parallel: bool) -> float:
    """The same five steps as plain subprocesses: the middle three at once, or all in a row."""
    t0 = time.perf_counter()
    subprocess_step(script, FIRST, seconds, out)
    if parallel:
        with ThreadPoolExecutor(len(MIDDLE)) as pool:
            list(pool.map(lambda label: subprocess_step(script, label, seconds, out), MIDDLE))
    else:
        for label in MIDDLE:
            subprocess_step(script, label, seconds, out)
    subprocess_step(script, LAST, seconds, out)
    return time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (medians over them); default 5")
    parser.add_argument("--step-seconds", type=float, default=1.0, help="how long each step sleeps; default 1")
    parser.add_argument("--workdir", type=Path, help="keep the home folder here (default: a temporary folder)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: one round")
    args = parser.parse_args()
    rounds = 1 if args.quick else args.rounds
    seconds = args.step_seconds

    print_load("start")
    check_rounds(rounds)
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="labstudio-bench-pipelines-"))
    folder.mkdir(parents=True, exist_ok=True)
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["LABSTUDIO_HOME"] = str(home)
    for key in ("LABSTUDIO_DB_URL", "LABSTUDIO_ARTIFACT_URI", "LABSTUDIO_BACKEND"):
        os.environ.pop(key, None)
    # The same parallelism as the floor (the middle three at once): labstudio's default job
    # slots are the CPU count, which on a two-core machine would queue the third middle step
    # behind the other two and measure the slot limit instead of the runner.
    os.environ["LABSTUDIO_MAX_CONCURRENT_JOBS"] = str(max(len(MIDDLE), os.cpu_count() or 1))
    from labstudio.core import Core

    script = folder / "step.py"
    script.write_text(STEP_SCRIPT)
    core = Core.from_env()
    for name, cached in (("bench-pipeline", False), ("bench-cached", True)):
        build(name, script, seconds, cached).upsert()
    print(f"five steps of {seconds:g} s each; critical path {CRITICAL_STEPS} steps = {CRITICAL_STEPS * seconds:g} s; "
          f"{os.cpu_count()} CPU(s); home {home}", flush=True)

    # Warm-up, not counted: file caches, the store's schema; and the cache filled once.
    subprocess_run(script, seconds, folder / "warm", parallel=True)
    run_pipeline(core, "bench-cached")

    def labstudio_step() -> dict[str, float]:
        figures, steps = run_pipeline(core, "bench-pipeline")
        if any(s.get("CacheHitResult") for s in steps["PipelineExecutionSteps"]):
            raise SystemExit("the uncached pipeline was served from the cache")
        return figures

    def cached_step() -> dict[str, float]:
        figures, steps = run_pipeline(core, "bench-cached")
        hits = [s["StepName"] for s in steps["PipelineExecutionSteps"] if s.get("CacheHitResult")]
        if len(hits) != 5:
            raise SystemExit(f"the cached rerun served only {hits} from the cache")
        return figures

    bench = Rounds(rounds, "pipelines")
    try:
        bench.run({
            "labstudio": labstudio_step,
            "floor": lambda: subprocess_run(script, seconds, folder / "floor", parallel=True),
            "sequential": lambda: subprocess_run(script, seconds, folder / "sequential", parallel=False),
            "cached": cached_step,
        })
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    report(bench, seconds, rounds)
    print_load("end")
    return 0


def report(bench: Rounds, seconds: float, rounds: int) -> None:
    critical = Series([CRITICAL_STEPS * seconds])
    lab = bench.get("labstudio")
    floor = bench.get("floor")
    sequential = bench.get("sequential")
    cached = bench.get("cached")
    print(f"\nfive {seconds:g}-second steps, critical path {CRITICAL_STEPS} steps: medians of {rounds} interleaved rounds (min-max)\n")
    table(["runner", "seconds", "vs critical path", "vs floor"], [
        ["critical path: the steps' own time along the longest chain", critical.show(1, 2, "s"), "1.00x", "-"],
        ["floor: the steps as subprocesses, the middle three at once", floor.show(1, 2, "s") if floor else "-", ratio(floor, critical), "1.00x"],
        ["sequential subprocesses (one step at a time)", sequential.show(1, 2, "s") if sequential else "-", ratio(sequential, critical),
         ratio(sequential, floor)],
        ["labstudio pipeline (start -> Succeeded)", lab.show(1, 2, "s") if lab else "-", ratio(lab, critical), ratio(lab, floor)],
        ["labstudio, fully cached rerun", cached.show(1, 2, "s") if cached else "-", "-", "-"],
    ])
    first, step = bench.get("labstudio", "first_step"), bench.get("labstudio", "step")
    if first is not None and step is not None:
        print(f"\nwhere labstudio's time goes: start -> first step started {first.show(1, 2, 's')}; each step, job submitted -> "
              f"ended {step.show(1, 2, 's')} (its script sleeps {seconds:g} s)")
    if lab is not None:
        x = lab.median / critical.median
        speedup = f"{sequential.median / lab.median:.2f}x" if sequential else "-"
        print(f"\nlabstudio pipeline: {x:.2f}x its critical path (goal <= 1.15: {verdict(x <= 1.15)}); "
              f"speed-up over the steps run one at a time: {speedup}")
    if cached is not None:
        print(f"fully cached rerun: {cached.median:.2f} s (goal <= 1 s: {verdict(cached.median <= 1.0)})")


if __name__ == "__main__":
    sys.exit(main())
