"""The node side of the Ray endpoint backend: one detached actor per endpoint, on a cluster node.

The actor is a caretaker, not a server: it materialises the endpoint's folder on its node
from the artifact store (``spec.json`` and the variants' model and code archives the
backend uploaded there), binds the public socket on the node's IP and starts the ordinary
runtime (``python -m labstudio.serving.server --endpoint-dir DIR --listen-fd N``) as its
child, exactly as the local backend does on the JupyterLab machine. The runtime reports to
the store itself; the actor only answers the backend: update (re-fetch ``spec.json``, then
SIGHUP), stop (SIGTERM, drain, SIGKILL the group), whether the runtime still runs, and the
log's tail. Nothing here reads a path of the JupyterLab machine.

This module must import without Ray: the backend decorates ``EndpointHost`` with
``ray.remote`` when it creates the actor.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from ... import artifacts
from ...config import ENV_SQLITE_NULLPOOL, environment
from ...procs import bind_listener, kill_group_if_alive, signal_if_alive, start_ticks, wait_gone
from ...raycluster import node_home
from .. import requirements as serving_requirements
from ..spec import EndpointSpec

REMOTE_SPEC = "spec.json"  # under the endpoint's prefix in the artifact store
WORKERS_EXIT_GRACE = 3.0  # seconds workers get to notice their supervisor is gone and exit


class EndpointHost:
    """One endpoint's caretaker on a node (a detached, named Ray actor)."""

    def __init__(self, name: str, prefix_uri: str, env: dict[str, str]) -> None:
        """``prefix_uri``: the endpoint's folder in the artifact store; ``env``: the settings to run with."""
        os.environ.update(env)
        home = node_home()
        os.environ["LABSTUDIO_HOME"] = str(home)
        self.name = name
        self.prefix_uri = prefix_uri.rstrip("/")
        self.home = home
        self.folder = home / "endpoints" / name
        # A folder left by an earlier endpoint of this name (a node that crashed) is not this one's.
        shutil.rmtree(self.folder, ignore_errors=True)
        (self.folder / "logs").mkdir(parents=True)
        self.sock: socket.socket | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    # -- start ------------------------------------------------------------------------

    def reserve(self, port: int) -> dict[str, Any]:
        """Bind the public socket on this node's IP (``port`` 0: a free one); where it is and on which node.

        A port that cannot be bound comes back as ``{"error": reason}``: the endpoint's FailureReason.
        """
        import ray

        host = ray.util.get_node_ip_address()
        try:
            self.sock = bind_listener(host, port)
        except OSError as exc:
            return {"error": f"cannot listen on {host}:{port} on node {socket.gethostname()}: {exc.strerror or exc}"}
        return {
            "host": host,
            "port": self.sock.getsockname()[1],
            "node": f"{socket.gethostname()} ({host}, Ray node {ray.get_runtime_context().get_node_id()[:12]})",
        }

    def start(self) -> dict[str, Any]:
        """Fetch the endpoint's files, then start the runtime on the reserved socket; its pid and start ticks."""
        if self.sock is None:
            raise RuntimeError("reserve() must run before start()")
        self._materialise()
        with open(self.folder / "logs" / "endpoint.log", "ab") as log_file:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "labstudio.serving.server", "--endpoint-dir", str(self.folder), "--listen-fd", str(self.sock.fileno())],
                pass_fds=(self.sock.fileno(),),
                start_new_session=True,  # its workers share its group: one signal reaches them all
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                cwd=str(self.folder),
                env={**environment(), ENV_SQLITE_NULLPOOL: "1"},
            )
        self.sock.close()
        self.sock = None
        return {"pid": self.proc.pid, "start_ticks": start_ticks(self.proc.pid)}

    def _materialise(self) -> None:
        """Write the node's ``spec.json``: the uploaded one with its paths made this node's.

        Each bundle (a variant's model or code) is fetched and unpacked once: the folders are
        named per generation, so an update fetches only the variants it changed.
        """
        with artifacts.open_uri(f"{self.prefix_uri}/{REMOTE_SPEC}") as handle:
            document = json.load(handle)
        for relative, uri in document["bundles"].items():
            target = self._inside(relative)
            if target.is_dir():
                continue
            scratch = Path(tempfile.mkdtemp(prefix=".fetch-", dir=self.folder))
            try:
                archive = artifacts.fetch(uri, scratch / "bundle.tar.gz")
                artifacts.extract_archive(archive, scratch / "out")
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(scratch / "out", target)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
        spec = EndpointSpec.from_json(document["spec"])
        variants = [
            replace(v, model_dir=str(self._inside(v.model_dir)), source_dir=str(self._inside(v.source_dir)) if v.source_dir else None)
            for v in spec.variants
        ]
        cache = serving_requirements.cache_dir(self.home) if spec.requirements_cache else None
        replace(spec, variants=variants, requirements_cache=cache).write(self.folder / "spec.json")

    def _inside(self, relative: str) -> Path:
        """A path of the uploaded spec (relative to the endpoint's folder) on this node; never outside it."""
        target = (self.folder / relative).resolve()
        if self.folder.resolve() not in target.parents:
            raise ValueError(f"{relative!r} is not inside the endpoint's folder")
        return target

    # -- running ----------------------------------------------------------------------

    def running(self) -> bool:
        """Whether the runtime's supervisor still runs (and is reaped once it has exited)."""
        return self.proc is not None and self.proc.poll() is None

    def update(self) -> bool:
        """Blue/green: re-fetch ``spec.json`` (and new variants), then SIGHUP the runtime; False when it is not running."""
        if not self.running():
            return False
        self._materialise()
        assert self.proc is not None
        return signal_if_alive(self.proc.pid, start_ticks(self.proc.pid), signal.SIGHUP)

    def stop(self, grace: float, workers: list[list[int]], log_bytes: int) -> bytes:
        """SIGTERM the supervisor (it drains its workers), then SIGKILL whatever is left of it and of ``workers``.

        Returns the last ``log_bytes`` of the runtime's log, read before this node's folder is
        removed: the backend keeps it, so a failed endpoint's log still says why.
        """
        if self.proc is not None:
            master = [(self.proc.pid, start_ticks(self.proc.pid))]
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(grace)
                except subprocess.TimeoutExpired:
                    kill_group_if_alive(self.proc.pid, master[0][1], signal.SIGKILL)
                    self.proc.wait(5.0)
            else:
                kill_group_if_alive(self.proc.pid, None, signal.SIGKILL)  # workers left in its group
        pids: list[tuple[int, int | None]] = [(int(p), t) for p, t in workers]
        if pids and not wait_gone(pids, WORKERS_EXIT_GRACE):
            for pid, ticks in pids:
                signal_if_alive(pid, ticks, signal.SIGKILL)
            wait_gone(pids, 5.0)
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        kept = self.log_tail(log_bytes)
        shutil.rmtree(self.folder, ignore_errors=True)
        return kept

    def log_tail(self, max_bytes: int) -> bytes:
        """The last ``max_bytes`` of the runtime's log on this node."""
        path = self.folder / "logs" / "endpoint.log"
        try:
            with open(path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                size = handle.tell()
                handle.seek(max(0, size - max_bytes))
                return handle.read()
        except OSError:
            return b""
