"""Seed the UI tests' fresh LABSTUDIO_HOME before JupyterLab starts.

Always: experiment "demo" with 4 tracked runs (params lr / optimizer / batch_size, metrics
loss and acc over 200 steps), experiment "many" with 1,200 runs brought in through the
bulk ingestion path (`ExperimentService.import_runs`): a learning rate sampled on a log
scale, 24 optimizers (more categories than an axis has room for), loss and acc of 20 steps,
and the pipeline "ui-pipeline" (pipeline_seed.py; registered, not run).

With LABSTUDIO_UI_BENCHMARK=1 also: experiment "bench" with 100,000 runs (8 params, loss
and acc of 10 points each) through the same bulk path, timed (it must take at most 60 s),
and experiment "curves" with 100 runs of 10,000 points each.
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


OPTIMIZERS = [f"optimizer-{name}" for name in (
    "adam", "adamw", "sgd", "sgd-momentum", "nesterov", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "lamb", "lars",
    "lion", "radam", "ranger", "sophia", "adafactor", "shampoo", "novograd", "yogi", "ftrl", "lbfgs", "sparse-adam", "asgd",
)]


def seed_many() -> None:
    """1,200 finished runs in one transaction (the bulk path), for the comparison tests."""
    from labstudio.core import Core

    rng = random.Random(1)
    now = time.time()
    runs = []
    for i in range(1200):
        lr = 10 ** rng.uniform(-5, -1)
        depth = rng.randint(2, 12)
        speed = 0.05 + 20 * lr
        runs.append({
            "name": f"many-{i:04d}",
            "start_time": now - 5000 + i,
            "end_time": now - 4000 + i,
            "params": {"lr": round(lr, 8), "depth": depth, "optimizer": OPTIMIZERS[i % len(OPTIMIZERS)]},
            "metrics": {
                "loss": [math.exp(-s * speed) + 0.02 * rng.random() for s in range(20)],
                "acc": [1 - 0.9 * math.exp(-s * speed) - 0.01 * depth * rng.random() for s in range(20)],
            },
        })
    Core.from_env().experiments.import_runs("many", runs)


def seed_benchmark() -> None:
    import numpy as np

    from labstudio import Run
    from labstudio.core import Core

    core = Core.from_env()
    rng = random.Random(0)
    now = time.time()
    t = time.perf_counter()
    runs = [
        {
            "name": f"bench-{i:06d}",
            "start_time": now - 100_000 + i,
            "end_time": now - 100_000 + i + 60,
            "params": {f"p{j}": round(rng.random(), 4) for j in range(6)}
            | {"lr": round(10 ** rng.uniform(-5, -1), 8), "optimizer": rng.choice(["adam", "sgd", "rmsprop"])},
            "metrics": {"loss": [rng.random() for _ in range(10)], "acc": [rng.random() for _ in range(10)]},
        }
        for i in range(100_000)
    ]
    core.experiments.import_runs("bench", runs)
    seconds = time.perf_counter() - t
    print(f"seeded 100,000 runs in {seconds:.1f}s through the bulk path", flush=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "benchmark-seed.json"), "w") as f:
        f.write(f'{{"seed100kRunsSeconds": {seconds:.1f}}}\n')
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
    seed_many()
    if os.environ.get("LABSTUDIO_UI_BENCHMARK"):
        seed_benchmark()
