"""How the hosts (algo-1..algo-N) of one job coordinate: only through the store.

Each host's supervisor owns its `job_hosts` row (node, pid, status, heartbeat). The store is
the one thing every host reaches wherever it runs (this machine or a Ray node), so the same
rules work on every backend:

* a host whose script fails records Failed; every other host sees that row and stops;
* a stop request is the job's stop flag (`stop_requested_time`), polled about once a second,
  so it reaches a supervisor on another machine without any signal;
* a host whose supervisor died (a dead pid on this machine, or a heartbeat older than
  STALE_SECONDS elsewhere) is recorded Failed by the leader, which then stops the others;
* the leader (algo-1) records the job's outcome once every host ended.

Imported by the supervisor once its script runs (never before the spawn).
"""
from __future__ import annotations

import random
import socket
import string
import threading
import time
from typing import TYPE_CHECKING, Any

from .. import procs as procutil
from ..config import ENV_NODE_ID, JobContext
from ..status import HostStatus, JobStatus
from ..store import hosts as hosts_store
from ..store import jobs as jobs_store
from ..store import logs as logs_store

if TYPE_CHECKING:
    from ..store.entities import JobHost
    from .recorder import JobRecorder

LEADER = "algo-1"
HEARTBEAT_SECONDS = 2.0
POLL_SECONDS = 1.0  # how often a host reads the stop flag and its peers' rows
STALE_SECONDS = 15.0  # a heartbeat this old: the host's supervisor is gone
START_GRACE_SECONDS = 300.0  # a host not started after this long (nor seen alive here) is taken as lost
NODE_ID_VAR = ENV_NODE_ID  # a backend's own name for the node (Ray's node id), shown with it


def log_prefix(host: str) -> str:
    """`algo-k-xxxxx | `: a host's tag on each of its lines, as SageMaker local mode's compose
    output shows (five random lowercase letters or digits per host and job)."""
    suffix = "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
    return f"{host}-{suffix} | "


def host_line_prefix(host: str) -> bytes:
    """What every log line of `host` starts with (the random part aside)."""
    return f"{host}-".encode()


def check_host(host: str, count: int) -> None:
    """A host filter must name one of the job's hosts (algo-1..algo-N)."""
    from ..errors import Invalid

    if not (host.startswith("algo-") and host[5:].isdigit() and 1 <= int(host[5:]) <= count and host[5] != "0"):
        hosts = "algo-1" if count == 1 else f"algo-1 to algo-{count}"
        raise Invalid(f"'host' must be one of the job's hosts ({hosts}), got {host!r}.", field="host")


def host_lines(data: bytes, offset: int, host: str, *, whole: bool) -> tuple[bytes, int]:
    """`host`'s lines of a chunk of a multi-host job's log, and the offset to go on from.

    The hosts write whole lines, so only a chunk's end can cut one: it is left for the next
    read (unless the log is complete, or one line fills the whole chunk)."""
    end = len(data)
    if not whole and data and not data.endswith(b"\n"):
        last = data.rfind(b"\n")
        if last >= 0:
            end = last + 1
    tag = host_line_prefix(host)
    kept = [line for line in data[:end].splitlines(keepends=True) if _is_host_line(line, tag)]
    return b"".join(kept), offset + end


def _is_host_line(line: bytes, tag: bytes) -> bool:
    """`algo-k-xxxxx | ...` for the host whose tag is `algo-k-`."""
    n = len(tag)
    return line.startswith(tag) and line[n + 5 : n + 8] == b" | " and line[n : n + 5].isalnum()


def node_name() -> str:
    """`hostname (IP)`, plus the backend's node id when it gave one: where a host runs."""
    name = socket.gethostname()
    ip = "127.0.0.1"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.connect(("10.255.255.255", 1))  # UDP: picks the outgoing interface, sends nothing
            ip = sock.getsockname()[0]
    except OSError:
        pass
    node = f"{name} ({ip})"
    node_id = JobContext.from_env().node_id
    return f"{node} [{node_id}]" if node_id else node


SHIP_BYTES = 1 << 20  # at most this much of the log per store row


class LogShipper:
    """A remote run's log file, sent to the store from byte 0 as it grows.

    The file is the one record of everything the job printed: the supervisor's own lines
    written before the script (channel downloads, pip's output for requirements.txt, the
    namespace notice) and the script's output alike, so tailing the file (rather than the
    script's pipe) gets every line to the store, in order. Called from the store thread every
    flush and once more before a host or the job records its end (a lock keeps the two apart).
    """

    def __init__(self, path: str, name: str) -> None:
        self.path = path
        self.name = name
        self.offset = 0
        self._lock = threading.Lock()

    def ship(self, db: Any) -> None:
        with self._lock:
            try:
                handle = open(self.path, "rb")  # closed below
            except FileNotFoundError:
                return
            with handle:
                handle.seek(self.offset)
                while True:
                    data = handle.read(SHIP_BYTES)
                    if not data:
                        return
                    db.run_write(lambda conn, data=data: logs_store.append(conn, self.name, data))
                    self.offset += len(data)


