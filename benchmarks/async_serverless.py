"""Asynchronous and serverless inference, and a guarded update's rollback, each next to its floor.

In interleaved rounds (the order rotated each round), in a labstudio home of its own, with one
scikit-learn LogisticRegression on iris served by one worker:
  * realtime  — N single-row JSON requests to a real-time endpoint from 4 client threads on
                kept-alive connections: requests/s (the floor of the asynchronous figure)
  * async     — the same N requests queued on an asynchronous endpoint (payload files, then
                ``invoke_async`` for each, from 4 client threads), timed from the first request
                queued to the last result written: requests/s, every result checked
  * serverless — a serverless endpoint left idle until it has no worker, then one request: the
                cold start the endpoint reports (request to model loaded) and the request's wall
                time, against the floor: a fresh Python importing scikit-learn and joblib and
                loading the model (what any server pays to start)
  * rollback  — a canary update to a broken model (every request a 500) under client traffic,
                watched by an ``Invocation5XXErrors > 0`` alarm: seconds from the canary taking
                traffic to the rollback decision, against the wait interval

Goals (issue 25): async throughput >= 0.8x real-time; serverless cold start <= 1.2x the model's
import and load; rollback decided within one wait interval plus 1 s. Medians over the rounds
with ranges, and the load average at the start and the end.

    python benchmarks/async_serverless.py [--requests 1000] [--rounds 3] [--wait-interval 5] [--quick]
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import Rounds, check_rounds, print_load, ratio, table, verdict

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "server_ext"))

BROKEN = "def model_fn(model_dir):\n    return None\n\n\ndef transform_fn(model, body, content_type, accept):\n    raise RuntimeError('broken')\n"


def make_model(folder: Path) -> tuple[Path, list[list[float]]]:
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    model_dir = folder / "model"
    model_dir.mkdir(parents=True)
    joblib.dump(LogisticRegression(max_iter=500).fit(X, y), model_dir / "model.joblib")
    return model_dir, X[:1].tolist()


def _client(url: str, body: bytes, count: int, errors: list[int]) -> None:
    host, _, port = url.split("://", 1)[1].partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    for _ in range(count):
        conn.request("POST", "/invocations", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            errors.append(response.status)
    conn.close()


def realtime_rate(url: str, row: list[list[float]], n: int, threads: int = 4) -> float:
    body = json.dumps(row).encode()
    errors: list[int] = []
    workers = [threading.Thread(target=_client, args=(url, body, n // threads, errors)) for _ in range(threads)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"the real-time endpoint answered {len(errors)} errors")
    return (n // threads) * threads / elapsed


def async_rate(endpoints, name: str, folder: Path, row: list[list[float]], n: int) -> float:
    payloads = folder / f"payloads-{time.time_ns()}"
    payloads.mkdir()
    paths = []
    for i in range(n):
        path = payloads / f"{i}.json"
        path.write_text(json.dumps(row))
        paths.append(path)
    answers: list[dict[str, str]] = []

    def submit(share: list[Path]) -> None:  # clients queue concurrently, as the real-time figure's do
        for path in share:
            answers.append(endpoints.invoke_async(name, {"InputLocation": str(path), "ContentType": "application/json"}))

    submitters = [threading.Thread(target=submit, args=(paths[i::4],)) for i in range(4)]
    start = time.perf_counter()
    for t in submitters:
        t.start()
    for t in submitters:
        t.join()
    from labstudio.store import async_queue

    while True:  # the store's count, not a whole describe, so the client's polling costs little
        with endpoints.db.read() as conn:
            if async_queue.backlog(conn, name) == 0:
                break
        time.sleep(0.01)
    elapsed = time.perf_counter() - start
    missing = [a for a in answers if not Path(a["OutputLocation"][len("file://"):]).exists()]
    if missing:
        raise RuntimeError(f"{len(missing)} asynchronous results are missing, e.g. {missing[0]}")
    return n / elapsed


def import_and_load(model_dir: Path) -> float:
    code = ("import time; t = time.perf_counter(); import joblib, sklearn.linear_model; "
            f"joblib.load({str(model_dir / 'model.joblib')!r}); print(time.perf_counter() - t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())  # imports and load in a fresh interpreter (a forked worker pays no interpreter start either)


def cold_start(endpoints, name: str, row: list[list[float]]) -> dict[str, float]:
    deadline = time.monotonic() + 60
    while endpoints.describe(name)["ProductionVariants"][0]["CurrentInstanceCount"] != 0:
        if time.monotonic() > deadline:
            raise RuntimeError("the serverless endpoint did not go idle")
        time.sleep(0.1)
    url = endpoints.describe(name)["EndpointUrl"]
    start = time.perf_counter()
    _client(url, json.dumps(row).encode(), 1, [])
    wall = time.perf_counter() - start
    figures = endpoints.describe(name)["ProductionVariants"][0]["ServerlessMetrics"]
    return {"cold_start": figures["LastColdStartMs"] / 1000.0, "wall": wall}


def rollback_decision(endpoints, name: str, folder: Path, wait_interval: int) -> float:
    from labstudio.serving import alarms

    code = folder / f"broken-{time.time_ns()}"
    code.mkdir()
    (code / "inference.py").write_text(BROKEN)
    model = folder / "model"
    alarms.put(endpoints.db, {
        "AlarmName": f"{name}-5xx", "MetricName": "Invocation5XXErrors", "Statistic": "Sum", "EvaluationPeriods": 1, "Threshold": 0,
        "ComparisonOperator": "GreaterThanThreshold", "Dimensions": [{"Name": "EndpointName", "Value": name}],
    })
    url = endpoints.describe(name)["EndpointUrl"]
    stop = threading.Event()

    def traffic() -> None:
        host, _, port = url.split("://", 1)[1].partition(":")
        while not stop.is_set():
            try:
                conn = http.client.HTTPConnection(host, int(port), timeout=30)
                conn.request("POST", "/invocations", body=b"[[5.1, 3.5, 1.4, 0.2]]", headers={"Content-Type": "application/json"})
                conn.getresponse().read()
                conn.close()
            except OSError:
                pass
            stop.wait(0.02)

    thread = threading.Thread(target=traffic, daemon=True)
    thread.start()
    try:
        described = endpoints.update(name, {
            "ProductionVariants": [{"VariantName": "AllTraffic", "Source": str(model), "SourceDir": str(code)}],
            "DeploymentConfig": {
                "BlueGreenUpdatePolicy": {"TrafficRoutingConfiguration": {"Type": "CANARY", "WaitIntervalInSeconds": wait_interval,
                                                                          "CanarySize": {"Type": "CAPACITY_PERCENT", "Value": 50}}},
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": f"{name}-5xx"}]},
            },
        }, wait=True, timeout=300)
    finally:
        stop.set()
        thread.join(30)
    steps = described["DeploymentProgress"]["Steps"]
    if described["DeploymentProgress"]["Status"] != "RolledBack":
        raise RuntimeError(f"the broken canary was not rolled back: {described['DeploymentProgress']}")
    shifted = next(s["Time"] for s in steps if s["Event"] == "Shifted")
    tripped = next(s["Time"] for s in steps if s["Event"] == "AlarmTripped")
    return float(tripped - shifted)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wait-interval", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="200 requests, one round")
    args = parser.parse_args()
    if args.quick:
        args.requests, args.rounds = 200, 1
    print_load("start")
    check_rounds(args.rounds)
    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-async-"))
    home = work / "home"
    os.environ.update({
        "LABSTUDIO_HOME": str(home), "LABSTUDIO_DB_URL": f"sqlite:///{home / 'labstudio.db'}",
        "LABSTUDIO_ARTIFACT_URI": str(home / "artifacts"), "LABSTUDIO_SERVERLESS_IDLE_SECONDS": "1",
    })
    from labstudio.core import Core

    core = Core.from_env()
    endpoints = core.endpoints
    model_dir, row = make_model(work)
    try:
        rt = endpoints.deploy(str(model_dir), name="bench-rt", wait=True, timeout=300)
        endpoints.create({"EndpointName": "bench-async", "Source": str(model_dir),
                          "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": str(work / "results")},
                                                   "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 4}}}, wait=True, timeout=300)
        endpoints.create({"EndpointName": "bench-sls", "Source": str(model_dir),
                          "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 4}}, wait=True, timeout=300)
        endpoints.deploy(str(model_dir), name="bench-canary", wait=True, timeout=300)
        rounds = Rounds(args.rounds, "async/serverless")
        results = rounds.run({
            "realtime": lambda: realtime_rate(rt["EndpointUrl"], row, args.requests),
            "async": lambda: async_rate(endpoints, "bench-async", work, row, args.requests),
            "import+load": lambda: import_and_load(model_dir),
            "serverless": lambda: cold_start(endpoints, "bench-sls", row),
        })
        decision = rollback_decision(endpoints, "bench-canary", work, args.wait_interval)
    finally:
        for item in endpoints.list()["Endpoints"]:
            try:
                endpoints.delete(item["EndpointName"], timeout=15)
            except Exception as exc:
                print(f"deleting {item['EndpointName']} failed: {exc}", file=sys.stderr)
    realtime, queued = rounds.get("realtime"), rounds.get("async")
    floor, cold, wall = rounds.get("import+load"), rounds.get("serverless", "cold_start"), rounds.get("serverless", "wall")
    print()
    table(["figure", "labstudio", "floor", "ratio", "goal"], [
        [f"async throughput, {args.requests} requests (req/s)", queued.show(digits=0) if queued else "-",
         realtime.show(digits=0) if realtime else "-", ratio(queued, realtime),
         f">= 0.80x: {verdict(bool(queued and realtime and queued.median >= 0.8 * realtime.median))}"],
        ["serverless cold start (ms)", cold.show(1000) if cold else "-", floor.show(1000) if floor else "-", ratio(cold, floor),
         f"<= 1.20x import+load: {verdict(bool(cold and floor and cold.median <= 1.2 * floor.median))}"],
        ["serverless first request, wall (ms)", wall.show(1000) if wall else "-", floor.show(1000) if floor else "-", ratio(wall, floor), "-"],
        ["canary rollback decided after (s)", f"{decision:.2f}", f"{args.wait_interval} (wait interval)", f"{decision / args.wait_interval:.2f}x",
         f"<= interval + 1 s: {verdict(decision <= args.wait_interval + 1)}"],
    ])
    print()
    print_load("end")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
