"""labstudio vs MLflow experiment tracking, and both against a raw SQLite floor, in one run.

    python benchmarks/tracking.py            # the full sizes of issue 3, 5 rounds
    python benchmarks/tracking.py --quick    # small sizes, 3 rounds: a smoke run

All three write SQLite files in a fresh temporary folder (MLflow through a `sqlite:///` tracking
URI: its file store is deprecated). The floor is the least any tracker must do for the same
result: plain `sqlite3` (WAL, synchronous=NORMAL, as labstudio's store) on one table of points
(run, metric, step, value, timestamp) indexed by run, metric and step, plus runs and params
tables; points appended to a Python list and written with one executemany and one commit.
Measured:

1. per-call logging: `log_metric` in a loop until every point is in the store (floor: a list
   append per point, then one executemany);
2. batched ingestion: labstudio `Run.log_series`, MLflow `log_batch` (1,000 metrics per call, its
   limit), the floor's executemany of the whole series;
3. 1,000 runs (10 params, 5 metrics of 10 steps each) into a pandas DataFrame: `search_runs`,
   `mlflow.search_runs`, the floor's three queries (runs, params, each metric's last step) pivoted;
4. a 10,000-point metric history as a DataFrame: `Run.metric_history`,
   `MlflowClient.get_metric_history`, the floor's one SELECT;
5. listing those 1,000 runs over REST: labstudio's `/labstudio/api/runs` in a real Jupyter server,
   `mlflow server`'s `runs/search`, and a bare tornado server answering from the floor's tables;
6. `POST /runs/compare` of 100 runs x 100,000 points down to <= 1,000 points per series
   (min/max buckets): labstudio against the bare tornado floor (MLflow has no such call).

Every measurement runs in interleaved rounds (labstudio, MLflow, floor; the order rotated each
round) and prints the median with its range (min-max); the load average is printed at the start
and at the end. Servers listen on 127.0.0.1 on ports the system hands out.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import Rounds, Series, check_rounds, print_load, table

HERE = Path(__file__).resolve().parent
SERVER_EXT = HERE.parent / "server_ext"

SIZES = {
    "full": {"per_call": 300_000, "mlflow_per_call": 2_000, "batched": 1_000_000, "mlflow_batched": 50_000, "runs": 1_000,
             "history": 10_000, "compare_runs": 100, "compare_points": 100_000},
    "quick": {"per_call": 20_000, "mlflow_per_call": 200, "batched": 100_000, "mlflow_batched": 5_000, "runs": 100,
              "history": 5_000, "compare_runs": 5, "compare_points": 10_000},
}
MAX_POINTS = 1000  # per series in the compare call


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(port: int, path: str, headers: dict[str, str], timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None) -> bool:
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


class Endpoint:
    """One HTTP call on a kept-alive connection, timed per call."""

    def __init__(self, port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.method, self.path, self.headers, self.body = method, path, headers, body
        self.size = 0

    def __call__(self) -> float:
        t = time.perf_counter()
        self.conn.request(self.method, self.path, body=self.body, headers=self.headers)
        response = self.conn.getresponse()
        data = response.read()
        took = time.perf_counter() - t
        if response.status != 200:
            raise RuntimeError(f"{self.method} {self.path}: HTTP {response.status}: {data[:300]!r}")
        self.size = len(data)
        return took


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server we started, by its own process group."""
    try:
        os.killpg(proc.pid, 15)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


# -- the floor: plain sqlite3 ------------------------------------------------------------------

FLOOR_SCHEMA = """
CREATE TABLE runs (run_id INTEGER PRIMARY KEY, experiment TEXT, name TEXT, status TEXT, start_time REAL);
CREATE INDEX runs_experiment ON runs (experiment);
CREATE TABLE params (run_id INTEGER, key TEXT, value TEXT, PRIMARY KEY (run_id, key));
CREATE TABLE points (run_id INTEGER, key TEXT, step INTEGER, value REAL, ts REAL);
CREATE INDEX points_series ON points (run_id, key, step);
"""
INSERT_POINTS = "INSERT INTO points VALUES (?, ?, ?, ?, ?)"


