"""Local processes: one detached supervisor per endpoint (``python -m labstudio.serving.server``).

The public socket is bound here, before anything starts, so "port in use" is a FailureReason
at once and the URL is stable from the first response; the bound socket is handed to the
supervisor as an inherited fd. The supervisor runs in its own session (it outlives the
Jupyter server or CLI that started it) and its workers share its process group. Updates are
a SIGHUP (the supervisor re-reads ``spec.json``); a stop is SIGTERM (it drains its workers),
then SIGKILL to the group and to any worker recorded in the store.
"""
from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ...config import ENV_SQLITE_NULLPOOL, Settings
from ...procs import bind_listener, is_alive, kill_group_if_alive, signal_if_alive, start_ticks, wait_gone
from ...store.endpoints import Endpoint
from ..spec import EndpointSpec
from .base import EndpointBackend, LaunchFailed, Started

PACKAGE_ROOT = str(Path(__file__).resolve().parents[3])
WORKERS_EXIT_GRACE = 3.0  # seconds workers get to notice their supervisor is gone and exit


class LocalEndpointBackend(EndpointBackend):
    name = "local"
    machine_bound = True

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self._spawned: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def start(self, spec: EndpointSpec, folder: Path, on_address: Callable[[EndpointSpec], None]) -> Started:
        try:
            sock = bind_listener(spec.host, spec.port)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                what = "is already in use" if exc.errno == errno.EADDRINUSE else "needs privileges to be bound"
                reason = f"port {spec.port} on {spec.host} {what}: choose another port, or leave it out to get a free one"
            else:
                reason = f"cannot listen on {spec.host}:{spec.port}: {exc}"
            raise LaunchFailed(reason) from None
        try:
            spec = replace(spec, port=sock.getsockname()[1])
            on_address(spec)
            (folder / "logs").mkdir(parents=True, exist_ok=True)
            with open(folder / "logs" / "endpoint.log", "ab") as log_file:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "labstudio.serving.server", "--endpoint-dir", str(folder), "--listen-fd", str(sock.fileno())],
                    pass_fds=(sock.fileno(),),
                    start_new_session=True,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    cwd=str(folder),
                    env=self._environment(),
                )
        except Exception as exc:
            raise LaunchFailed(f"could not start the endpoint's server: {type(exc).__name__}: {exc}") from exc
        finally:
            sock.close()
        with self._lock:
            self._spawned[proc.pid] = proc
        return Started(pid=proc.pid, start_ticks=start_ticks(proc.pid))

    def _environment(self) -> dict[str, str]:
        """The supervisor reaches the same store, imports this very package, and is nobody's kernel."""
        env = self.settings.child_env(**{ENV_SQLITE_NULLPOOL: "1"})
        rest = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and p != PACKAGE_ROOT]
        env["PYTHONPATH"] = os.pathsep.join([PACKAGE_ROOT, *rest])
        env.pop("JPY_PARENT_PID", None)
        return env

    def update(self, endpoint: Endpoint) -> bool:
        return signal_if_alive(endpoint.pid, endpoint.pid_start_ticks, signal.SIGHUP)

    def stop(self, endpoint: Endpoint, grace: float) -> None:
        """SIGTERM the supervisor (it drains its workers), then SIGKILL whatever is left."""
        master = (endpoint.pid, endpoint.pid_start_ticks) if endpoint.pid else None
        if master and signal_if_alive(master[0], master[1], signal.SIGTERM):
            if not wait_gone([master], grace):
                kill_group_if_alive(master[0], master[1], signal.SIGKILL)
                wait_gone([master], 5.0)
        self._kill_workers(endpoint)
        self.reap()

    def is_alive(self, endpoint: Endpoint) -> bool:
        return is_alive(endpoint.pid, endpoint.pid_start_ticks)

    def cleanup_dead(self, endpoint: Endpoint) -> None:
        self.stop(endpoint, grace=1.0)

    def _kill_workers(self, endpoint: Endpoint) -> None:
        """Workers exit by themselves when their supervisor goes; those that do not are killed."""
        workers = [(int(p), t) for v in endpoint.variants for p, t in (v.config.get("worker_pids") or [])]
        if workers and not wait_gone(workers, WORKERS_EXIT_GRACE):
            for pid, ticks in workers:
                signal_if_alive(pid, ticks, signal.SIGKILL)
            wait_gone(workers, 5.0)

    def reap(self) -> None:
        with self._lock:
            for pid, proc in list(self._spawned.items()):
                if proc.poll() is not None:
                    del self._spawned[pid]
