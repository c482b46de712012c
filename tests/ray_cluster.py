"""A two-node Ray cluster on this machine for the scale-out suite.

`ray start --head` plus a second `ray start --address ... --block` carrying its own custom
resource `node2`, so a test can pin work to the second node and kill that node (a lost
machine) by its process group. Every port is chosen free and the cluster has its own
--temp-dir, so the clusters of concurrent test runs never collide; everything is stopped by
pid/process group at the end (never `ray stop`: it kills every Ray process on the machine).

Token authentication is on (Ray's default for new clusters): the fixture generates a token
and hands it to every client through `RayCluster.env` (RAY_AUTH_MODE/RAY_AUTH_TOKEN).
`start_cluster()` is usable outside pytest too (benchmarks): `with start_cluster() as c: ...`.
"""
from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

START_TIMEOUT = 180.0
# Ray gives a starting raylet a fixed ~30 s for its dashboard agent to come up; on a loaded
# machine that can pass and `ray start` fails: start again with fresh ports, this many times.
START_ATTEMPTS = 4
# Under load the raylet and its agents start slowly; Ray's defaults give up too early here.
SLOW_START_ENV = {
    "RAY_raylet_start_wait_time_s": "120",
    "RAY_agent_register_timeout_ms": "120000",
    # A killed node is declared dead after ~3 s instead of ~30 s (GCS health checks).
    "RAY_health_check_initial_delay_ms": "1000",
    "RAY_health_check_period_ms": "1000",
    "RAY_health_check_timeout_ms": "1000",
    "RAY_health_check_failure_threshold": "3",
    "RAY_USAGE_STATS_ENABLED": "0",
}
WORKER_PORTS = 40  # per node; each Ray worker process (task or actor) takes one


def _ray_bin() -> str:
    """The `ray` script next to this interpreter (the venv's), else the one on PATH."""
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else (shutil.which("ray") or "ray")


class _Ports:
    """Hands out free TCP ports on 127.0.0.1, never the same one twice in a cluster."""

    def __init__(self) -> None:
        self.taken: set[int] = set()

    @staticmethod
    def _free(port: int) -> bool:
        with socket.socket() as s:
            try:
                s.bind(("", port))
            except OSError:
                return False
        return True

    def one(self) -> int:
        while True:
            with socket.socket() as s:
                s.bind(("", 0))
                port = s.getsockname()[1]
            if port not in self.taken and port < 61000:
                self.taken.add(port)
                return port

    def span(self, count: int) -> tuple[int, int]:
        """A run of `count` free consecutive ports (worker ports), away from the ephemeral range."""
        for _ in range(500):
            base = random.randrange(20000, 32000 - count)
            ports = range(base, base + count)
            if any(p in self.taken for p in ports) or not all(self._free(p) for p in ports):
                continue
            self.taken.update(ports)
            return base, base + count - 1
        raise RuntimeError("no run of free ports for Ray workers")


