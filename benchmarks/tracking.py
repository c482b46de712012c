"""labstudio vs MLflow experiment tracking, side by side, in one run.

    python benchmarks/tracking.py            # the full sizes of issue 3
    python benchmarks/tracking.py --quick    # small sizes: a smoke run in well under a minute

Both use SQLite in a fresh temporary folder (MLflow through a `sqlite:///` tracking URI: its
file store is deprecated). Measured:

1. per-call logging: `log_metric` in a loop, until every point is in the store;
2. batched ingestion: labstudio `Run.log_series`, MLflow `log_batch` (1,000 metrics per call, its limit);
3. 1,000 runs (10 params, 5 metrics each) into a pandas DataFrame: `search_runs` vs `mlflow.search_runs`;
4. a 10,000-point metric history as a DataFrame: `Run.metric_history` vs `MlflowClient.get_metric_history`;
5. listing those 1,000 runs over REST: labstudio's `/labstudio/api/runs` in a real Jupyter server vs
   `mlflow server`'s `runs/search` (skipped, with the reason printed, if a server does not start);
6. (labstudio only) `POST /runs/compare` of 100 runs x 100,000 points down to 1,000 points per series;
7. (labstudio only) a 200,000-point history read whole over REST, `GET /runs/{id}/metrics/{name}`
   page after page, and the slowest answer to another client's `GET /experiments` meanwhile
   (issue 19: one 9 MB answer used to stall every other request for seconds).

Times are the best of several repetitions for reads, one timed pass for writes. The table
prints throughput or latency for each and labstudio's speed-up over MLflow.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_EXT = HERE.parent / "server_ext"

SIZES = {
    "full": {"per_call": 300_000, "mlflow_per_call": 2_000, "batched": 1_000_000, "mlflow_batched": 50_000, "runs": 1_000,
             "history": 10_000, "compare_runs": 100, "compare_points": 100_000, "long_history": 200_000},
    "quick": {"per_call": 50_000, "mlflow_per_call": 300, "batched": 200_000, "mlflow_batched": 10_000, "runs": 200,
              "history": 10_000, "compare_runs": 10, "compare_points": 20_000, "long_history": 50_000},
}


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port: int, path: str, headers: dict[str, str], timeout: float = 60.0, proc: subprocess.Popen | None = None) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            return False
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers)
            if conn.getresponse().status < 500:
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def timed_get(port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None, repeat: int = 5) -> tuple[float, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    size = 0

    def once() -> None:
        nonlocal size
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
        size = len(data)

    once()  # warm up (connection, caches)
    return best_of(once, repeat), size


# -- labstudio -------------------------------------------------------------------------------------

def labstudio_side(n: dict[str, int], home: Path, results: dict[str, Any]) -> None:
    os.environ["LABSTUDIO_HOME"] = str(home)
    os.environ.pop("LABSTUDIO_DB_URL", None)
    os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)
    import numpy as np

    from labstudio import Run, search_runs
    from labstudio.core import Core
    from labstudio.store import runs as runs_store
    from labstudio.store.ingest import write_points  # also imports numpy, as any training script has

    core = Core.from_env()
    with Run(experiment_name="warm-up") as run:  # first statements prepared, pool connection open
        run.log_metric("x", 1.0)

    run = Run(experiment_name="bench", run_name="per-call")
    log = run.log_metric
    t = time.perf_counter()
    for i in range(n["per_call"]):
        log("loss", i * 0.001)
    run.close()
    results["per_call"] = ("points/s", n["per_call"] / (time.perf_counter() - t), None)

    values = np.random.default_rng(0).normal(size=n["batched"])
    run = Run(experiment_name="bench", run_name="batched")
    t = time.perf_counter()
    run.log_series("loss", values)
    run.close()
    results["batched"] = ("points/s", n["batched"] / (time.perf_counter() - t), None)

    # 1,000 runs with 10 params and 5 metrics (10 points each), written straight to the store
    rng = np.random.default_rng(1)
    with core.db.write() as conn:
        for i in range(n["runs"]):
            rid = runs_store.create_run(conn, experiment_name="many", name=f"run-{i}", status="Completed", start_time=time.time())
            runs_store.set_params(conn, rid, {f"p{j}": float(rng.random()) for j in range(10)})
            write_points(conn, rid, [(f"m{k}", float(rng.random()), s, time.time()) for k in range(5) for s in range(10)])
    frame = search_runs("many")
    assert len(frame) == n["runs"], len(frame)
    results["query"] = ("ms", best_of(lambda: search_runs("many")) * 1000, None)

    with Run(experiment_name="bench", run_name="history") as run:
        run.log_series("loss", rng.normal(size=n["history"]))
    assert len(run.metric_history("loss")) == n["history"]
    results["history"] = ("ms", best_of(lambda: run.metric_history("loss")) * 1000, None)

    # comparison: many long series
    ids = []
    series = np.cumsum(rng.normal(size=n["compare_points"]))
    for i in range(n["compare_runs"]):
        with Run(experiment_name="compare", run_name=f"c{i}") as run:
            run.log_series("loss", series + i)
        ids.append(run.run_id)
    results["_compare_ids"] = ids
    results["_core"] = core
    with Run(experiment_name="long", run_name="long") as run:
        run.log_series("loss", series[: n["long_history"]] if len(series) >= n["long_history"] else rng.normal(size=n["long_history"]))
    results["_long_run"] = run.run_id


def labstudio_rest(n: dict[str, int], home: Path, results: dict[str, Any]) -> None:
    port, token = free_port(), "benchtoken"
    env = {**os.environ, "LABSTUDIO_HOME": str(home), "PYTHONPATH": os.pathsep.join([str(SERVER_EXT), *sys.path])}
    cmd = [sys.executable, "-m", "jupyter_server", f"--port={port}", "--no-browser", "--allow-root", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={home}", "--ServerApp.jpserver_extensions={'labstudio': True}", "--ServerApp.log_level=WARN"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    headers = {"Authorization": f"token {token}"}
    try:
        if not wait_http(port, "/labstudio/api/experiments", headers, proc=proc):
            results["rest"] = ("ms", None, f"jupyter server did not start: {proc.stderr.read(2000).decode() if proc.poll() is not None else 'timeout'}")
            return
        query = urllib.parse.urlencode({"experiment": "many", "limit": n["runs"]})
        seconds, size = timed_get(port, "GET", f"/labstudio/api/runs?{query}", headers)
        results["rest"] = ("ms", seconds * 1000, f"{size // 1024} KiB JSON")
        body = json.dumps({"runs": results["_compare_ids"], "metrics": ["loss"], "max_points": 1000}).encode()
        seconds, size = timed_get(port, "POST", "/labstudio/api/runs/compare", {**headers, "Content-Type": "application/json"}, body)
        results["compare"] = ("ms", seconds * 1000, f"{n['compare_runs']} x {n['compare_points']:,} points -> <= 1000 each")
        whole, stalls, pages = _history_while_serving(port, headers, results["_long_run"])
        results["long_history"] = ("ms", whole * 1000, f"{n['long_history']:,} points in {pages} pages")
        results["stall"] = ("ms", max(stalls) * 1000, f"{len(stalls)} requests while the history was read; median {sorted(stalls)[len(stalls) // 2] * 1000:.1f} ms")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def _history_while_serving(port: int, headers: dict[str, str], run_id: str) -> tuple[float, list[float], int]:
    """Read a whole history page by page on one connection while another client asks for the
    experiment list in a loop: (seconds for the history, each list answer's seconds, pages)."""
    import threading

    done = threading.Event()
    stalls: list[float] = []

    def other_client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while not done.is_set():
            t = time.perf_counter()
            conn.request("GET", "/labstudio/api/experiments", headers=headers)
            conn.getresponse().read()
            stalls.append(time.perf_counter() - t)
            time.sleep(0.01)

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    thread = threading.Thread(target=other_client)
    thread.start()
    t, token, pages = time.perf_counter(), None, 0
    try:
        while True:
            query = f"?next_token={token}" if token else ""
            conn.request("GET", f"/labstudio/api/runs/{run_id}/metrics/loss{query}", headers=headers)
            page = json.loads(conn.getresponse().read())
            pages += 1
            token = page["next_token"]
            if not token:
                break
        whole = time.perf_counter() - t
    finally:
        done.set()
        thread.join()
    return whole, stalls or [0.0], pages


# -- MLflow ----------------------------------------------------------------------------------------------

def mlflow_side(n: dict[str, int], folder: Path, results: dict[str, Any]) -> None:
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    import mlflow
    from mlflow.entities import Metric, Param
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder / 'mlflow.db'}"
    results["_mlflow_uri"] = uri
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    exp = client.create_experiment("bench", artifact_location=str(folder / "artifacts"))

    run = client.create_run(exp)
    t = time.perf_counter()
    for i in range(n["mlflow_per_call"]):
        client.log_metric(run.info.run_id, "loss", i * 0.001, step=i)
    results["per_call"] = ("points/s", n["mlflow_per_call"] / (time.perf_counter() - t), None)

    import numpy as np

    values = np.random.default_rng(0).normal(size=n["mlflow_batched"])
    run = client.create_run(exp)
    now = int(time.time() * 1000)
    t = time.perf_counter()
    for start in range(0, len(values), 1000):
        chunk = values[start : start + 1000]
        client.log_batch(run.info.run_id, metrics=[Metric("loss", float(v), now, start + j) for j, v in enumerate(chunk)])
    results["batched"] = ("points/s", len(values) / (time.perf_counter() - t), None)

    many = client.create_experiment("many", artifact_location=str(folder / "artifacts"))
    rng = np.random.default_rng(1)
    for i in range(n["runs"]):
        r = client.create_run(many, run_name=f"run-{i}")
        client.log_batch(
            r.info.run_id,
            metrics=[Metric(f"m{k}", float(rng.random()), now, s) for k in range(5) for s in range(10)],
            params=[Param(f"p{j}", str(rng.random())) for j in range(10)],
        )
        client.set_terminated(r.info.run_id)
    frame = mlflow.search_runs([many], max_results=n["runs"])
    assert len(frame) == n["runs"], len(frame)
    results["query"] = ("ms", best_of(lambda: mlflow.search_runs([many], max_results=n["runs"]), 3) * 1000, None)
    results["_many"] = many

    import pandas as pd

    run = client.create_run(exp)
    values = rng.normal(size=n["history"])
    for start in range(0, len(values), 1000):
        client.log_batch(run.info.run_id, metrics=[Metric("loss", float(v), now, start + j) for j, v in enumerate(values[start : start + 1000])])

    def history() -> None:
        points = client.get_metric_history(run.info.run_id, "loss")
        pd.DataFrame({"step": [p.step for p in points], "value": [p.value for p in points], "timestamp": [p.timestamp for p in points]})

    results["history"] = ("ms", best_of(history, 3) * 1000, None)