def floor_connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Floor:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.conn = floor_connect(path)
        self.conn.executescript(FLOOR_SCHEMA)

    def new_run(self, experiment: str, name: str) -> int:
        cur = self.conn.execute("INSERT INTO runs (experiment, name, status, start_time) VALUES (?, ?, 'InProgress', ?)",
                                (experiment, name, time.time()))
        self.conn.commit()
        return int(cur.lastrowid or 0)

    def per_call(self, n: int) -> float:
        run = self.new_run("bench", "per-call")
        buffer: list[tuple[int, str, int, float, float]] = []
        append, now = buffer.append, time.time
        t = time.perf_counter()
        for i in range(n):
            append((run, "loss", i, i * 0.001, now()))
        self.conn.executemany(INSERT_POINTS, buffer)
        self.conn.commit()
        return n / (time.perf_counter() - t)

    def batched(self, values: Any) -> float:
        run = self.new_run("bench", "batched")
        t = time.perf_counter()
        now = time.time()
        self.conn.executemany(INSERT_POINTS, ((run, "loss", i, v, now) for i, v in enumerate(values.tolist())))
        self.conn.commit()
        return len(values) / (time.perf_counter() - t)

    def populate(self, n_runs: int, rng: Any) -> None:
        for i in range(n_runs):
            run = self.new_run("many", f"run-{i}")
            self.conn.executemany("INSERT INTO params VALUES (?, ?, ?)", [(run, f"p{j}", str(float(rng.random()))) for j in range(10)])
            self.conn.executemany(INSERT_POINTS, [(run, f"m{k}", s, float(rng.random()), time.time()) for k in range(5) for s in range(10)])
            self.conn.execute("UPDATE runs SET status = 'Completed' WHERE run_id = ?", (run,))
        self.conn.commit()

    def query(self, experiment: str) -> Any:
        return floor_frame(self.conn, experiment)

    def history(self, run: int, key: str) -> Any:
        import pandas as pd

        rows = self.conn.execute("SELECT step, value, ts FROM points WHERE run_id = ? AND key = ? ORDER BY step", (run, key)).fetchall()
        return pd.DataFrame(rows, columns=["step", "value", "timestamp"])


def floor_frame(conn: sqlite3.Connection, experiment: str) -> Any:
    """Runs with their params and each metric's last value as one DataFrame (search_runs' shape)."""
    import pandas as pd

    runs = pd.read_sql_query("SELECT run_id, name, status, start_time FROM runs WHERE experiment = ?", conn, params=(experiment,))
    params = pd.read_sql_query(
        "SELECT p.run_id, p.key, p.value FROM params p JOIN runs r USING (run_id) WHERE r.experiment = ?", conn, params=(experiment,))
    latest = pd.read_sql_query(
        "SELECT m.run_id, m.key, m.value FROM points m JOIN (SELECT p.run_id, p.key, MAX(p.step) AS step FROM points p "
        "JOIN runs r USING (run_id) WHERE r.experiment = ? GROUP BY p.run_id, p.key) last USING (run_id, key, step)",
        conn, params=(experiment,))
    frame = runs.set_index("run_id")
    frame = frame.join(params.pivot(index="run_id", columns="key", values="value").add_prefix("params."))
    return frame.join(latest.pivot(index="run_id", columns="key", values="value").add_prefix("metrics.")).reset_index()


