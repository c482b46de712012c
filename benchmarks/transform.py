"""Batch transform throughput: a 1,000,000-row CSV through a scikit-learn Ridge.

Measured in interleaved rounds (the order rotated each round), on the same file and model:
  * floor     — `python floor.py`: pandas.read_csv + model.predict + DataFrame.to_csv as one
                process, with its start-up, its imports and the model's loading included, as
                they are in labstudio's figure; the process also reports the time of the work
                alone (after imports and load), the floor of the in-job rate
  * labstudio — a transform job (MultiRecord, 6 MB payloads, Line split, CSV in and out) with
                1 and 2 concurrent transforms, submitted from this process: wall time from
                submit to Completed (the job's process start, imports and model load included),
                and the job's own records/s once the model is loaded (describe's RecordsPerSecond)
  * mlflow    — `mlflow models predict -t csv --env-manager local` on an MLflow model of the same
                Ridge (its batch scoring command), wall time; left out, with the reason printed,
                when no `mlflow` command is found (pip install mlflow, or give --mlflow PATH)

Every output is checked against model.predict. Medians over the rounds with ranges (min-max);
the load average at the start and at the end. Goal: labstudio with one worker at least half
the floor's rows/s (both as processes, start-up included), and above MLflow.

    python benchmarks/transform.py [--rows 1000000] [--rounds 3] [--workdir DIR] [--mlflow PATH] [--quick]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from _common import Rounds, Series, check_rounds, print_load, table, verdict
from labstudio.shapes import to_json

FEATURES = 10


def make_data(folder: Path, rows: int) -> tuple[Path, Path]:
    import joblib
    import numpy as np
    import pandas as pd
    from sklearn.linear_model import Ridge

    data_dir = folder / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    csv = data_dir / "rows.csv"
    rng = np.random.default_rng(0)
    x = rng.normal(size=(rows, FEATURES))
    if not csv.exists():
        pd.DataFrame(x).to_csv(csv, header=False, index=False, float_format="%.6f")
    model_dir = folder / "model"
    model_dir.mkdir(exist_ok=True)
    train = x[:20000]
    model = Ridge(alpha=1.0).fit(train, train @ np.arange(1, FEATURES + 1) + rng.normal(size=len(train)))
    joblib.dump(model, model_dir / "model.joblib")
    return csv, model_dir


def check(out: Path, expected: object, rows: int) -> None:
    import numpy as np
    import pandas as pd

    got = pd.read_csv(out, header=None).iloc[:, -1].to_numpy()
    if len(got) != rows or not np.allclose(got, expected):  # type: ignore[arg-type]
        raise SystemExit(f"wrong output in {out}: {len(got)} rows")


FLOOR_SCRIPT = """
import sys, time
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
t0 = time.perf_counter()
frame = pd.read_csv(sys.argv[2], header=None)
pd.DataFrame(model.predict(frame.to_numpy())).to_csv(sys.argv[3], header=False, index=False)
print(f"work {time.perf_counter() - t0:.6f}", flush=True)
"""


def floor_process(folder: Path, csv: Path, model_dir: Path, out: Path) -> dict[str, float]:
    """The floor as a process: wall time (start-up, imports, model load, work) and the work alone."""
    script = folder / "floor.py"
    script.write_text(FLOOR_SCRIPT)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, str(script), str(model_dir / "model.joblib"), str(csv), str(out)],
                          check=True, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    return {"wall": wall, "work": float(done.stdout.split()[-1])}


def labstudio_run(core: object, csv: Path, model_dir: Path, out: Path, workers: int) -> dict[str, float]:
    service = core.transforms  # type: ignore[attr-defined]
    t0 = time.perf_counter()
    described = service.submit(
        {
            "model": str(model_dir), "input": str(csv), "output_path": str(out), "content_type": "text/csv",
            "split_type": "Line", "strategy": "MultiRecord", "max_payload": 6, "max_concurrent_transforms": workers,
            "assemble_with": "Line", "accept": "text/csv",
        },
        base_dir=csv.parent,
    )
    final = to_json(service.wait(to_json(described)["TransformJobName"], poll=0.05))
    wall = time.perf_counter() - t0
    if final["TransformJobStatus"] != "Completed":
        raise SystemExit(f"labstudio transform {final['TransformJobName']} ended {final['TransformJobStatus']}: {final.get('FailureReason')}")
    rate = final.get("RecordsPerSecond")
    return {"wall": wall, "rate": float(rate)} if rate else {"wall": wall}


def mlflow_run(mlflow: str, folder: Path, csv: Path, model_dir: Path) -> float:
    mlflow_model = folder / "mlflow-model"
    if not mlflow_model.exists():
        code = (
            "import joblib, sys, mlflow.sklearn; "
            "mlflow.sklearn.save_model(joblib.load(sys.argv[1]), sys.argv[2], serialization_format='pickle')"
        )
        python = str(Path(mlflow).with_name("python"))
        subprocess.run([python, "-c", code, str(model_dir / "model.joblib"), str(mlflow_model)], check=True)
    with_header = folder / "data-mlflow.csv"
    if not with_header.exists():  # MLflow reads CSV with a header row naming the columns
        with open(with_header, "w") as handle:
            handle.write(",".join(f"f{i}" for i in range(FEATURES)) + "\n")
            with open(csv) as source:
                shutil.copyfileobj(source, handle)
    out = folder / "mlflow.out"
    t0 = time.perf_counter()
    subprocess.run(
        [mlflow, "models", "predict", "-m", str(mlflow_model), "-i", str(with_header), "-t", "csv", "-o", str(out), "--env-manager", "local"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t0


def check_mlflow(out: Path, expected: object, rows: int) -> None:
    """`mlflow models predict` writes {"predictions": [...]} (JSON) for a DataFrame input."""
    import json

    import numpy as np

    got = np.asarray(json.loads(out.read_text())["predictions"], dtype=float)
    if len(got) != rows or not np.allclose(got, expected):  # type: ignore[arg-type]
        raise SystemExit(f"wrong output in {out}: {len(got)} rows")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, help="rows of the CSV (default 1,000,000; 100,000 with --quick)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (medians over them); default 3")
    parser.add_argument("--workdir", type=Path, help="keep data here (default: a temporary folder)")
    parser.add_argument("--mlflow", help="the mlflow command (default: `mlflow` on PATH, or next to this Python)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 100,000 rows")
    args = parser.parse_args()
    rows = args.rows or (100_000 if args.quick else 1_000_000)

    print_load("start")
    check_rounds(args.rounds)
    folder = args.workdir or Path(tempfile.mkdtemp(prefix="labstudio-bench-transform-"))
    folder.mkdir(parents=True, exist_ok=True)
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["LABSTUDIO_HOME"] = str(home)
    os.environ.pop("LABSTUDIO_DB_URL", None)
    os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)
    import joblib
    import pandas as pd

    from labstudio.core import Core

    print(f"preparing {rows:,} rows x {FEATURES} features in {folder} ...", flush=True)
    csv, model_dir = make_data(folder, rows)
    print(f"input: {csv.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPU(s)", flush=True)
    expected = joblib.load(model_dir / "model.joblib").predict(pd.read_csv(csv, header=None).to_numpy())
    core = Core.from_env()
    mlflow = args.mlflow or shutil.which("mlflow") or next((str(p) for p in [Path(sys.executable).with_name("mlflow")] if p.exists()), None)

    def floor_step() -> dict[str, float]:
        out = folder / "floor.out"
        got = floor_process(folder, csv, model_dir, out)
        check(out, expected, rows)
        return got

    def labstudio_step(workers: int) -> Callable[[], dict[str, float]]:
        def step() -> dict[str, float]:
            out = folder / f"labstudio-{workers}"
            shutil.rmtree(out, ignore_errors=True)
            got = labstudio_run(core, csv, model_dir, out, workers)
            check(out / "rows.csv.out", expected, rows)
            return got

        return step

    def mlflow_step() -> dict[str, float]:
        assert mlflow is not None
        wall = mlflow_run(mlflow, folder, csv, model_dir)
        check_mlflow(folder / "mlflow.out", expected, rows)
        return {"wall": wall}

    steps: dict[str, Callable[[], dict[str, float]]] = {"floor": floor_step, "labstudio-1": labstudio_step(1), "labstudio-2": labstudio_step(2)}
    if mlflow:
        steps["mlflow"] = mlflow_step
    floor_step()  # warm-up, not counted: file caches, the store's schema
    bench = Rounds(args.rounds, "transform")
    try:
        bench.run(steps, optional={"mlflow"})
    finally:
        if not args.workdir:
            shutil.rmtree(folder, ignore_errors=True)
    report(bench, rows, args.rounds, mlflow is not None)
    print_load("end")
    return 0


def report(bench: Rounds, rows: int, rounds: int, have_mlflow: bool) -> None:
    floor = bench.get("floor", "wall")
    assert floor is not None

    def rate(s: Series | None) -> str:
        if s is None:
            return "-"
        return f"{rows / s.median:,.0f} ({rows / s.high:,.0f}-{rows / s.low:,.0f})"

    print(f"\nbatch transform of {rows:,} rows: medians of {rounds} interleaved rounds (min-max)\n")
    out = []
    labels = {
        "floor": "floor: python floor.py (start-up, imports, model load, work)",
        "labstudio-1": "labstudio transform, 1 concurrent (submit -> Completed)",
        "labstudio-2": "labstudio transform, 2 concurrent (submit -> Completed)",
        "mlflow": "mlflow models predict --env-manager local",
    }
    for name, label in labels.items():
        wall = bench.get(name, "wall")
        if wall is None:
            why = bench.failed.get(name) or ("mlflow not installed" if name == "mlflow" and not have_mlflow else "not measured")
            out.append([label, "-", "-", "-", why])
            continue
        out.append([label, wall.show(1, 2, "s"), rate(wall), f"{floor.median / wall.median:.2f}x", ""])
    work = bench.get("floor", "work")
    if work is not None:
        out.append(["  floor's work alone (read_csv + predict + to_csv)", work.show(1, 2, "s"), rate(work), "-", "the in-job rate's floor"])
    for workers in (1, 2):
        inner = bench.get(f"labstudio-{workers}", "rate")
        if inner is not None and work is not None:
            out.append([f"  labstudio {workers} concurrent: in-job rate, model loaded", "-", inner.show(1, 0, "rows/s"),
                        f"{inner.median / (rows / work.median):.2f}x work alone", ""])
    table(["runner", "seconds", "rows/s", "rate vs floor", "note"], out)
    lab = bench.get("labstudio-1", "wall")
    if lab is not None:
        x = floor.median / lab.median
        line = f"\nlabstudio, 1 concurrent: {x:.2f}x the floor's rows/s (goal >= 0.5: {verdict(x >= 0.5)})"
        peer = bench.get("mlflow", "wall")
        if peer is not None:
            line += f"; {peer.median / lab.median:.2f}x mlflow's (goal > 1: {verdict(peer.median > lab.median)})"
        print(line)


if __name__ == "__main__":
    sys.exit(main())
