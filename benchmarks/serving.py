"""Serving speed, side by side and driven by wrk: the bare-tornado floor, labstudio with one and
two workers, and (when installed) `mlflow models serve`.

    python benchmarks/serving.py                      # 10 s per server, concurrency 8, 3 rounds (medians)
    python benchmarks/serving.py --quick              # 3 s per server, 3 rounds, no MLflow
    python benchmarks/serving.py --rounds 5 --duration 20 --no-mlflow

The load generator is wrk, a C program (Debian/Ubuntu: ``apt-get install -y wrk``): a Python
client is the bottleneck on a small machine and pushes every ratio toward 1. Each server is
started as its own process, in its own session, bound to 127.0.0.1 on a free port (``--port``
to fix them), including its imports and model loading, and timed from spawn to the first 200 on
/ping (start-up). wrk then sends single-row JSON POSTs to /invocations on ``--concurrency``
kept-alive connections, for a warm-up and then ``--duration`` measured seconds. The model is
the same scikit-learn Ridge on load_diabetes for every server.

The floor is a bare tornado server predicting inline: what any Python model server on tornado
costs. Servers are measured in rounds, in a rotated order each round (a busy machine drifts),
and the report gives medians with their ranges, each ratio as the median of the per-round
ratios (a server and the floor measured minutes apart would compare two machines), and the load
average before and after every measurement. Goals (issue 20): one labstudio worker >= 0.9x the
floor's throughput with p99 <= 1.3x the floor's, two workers >= 1.7x the one-worker floor.
Also printed: how long a bare Python takes to import the model's libraries and load the model
(what every server pays), so start-up can be read against it, and the start-up of a full
``EndpointService.deploy`` (snapshot, store writes, supervisor, worker) in a home of its own.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "server_ext"
RUN_ID = f"{os.getpid()}-{uuid.uuid4().hex[:6]}"  # in every name this run creates

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

WRK_SCRIPT = '''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
'''

IMPORT_ONLY = "import sys, joblib, numpy, sklearn.linear_model; joblib.load(sys.argv[1])"
WRK_HINT = "wrk is not installed: `apt-get install -y wrk` (Debian/Ubuntu), `brew install wrk` (macOS), or build https://github.com/wg/wrk"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def env_with_package() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    return env


def wait_ping(port: int, started: float, timeout: float = 180.0, proc: subprocess.Popen[bytes] | None = None) -> float:
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


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the server's session (its process group: supervisor and workers), SIGKILL if it lingers."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


# -- wrk ----------------------------------------------------------------------------


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if not match:
        raise ValueError(f"unreadable wrk duration {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(out: str, duration: float) -> dict[str, Any]:
    """Requests/s, p50/p99 (ms) and errors from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]  # wrk always prints it
    percentiles = {int(p): _ms(v) for p, v in re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.MULTILINE)}
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non_2xx.group(1)) if non_2xx else 0) + (sum(int(g) for g in sockets.groups()) if sockets else 0)
    total = re.search(r"(\d+) requests in", out)
    return {"rps": rps, "p50_ms": percentiles.get(50, float("nan")), "p99_ms": percentiles.get(99, float("nan")),
            "errors": errors, "requests": int(total.group(1)) if total else int(rps * duration)}


def drive(port: int, body_file: Path, script: Path, args: argparse.Namespace) -> dict[str, Any]:
    """A warm-up run, then the measured one; the load average before and after it."""
    url = f"http://127.0.0.1:{port}/invocations"
    env = {**os.environ, "BENCH_BODY": str(body_file)}
    base = [args.wrk, "-t", str(args.threads), "-c", str(args.concurrency), "-s", str(script)]
    subprocess.run(base + ["-d", f"{args.warmup:g}s", url], env=env, capture_output=True, check=True, timeout=args.warmup + 60)
    before = load()
    done = subprocess.run(base + ["-d", f"{args.duration:g}s", "--latency", url], env=env, capture_output=True, text=True,
                          check=True, timeout=args.duration + 60)
    return {**parse_wrk(done.stdout, args.duration), "load_before": before, "load_after": load()}