FLOOR_SERVER = r'''
"""A bare tornado server over the floor's SQLite file: the least a REST tracker must do."""
import json, sqlite3, sys
import numpy as np
import tornado.httpserver, tornado.ioloop, tornado.netutil, tornado.web

conn = sqlite3.connect(sys.argv[1])

class Runs(tornado.web.RequestHandler):
    def get(self):
        experiment, limit = self.get_argument("experiment"), int(self.get_argument("limit", "1000"))
        runs = {r[0]: {"run_id": r[0], "name": r[1], "status": r[2], "start_time": r[3], "params": {}, "metrics": {}}
                for r in conn.execute("SELECT run_id, name, status, start_time FROM runs WHERE experiment = ? ORDER BY run_id LIMIT ?",
                                      (experiment, limit))}
        for run, key, value in conn.execute("SELECT p.run_id, p.key, p.value FROM params p JOIN runs r USING (run_id) WHERE r.experiment = ?",
                                            (experiment,)):
            if run in runs:
                runs[run]["params"][key] = value
        for run, key, value in conn.execute(
                "SELECT m.run_id, m.key, m.value FROM points m JOIN (SELECT p.run_id, p.key, MAX(p.step) AS step FROM points p "
                "JOIN runs r USING (run_id) WHERE r.experiment = ? GROUP BY p.run_id, p.key) last USING (run_id, key, step)", (experiment,)):
            if run in runs:
                runs[run]["metrics"][key] = value
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"runs": list(runs.values())}))

class Compare(tornado.web.RequestHandler):
    def post(self):
        body = json.loads(self.request.body)
        out = []
        for run in body["runs"]:
            for key in body["metrics"]:
                rows = conn.execute("SELECT step, value FROM points WHERE run_id = ? AND key = ? ORDER BY step", (run, key)).fetchall()
                data = np.asarray(rows, dtype=float).reshape(-1, 2)
                buckets = max(1, body["max_points"] // 2)
                if len(data) > body["max_points"]:  # min and max of each bucket, vectorised
                    width = -(-len(data) // buckets)
                    used = -(-len(data) // width)  # buckets that hold points
                    values = np.full(used * width, np.nan)
                    values[: len(data)] = data[:, 1]
                    rows_ = values.reshape(used, width)
                    base = np.arange(used) * width
                    keep = np.unique(np.concatenate([base + np.nanargmin(rows_, axis=1), base + np.nanargmax(rows_, axis=1)]))
                    data = data[keep]
                out.append({"run": run, "metric": key, "steps": data[:, 0].astype(int).tolist(), "values": data[:, 1].tolist()})
        self.set_header("Content-Type", "application/json")
        self.write(json.dumps({"series": out}))

app = tornado.web.Application([(r"/runs", Runs), (r"/runs/compare", Compare)])
sockets = tornado.netutil.bind_sockets(0, address="127.0.0.1")  # a port the system hands out
tornado.httpserver.HTTPServer(app).add_sockets(sockets)
print(sockets[0].getsockname()[1], flush=True)
tornado.ioloop.IOLoop.current().start()
'''


# -- labstudio ---------------------------------------------------------------------------------


