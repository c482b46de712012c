"""Seed the UI tests' fresh LABSTUDIO_HOME before JupyterLab starts.

Always: experiment "demo" with 4 tracked runs (params lr / optimizer / batch_size, metrics
loss and acc over 200 steps), and the pipeline "ui-pipeline" (pipeline_seed.py; registered, not
run). With LABSTUDIO_UI_BENCHMARK=1 also: experiment "bench" with
10,000 runs (8 params, 3 metrics of 10 points each, written straight to the store in one
transaction) and experiment "curves" with 100 runs of 10,000 points each.
"""
import math
import os
import random
import time


def seed_demo() -> None:
    from labstudio import Run

    for i, (lr, opt) in enumerate([(0.1, "sgd"), (0.03, "adam"), (0.01, "adam"), (0.003, "sgd")]):
        with Run(experiment_name="demo", run_name=f"demo-{i}") as run:
            run.log_parameters({"lr": lr, "optimizer": opt, "batch_size": 64, "epochs": 200})
            steps = list(range(200))
            run.log_series("loss", [math.exp(-s * lr * 0.5) * (1 + 0.05 * math.sin(s)) + 0.02 * i for s in steps])
            run.log_series("acc", [1 - math.exp(-s * lr * 0.4) * 0.9 - 0.01 * i for s in steps])


def seed_benchmark() -> None:
    import numpy as np

    from labstudio import Run
    from labstudio.core import Core
    from labstudio.store import runs as runs_store
    from labstudio.store.ingest import write_points  # (moved from tracking.ingest)

    core = Core.from_env()
    rng = random.Random(0)
    t = time.perf_counter()
    now = time.time()
    with core.db.write() as conn:
        for i in range(10_000):
            rid = runs_store.create_run(conn, experiment_name="bench", name=f"bench-{i:05d}", status="Completed", start_time=now - 10_000 + i)
            runs_store.set_params(conn, rid, {f"p{j}": round(rng.random(), 4) for j in range(7)} | {"optimizer": rng.choice(["adam", "sgd", "rmsprop"])})
            write_points(conn, rid, [(m, rng.random(), s, now) for m in ("loss", "acc", "f1") for s in range(10)])
    print(f"seeded 10,000 runs in {time.perf_counter() - t:.1f}s", flush=True)
    t = time.perf_counter()
    base = np.cumsum(np.random.default_rng(0).normal(size=10_000)) / 100
    for i in range(100):
        with Run(experiment_name="curves", run_name=f"curve-{i:03d}") as run:
            run.log_parameters({"seed": i, "lr": 10 ** (-1 - (i % 4))})
            run.log_series("loss", np.exp(-np.arange(10_000) / 3000) + base * 0.1 + i * 0.01)
    print(f"seeded 100 curves x 10,000 points in {time.perf_counter() - t:.1f}s", flush=True)


def seed_pipeline() -> None:
    """The small pipeline of pipeline_seed.py, registered (its code and data under LABSTUDIO_HOME)."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import pipeline_seed

    from labstudio.core import Core

    pipeline_seed.seed(Path(Core.from_env().settings.home) / "ui-pipeline")


if __name__ == "__main__":
    seed_demo()
    seed_pipeline()
    if os.environ.get("LABSTUDIO_UI_BENCHMARK"):
        seed_benchmark()