# -- the servers --------------------------------------------------------------------


class Bench:
    def __init__(self, work: Path, model_dir: Path, model_file: Path, body_file: Path, args: argparse.Namespace) -> None:
        self.work = work
        self.model_dir = model_dir
        self.model_file = model_file
        self.body_file = body_file
        self.args = args
        self.script = work / "post.lua"
        self.script.write_text(WRK_SCRIPT)
        (work / "floor_server.py").write_text(FLOOR_SERVER)
        self.serial = 0

    def port(self, offset: int) -> int:
        return self.args.port + offset if self.args.port else free_port()

    def run(self, command: list[str], port: int, env: dict[str, str] | None = None, startup_timeout: float = 180.0) -> dict[str, Any]:
        started = time.perf_counter()
        proc = subprocess.Popen(command, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            startup = wait_ping(port, started, startup_timeout, proc)
            return {"startup_s": startup, **drive(port, self.body_file, self.script, self.args)}
        finally:
            stop(proc)

    def floor(self) -> dict[str, Any]:
        port = self.port(0)
        return self.run([sys.executable, str(self.work / "floor_server.py"), str(port), str(self.model_file)], port)

    def labstudio(self, workers: int) -> dict[str, Any]:
        port = self.port(workers)
        self.serial += 1
        command = [sys.executable, "-m", "labstudio.serving.server", "--model-dir", str(self.model_dir), "--host", "127.0.0.1",
                   "--port", str(port), "--workers", str(workers), "--name", f"bench-{RUN_ID}-{self.serial}"]
        return self.run(command, port, env_with_package())

    def mlflow(self, model: Any, sample: Any) -> dict[str, Any]:
        import mlflow.sklearn

        target = self.work / "mlflow-model"
        if not target.exists():
            mlflow.sklearn.save_model(model, str(target), input_example=sample)
        env = dict(os.environ)  # `mlflow models serve` execs uvicorn by name: the venv's bin must be on PATH
        env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
        mlflow_bin = shutil.which("mlflow", path=os.path.dirname(sys.executable)) or shutil.which("mlflow")
        command = [mlflow_bin] if mlflow_bin else [sys.executable, "-m", "mlflow"]
        port = self.port(3)
        body = self.work / "mlflow-body.json"
        body.write_text(json.dumps({"inputs": json.loads(self.body_file.read_text())}))
        saved, self.body_file = self.body_file, body
        try:
            return self.run(command + ["models", "serve", "-m", str(target), "-p", str(port), "-h", "127.0.0.1", "--env-manager", "local", "-w", "1"], port, env)
        finally:
            self.body_file = saved

    def deploy_startup(self) -> float | None:
        """Start-up through the whole service (what `labstudio deploy` does), in a home of its own."""
        env = env_with_package()
        home = self.work / f"labstudio-home-{RUN_ID}"
        env.update({"LABSTUDIO_HOME": str(home), "LABSTUDIO_DB_URL": f"sqlite:///{home / 'labstudio.db'}", "LABSTUDIO_ARTIFACT_URI": str(home / "artifacts")})
        name = f"bench-{RUN_ID}"
        code = (
            "import time, json, sys, urllib.request\n"
            "from labstudio.core import Core\n"
            "core = Core.from_env(); core.endpoints.list()\n"  # store opened and migrated before the clock starts
            "t = time.perf_counter()\n"
            f"d = core.endpoints.deploy({str(self.model_dir)!r}, name={name!r}, workers=1, wait=False)\n"
            "port = d['Port']\n"
            "while True:\n"
            "    try:\n"
            "        urllib.request.urlopen(f'http://127.0.0.1:{port}/ping', timeout=5); break\n"
            "    except OSError: time.sleep(0.005)\n"
            "print(json.dumps(time.perf_counter() - t))\n"
            f"core.endpoints.delete({name!r})\n"
        )
        try:
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=180, check=True)
            return float(out.stdout.strip().splitlines()[-1])
        except (subprocess.SubprocessError, ValueError) as exc:
            print(f"  (deploy start-up not measured: {exc})", file=sys.stderr)
            return None