@dataclass
class RayCluster:
    """A running two-node cluster: how to reach it and how to break it.

    address: the GCS `host:port` (what `ray.init(address=...)` and LABSTUDIO_RAY_ADDRESS take).
    env: variables every client (and any subprocess talking to the cluster) needs: the token.
    head_node_id / node2_id: Ray node ids (hex). node_ip: the IP both nodes registered with.
    """

    address: str
    env: dict[str, str]
    temp_dir: Path
    node_ip: str
    head_node_id: str = ""
    node2_id: str = ""
    client_port: int = 0
    dashboard_port: int = 0
    _head_pids: list[int] = field(default_factory=list)
    _node2: subprocess.Popen | None = None
    _node2_base: list[str] = field(default_factory=list)
    _ports: _Ports = field(default_factory=lambda: _Ports())
    _node2_log: Path | None = None

    @property
    def client_address(self) -> str:
        """The Ray Client address (`ray://host:port`) of the head."""
        return f"ray://{self.node_ip}:{self.client_port}"

    @property
    def dashboard_url(self) -> str:
        """The Jobs API address (`ray job submit --address ...`); empty without a dashboard."""
        return f"http://{self.node_ip}:{self.dashboard_port}" if self.dashboard_port else ""

    def child_env(self, **extra: str) -> dict[str, str]:
        """os.environ plus the cluster's variables: for subprocesses (CLI, servers)."""
        env = dict(os.environ)
        env.update(self.env)
        env.update(extra)
        return env

    # -- node 2 -------------------------------------------------------------------------
    def node2_alive(self) -> bool:
        return self._node2 is not None and self._node2.poll() is None

    def kill_node2(self) -> None:
        """SIGKILL node 2's whole process group (raylet, its agents and its workers): a lost node.

        Returns at once; Ray declares the node dead a few seconds later (health checks).
        """
        if self._node2 is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._node2.pid, signal.SIGKILL)
        self._node2.wait(timeout=30)
        # Workers Ray started in their own groups still carry the node's temp dir: kill them.
        _kill_marked(self.temp_dir, only_node2=True, node2_pgid=self._node2.pid)

    def restart_node2(self) -> None:
        """Start node 2 again (a new node id) and wait until the cluster sees it."""
        if self.node2_alive():
            return
        self.head_node_id, self.node2_id = self._join_node2(exclude=self.node2_id)

    def _join_node2(self, exclude: str = "") -> list[str]:
        """Start node 2 and return the alive node ids (head, node 2) once the GCS lists both.

        Ray gives a starting node a fixed 30 s to register; on a loaded machine that can pass
        and `ray start` exits: start it again (fresh ports), START_ATTEMPTS times at most.
        """
        for attempt in range(1, START_ATTEMPTS + 1):
            self._start_node2()
            probe = _probe(self, want=2, exclude=exclude)
            while probe.poll() is None and self.node2_alive():
                time.sleep(0.5)
            if probe.poll() is None:  # node 2 exited while the probe waited for it
                probe.kill()
                probe.wait()
                if attempt < START_ATTEMPTS:
                    continue
            out, err = probe.communicate()
            if probe.returncode == 0:
                return json.loads(out.strip().splitlines()[-1])
            if attempt == START_ATTEMPTS or self.node2_alive():
                break
        log = self._node2_log.read_text(errors="replace")[-3000:] if self._node2_log else ""
        raise RuntimeError(f"node 2 did not join the Ray cluster at {self.address}:\n{log}\n{_logs_tail(self.temp_dir, None)}")

    def _start_node2(self) -> None:
        assert self._node2_log is not None
        log = open(self._node2_log, "ab")  # handed to the child, closed with it
        self._node2 = subprocess.Popen(
            [*self._node2_base, *_node_ports(self._ports)],
            env=_node_env(self.env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill_node2 takes the whole node
        )
        log.close()

    # -- teardown -----------------------------------------------------------------------
    def stop(self, remove: bool = True) -> None:
        """Stop both nodes by process group/pid, then anything else started in our temp dir."""
        if self._node2 is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._node2.pid, signal.SIGKILL)
            with contextlib.suppress(Exception):
                self._node2.wait(timeout=30)
        _kill_marked(self.temp_dir)
        for pid in self._head_pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)
        if remove:
            shutil.rmtree(self.temp_dir, ignore_errors=True)


