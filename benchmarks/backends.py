"""What labstudio's Ray backend costs over submitting the same script with Ray's own job API.

The same one-second script (prints a first line at once, sleeps 1 s, exits), three ways, in
one run, on the same services:
  * local      — labstudio's `local` backend: JobService.submit() from an already-running
                 process (a kernel, the server), the job a supervised process on this machine
  * ray        — labstudio's `ray` backend on a two-node Ray cluster: the job's folder travels
                 through the artifact store (S3), the supervisor runs on a node, the log
                 reaches the store (PostgreSQL) live
  * ray-submit — `ray job submit` as a program calls it: Ray's JobSubmissionClient on the same
                 cluster, the script's folder as the runtime_env working_dir, entrypoint
                 `python train.py`

Two measurements per runner:
  * first line — `--latency-jobs` jobs one at a time (each alone on the cluster): from the
    submit call until the script's first line can be read through the runner's own log API
    (labstudio: JobService.logs, what the panel and `labstudio jobs logs` read; Ray:
    JobSubmissionClient.get_job_logs, what `ray job logs` reads). Median and p90.
  * throughput — `--jobs` jobs submitted at once; wall time until every one ended (labstudio:
    Completed, model archive uploaded; Ray: SUCCEEDED), and jobs per second. Every runner gets
    the same number of slots: the cluster's CPUs (`--cpus-per-node` on each of the two nodes),
    one per job (labstudio's local backend: LABSTUDIO_MAX_CONCURRENT_JOBS; Ray's jobs:
    entrypoint_num_cpus=1).

Goals (issue 14): the ray backend's first line within 300 ms of ray-submit's, and its
throughput at least 0.9x ray-submit's.

Unless given addresses, the script starts what it needs and stops it at the end: a private
two-node Ray cluster (its own ports and --temp-dir, token authentication), a throwaway
PostgreSQL cluster and moto's S3 server; the ray backend refuses a SQLite store and a local
artifact store. With --ray-address, the caller's environment must hold what the cluster needs
(RAY_AUTH_MODE/RAY_AUTH_TOKEN) and the nodes must reach --db-url and --artifact-uri.
"""
from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

