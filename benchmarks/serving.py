"""Serving speed, side by side: the bare-tornado floor, a labstudio endpoint, `mlflow models serve`.

    python benchmarks/serving.py                 # 10 s per server, concurrency 8, 3 rounds (medians)
    python benchmarks/serving.py --quick         # 2 s per server, MLflow only with --mlflow
    python benchmarks/serving.py --duration 30 --workers 2

Each server is started as its own process and timed from spawn to the first 200 on
/ping (start-up), then driven by the same client: single-row JSON POSTs to /invocations
on kept-alive connections, ``--concurrency`` at a time, for ``--duration`` seconds after a
short warm-up. The model is the same scikit-learn Ridge on load_diabetes for all three.
Also printed: the time a bare Python takes to import the model's libraries and load the
model (what every server pays), so start-up overhead can be read against it.
The labstudio endpoint is measured twice for start-up: the model server alone
(``python -m labstudio.serving.server``) and a full ``EndpointService.deploy`` (snapshot,
store writes, supervisor, worker).

Goals (issue 4): labstudio >= 0.9x the floor's rps, p99 <= 2x the floor's, start-up <= 0.3 s
over the import time.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "server_ext"

FLOOR_SERVER = r'''
import json, sys
import joblib, numpy as np
from tornado import ioloop, web, httpserver

model = joblib.load(sys.argv[2])

class Ping(web.RequestHandler):
    def get(self):
        self.finish()

class Invocations(web.RequestHandler):
    def post(self):
        rows = np.array(json.loads(self.request.body))
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(model.predict(rows).tolist()))

app = web.Application([(r"/ping", Ping), (r"/invocations", Invocations)], log_function=lambda h: None)
httpserver.HTTPServer(app).listen(int(sys.argv[1]), "127.0.0.1")
ioloop.IOLoop.current().start()
'''

IMPORT_ONLY = "import sys, joblib, numpy, sklearn.linear_model; joblib.load(sys.argv[1])"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def env_with_package() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def wait_ping(port: int, started: float, timeout: float = 120.0, proc: subprocess.Popen[bytes] | None = None) -> float:
    """Seconds from `started` to the first 200 on /ping."""
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.005)
    raise TimeoutError(f"no 200 on /ping of port {port} within {timeout} s")


# -- the client ---------------------------------------------------------------------


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> int:
    writer.write(request)
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return status


async def _drive(port: int, body: bytes, concurrency: int, duration: float, warmup: float) -> dict[str, Any]:
    request = (
        f"POST /invocations HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    measure_from = loop.time() + warmup
    stop_at = measure_from + duration

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            while True:
                start = time.perf_counter()
                now = loop.time()
                if now >= stop_at:
                    return
                try:
                    status = await _one(reader, writer, request)
                except (ConnectionError, asyncio.IncompleteReadError):
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                    status = 599
                if now >= measure_from:
                    latencies.append(time.perf_counter() - start)
                    if status != 200:
                        errors += 1
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    latencies.sort()
    n = len(latencies)

    def pct(q: float) -> float:
        return latencies[min(n - 1, int(q * n))] * 1000 if n else float("nan")

    return {"requests": n, "errors": errors, "rps": n / duration, "p50_ms": pct(0.50), "p99_ms": pct(0.99), "mean_ms": statistics.fmean(latencies) * 1000 if n else float("nan")}


def drive(port: int, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    return asyncio.run(_drive(port, body, args.concurrency, args.duration, args.warmup))


# -- the servers --------------------------------------------------------------------


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def bench_floor(work: Path, model_file: Path, body: bytes, args: argparse.Namespace) -> dict[str, Any]:
    script = work / "floor_server.py"
    script.write_text(FLOOR_SERVER)
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(script), str(port), str(model_file)], start_new_session=True)
    try:
        startup = wait_ping(port, started, proc=proc)
        return {"startup_s": startup, **drive(port, body, args)}
    finally:
        stop(proc)


def bench_labstudio(work: Path, model_dir: Path, body: bytes, args: argparse.Namespace, with_deploy: bool = True) -> dict[str, Any]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "labstudio.serving.server", "--model-dir", str(model_dir), "--port", str(port), "--workers", str(args.workers)],
        env=env_with_package(), start_new_session=True, stderr=subprocess.DEVNULL,
    )
    try:
        startup = wait_ping(port, started, proc=proc)
        result = {"startup_s": startup, **drive(port, body, args)}
    finally:
        stop(proc)
    if with_deploy:
        result["deploy_startup_s"] = _deploy_startup(work, model_dir, args)
    return result


def _deploy_startup(work: Path, model_dir: Path, args: argparse.Namespace) -> float | None:
    """Start-up through the whole service (what `labstudio deploy` does), in its own home."""
    env = env_with_package()
    home = work / "labstudio-home"
    env.update({"LABSTUDIO_HOME": str(home), "LABSTUDIO_DB_URL": f"sqlite:///{home / 'labstudio.db'}", "LABSTUDIO_ARTIFACT_URI": str(home / "artifacts")})
    code = (
        "import time, json, sys, urllib.request\n"
        "from labstudio.core import Core\n"
        "core = Core.from_env(); core.endpoints.list()\n"  # store opened and migrated before the clock starts
        "t = time.perf_counter()\n"
        f"d = core.endpoints.deploy({str(model_dir)!r}, name='bench', workers={args.workers}, wait=False)\n"
        "port = d['Port']\n"
        "while True:\n"
        "    try:\n"
        "        urllib.request.urlopen(f'http://127.0.0.1:{port}/ping', timeout=5); break\n"
        "    except OSError: time.sleep(0.005)\n"
        "print(json.dumps(time.perf_counter() - t))\n"
        "core.endpoints.delete('bench')\n"
    )
    try:
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180, check=True)
        return float(out.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, ValueError) as exc:
        print(f"  (deploy start-up not measured: {exc})", file=sys.stderr)
        return None


def bench_mlflow(work: Path, model: Any, sample: Any, body: bytes, args: argparse.Namespace) -> dict[str, Any] | None:
    try:
        import mlflow.sklearn
    except ImportError:
        print("MLflow is not installed: skipping `mlflow models serve`", file=sys.stderr)
        return None
    target = work / "mlflow-model"
    if not target.exists():
        mlflow.sklearn.save_model(model, str(target), input_example=sample)
    env = dict(os.environ)  # `mlflow models serve` execs uvicorn by name: the venv's bin must be on PATH
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    mlflow_bin = shutil.which("mlflow", path=os.path.dirname(sys.executable)) or shutil.which("mlflow")
    command = [mlflow_bin] if mlflow_bin else [sys.executable, "-m", "mlflow"]
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        command + ["models", "serve", "-m", str(target), "-p", str(port), "-h", "127.0.0.1", "--env-manager", "local", "-w", str(args.workers)],
        start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
    )
    try:
        startup = wait_ping(port, started, timeout=180, proc=proc)
        return {"startup_s": startup, **drive(port, json.dumps({"inputs": json.loads(body)}).encode(), args)}
    finally:
        stop(proc)


def import_time(model_file: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", IMPORT_ONLY, str(model_file)], check=True)
    return time.perf_counter() - started


# -- report -------------------------------------------------------------------------


def median_result(items: list[dict[str, Any]]) -> dict[str, Any]:
    """Per figure, the median over the rounds (rounds = 1: the figures as measured)."""
    out: dict[str, Any] = {}
    for key in items[0]:
        values = [i[key] for i in items if isinstance(i.get(key), (int, float))]
        out[key] = statistics.median(values) if values else items[0][key]
    out["errors"] = sum(i["errors"] for i in items)
    out["rounds"] = len(items)
    return out


def report(results: dict[str, dict[str, Any]], imports: float, args: argparse.Namespace) -> None:
    floor = results["floor"]
    print(f"\nconcurrency {args.concurrency}, {args.duration:g} s per server and round, {args.rounds} round(s) (medians), single-row JSON, workers {args.workers}")
    print(f"import model libraries + load model (bare python): {imports:.2f} s\n")
    print(f"{'server':<12}{'rps':>9}{'x floor':>9}{'p50 ms':>9}{'p99 ms':>9}{'x floor':>9}{'start s':>9}{'errors':>8}")
    for name, r in results.items():
        print(f"{name:<12}{r['rps']:>9.0f}{r['rps'] / floor['rps']:>9.2f}{r['p50_ms']:>9.2f}{r['p99_ms']:>9.2f}"
              f"{r['p99_ms'] / floor['p99_ms']:>9.2f}{r['startup_s']:>9.2f}{r['errors']:>8}")
    ls = results["labstudio"]
    print()
    print(f"labstudio rps vs floor: {ls['rps'] / floor['rps']:.2f}x (goal >= 0.90)")
    print(f"labstudio p99 vs floor: {ls['p99_ms'] / floor['p99_ms']:.2f}x (goal <= 2.00)")
    print(f"floor start-up over imports: {floor['startup_s'] - imports:+.2f} s (the machine's noise floor for the next line)")
    print(f"labstudio start-up over imports: {ls['startup_s'] - imports:+.2f} s (goal <= 0.30); through deploy(): "
          + (f"{ls['deploy_startup_s']:.2f} s ({ls['deploy_startup_s'] - imports:+.2f} s over imports)" if ls.get("deploy_startup_s") else "n/a"))
    if "mlflow" in results:
        m = results["mlflow"]
        print(f"vs MLflow: {ls['rps'] / m['rps']:.1f}x the rps, p99 {m['p99_ms'] / ls['p99_ms']:.1f}x lower, start-up {m['startup_s'] - ls['startup_s']:.1f} s sooner")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per server (default 10)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per server; medians are reported (quick: 1)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes for labstudio and MLflow (the floor has one)")
    parser.add_argument("--quick", action="store_true", help="2 s per server, 0.5 s warm-up, no MLflow unless --mlflow")
    parser.add_argument("--mlflow", dest="mlflow", action="store_true", default=None, help="include mlflow models serve")
    parser.add_argument("--no-mlflow", dest="mlflow", action="store_false")
    parser.add_argument("--json", action="store_true", help="also print the results as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.rounds = min(args.duration, 2.0), 0.5, 1
        if args.mlflow is None:
            args.mlflow = False
    if args.mlflow is None:
        args.mlflow = True

    import joblib
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    model = Ridge(alpha=0.5).fit(X, y)
    with tempfile.TemporaryDirectory(prefix="labstudio-bench-") as tmp:
        work = Path(tmp)
        model_dir = work / "model"
        model_dir.mkdir()
        model_file = model_dir / "model.joblib"
        joblib.dump(model, model_file)
        body = json.dumps(X[:1].tolist()).encode()

        imports = statistics.median(import_time(model_file) for _ in range(3))
        rounds: dict[str, list[dict[str, Any]]] = {"floor": [], "labstudio": [], "mlflow": []}
        for index in range(args.rounds):  # alternate the order: a busy machine drifts
            order = ["floor", "labstudio"] if index % 2 == 0 else ["labstudio", "floor"]
            for name in order:
                print(f"round {index + 1}/{args.rounds}: {name}...", file=sys.stderr)
                if name == "floor":
                    rounds[name].append(bench_floor(work, model_file, body, args))
                else:
                    rounds[name].append(bench_labstudio(work, model_dir, body, args, with_deploy=index == 0))
            if args.mlflow:
                print(f"round {index + 1}/{args.rounds}: mlflow models serve...", file=sys.stderr)
                mlflow_result = bench_mlflow(work, model, X[:1], body, args)
                if mlflow_result:
                    rounds["mlflow"].append(mlflow_result)
        results = {name: median_result(items) for name, items in rounds.items() if items}
        report(results, imports, args)
        if args.json:
            print(json.dumps({"import_s": imports, **results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