def mlflow_rest(n: dict[str, int], folder: Path, results: dict[str, Any]) -> None:
    port = free_port()
    cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", results["_mlflow_uri"], "--host", "127.0.0.1",
           "--port", str(port), "--workers", "1", "--default-artifact-root", str(folder / "artifacts")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        if not wait_http(port, "/health", {}, timeout=90, proc=proc):
            err = proc.stderr.read(1500).decode() if proc.poll() is not None else "did not answer /health within 90 s"
            results["rest"] = ("ms", None, f"mlflow server unavailable: {err.strip()[-300:]}")
            return
        body = json.dumps({"experiment_ids": [results["_many"]], "max_results": n["runs"]}).encode()
        seconds, size = timed_get(port, "POST", "/api/2.0/mlflow/runs/search", {"Content-Type": "application/json"}, body)
        results["rest"] = ("ms", seconds * 1000, f"{size // 1024} KiB JSON")
    finally:
        try:
            os.killpg(proc.pid, 15)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)


# -- report ----------------------------------------------------------------------------------------------

ROWS = [
    ("per_call", "per-call log_metric", "higher", ">= 100,000 points/s"),
    ("batched", "batched ingestion", "higher", ">= 300,000 points/s"),
    ("query", "runs -> DataFrame", "lower", "<= 50 ms"),
    ("history", "metric history -> DataFrame", "lower", "<= 20 ms"),
    ("rest", "REST listing of the runs", "lower", "<= 100 ms"),
    ("compare", "REST compare, downsampled", "lower", "<= 200 ms"),
    ("long_history", "REST: a long history, every page", "lower", "-"),
    ("stall", "REST: slowest other answer meanwhile", "lower", "-"),
]


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} {unit}" if unit == "points/s" else f"{value:,.1f} {unit}"