SCRIPT = """import time
print("first line", flush=True)
time.sleep(1)
print("done", flush=True)
"""
FIRST = "first line"
BUCKET = "labstudio-bench"
START_TIMEOUT = 180.0  # seconds for a service to come up on a busy machine
JOB_TIMEOUT = 300.0  # seconds for one job's first line / end
# Ray gives a starting raylet and its agents 30 s by default: too little on a busy machine.
RAY_NODE_ENV = {"RAY_raylet_start_wait_time_s": "120", "RAY_agent_register_timeout_ms": "120000", "RAY_USAGE_STATS_ENABLED": "0"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(
    what: str, ready: Callable[[], bool], timeout: float = START_TIMEOUT, proc: subprocess.Popen[bytes] | None = None, log: Path | None = None
) -> None:
    """Poll `ready` until it holds; fail early when the process that should serve it died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = Path(log).read_text(errors="replace")[:3000] if log else ""
            raise RuntimeError(f"{what}: the process exited with {proc.returncode}\n{tail}")
        try:
            if ready():
                return
        except Exception:  # not up yet: connection refused, 5xx while starting
            pass
        time.sleep(0.25)
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s")


def stop_group(proc: subprocess.Popen[bytes], grace: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds, to the process group we started (a `ray
    start` without --block has exited by then, its daemons are still in the group); never
    other helpers' processes."""
    sig: int = signal.SIGTERM
    deadline = time.monotonic() + grace
    while True:
        proc.poll()  # reap the leader, or the group never looks empty
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        if time.monotonic() > deadline + 10:
            return  # unkillable (uninterruptible sleep): give up rather than hang
        if time.monotonic() > deadline:
            sig = signal.SIGKILL
        elif sig == signal.SIGTERM:
            sig = 0  # only probe until the grace period ends
        time.sleep(0.2)


def kill_leftovers(marker: str) -> None:
    """Kill processes whose command line names our private folder (Ray daemons that left the
    process group). Matching our own temp dir keeps every other cluster on the machine safe."""
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmdline:
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except ProcessLookupError:
                pass


# ---------------------------------------------------------------- services


@contextmanager
def postgres(work: Path) -> Iterator[str]:
    """A throwaway PostgreSQL cluster (as the tests' postgres_url fixture starts it)."""
    bin_dir = next((d for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True) if (d / "initdb").exists()), None)
    if bin_dir is None:
        found = shutil.which("initdb")
        if found is None:
            raise RuntimeError("no PostgreSQL server binaries (initdb): install PostgreSQL or pass --db-url")
        bin_dir = Path(found).parent
    # Not under a private folder: as root the server runs as 'postgres'.
    base = Path(tempfile.mkdtemp(prefix="labstudio-bench-pg-"))
    data = base / "data"
    data.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(run_as + [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], check=True, capture_output=True)
    opts = f"-p {port} -k {data} -h 127.0.0.1 -c max_connections=300"
    subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(data / "server.log"), "-w", "-o", opts, "start"], check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def moto_s3(work: Path) -> Iterator[str]:
    """moto's standalone S3 server on 127.0.0.1 with the benchmark's bucket; yields its URL."""
    import boto3

    port = free_port()
    log = open(work / "moto.log", "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until("moto server", lambda: urllib.request.urlopen(f"{url}/moto-api/", timeout=2).status == 200, proc=proc)
        boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
        yield url
    finally:
        stop_group(proc, grace=5)
        log.close()


@dataclass
class RayCluster:
    address: str  # what labstudio's ray backend connects to (LABSTUDIO_RAY_ADDRESS)
    dashboard: str  # what JobSubmissionClient talks to


@contextmanager
def ray_cluster(work: Path, cpus_per_node: int) -> Iterator[RayCluster]:
    """Two Ray nodes on this machine: a head and a worker node, each with its own ports (other
    clusters may run here) and `cpus_per_node` CPUs, one private --temp-dir, token auth.

    Each node is `ray start --block` in its own process group, so stopping it stops only the
    processes it started; never `ray stop`, which stops every cluster on the machine."""
    temp = Path(tempfile.mkdtemp(prefix="lsbr-", dir="/tmp"))  # short: Ray's socket paths have a length limit
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []

    def node_ports() -> list[str]:
        lo = 20000 + secrets.randbelow(400) * 100  # a private worker port range, 100 wide
        return [
            "--node-manager-port", str(free_port()),
            "--object-manager-port", str(free_port()),
            "--dashboard-agent-listen-port", str(free_port()),
            "--dashboard-agent-grpc-port", str(free_port()),
            "--runtime-env-agent-port", str(free_port()),
            "--metrics-export-port", str(free_port()),
            "--min-worker-port", str(lo), "--max-worker-port", str(lo + 99),
        ]  # fmt: skip

    def start(args: list[str], name: str) -> subprocess.Popen[bytes]:
        log = open(work / f"ray-{name}.log", "ab")
        logs.append(log)
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "ray"), "start", "--disable-usage-stats", "--temp-dir", str(temp), *args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **RAY_NODE_ENV, "LABSTUDIO_NODE_HOME": str(work / f"node-{name}")},  # the jobs' folders on the node
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    import ray.util

    ip = ray.util.get_node_ip_address()  # the GCS does not register nodes by 127.0.0.1
    gcs, dash, client = free_port(), free_port(), free_port()
    common = ["--node-ip-address", ip, "--num-cpus", str(cpus_per_node), "--num-gpus", "0"]
    try:
        # The head without --block: `ray start` returns once its node is registered (the second
        # node needs that), leaving its daemons in the new session that stop_group() ends. On a
        # loaded machine a start can still time out: one more try with fresh ports.
        for attempt in (1, 2):
            head = start(
                ["--head", "--port", str(gcs), "--dashboard-host", ip, "--dashboard-port", str(dash),
                 "--ray-client-server-port", str(client), "--include-dashboard", "true", *common, *node_ports()],
                "head",
            )  # fmt: skip
            if head.wait(START_TIMEOUT) == 0:
                break
            if attempt == 2:
                raise RuntimeError(f"ray start --head failed:\n{(work / 'ray-head.log').read_text(errors='replace')[-3000:]}")
            stop_group(head, grace=5)
            kill_leftovers(str(temp))
            gcs, dash, client = free_port(), free_port(), free_port()
        dashboard = f"http://{ip}:{dash}"
        wait_until("the Ray head's Jobs API", lambda: jobs_client(dashboard) is not None, log=work / "ray-head.log")
        for attempt in (1, 2, 3):
            worker = start(["--block", "--address", f"{ip}:{gcs}", *common, *node_ports()], "worker")
            try:
                wait_until("the second Ray node", lambda: alive_nodes(dashboard) >= 2, proc=worker, log=work / "ray-worker.log")
                break
            except RuntimeError:
                if attempt == 3:
                    raise
                stop_group(worker, grace=5)
        yield RayCluster(address=f"{ip}:{gcs}", dashboard=dashboard)
    finally:
        for proc in reversed(procs):
            stop_group(proc)
        kill_leftovers(str(temp))
        for log in logs:
            log.close()
        shutil.rmtree(temp, ignore_errors=True)