class Labstudio:
    def __init__(self, home: Path) -> None:
        os.environ["LABSTUDIO_HOME"] = str(home)
        os.environ.pop("LABSTUDIO_DB_URL", None)
        os.environ.pop("LABSTUDIO_ARTIFACT_URI", None)
        from labstudio import Run
        from labstudio.core import Core

        self.home = home
        self.core = Core.from_env()
        with Run(experiment_name="warm-up") as run:  # first statements prepared, pool connection open
            run.log_metric("x", 1.0)
        self.history_run: Any = None
        self.compare_ids: list[str] = []

    def per_call(self, n: int) -> float:
        from labstudio import Run

        run = Run(experiment_name="bench", run_name="per-call")
        log = run.log_metric
        t = time.perf_counter()
        for i in range(n):
            log("loss", i * 0.001)
        run.close()
        return n / (time.perf_counter() - t)

    def batched(self, values: Any) -> float:
        from labstudio import Run

        run = Run(experiment_name="bench", run_name="batched")
        t = time.perf_counter()
        run.log_series("loss", values)
        run.close()
        return len(values) / (time.perf_counter() - t)

    def populate(self, n: dict[str, int], rng: Any) -> None:
        """The read side's data, written straight to the store (not timed)."""
        from labstudio import Run, search_runs
        from labstudio.store import runs as runs_store
        from labstudio.store.ingest import write_points

        with self.core.db.write() as conn:
            for i in range(n["runs"]):
                rid = runs_store.create_run(conn, experiment_name="many", name=f"run-{i}", status="Completed", start_time=time.time())
                runs_store.set_params(conn, rid, {f"p{j}": float(rng.random()) for j in range(10)})
                write_points(conn, rid, [(f"m{k}", float(rng.random()), s, time.time()) for k in range(5) for s in range(10)])
        assert len(search_runs("many")) == n["runs"]
        with Run(experiment_name="bench", run_name="history") as run:
            run.log_series("loss", rng.normal(size=n["history"]))
        assert len(run.metric_history("loss")) == n["history"]
        self.history_run = run

    def populate_compare(self, series: Any, runs: int) -> None:
        from labstudio import Run

        for i in range(runs):
            with Run(experiment_name="compare", run_name=f"c{i}") as run:
                run.log_series("loss", series + i)
            self.compare_ids.append(run.run_id)

    def query(self) -> Any:
        from labstudio import search_runs

        return search_runs("many")

    def history(self) -> Any:
        return self.history_run.metric_history("loss")

    def server(self) -> tuple[subprocess.Popen[bytes], int, dict[str, str]]:
        port, token = free_port(), "benchtoken"
        env = {**os.environ, "LABSTUDIO_HOME": str(self.home), "PYTHONPATH": os.pathsep.join([str(SERVER_EXT), *sys.path])}
        cmd = [sys.executable, "-m", "jupyter_server", f"--port={port}", "--ip=127.0.0.1", "--no-browser", "--allow-root",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={self.home}",
               "--ServerApp.jpserver_extensions={'labstudio': True}", "--ServerApp.log_level=WARN"]  # fmt: skip
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        return proc, port, {"Authorization": f"token {token}"}


# -- MLflow ------------------------------------------------------------------------------------


class Mlflow:
    def __init__(self, folder: Path) -> None:
        import logging
        import warnings

        warnings.filterwarnings("ignore")
        logging.getLogger("mlflow").setLevel(logging.ERROR)
        logging.getLogger("alembic").setLevel(logging.ERROR)
        import mlflow
        from mlflow.tracking import MlflowClient

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.uri = f"sqlite:///{folder / 'mlflow.db'}"
        mlflow.set_tracking_uri(self.uri)
        self.client = MlflowClient(self.uri)
        self.exp = self.client.create_experiment("bench", artifact_location=str(folder / "artifacts"))
        run = self.client.create_run(self.exp)  # warm-up: schema, first statements
        self.client.log_metric(run.info.run_id, "x", 1.0)
        self.many = ""
        self.n_runs = 0
        self.history_run = ""

    def per_call(self, n: int) -> float:
        run = self.client.create_run(self.exp).info.run_id
        log = self.client.log_metric
        t = time.perf_counter()
        for i in range(n):
            log(run, "loss", i * 0.001, step=i)
        return n / (time.perf_counter() - t)

    def batched(self, values: Any) -> float:
        from mlflow.entities import Metric

        run = self.client.create_run(self.exp).info.run_id
        now = int(time.time() * 1000)
        t = time.perf_counter()
        for start in range(0, len(values), 1000):
            chunk = values[start : start + 1000]
            self.client.log_batch(run, metrics=[Metric("loss", float(v), now, start + j) for j, v in enumerate(chunk)])
        return len(values) / (time.perf_counter() - t)

    def populate(self, n: dict[str, int], rng: Any) -> None:
        import mlflow
        from mlflow.entities import Metric, Param

        now = int(time.time() * 1000)
        self.many = self.client.create_experiment("many", artifact_location=str(self.folder / "artifacts"))
        for i in range(n["runs"]):
            r = self.client.create_run(self.many, run_name=f"run-{i}")
            self.client.log_batch(
                r.info.run_id,
                metrics=[Metric(f"m{k}", float(rng.random()), now, s) for k in range(5) for s in range(10)],
                params=[Param(f"p{j}", str(rng.random())) for j in range(10)],
            )
            self.client.set_terminated(r.info.run_id)
        assert len(mlflow.search_runs([self.many], max_results=n["runs"])) == n["runs"]
        self.n_runs = n["runs"]
        run = self.client.create_run(self.exp).info.run_id
        values = rng.normal(size=n["history"])
        for start in range(0, len(values), 1000):
            self.client.log_batch(run, metrics=[Metric("loss", float(v), now, start + j) for j, v in enumerate(values[start : start + 1000])])
        self.history_run = run

    def query(self) -> Any:
        import mlflow

        return mlflow.search_runs([self.many], max_results=self.n_runs)

    def history(self) -> Any:
        import pandas as pd

        points = self.client.get_metric_history(self.history_run, "loss")
        return pd.DataFrame({"step": [p.step for p in points], "value": [p.value for p in points], "timestamp": [p.timestamp for p in points]})

    def server(self) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        cmd = [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", self.uri, "--host", "127.0.0.1",
               "--port", str(port), "--workers", "1", "--default-artifact-root", str(self.folder / "artifacts")]  # fmt: skip
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
        return proc, port