def import_time(model_file: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", IMPORT_ONLY, str(model_file)], check=True)
    return time.perf_counter() - started


# -- report -------------------------------------------------------------------------


def spread(values: list[float], fmt: str = "{:.0f}") -> str:
    """'median [min-max]' (one value: the value)."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} [{fmt.format(min(values))}-{fmt.format(max(values))}]"


def ratios(rounds: dict[str, list[dict[str, Any]]], name: str, key: str, against: str = "floor") -> list[float]:
    """Per-round ratio name/against of ``key`` (rounds where both were measured)."""
    return [mine[key] / theirs[key] for mine, theirs in zip(rounds.get(name, []), rounds[against]) if theirs[key]]


def report(rounds: dict[str, list[dict[str, Any]]], imports: float, deploy_s: float | None, args: argparse.Namespace, loads: list[str]) -> dict[str, Any]:
    print(f"\nwrk, concurrency {args.concurrency} ({args.threads} thread), single-row JSON, {args.duration:g} s per server "
          f"and round after {args.warmup:g} s of warm-up, {args.rounds} rounds: medians [min-max]")
    print(f"load average (1, 5, 15 min) at start, after each round: {' | '.join(loads)}")
    print(f"import model libraries + load model (bare python): {imports:.2f} s\n")
    print(f"{'server':<16}{'rps':>22}{'p50 ms':>22}{'p99 ms':>24}{'start s':>10}{'errors':>8}")
    for name, items in rounds.items():
        if not items:
            continue
        print(f"{name:<16}{spread([i['rps'] for i in items]):>22}{spread([i['p50_ms'] for i in items], '{:.2f}'):>22}"
              f"{spread([i['p99_ms'] for i in items], '{:.2f}'):>24}{statistics.median(i['startup_s'] for i in items):>10.2f}"
              f"{sum(i['errors'] for i in items):>8}")
    summary: dict[str, Any] = {}

    def line(label: str, values: list[float], goal: str, met: bool) -> None:
        print(f"{label:<52}{spread(values, '{:.2f}'):>20}x   goal {goal}: {'met' if met else 'NOT MET'}")

    print()
    one_rps, one_p99 = ratios(rounds, "labstudio-1", "rps"), ratios(rounds, "labstudio-1", "p99_ms")
    two_rps, two_p99 = ratios(rounds, "labstudio-2", "rps"), ratios(rounds, "labstudio-2", "p99_ms")
    line("labstudio 1 worker, throughput / floor's", one_rps, ">= 0.90", statistics.median(one_rps) >= 0.9)
    line("labstudio 1 worker, p99 / floor's", one_p99, "<= 1.30", statistics.median(one_p99) <= 1.3)
    if two_rps:
        line("labstudio 2 workers, throughput / 1-worker floor's", two_rps, ">= 1.70", statistics.median(two_rps) >= 1.7)
        print(f"{'labstudio 2 workers, p99 / floor`s':<52}{spread(two_p99, '{:.2f}'):>20}x")
    summary.update({"rps_1": one_rps, "p99_1": one_p99, "rps_2": two_rps, "p99_2": two_p99})
    floor_start = statistics.median(i["startup_s"] for i in rounds["floor"])
    ls_start = statistics.median(i["startup_s"] for i in rounds["labstudio-1"])
    print(f"\nstart-up over imports: floor {floor_start - imports:+.2f} s, labstudio {ls_start - imports:+.2f} s (goal <= +0.30 s); "
          "through deploy(): " + (f"{deploy_s:.2f} s ({deploy_s - imports:+.2f} s over imports)" if deploy_s else "n/a"))
    if rounds.get("mlflow"):
        m = statistics.median(i["rps"] for i in rounds["mlflow"])
        ls = statistics.median(i["rps"] for i in rounds["labstudio-1"])
        mp99 = statistics.median(i["p99_ms"] for i in rounds["mlflow"])
        lp99 = statistics.median(i["p99_ms"] for i in rounds["labstudio-1"])
        print(f"vs `mlflow models serve` (1 worker): {ls / m:.1f}x the rps, p99 {mp99 / lp99:.1f}x lower")
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds per server and round (default 10)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of load before each measurement (default 2)")
    parser.add_argument("--concurrency", type=int, default=8, help="kept-alive connections (default 8)")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads (default 1: wrk shares the cores with the servers)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, each measuring every server once (default 3; medians need 3 or more)")
    parser.add_argument("--port", type=int, default=0, help="fixed ports from this one (floor +0, labstudio +1/+2, MLflow +3); default: free ports")
    parser.add_argument("--quick", action="store_true", help="3 s per server, 1 s warm-up, no MLflow unless --mlflow")
    parser.add_argument("--mlflow", dest="mlflow", action="store_true", default=None, help="include `mlflow models serve` (default when installed)")
    parser.add_argument("--no-mlflow", dest="mlflow", action="store_false")
    parser.add_argument("--no-two-workers", dest="two", action="store_false", help="skip labstudio with two workers")
    parser.add_argument("--no-deploy", dest="deploy", action="store_false", help="skip the start-up through EndpointService.deploy")
    parser.add_argument("--wrk", default=shutil.which("wrk"), help="the wrk binary (default: wrk on PATH)")
    parser.add_argument("--json", action="store_true", help="also print every measurement as JSON")
    args = parser.parse_args(argv)
    if not args.wrk:
        print(WRK_HINT, file=sys.stderr)
        return 2
    if args.quick:
        args.duration, args.warmup = min(args.duration, 3.0), 1.0
        if args.mlflow is None:
            args.mlflow = False
    if args.mlflow is None:
        args.mlflow = True
    if args.mlflow:
        import importlib.util

        if importlib.util.find_spec("mlflow") is None:
            print("MLflow is not installed (pip install -e '.[bench]'): skipping `mlflow models serve`", file=sys.stderr)
            args.mlflow = False
    if args.rounds < 3:
        print("note: fewer than 3 rounds: the figures are single measurements, not medians", file=sys.stderr)

    import joblib
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    model = Ridge(alpha=0.5).fit(X, y)
    with tempfile.TemporaryDirectory(prefix=f"labstudio-bench-{RUN_ID}-") as tmp:
        work = Path(tmp)
        model_dir = work / "model"
        model_dir.mkdir()
        model_file = model_dir / "model.joblib"
        joblib.dump(model, model_file)
        body_file = work / "body.json"
        body_file.write_text(json.dumps(X[:1].tolist()))
        bench = Bench(work, model_dir, model_file, body_file, args)

        loads = [load()]
        imports = statistics.median(import_time(model_file) for _ in range(3))
        servers = ["floor", "labstudio-1"] + (["labstudio-2"] if args.two else []) + (["mlflow"] if args.mlflow else [])
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in servers}
        for index in range(args.rounds):
            shift = index % len(servers)  # rotate the order: each server goes first in turn
            for name in servers[shift:] + servers[:shift]:
                print(f"round {index + 1}/{args.rounds}: {name} (load {load()})...", file=sys.stderr)
                if name == "floor":
                    result = bench.floor()
                elif name == "mlflow":
                    result = bench.mlflow(model, X[:1])
                else:
                    result = bench.labstudio(int(name.rsplit("-", 1)[1]))
                rounds[name].append(result)
                print(f"  {result['rps']:.0f} rps, p99 {result['p99_ms']:.2f} ms, errors {result['errors']}", file=sys.stderr)
            loads.append(load())
        deploy_s = bench.deploy_startup() if args.deploy else None
        report(rounds, imports, deploy_s, args, loads)
        if args.json:
            print(json.dumps({"import_s": imports, "deploy_startup_s": deploy_s, "rounds": rounds}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