def _node_ip() -> str:
    """The address Ray registers this machine's nodes with (it ignores 127.0.0.1 for the GCS).

    Asked in a subprocess: importing Ray here would fix this process's authentication mode
    before the fixture has set RAY_AUTH_MODE (Ray reads it once per process).
    """
    out = subprocess.run(
        [sys.executable, "-c", "import ray.util; print(ray.util.get_node_ip_address())"],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _logs_tail(temp_dir: Path, start_log: Path | None) -> str:
    """What went wrong at start-up: `ray start`'s output and the raylets' errors."""
    parts = [start_log.read_text(errors="replace")[-3000:]] if start_log and start_log.exists() else []
    for log in sorted(temp_dir.glob("session_*/logs/raylet*.out")):
        fatal = [line for line in log.read_text(errors="replace").splitlines() if " C " in line or " E " in line or "Check failed" in line]
        parts.append(f"--- {log}\n" + "\n".join(fatal[-20:]))
    return "\n".join(parts)


def _node_env(cluster_env: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    # A client's connection settings must not leak into the nodes themselves.
    for key in ("RAY_ADDRESS", "LABSTUDIO_RAY_ADDRESS"):
        env.pop(key, None)
    env.update(SLOW_START_ENV)
    env.update(cluster_env)
    return env


def _kill_marked(temp_dir: Path, only_node2: bool = False, node2_pgid: int = 0) -> None:
    """SIGKILL processes whose command line names our temp dir (Ray passes it to every daemon).

    With only_node2, only those in node 2's process group (already signalled; stragglers that
    called setsid are found by their session instead).
    """
    marker = str(temp_dir)
    me = os.getpid()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        pid = int(entry.name)
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if only_node2:
                if os.getsid(pid) != node2_pgid:
                    continue
            elif marker not in cmdline:
                continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _probe(cluster: RayCluster, want: int, exclude: str = "") -> subprocess.Popen:
    """A subprocess printing the alive node ids (head first) once `want` nodes are alive.

    A throwaway driver in its own process: the fixture must not leave a Ray connection in the
    test process (the code under test makes its own, exactly once).
    """
    return subprocess.Popen(
        [sys.executable, "-c", _NODE_PROBE, cluster.address, str(want), str(START_TIMEOUT), exclude],
        env=cluster.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


_NODE_PROBE = r"""
import json, sys, time, ray
address, want, timeout, exclude = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
ray.init(address=address, logging_level="ERROR", log_to_driver=False)
deadline = time.monotonic() + timeout
while True:
    alive = [n for n in ray.nodes() if n["Alive"] and n["NodeID"] != exclude]
    if len(alive) >= want or time.monotonic() > deadline:
        break
    time.sleep(0.5)
if len(alive) < want:
    sys.exit(f"{len(alive)} alive node(s)")
alive.sort(key=lambda n: ("node:__internal_head__" not in n["Resources"], "node2" in n["Resources"]))
print(json.dumps([n["NodeID"] for n in alive]))
"""


def _node_ports(ports: _Ports) -> list[str]:
    low, high = ports.span(WORKER_PORTS)
    return [
        f"--node-manager-port={ports.one()}",
        f"--object-manager-port={ports.one()}",
        f"--metrics-export-port={ports.one()}",
        f"--dashboard-agent-listen-port={ports.one()}",
        f"--dashboard-agent-grpc-port={ports.one()}",
        f"--runtime-env-agent-port={ports.one()}",
        f"--min-worker-port={low}",
        f"--max-worker-port={high}",
    ]


@contextlib.contextmanager
def start_cluster(dashboard: bool = False, num_cpus: int = 1) -> Iterator[RayCluster]:
    """Start the two-node cluster; stop it (by pid/process group) when the block ends.

    dashboard=True also starts the head's dashboard (the Jobs API, `ray job submit`); the test
    suite leaves it off: it costs a process and seconds of start-up the tests do not use.
    """
    # Short path: Ray's Unix sockets live under it and socket paths are limited to 107 bytes.
    temp_dir = Path(tempfile.mkdtemp(prefix="lsray", dir="/tmp"))
    token = secrets.token_hex(32)
    env = {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}
    ports = _Ports()
    gcs_port, client_port = ports.one(), ports.one()
    # Even with --include-dashboard=false the head runs a minimal dashboard on --dashboard-port
    # (default 8265, which would collide with other clusters): always give it a free one.
    dash_port = ports.one()
    node_ip = _node_ip()
    ray = _ray_bin()
    cluster = RayCluster(
        address=f"{node_ip}:{gcs_port}",
        env=env,
        temp_dir=temp_dir,
        node_ip=node_ip,
        client_port=client_port,
        dashboard_port=dash_port if dashboard else 0,
    )
    head_log = temp_dir / "head-start.log"
    try:
        for attempt in range(1, START_ATTEMPTS + 1):
            head = [
                ray, "start", "--head",
                f"--node-ip-address={node_ip}",
                f"--port={gcs_port}",
                f"--ray-client-server-port={client_port}",
                f"--temp-dir={temp_dir}",
                f"--num-cpus={num_cpus}",
                "--num-gpus=0",
                "--disable-usage-stats",
                f"--include-dashboard={str(dashboard).lower()}",
                f"--dashboard-host={node_ip}",
                f"--dashboard-port={dash_port}",
                *_node_ports(ports),
            ]
            with open(head_log, "ab") as log:
                # Without --block `ray start` returns once the daemons run; they stay in this
                # new session (start_new_session), which is what stop() kills.
                proc = subprocess.Popen(
                    head, env=_node_env(env), stdin=subprocess.DEVNULL, stdout=log,
                    stderr=subprocess.STDOUT, start_new_session=True,
                )
                cluster._head_pids.append(proc.pid)
                rc = proc.wait(timeout=START_TIMEOUT)
            if rc == 0:
                break
            if attempt == START_ATTEMPTS:
                raise RuntimeError(f"ray start --head failed ({rc}):\n{_logs_tail(temp_dir, head_log)}")
            cluster.stop(remove=False)
            gcs_port, client_port, dash_port = ports.one(), ports.one(), ports.one()
            cluster.address, cluster.client_port = f"{node_ip}:{gcs_port}", client_port
            cluster.dashboard_port = dash_port if dashboard else 0
        cluster._ports = ports
        cluster._node2_base = [
            ray, "start", "--block",
            f"--address={cluster.address}",
            f"--node-ip-address={node_ip}",
            f"--temp-dir={temp_dir}",
            f"--num-cpus={num_cpus}",
            "--num-gpus=0",
            "--disable-usage-stats",
            "--resources=" + json.dumps({"node2": 1}),
        ]
        cluster._node2_log = temp_dir / "node2-start.log"
        cluster.head_node_id, cluster.node2_id = cluster._join_node2()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[RayCluster]:
    """The session's two-node cluster (started on first use, ~30 s; stopped at session end).

    The cluster's token variables are set in this process for the whole session (and so
    inherited by every process a test starts): Ray reads its authentication mode once per
    process, so they must be there before anything here connects. Tests that start
    processes with a clean environment add `cluster.env`.
    """
    if importlib.util.find_spec("ray") is None:
        pytest.skip("the ray extra is not installed (pip install 'labstudio[ray]')")
    with start_cluster() as cluster, pytest.MonkeyPatch.context() as mp:
        for key, value in cluster.env.items():
            mp.setenv(key, value)
        yield cluster