# -- the run -----------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> Callable[[], float]:
    def run() -> float:
        t = time.perf_counter()
        fn()
        return time.perf_counter() - t

    return run


ROWS = [  # key, label, unit, higher is better, target (issue 3)
    ("per_call", "per-call log_metric", "points/s", True, ">= 100,000 points/s"),
    ("batched", "batched ingestion", "points/s", True, ">= 300,000 points/s"),
    ("query", "runs -> DataFrame", "ms", False, "<= 50 ms"),
    ("history", "metric history -> DataFrame", "ms", False, "<= 20 ms"),
    ("rest", "REST listing of the runs", "ms", False, "<= 100 ms"),
    ("compare", "REST compare, downsampled", "ms", False, "<= 200 ms"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes and 3 rounds: a smoke run")
    parser.add_argument("--rounds", type=int, help="interleaved rounds per measurement (default 5; 3 with --quick)")
    parser.add_argument("--skip-mlflow", action="store_true", help="measure labstudio and the floor only")
    parser.add_argument("--skip-rest", action="store_true", help="do not start servers")
    args = parser.parse_args()
    n = SIZES["quick" if args.quick else "full"]
    rounds = args.rounds or (3 if args.quick else 5)
    print_load("start")
    check_rounds(rounds)
    sys.path.insert(0, str(SERVER_EXT))
    import numpy as np

    root = Path(tempfile.mkdtemp(prefix="labstudio-bench-"))
    results: dict[str, dict[str, Series]] = {}  # key -> side -> series
    notes: list[str] = []
    servers: list[subprocess.Popen[bytes]] = []
    try:
        print(f"sizes: {'quick' if args.quick else 'full'}; {rounds} rounds; data in {root}", flush=True)
        lab = Labstudio(root / "labstudio")
        floor = Floor(root / "floor.db")
        mlf: Mlflow | None = None
        if not args.skip_mlflow:
            try:
                mlf = Mlflow(root / "mlflow")
            except ImportError as exc:
                notes.append(f"MLflow is not installed ({exc}): labstudio and the floor only")

        def measure(key: str, steps: dict[str, Callable[[], float]]) -> None:
            bench = Rounds(rounds, key)
            bench.run(steps, optional={"MLflow"})
            results[key] = {side: figures["value"] for side, figures in bench.results.items()}
            notes.extend(f"{key} ({side}): failed and left out: {why}" for side, why in bench.failed.items())

        values = np.random.default_rng(0).normal(size=n["batched"])
        mvalues = values[: n["mlflow_batched"]]
        steps: dict[str, Callable[[], float]] = {"labstudio": lambda: lab.per_call(n["per_call"]), "floor": lambda: floor.per_call(n["per_call"])}
        if mlf:
            steps["MLflow"] = lambda: mlf.per_call(n["mlflow_per_call"])
        measure("per_call", steps)
        steps = {"labstudio": lambda: lab.batched(values), "floor": lambda: floor.batched(values)}
        if mlf:
            steps["MLflow"] = lambda: mlf.batched(mvalues)
        measure("batched", steps)

        print("writing the read side's data (not timed) ...", file=sys.stderr, flush=True)
        lab.populate(n, np.random.default_rng(1))
        floor.populate(n["runs"], np.random.default_rng(1))
        floor_history = floor.new_run("bench", "history")
        floor.conn.executemany(INSERT_POINTS, ((floor_history, "loss", i, float(v), time.time())
                                               for i, v in enumerate(np.random.default_rng(2).normal(size=n["history"]))))
        floor.conn.commit()
        if mlf:
            mlf.populate(n, np.random.default_rng(1))
        steps = {"labstudio": timed(lab.query), "floor": timed(lambda: floor.query("many"))}
        if mlf:
            steps["MLflow"] = timed(mlf.query)
        measure("query", steps)
        steps = {"labstudio": timed(lab.history), "floor": timed(lambda: floor.history(floor_history, "loss"))}
        if mlf:
            steps["MLflow"] = timed(mlf.history)
        measure("history", steps)

        if not args.skip_rest:
            rest(n, rounds, lab, floor, mlf, root, servers, measure, notes)
        report(n, rounds, results, notes)
    finally:
        for proc in servers:
            stop(proc)
        shutil.rmtree(root, ignore_errors=True)
    print_load("end")
    return 0


def rest(n: dict[str, int], rounds: int, lab: Labstudio, floor: Floor, mlf: Mlflow | None, root: Path,
         servers: list[subprocess.Popen[bytes]], measure: Callable[[str, dict[str, Callable[[], float]]], None], notes: list[str]) -> None:
    import numpy as np

    series = np.cumsum(np.random.default_rng(3).normal(size=n["compare_points"]))
    print("writing the compare runs (not timed) ...", file=sys.stderr, flush=True)
    lab.populate_compare(series, n["compare_runs"])
    floor_ids = []
    for i in range(n["compare_runs"]):
        run = floor.new_run("compare", f"c{i}")
        floor.conn.executemany(INSERT_POINTS, ((run, "loss", s, float(v), 0.0) for s, v in enumerate((series + i).tolist())))
        floor_ids.append(run)
    floor.conn.commit()

    lab_proc, lab_port, headers = lab.server()
    servers.append(lab_proc)
    floor_proc = subprocess.Popen([sys.executable, "-c", FLOOR_SERVER, str(floor.path)], stdout=subprocess.PIPE, start_new_session=True)
    servers.append(floor_proc)
    assert floor_proc.stdout is not None
    floor_port = int(floor_proc.stdout.readline())
    mlf_port = None
    if mlf:
        mlf_proc, port = mlf.server()
        servers.append(mlf_proc)
        if wait_http(port, "/health", {}, proc=mlf_proc):
            mlf_port = port
        else:
            err = mlf_proc.stderr.read(1500).decode() if mlf_proc.stderr and mlf_proc.poll() is not None else "no answer to /health in 120 s"
            notes.append(f"mlflow server unavailable: {err.strip()[-300:]}")
    if not wait_http(lab_port, "/labstudio/api/experiments", headers, proc=lab_proc):
        err = lab_proc.stderr.read(2000).decode() if lab_proc.stderr and lab_proc.poll() is not None else "timeout"
        notes.append(f"jupyter server did not start: {err}")
        return

    query = urllib.parse.urlencode({"experiment": "many", "limit": n["runs"]})
    listing = {
        "labstudio": Endpoint(lab_port, "GET", f"/labstudio/api/runs?{query}", headers),
        "floor": Endpoint(floor_port, "GET", f"/runs?{query}", {}),
    }
    if mlf_port:
        body = json.dumps({"experiment_ids": [mlf.many], "max_results": n["runs"]}).encode() if mlf else b""
        listing["MLflow"] = Endpoint(mlf_port, "POST", "/api/2.0/mlflow/runs/search", {"Content-Type": "application/json"}, body)
    for call in listing.values():
        call()  # warm-up: connection, caches
    measure("rest", dict(listing))
    notes.append("REST listing sizes: " + ", ".join(f"{side} {call.size // 1024} KiB JSON" for side, call in listing.items()))

    json_headers = {"Content-Type": "application/json"}
    compare = {
        "labstudio": Endpoint(lab_port, "POST", "/labstudio/api/runs/compare", {**headers, **json_headers},
                              json.dumps({"runs": lab.compare_ids, "metrics": ["loss"], "max_points": MAX_POINTS}).encode()),
        "floor": Endpoint(floor_port, "POST", "/runs/compare", json_headers,
                          json.dumps({"runs": floor_ids, "metrics": ["loss"], "max_points": MAX_POINTS}).encode()),
    }
    for call in compare.values():
        call()
    measure("compare", dict(compare))
    notes.append(f"compare: {n['compare_runs']} runs x {n['compare_points']:,} points -> <= {MAX_POINTS} each (min/max buckets)")


def report_row(sides: dict[str, Series], label: str, unit: str, higher: bool, target: str) -> list[str]:
    """One measure: each side's median (range), labstudio's speed against MLflow and the floor, the target."""
    scale, digits = (1.0, 0) if unit == "points/s" else (1000.0, 1)

    def show(side: str) -> str:
        s = sides.get(side)
        return s.show(scale, digits, unit) if s else "-"

    def speed(other: str) -> str:
        mine, theirs = sides.get("labstudio"), sides.get(other)
        if not mine or not theirs:
            return "-"
        return f"{(mine.median / theirs.median if higher else theirs.median / mine.median):,.2f}x"

    ok = "-"
    lab = sides.get("labstudio")
    if lab:
        limit, value = float(target.split()[1].replace(",", "")), lab.median * scale
        ok = "met" if (value >= limit if higher else value <= limit) else "NOT met"
    return [label, show("labstudio"), show("MLflow"), show("floor"), speed("MLflow"), speed("floor"), f"{target}: {ok}"]


def report(n: dict[str, int], rounds: int, results: dict[str, dict[str, Series]], notes: list[str]) -> None:
    labels = {"query": f"{n['runs']:,} runs -> DataFrame", "history": f"{n['history']:,}-point history -> DataFrame",
              "rest": f"REST listing of {n['runs']:,} runs"}
    rows = []
    for key, label, unit, higher, target in ROWS:
        if key in results:
            rows.append(report_row(results[key], labels.get(key, label), unit, higher, target))
    print(f"\ntracking: medians of {rounds} interleaved rounds (min-max)\n")
    table(["measure", "labstudio", "MLflow", "floor (sqlite3)", "labstudio speed vs MLflow", "labstudio speed vs floor", "target (issue 3)"], rows)
    print("\n  speed ratios: > 1 means labstudio is faster (higher rate, or shorter time). Against the floor a read can be > 1:"
          "\n  labstudio's store does work at write time (each metric's last value, downsampled buckets) that the raw floor does per read.")
    print(f"  MLflow per-call used {n['mlflow_per_call']:,} points and log_batch {n['mlflow_batched']:,} (it is that slow); "
          "rates are per point, so comparable.")
    for note in notes:
        print(f"  note: {note}")


if __name__ == "__main__":
    sys.exit(main())