def jobs_client(dashboard: str) -> Any:
    """Ray's Jobs SDK client (it sends the token of RAY_AUTH_TOKEN; raises while the head starts)."""
    from ray.job_submission import JobSubmissionClient

    logging.getLogger("ray").setLevel(logging.WARNING)  # not a "package already exists" line per submit
    return JobSubmissionClient(dashboard)


def alive_nodes(dashboard: str) -> int:
    from ray.util.state import list_nodes

    return sum(1 for n in list_nodes(address=dashboard, filters=[("state", "=", "ALIVE")]))


# ---------------------------------------------------------------- runners


class Runner(Protocol):
    """What a measurement needs from a way of running jobs; `handle` is its job name or id."""

    name: str
    ok: str  # the final status of a job that succeeded

    def submit(self, tag: str) -> str: ...
    def has_first_line(self, handle: str) -> bool: ...
    def outcome(self, handle: str) -> str | None: ...  # None while running
    def outcomes(self, handles: list[str]) -> dict[str, str]: ...  # the ended ones among handles
    def failure(self, handle: str) -> str: ...


class Labstudio:
    """JobService from an already-running process, as the server and kernels call it."""

    ok = "Completed"

    def __init__(self, core: Any, src: Path, backend: str) -> None:
        self.core, self.src, self.backend, self.name = core, src, backend, backend

    def submit(self, tag: str) -> str:
        spec = {"name": f"bb-{self.backend}-{tag}", "entry_point": "train.py", "source_dir": str(self.src), "backend": self.backend}
        return str(self.core.jobs.submit(spec)["TrainingJobName"])

    def has_first_line(self, handle: str) -> bool:
        return FIRST in self.core.jobs.logs(handle, 0, 4096)["text"]

    def outcome(self, handle: str) -> str | None:
        job = self.core.jobs.get(handle)
        return str(job.status) if job.is_terminal else None

    def outcomes(self, handles: list[str]) -> dict[str, str]:
        wanted = set(handles)
        page = self.core.jobs.list(status=["Completed", "Failed", "Stopped"], name_contains=f"bb-{self.backend}-", limit=1000)
        return {s["TrainingJobName"]: s["TrainingJobStatus"] for s in page["TrainingJobSummaries"] if s["TrainingJobName"] in wanted}

    def failure(self, handle: str) -> str:
        return str(self.core.jobs.get(handle).failure_reason)


class RaySubmit:
    """Ray's Jobs SDK: what `ray job submit --working-dir src -- python train.py` does."""

    name = "ray-submit"
    ok = "SUCCEEDED"

    def __init__(self, dashboard: str, src: Path) -> None:
        self.client = jobs_client(dashboard)
        self.src = src

    def submit(self, tag: str) -> str:
        return str(
            self.client.submit_job(
                entrypoint="python train.py",
                runtime_env={"working_dir": str(self.src)},
                entrypoint_num_cpus=1,
                submission_id=f"bb-ray-submit-{tag}-{secrets.token_hex(3)}",
            )
        )

    def has_first_line(self, handle: str) -> bool:
        return FIRST in self.client.get_job_logs(handle)

    def outcome(self, handle: str) -> str | None:
        status = self.client.get_job_status(handle)
        return str(status.value) if status.is_terminal() else None

    def outcomes(self, handles: list[str]) -> dict[str, str]:
        wanted = set(handles)
        return {
            j.submission_id: str(j.status.value) for j in self.client.list_jobs() if j.submission_id in wanted and j.status.is_terminal()
        }

    def failure(self, handle: str) -> str:
        return str(self.client.get_job_info(handle).message)


