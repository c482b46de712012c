"""Batch transform throughput: a 1,000,000-row CSV through a scikit-learn Ridge.

Measured in one run, on the same file and model:
  * floor     — pandas.read_csv + model.predict + DataFrame.to_csv in one process, timed two
                ways: inside this process once imports and the model are loaded (the least any
                tool must spend), and as `python floor.py` (start-up, imports and model load
                included, as a tool that starts a process for the job pays them)
  * labstudio — a transform job (MultiRecord, 6 MB payloads, Line split, CSV in and out) with
                1 and 2 concurrent transforms, submitted from this process: wall time from
                submit to Completed (the job's process start, imports and model load included),
                and the job's own records/s once the model is loaded (describe's RecordsPerSecond)
  * mlflow    — `mlflow models predict -t csv --env-manager local` on an MLflow model of the same
                Ridge (its batch scoring command), wall time; skipped with "mlflow not installed"
                when no `mlflow` command is found (pip install mlflow, or give --mlflow PATH)

Every output is checked against model.predict. Goal: labstudio with one worker at least half
the floor's rows/s, and above MLflow.

    python benchmarks/transform.py [--rows 1000000] [--workdir DIR] [--mlflow PATH]
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def floor(csv: Path, model_dir: Path, out: Path) -> float:
    import joblib
    import pandas as pd

    model = joblib.load(model_dir / "model.joblib")
    t0 = time.perf_counter()
    frame = pd.read_csv(csv, header=None)
    pd.DataFrame(model.predict(frame.to_numpy())).to_csv(out, header=False, index=False)
    return time.perf_counter() - t0


FLOOR_SCRIPT = """
import sys, joblib, pandas as pd
model = joblib.load(sys.argv[1])
frame = pd.read_csv(sys.argv[2], header=None)
pd.DataFrame(model.predict(frame.to_numpy())).to_csv(sys.argv[3], header=False, index=False)
"""


def floor_process(folder: Path, csv: Path, model_dir: Path, out: Path) -> float:
    script = folder / "floor.py"
    script.write_text(FLOOR_SCRIPT)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, str(script), str(model_dir / "model.joblib"), str(csv), str(out)], check=True)
    return time.perf_counter() - t0


def labstudio_run(core: object, csv: Path, model_dir: Path, out: Path, workers: int) -> tuple[float, float | None]:
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
    final = service.wait(described["TransformJobName"], poll=0.05)
    wall = time.perf_counter() - t0
    if final["TransformJobStatus"] != "Completed":
        raise SystemExit(f"labstudio transform {final['TransformJobName']} ended {final['TransformJobStatus']}: {final.get('FailureReason')}")
    return wall, final.get("RecordsPerSecond")


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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workdir", type=Path, help="keep data here (default: a temporary folder)")
    parser.add_argument("--mlflow", help="the mlflow command (default: `mlflow` on PATH)")
    args = parser.parse_args()

    import joblib

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="labstudio-bench-transform-"))
    folder.mkdir(parents=True, exist_ok=True)
    home = folder / "home"
    shutil.rmtree(home, ignore_errors=True)
    os.environ["LABSTUDIO_HOME"] = str(home)
    os.environ.pop("LABSTUDIO_DB_URL", None)
    os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)
    from labstudio.core import Core

    print(f"preparing {args.rows:,} rows x {FEATURES} features in {folder} ...", flush=True)
    csv, model_dir = make_data(folder, args.rows)
    print(f"input: {csv.stat().st_size / 1e6:.1f} MB; {os.cpu_count()} CPU(s)", flush=True)
    import pandas as pd

    expected = joblib.load(model_dir / "model.joblib").predict(pd.read_csv(csv, header=None).to_numpy())

    results: list[tuple[str, float, str]] = []
    seconds = floor(csv, model_dir, folder / "floor.out")
    check(folder / "floor.out", expected, args.rows)
    results.append(("floor, in-process: read_csv + predict + to_csv", seconds, ""))
    floor_rate = args.rows / seconds
    seconds = floor_process(folder, csv, model_dir, folder / "floor-process.out")
    check(folder / "floor-process.out", expected, args.rows)
    results.append(("floor as a process: python floor.py (imports, load)", seconds, ""))

    core = Core.from_env()
    for workers in (1, 2):
        out = folder / f"labstudio-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        wall, inner = labstudio_run(core, csv, model_dir, out, workers)
        check(out / "rows.csv.out", expected, args.rows)
        note = f"in-job {inner:,.0f} rows/s ({inner / floor_rate:.2f}x floor)" if inner else ""
        results.append((f"labstudio transform, {workers} concurrent (submit -> Completed)", wall, note))

    mlflow = args.mlflow or shutil.which("mlflow")
    if mlflow:
        wall = mlflow_run(mlflow, folder, csv, model_dir)
        check_mlflow(folder / "mlflow.out", expected, args.rows)
        results.append(("mlflow models predict --env-manager local", wall, ""))
    else:
        results.append(("mlflow models predict", float("nan"), "mlflow not installed"))

    print()
    print(f"{'':58} {'seconds':>8} {'rows/s':>12} {'x floor':>8}")
    for label, secs, note in results:
        if secs != secs:  # NaN: not measured
            print(f"{label:58} {'-':>8} {'-':>12} {'-':>8}  {note}")
            continue
        rate = args.rows / secs
        print(f"{label:58} {secs:8.2f} {rate:12,.0f} {rate / floor_rate:8.2f}  {note}")
    if not args.workdir:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