def shipping_recorder(db: Any, name: str, run_id: str | None, shipper: LogShipper) -> JobRecorder:
    """A remote run's recorder: the log's last bytes reach the store before the job's end does
    (a follower that sees the job ended has seen its whole log)."""
    from .recorder import JobRecorder

    class ShippingRecorder(JobRecorder):
        def finish(self, **fields: Any) -> bool:
            shipper.ship(self.db)
            return super().finish(**fields)

    recorder = ShippingRecorder(db, name, run_id)
    recorder.shipper = shipper  # type: ignore[attr-defined]  # read by finish_host via getattr
    return recorder


def started_row(node: str, pid: int, now: float) -> dict[str, Any]:
    """A host's row values once its script runs."""
    return {
        "node": node,
        "pid": pid,
        "start_ticks": procutil.start_ticks(pid),
        "status": HostStatus.IN_PROGRESS,
        "start_time": now,
        "heartbeat_time": now,
    }


def _local_supervisor(job_dir: str, host: str) -> bool | None:
    """Whether a host's supervisor on this machine is alive (None: it never ran here)."""
    from pathlib import Path

    from .layout import host_dir

    try:
        pid_s, ticks_s = (host_dir(Path(job_dir), host) / "supervisor.pid").read_text().split()
    except (OSError, ValueError):
        return None
    return procutil.is_alive(int(pid_s), int(ticks_s))


def _lost(peer: JobHost, node: str, now: float, created: float, job_dir: str) -> str | None:
    """Why a host that has not ended is taken as gone (None: it is fine)."""
    if peer.status == HostStatus.PENDING:
        # Not started yet: installing requirements, or still being placed by its backend.
        local = _local_supervisor(job_dir, peer.host)
        if local is False:
            return f"InternalServerError: the labstudio supervisor of {peer.host} ended before its script started"
        if local is None and now - created > START_GRACE_SECONDS:
            return f"InternalServerError: the labstudio supervisor of {peer.host} did not start within {int(START_GRACE_SECONDS)} s"
        return None
    if peer.node == node and peer.pid and not procutil.is_alive(peer.pid, peer.start_ticks):
        return (
            f"InternalServerError: the labstudio supervisor of {peer.host} (pid {peer.pid}) on {peer.node} ended "
            "unexpectedly; its training process was stopped"
        )
    if peer.heartbeat_time is not None and now - peer.heartbeat_time > STALE_SECONDS:
        return (
            f"InternalServerError: the labstudio supervisor of {peer.host} on {peer.node} stopped reporting "
            f"(no heartbeat for {int(now - peer.heartbeat_time)} s): its node or process was lost"
        )
    return None


class HostDuties:
    """What a multi-host or remote supervisor does from its store thread while the script runs:
    heartbeat, stop-flag polling, watching its peers, and shipping its output to the store."""

    def __init__(self, supervisor: Any, recorder_of: Any) -> None:
        self.sup = supervisor
        self.recorder_of = recorder_of
        self.host: str = supervisor.host
        self.hosts: list[str] = supervisor.hosts
        # Pending peers get START_GRACE_SECONDS from now (not from the job's creation: it may
        # have waited long in the slot queue before algo-1 started them).
        self.created = time.time()
        self.node = node_name()
        self._next_beat = 0.0
        self._next_poll = 0.0

    @property
    def recorder(self) -> JobRecorder:
        recorder: JobRecorder = self.recorder_of()
        return recorder

    def ship_logs(self) -> None:
        """What the log file gained since the last flush, to the store (remote runs: the server
        reads the log there)."""
        shipper = getattr(self.sup, "shipper", None)
        if shipper is not None:
            shipper.ship(self.recorder.db)

    def tick(self) -> float:
        """Beat, poll; returns the seconds until the next duty."""
        now = time.time()
        if now >= self._next_beat:
            self._next_beat = now + HEARTBEAT_SECONDS
            name, host = self.recorder.name, self.host
            self.recorder.db.run_write(lambda conn: hosts_store.update_host(conn, name, host, heartbeat_time=now))
        if now >= self._next_poll:
            self._next_poll = now + POLL_SECONDS
            self.poll(now)
        return max(0.05, min(self._next_beat, self._next_poll) - time.time())

    def poll(self, now: float) -> None:
        name = self.recorder.name
        with self.recorder.db.read() as conn:
            job = jobs_store.get_job(conn, name, with_transitions=False)
            peers = hosts_store.list_hosts(conn, name) if len(self.hosts) > 1 else []
        if job is None or job.is_terminal or job.stop_requested_time is not None or job.status == JobStatus.STOPPING:
            self.sup.stop_requested = True
            return
        for peer in peers:
            if peer.host == self.host:
                continue
            if peer.status in (HostStatus.FAILED, HostStatus.STOPPED):
                self.sup.peer_ended(peer.host, peer.status)
                return
            if self.host == LEADER and not peer.status.is_terminal():
                why = _lost(peer, self.node, now, self.created, self.sup.job_dir)
                if why is not None:
                    self._fail_lost(peer, why, now)
                    return

    def _fail_lost(self, peer: JobHost, why: str, now: float) -> None:
        name = self.recorder.name
        if self.recorder.db.run_write(
            lambda conn: hosts_store.finish_host(conn, name, peer.host, status=HostStatus.FAILED, failure_reason=why, end_time=now)
        ):
            self.sup.peer_ended(peer.host, HostStatus.FAILED)