@dataclass
class Result:
    first: list[float] = field(default_factory=list)  # seconds, submit -> first line
    wall: float | None = None  # seconds for the burst
    burst: int = 0
    failed: list[str] = field(default_factory=list)

    def first_ms(self, q: float) -> float:
        return percentile(self.first, q) * 1000

    @property
    def throughput(self) -> float:
        return self.burst / self.wall if self.wall else 0.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1] if q < 100 else ordered[-1]


def wait_end(runner: Runner, handle: str) -> str:
    deadline = time.monotonic() + JOB_TIMEOUT
    while time.monotonic() < deadline:
        status = runner.outcome(handle)
        if status is not None:
            return str(status)
        time.sleep(0.02)
    raise RuntimeError(f"{runner.name}: {handle} did not end within {JOB_TIMEOUT:.0f} s")


def one_job(runner: Runner, tag: str, result: Result | None) -> None:
    """Submit one job, time its first line, wait for its end (so the next one runs alone)."""
    t0 = time.perf_counter()
    handle = runner.submit(tag)
    deadline = time.monotonic() + JOB_TIMEOUT
    seen = False
    polls = 0
    while time.monotonic() < deadline:
        if runner.has_first_line(handle):
            seen = True
            break
        polls += 1
        if polls % 100 == 0 and runner.outcome(handle) is not None and not runner.has_first_line(handle):
            break  # ended without the line (checked every ~0.5 s, to keep the polling light)
        time.sleep(0.005)
    took = time.perf_counter() - t0
    status = wait_end(runner, handle)
    if status != runner.ok or not seen:
        message = f"{handle} ended {status}: {runner.failure(handle)}"
        if result is None:  # the warm-up: nothing would work after it
            raise RuntimeError(f"{runner.name}: {message}")
        result.failed.append(message)
    elif result is not None:
        result.first.append(took)


def burst(runner: Runner, jobs: int, result: Result) -> None:
    """Submit `jobs` jobs at once and wait until every one ended."""
    t0 = time.perf_counter()
    handles = [runner.submit(f"burst-{k:03d}") for k in range(jobs)]
    ended: dict[str, str] = {}
    deadline = time.monotonic() + JOB_TIMEOUT + jobs * 10
    while len(ended) < len(handles):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{runner.name}: {len(handles) - len(ended)} of {jobs} jobs did not end")
        ended.update(runner.outcomes([h for h in handles if h not in ended]))
        time.sleep(0.05)
    result.wall = time.perf_counter() - t0
    result.burst = jobs
    result.failed += [f"{h} ended {s}: {runner.failure(h)}" for h, s in ended.items() if s != runner.ok]