def report(n: dict[str, int], ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    labels = {"query": f"{n['runs']:,} runs -> DataFrame", "history": f"{n['history']:,}-point history -> DataFrame",
              "rest": f"REST listing of {n['runs']:,} runs"}
    header = ["measure", "labstudio", "MLflow", "labstudio vs MLflow", "target (issue 3)"]
    rows = []
    notes = []
    for key, label, better, target in ROWS:
        unit, mine, note = ours.get(key, ("", None, None))
        _, other, other_note = theirs.get(key, ("", None, None))
        ratio = "-"
        if mine and other:
            ratio = f"{(mine / other) if better == 'higher' else (other / mine):,.1f}x faster"
        rows.append([labels.get(key, label), fmt(mine, unit), fmt(other, unit) if key not in ("compare", "long_history", "stall") else "n/a", ratio, target])
        for who, text in (("labstudio", note), ("MLflow", other_note)):
            if text:
                notes.append(f"{label} ({who}): {text}")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print()
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths)))
    for note in notes:
        print(f"  note: {note}")
    print(f"\n  MLflow per-call used {n['mlflow_per_call']:,} points and log_batch {n['mlflow_batched']:,} (it is that slow); "
          "throughputs are comparable per point.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--skip-mlflow", action="store_true", help="measure labstudio only")
    parser.add_argument("--skip-rest", action="store_true", help="do not start servers")
    args = parser.parse_args()
    n = SIZES["quick" if args.quick else "full"]
    sys.path.insert(0, str(SERVER_EXT))
    root = Path(tempfile.mkdtemp(prefix="labstudio-bench-"))
    ours: dict[str, Any] = {}
    theirs: dict[str, Any] = {}
    try:
        print(f"labstudio ({'quick' if args.quick else 'full'} sizes) in {root} ...", flush=True)
        labstudio_side(n, root / "labstudio", ours)
        if not args.skip_rest:
            labstudio_rest(n, root / "labstudio", ours)
        if not args.skip_mlflow:
            print("MLflow ...", flush=True)
            (root / "mlflow").mkdir()
            try:
                mlflow_side(n, root / "mlflow", theirs)
                if not args.skip_rest:
                    mlflow_rest(n, root / "mlflow", theirs)
            except ImportError as exc:
                print(f"  MLflow is not installed ({exc}); labstudio only")
        report(n, ours, theirs)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