def finish_host(
    recorder: JobRecorder, host: str, *, status: str, exit_code: int | None, reason: str | None, end_time: float | None = None
) -> None:
    """Record a host's end (once: a host the leader already declared lost keeps that).
    `end_time` is when its script ended: the first host to fail is the job's reason. A remote
    host's log reaches the store first, so the job never ends before its last lines do."""
    shipper = getattr(recorder, "shipper", None)
    if shipper is not None:
        shipper.ship(recorder.db)
    now = time.time()
    recorder.db.run_write(
        lambda conn: hosts_store.finish_host(
            conn, recorder.name, host, status=status, exit_code=exit_code, failure_reason=reason,
            end_time=end_time or now, heartbeat_time=now,
        )
    )


def wait_for_hosts(recorder: JobRecorder, hosts: list[str], created: float, job_dir: str, stop_all: Any) -> list[JobHost]:
    """The leader, its own script ended: wait until every host has ended, declaring lost any
    whose supervisor died, and return the rows. `stop_all()` is called once when some host
    failed or was stopped, so the rest stop too."""
    node = node_name()
    stopped = False
    next_beat = 0.0
    while True:
        now = time.time()
        if now >= next_beat:  # still alive, for whoever watches the leader's heartbeat
            next_beat = now + HEARTBEAT_SECONDS
            recorder.db.run_write(lambda conn, now=now: hosts_store.update_host(conn, recorder.name, LEADER, heartbeat_time=now))
        with recorder.db.read() as conn:
            rows = hosts_store.list_hosts(conn, recorder.name)
        live = [r for r in rows if r.host in hosts and not r.status.is_terminal()]
        if not live:
            return [r for r in rows if r.host in hosts]
        if not stopped and any(r.status in (HostStatus.FAILED, HostStatus.STOPPED) for r in rows):
            stop_all()
            stopped = True
        for peer in live:
            why = _lost(peer, node, now, created, job_dir)
            if why is not None:
                recorder.db.run_write(
                    lambda conn, peer=peer, why=why, now=now: hosts_store.finish_host(
                        conn, recorder.name, peer.host, status=HostStatus.FAILED, failure_reason=why, end_time=now
                    )
                )
        time.sleep(0.25)


def job_outcome(rows: list[JobHost]) -> tuple[str, str | None, int | None]:
    """("completed" | "failed" | "max_runtime" | "stopped", reason naming the host, exit code).

    The failure the job reports is the first host that failed (the others were stopped
    because of it)."""
    failed = sorted((r for r in rows if r.status == HostStatus.FAILED), key=lambda r: (r.end_time or 0.0, len(r.host), r.host))
    if failed:
        first = failed[0]
        return "failed", f"{first.host}: {first.failure_reason or 'AlgorithmError: the host failed'}", first.exit_code
    if any(r.status == HostStatus.STOPPED and (r.failure_reason or "").startswith("MaxRuntimeExceeded") for r in rows):
        return "max_runtime", None, None
    if any(r.status == HostStatus.STOPPED for r in rows):
        return "stopped", None, None
    return "completed", None, 0


def signal_local_hosts(job_dir: str, hosts: list[str], sig: int) -> None:
    """Signal the supervisors of a job's other hosts that run on this machine (by pid file)."""
    from pathlib import Path

    from .layout import host_dir

    for host in hosts:
        if host == LEADER:
            continue
        try:
            pid_s, ticks_s = (host_dir(Path(job_dir), host) / "supervisor.pid").read_text().split()
        except (OSError, ValueError):
            continue
        procutil.signal_if_alive(int(pid_s), int(ticks_s), sig)