def measure(runner: Runner, latency_jobs: int, jobs: int) -> Result:
    result = Result()
    print(f"{runner.name}: warm-up, then {latency_jobs} jobs one at a time, then {jobs} at once", file=sys.stderr, flush=True)
    one_job(runner, "warm", None)  # caches: the store's schema, Ray's workers, the package upload
    for k in range(latency_jobs):
        one_job(runner, f"lat-{k:03d}", result)
    burst(runner, jobs, result)
    return result


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=50, help="jobs submitted at once per runner (throughput); default 50")
    parser.add_argument("--latency-jobs", type=int, default=20, help="jobs run one at a time per runner (first line); default 20")
    parser.add_argument("--cpus-per-node", type=int, default=2, help="CPUs of each of the two Ray nodes started here (the slots: twice this)")
    parser.add_argument("--ray-address", help="an existing cluster for labstudio's ray backend (LABSTUDIO_RAY_ADDRESS); default: start two nodes")
    parser.add_argument("--dashboard-url", help="the same cluster's Jobs API for ray-submit (default: --ray-address)")
    parser.add_argument("--slots", type=int, help="jobs at once on an existing cluster (its CPUs); default: twice --cpus-per-node")
    parser.add_argument("--db-url", help="the store for both backends (default: a PostgreSQL cluster started here)")
    parser.add_argument("--artifact-uri", help="the artifact store, e.g. s3://bucket/prefix (default: moto's S3 server started here)")
    parser.add_argument("--skip-ray-submit", action="store_true", help="do not run the ray job submit peer")
    parser.add_argument("--runners", default="local,ray,ray-submit", help="which runners, comma-separated (default: all three)")
    args = parser.parse_args()
    runners = [r for r in args.runners.split(",") if r and not (r == "ray-submit" and args.skip_ray_submit)]
    slots = args.slots or 2 * args.cpus_per_node

    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-backends-"))
    src = work / "src"
    src.mkdir()
    (src / "train.py").write_text(SCRIPT)
    results: dict[str, Result] = {}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, True)
        # Token authentication for the cluster started here, seen by this process (the Jobs
        # SDK, labstudio's ray backend) and the nodes alike.
        if args.ray_address is None and any(r.startswith("ray") for r in runners):
            os.environ["RAY_AUTH_MODE"] = "token"
            os.environ["RAY_AUTH_TOKEN"] = secrets.token_hex(32)
        if args.artifact_uri is None:
            os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
            os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
            os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
            os.environ["AWS_ENDPOINT_URL_S3"] = stack.enter_context(moto_s3(work))
            artifact_uri = f"s3://{BUCKET}/labstudio"
        else:
            artifact_uri = args.artifact_uri
        db_url = args.db_url or stack.enter_context(postgres(work))
        os.environ.update(
            {
                "LABSTUDIO_HOME": str(work / "home"),
                "LABSTUDIO_DB_URL": db_url,
                "LABSTUDIO_ARTIFACT_URI": artifact_uri,
                "LABSTUDIO_MAX_CONCURRENT_JOBS": str(slots),
            }
        )
        address, dashboard = args.ray_address, args.dashboard_url or args.ray_address
        if address is None and any(r.startswith("ray") for r in runners):
            cluster = stack.enter_context(ray_cluster(work, args.cpus_per_node))  # started after S3: the nodes inherit its variables
            address, dashboard = cluster.address, cluster.dashboard
        if address:
            os.environ["LABSTUDIO_RAY_ADDRESS"] = address

        from labstudio.core import Core

        core = Core.from_env()
        for name in runners:
            runner: Runner = RaySubmit(str(dashboard), src) if name == "ray-submit" else Labstudio(core, src, name)
            try:
                results[name] = measure(runner, args.latency_jobs, args.jobs)
            except Exception as exc:  # report the others; say why this one has no figures
                print(f"{name} could not run: {exc}", file=sys.stderr)
        report(results, slots, args)
    return 0 if results and all(not r.failed for r in results.values()) else 1


def report(results: dict[str, Result], slots: int, args: argparse.Namespace) -> None:
    print(
        f"\n{args.latency_jobs} one-second jobs one at a time, then {args.jobs} at once on {slots} slots; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs\n"
    )
    print(f"{'runner':<12}{'first line median ms':>22}{'p90 ms':>9}{'burst wall s':>14}{'jobs/s':>9}{'failed':>8}")
    for name, r in results.items():
        med = f"{r.first_ms(50):.0f}" if r.first else "-"
        p90 = f"{r.first_ms(90):.0f}" if r.first else "-"
        wall = f"{r.wall:.2f}" if r.wall else "-"
        print(f"{name:<12}{med:>22}{p90:>9}{wall:>14}{r.throughput:>9.2f}{len(r.failed):>8}")
    for name, r in results.items():
        for message in r.failed[:5]:
            print(f"  {name}: {message}")
    peer = results.get("ray-submit")
    if peer is None or not peer.first:
        return
    print()
    for name, r in results.items():
        if name == "ray-submit" or not r.first:
            continue
        delta = r.first_ms(50) - peer.first_ms(50)
        ratio = r.throughput / peer.throughput if peer.throughput else 0.0
        line = f"{name} vs ray-submit: first line {delta:+.0f} ms (p90 {r.first_ms(90) - peer.first_ms(90):+.0f} ms), throughput {ratio:.2f}x"
        if name == "ray":
            line += (
                f" — goals: first line within 300 ms: {'met' if delta <= 300 else 'NOT met'}; "
                f"throughput >= 0.9x: {'met' if ratio >= 0.9 else 'NOT met'}"
            )
        print(line)


if __name__ == "__main__":
    sys.exit(main())
