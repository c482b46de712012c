"""What labstudio's Ray backend costs over submitting the same script with Ray's own job API.

The same one-second script (prints a first line at once, sleeps 1 s, exits), four ways, in
one run, on the same services:
  * direct     — the floor: `python train.py` as a process on this machine (one at a time for
                 the first line; a pool of as many processes as there are slots for a burst)
  * local      — labstudio's `local` backend: JobService.submit() from an already-running
                 process (a kernel, the server), the job a supervised process on this machine
  * ray        — labstudio's `ray` backend on a two-node Ray cluster: the job's folder travels
                 through the artifact store (S3), the supervisor runs on a node, the log
                 reaches the store (PostgreSQL) live
  * ray-submit — `ray job submit` as a program calls it: Ray's JobSubmissionClient on the same
                 cluster, the script's folder as the runtime_env working_dir, entrypoint
                 `python train.py`

Two measurements, each in interleaved rounds (every runner once per round, the order rotated):
  * first line — one job at a time (alone on the cluster), `--latency-jobs` rounds: from the
    submit call until the script's first line can be read through the runner's own log API
    (labstudio: JobService.logs, what the panel and `labstudio jobs logs` read; Ray:
    JobSubmissionClient.get_job_logs, what `ray job logs` reads; direct: its stdout).
  * throughput — `--jobs` jobs submitted at once, `--burst-rounds` rounds: wall time until every
    one ended (labstudio: Completed, model archive uploaded; Ray: SUCCEEDED), and jobs per second.
    Every runner gets the same number of slots: the cluster's CPUs (`--cpus-per-node` on each of
    the two nodes), one per job (labstudio's local backend: LABSTUDIO_MAX_CONCURRENT_JOBS; Ray's
    jobs: entrypoint_num_cpus=1; direct: a pool that size).
Medians with ranges (min-max) and p90; the load average at the start and at the end.

Goals (issue 20): the ray backend's first line <= 1 s on a warm cluster, and its throughput
>= 1.0x ray-submit's for 50 one-second jobs.

Unless given addresses, the script starts what it needs and stops it at the end: a private
two-node Ray cluster (its own --temp-dir, token authentication), a throwaway PostgreSQL cluster
and moto's S3 server, every one of them listening on 127.0.0.1 only, on ports the system hands
out (`--ray-port`, `--dashboard-port` fix the Ray head's when asked for); each node's Ray worker
ports are the first free run of `--worker-ports` ports at or above `--worker-port-base`, checked
free and never drawn at random. Job names carry this run's id, so a rerun against the same store
or cluster never collides. The ray backend refuses a SQLite store and a local artifact store.
With --ray-address, the caller's environment must hold what the cluster needs
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from _common import Rounds, check_rounds, print_load, ratio, table, verdict
from labstudio.shapes import to_json

SCRIPT = """import time
print("first line", flush=True)
time.sleep(1)
print("done", flush=True)
"""
FIRST = "first line"
BUCKET = "labstudio-bench"
START_TIMEOUT = 180.0  # seconds for a service to come up on a busy machine
JOB_TIMEOUT = 300.0  # seconds for one job's first line / end
START_ATTEMPTS = 4  # tries to start each Ray node on a loaded machine
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


LOOPBACK = "127.0.0.1"
# Ray binds its servers to the node's IP, and turns "127.0.0.1" into the machine's outward address
# unless told that this machine is not part of a multi-node cluster. Every process of ours (this
# one, the nodes, their workers) gets this, so every Ray server listens on the loopback only.
RAY_LOOPBACK_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
# `ray start --address` (a second node) refuses to run under that setting; this runs Ray's own CLI
# with the refusal alone lifted, so the node joins the head on 127.0.0.1 with everything else as is.
RAY_JOIN = """
import sys, types
import ray._private.ray_constants as constants
import ray.scripts.scripts as scripts
multinode = types.ModuleType(constants.__name__)
multinode.__dict__.update(constants.__dict__)
multinode.ENABLE_RAY_CLUSTER = True  # only the CLI's check sees this; the address resolution still keeps 127.0.0.1
scripts.ray_constants = multinode
sys.argv[0] = "ray"
sys.exit(scripts.main())
"""


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((LOOPBACK, port))
        except OSError:
            return False
    return True


def port_span(base: int, count: int, taken: set[int]) -> tuple[int, int]:
    """The first run of `count` free consecutive ports at or above `base`, none already `taken`:
    found by checking, the same on every run of a quiet machine, never drawn at random."""
    start = base
    while start + count <= 65535:
        bad = next((p for p in range(start, start + count) if p in taken or not port_is_free(p)), None)
        if bad is None:
            taken.update(range(start, start + count))
            return start, start + count - 1
        start = bad + 1
    raise RuntimeError(f"no run of {count} free ports at or above {base}: pass another --worker-port-base")


@contextmanager
def ray_cluster(work: Path, args: argparse.Namespace) -> Iterator[RayCluster]:
    """Two Ray nodes on this machine, both on 127.0.0.1: a head and a worker node, each with its
    own ports (other clusters may run here) and `--cpus-per-node` CPUs, one private --temp-dir,
    token auth.

    Each node runs in its own process group, so stopping it stops only the processes it started;
    never `ray stop`, which stops every cluster on the machine."""
    temp = Path(tempfile.mkdtemp(prefix="lsbr-", dir="/tmp"))  # short: Ray's socket paths have a length limit
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []
    taken: set[int] = set()
    spans = [port_span(args.worker_port_base, args.worker_ports, taken) for _ in range(2)]

    def node_ports(node: int) -> list[str]:
        lo, hi = spans[node]
        return [
            "--node-manager-port", str(free_port()),
            "--object-manager-port", str(free_port()),
            "--dashboard-agent-listen-port", str(free_port()),
            "--dashboard-agent-grpc-port", str(free_port()),
            "--runtime-env-agent-port", str(free_port()),
            "--metrics-export-port", str(free_port()),
            "--min-worker-port", str(lo), "--max-worker-port", str(hi),
        ]  # fmt: skip

    def start(argv: list[str], name: str, node_args: list[str]) -> subprocess.Popen[bytes]:
        log = open(work / f"ray-{name}.log", "ab")
        logs.append(log)
        proc = subprocess.Popen(
            [*argv, "start", "--disable-usage-stats", "--temp-dir", str(temp), *node_args],
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **RAY_NODE_ENV, **RAY_LOOPBACK_ENV, "LABSTUDIO_NODE_HOME": str(work / f"node-{name}")},  # the jobs' folders
            start_new_session=True,
        )
        procs.append(proc)
        return proc

    ray_cli = [str(Path(sys.executable).parent / "ray")]
    join_cli = [sys.executable, "-c", RAY_JOIN]
    common = ["--node-ip-address", LOOPBACK, "--num-cpus", str(args.cpus_per_node), "--num-gpus", "0"]
    gcs, dash, client = args.ray_port or free_port(), args.dashboard_port or free_port(), free_port()
    try:
        # The head without --block: `ray start` returns once its node is registered (the second
        # node needs that), leaving its daemons in the new session that stop_group() ends. On a
        # loaded machine a start can time out (Ray gives a node's agents 15 s): try again.
        for attempt in range(1, START_ATTEMPTS + 1):
            node_args = ["--head", "--port", str(gcs), "--dashboard-host", LOOPBACK, "--dashboard-port", str(dash),
                         "--ray-client-server-port", str(client), "--include-dashboard", "true", *common, *node_ports(0)]  # fmt: skip
            head = start(ray_cli, "head", node_args)
            if head.wait(START_TIMEOUT) == 0:
                break
            if attempt == START_ATTEMPTS:
                raise RuntimeError(f"ray start --head failed:\n{(work / 'ray-head.log').read_text(errors='replace')[-3000:]}")
            stop_group(head, grace=5)
            kill_leftovers(str(temp))
            gcs, dash, client = args.ray_port or free_port(), args.dashboard_port or free_port(), free_port()
        dashboard = f"http://{LOOPBACK}:{dash}"
        wait_until("the Ray head's Jobs API", lambda: jobs_client(dashboard) is not None, log=work / "ray-head.log")
        for attempt in range(1, START_ATTEMPTS + 1):
            node_args = ["--block", "--address", f"{LOOPBACK}:{gcs}", *common, *node_ports(1)]
            worker = start(join_cli, "worker", node_args)
            try:
                wait_until("the second Ray node", lambda: alive_nodes(dashboard) >= 2, proc=worker, log=work / "ray-worker.log")
                break
            except RuntimeError:
                if attempt == START_ATTEMPTS:
                    raise
                stop_group(worker, grace=5)
        yield RayCluster(address=f"{LOOPBACK}:{gcs}", dashboard=dashboard)
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

    def __init__(self, core: Any, src: Path, backend: str, run_id: str) -> None:
        self.core, self.src, self.backend, self.name = core, src, backend, backend
        self.prefix = f"bb-{run_id}-{backend}-"  # this run's jobs: unique across reruns on one store

    def submit(self, tag: str) -> str:
        spec = {"name": f"{self.prefix}{tag}", "entry_point": "train.py", "source_dir": str(self.src), "backend": self.backend}
        return str(to_json(self.core.jobs.submit(spec))["TrainingJobName"])

    def has_first_line(self, handle: str) -> bool:
        return FIRST in to_json(self.core.jobs.logs(handle, 0, 4096))["text"]

    def outcome(self, handle: str) -> str | None:
        job = self.core.jobs.get(handle)
        return str(job.status) if job.is_terminal else None

    def outcomes(self, handles: list[str]) -> dict[str, str]:
        wanted = set(handles)
        page = to_json(self.core.jobs.list(status=["Completed", "Failed", "Stopped"], name_contains=self.prefix, limit=1000))
        return {s["TrainingJobName"]: s["TrainingJobStatus"] for s in page["TrainingJobSummaries"] if s["TrainingJobName"] in wanted}

    def failure(self, handle: str) -> str:
        return str(self.core.jobs.get(handle).failure_reason)


class RaySubmit:
    """Ray's Jobs SDK: what `ray job submit --working-dir src -- python train.py` does."""

    name = "ray-submit"
    ok = "SUCCEEDED"

    def __init__(self, dashboard: str, src: Path, run_id: str) -> None:
        self.client = jobs_client(dashboard)
        self.src = src
        self.prefix = f"bb-{run_id}-ray-submit-"

    def submit(self, tag: str) -> str:
        return str(
            self.client.submit_job(
                entrypoint="python train.py",
                runtime_env={"working_dir": str(self.src)},
                entrypoint_num_cpus=1,
                submission_id=f"{self.prefix}{tag}",
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


class Direct:
    """The floor: `python train.py` as a process on this machine, its output read from a pipe."""

    name = "direct"
    ok = "0"

    def __init__(self, src: Path) -> None:
        self.src = src
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.seen: dict[str, bytes] = {}
        self.queue: list[str] = []
        self.slots = 1

    def submit(self, tag: str) -> str:
        self.queue.append(tag)
        self._start_queued()
        return tag

    def _start_queued(self) -> None:
        running = sum(1 for p in self.procs.values() if p.poll() is None)
        while self.queue and running < self.slots:
            tag = self.queue.pop(0)
            self.procs[tag] = subprocess.Popen([sys.executable, "train.py"], cwd=self.src, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
            os.set_blocking(self.procs[tag].stdout.fileno(), False)  # type: ignore[union-attr]
            running += 1

    def has_first_line(self, handle: str) -> bool:
        proc = self.procs.get(handle)
        if proc is None:
            return False
        chunk = proc.stdout.read(65536) if proc.stdout else None  # unbuffered, non-blocking: None when nothing new
        if chunk:
            self.seen[handle] = self.seen.get(handle, b"") + chunk
        return FIRST.encode() in self.seen.get(handle, b"")

    def outcome(self, handle: str) -> str | None:
        self._start_queued()
        proc = self.procs.get(handle)
        if proc is None or proc.poll() is None:
            return None
        if proc.stdout:
            proc.stdout.close()
        return str(proc.returncode)

    def outcomes(self, handles: list[str]) -> dict[str, str]:
        out = {}
        for handle in handles:
            status = self.outcome(handle)
            if status is not None:
                out[handle] = status
        return out

    def failure(self, handle: str) -> str:
        return f"exit code {self.procs[handle].returncode}"


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


def one_job(runner: Runner, tag: str, failed: list[str] | None) -> dict[str, float]:
    """Submit one job, time its first line, wait for its end (so the next one runs alone).
    A job that fails is listed in `failed` and gives no figure (the warm-up's raises)."""
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
        if failed is None:  # the warm-up: nothing would work after it
            raise RuntimeError(f"{runner.name}: {message}")
        failed.append(message)
        return {}
    return {"first": took}


def burst(runner: Runner, jobs: int, tag: str, failed: list[str]) -> dict[str, float]:
    """Submit `jobs` jobs at once and wait until every one ended: wall seconds and jobs/s."""
    t0 = time.perf_counter()
    handles = [runner.submit(f"{tag}-{k:03d}") for k in range(jobs)]
    ended: dict[str, str] = {}
    deadline = time.monotonic() + JOB_TIMEOUT + jobs * 10
    while len(ended) < len(handles):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{runner.name}: {len(handles) - len(ended)} of {jobs} jobs did not end")
        ended.update(runner.outcomes([h for h in handles if h not in ended]))
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    failed += [f"{h} ended {s}: {runner.failure(h)}" for h, s in ended.items() if s != runner.ok]
    return {"wall": wall, "rate": jobs / wall}


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=50, help="jobs submitted at once per runner and burst (throughput); default 50")
    parser.add_argument("--burst-rounds", type=int, default=3, help="interleaved bursts per runner; default 3")
    parser.add_argument("--latency-jobs", type=int, default=10, help="interleaved rounds of one job at a time per runner (first line); default 10")
    parser.add_argument("--cpus-per-node", type=int, default=2, help="CPUs of each of the two Ray nodes started here (the slots: twice this)")
    parser.add_argument("--ray-port", type=int, help="a fixed GCS port for the head started here (default: one the system hands out)")
    parser.add_argument("--dashboard-port", type=int, help="a fixed Jobs API port for the head started here (default: one the system hands out)")
    parser.add_argument("--worker-port-base", type=int, default=20000, help="each node's Ray worker ports: the first free run at or above this")
    parser.add_argument("--worker-ports", type=int, default=200, help="Ray worker ports per node (one per worker process); default 200")
    parser.add_argument("--ray-address", help="an existing cluster for labstudio's ray backend (LABSTUDIO_RAY_ADDRESS); default: start two nodes")
    parser.add_argument("--dashboard-url", help="the same cluster's Jobs API for ray-submit (default: --ray-address)")
    parser.add_argument("--slots", type=int, help="jobs at once on an existing cluster (its CPUs); default: twice --cpus-per-node")
    parser.add_argument("--db-url", help="the store for both backends (default: a PostgreSQL cluster started here)")
    parser.add_argument("--artifact-uri", help="the artifact store, e.g. s3://bucket/prefix (default: moto's S3 server started here)")
    parser.add_argument("--skip-ray-submit", action="store_true", help="do not run the ray job submit peer")
    parser.add_argument("--runners", default="direct,local,ray,ray-submit", help="which runners, comma-separated (default: all four)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 first-line rounds, 3 bursts of 4 jobs per runner")
    args = parser.parse_args()
    if args.quick:
        args.latency_jobs, args.burst_rounds, args.jobs = 3, 3, 4
    runners = [r for r in args.runners.split(",") if r and not (r == "ray-submit" and args.skip_ray_submit)]
    slots = args.slots or 2 * args.cpus_per_node
    run_id = time.strftime("%m%d%H%M%S") + secrets.token_hex(2)  # names of this run's jobs: never those of an earlier run

    print_load("start")
    check_rounds(min(args.latency_jobs, args.burst_rounds))
    work = Path(tempfile.mkdtemp(prefix="labstudio-bench-backends-"))
    src = work / "src"
    src.mkdir()
    (src / "train.py").write_text(SCRIPT)
    latency = Rounds(args.latency_jobs, "first line")
    bursts = Rounds(args.burst_rounds, f"burst of {args.jobs}")
    failed: dict[str, list[str]] = {name: [] for name in runners}
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, work, True)
        wants_ray = any(r.startswith("ray") for r in runners)
        if wants_ray:
            os.environ.update(RAY_LOOPBACK_ENV)  # before Ray is imported here: its clients stay on 127.0.0.1 too
        # Token authentication for the cluster started here, seen by this process (the Jobs
        # SDK, labstudio's ray backend) and the nodes alike.
        if args.ray_address is None and wants_ray:
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
        if address is None and wants_ray:
            cluster = stack.enter_context(ray_cluster(work, args))  # started after S3: the nodes inherit its variables
            address, dashboard = cluster.address, cluster.dashboard
        if address:
            os.environ["LABSTUDIO_RAY_ADDRESS"] = address

        from labstudio.core import Core

        core = Core.from_env()
        made: dict[str, Runner] = {}
        for name in runners:
            try:
                if name == "ray-submit":
                    made[name] = RaySubmit(str(dashboard), src, run_id)
                elif name == "direct":
                    made[name] = Direct(src)
                else:
                    made[name] = Labstudio(core, src, name, run_id)
                print(f"{name}: warm-up job", file=sys.stderr, flush=True)
                one_job(made[name], "warm", None)  # caches: the store's schema, Ray's workers, the package upload
            except Exception as exc:  # report the others; say why this one has no figures
                print(f"{name} could not run: {exc}", file=sys.stderr)
                made.pop(name, None)
                failed[name].append(f"could not run: {exc}")
        latency.run({name: (lambda r=r: one_job(r, f"lat-{time.time_ns()}", failed[r.name])) for name, r in made.items()}, optional=made)
        for runner in made.values():
            if isinstance(runner, Direct):
                runner.slots = slots
        bursts.run({name: (lambda r=r: burst(r, args.jobs, f"burst-{time.time_ns()}", failed[r.name])) for name, r in made.items()}, optional=made)
        report(latency, bursts, failed, slots, args)
    print_load("end")
    return 0 if latency.results and not any(failed.values()) else 1


LABELS = {"direct": "direct (floor)", "local": "labstudio local", "ray": "labstudio ray", "ray-submit": "ray job submit (peer)"}


def report(latency: Rounds, bursts: Rounds, failed: dict[str, list[str]], slots: int, args: argparse.Namespace) -> None:
    print(
        f"\none-second jobs: first line over {args.latency_jobs} interleaved rounds of one job at a time; "
        f"{args.burst_rounds} interleaved bursts of {args.jobs} jobs on {slots} slots; medians (min-max)\n"
    )
    rows = []
    peer_first, peer_rate = latency.get("ray-submit", "first"), bursts.get("ray-submit", "rate")
    for name in failed:
        first, wall, rate = latency.get(name, "first"), bursts.get(name, "wall"), bursts.get(name, "rate")
        p90 = f"{percentile(first.values, 90) * 1000:,.0f} ms" if first else "-"
        vs_first = f"{(first.median - peer_first.median) * 1000:+,.0f} ms" if first and peer_first and name != "ray-submit" else "-"
        vs_rate = ratio(rate, peer_rate) if name != "ray-submit" else "-"
        rows.append([LABELS.get(name, name), first.show(1000, 0, "ms") if first else "-", p90,
                     vs_first, wall.show(1, 1, "s") if wall else "-", rate.show(1, 2) if rate else "-", vs_rate, str(len(failed[name]))])
    table(["runner", "first line", "p90", "vs ray-submit", "burst wall", "jobs/s", "jobs/s vs ray-submit", "failed"], rows)
    for name, messages in failed.items():
        for message in messages[:5]:
            print(f"  {name}: {message}")
    for name, why in {**latency.failed, **bursts.failed}.items():
        print(f"  {name}: left out after it failed: {why}")
    first, rate = latency.get("ray", "first"), bursts.get("ray", "rate")
    if first:
        print(f"\nray backend: first line {first.median:.2f} s (goal <= 1 s on a warm cluster: {verdict(first.median <= 1.0)})", end="")
        if rate and peer_rate:
            x = rate.median / peer_rate.median
            print(f"; throughput {x:.2f}x ray-submit's (goal >= 1.0x: {verdict(x >= 1.0)})", end="")
        print()
    floor = latency.get("direct", "first")
    if floor and first:
        print(f"ray backend's first line over the direct run's: {(first.median - floor.median) * 1000:+,.0f} ms")


if __name__ == "__main__":
    sys.exit(main())
