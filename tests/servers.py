"""A real `jupyter server` process with labstudio, for tests that restart or kill it."""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterProcess:
    def __init__(self, root: Path, env: dict[str, str], token: str = "test-token", prefix: Sequence[str] = ()) -> None:
        self.root = root
        self.prefix = list(prefix)  # a command the server runs under (e.g. a mount namespace)
        self.env = env
        self.token = token
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = root / f"jupyter-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> JupyterProcess:
        cmd = [
            *self.prefix, sys.executable, "-m", "jupyter_server",
            f"--ServerApp.port={self.port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.open_browser=False",
            f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
            "--ServerApp.jpserver_extensions={'labstudio': True}", "--LabstudioApp.reconcile_interval=0.5",
        ]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.proc = subprocess.Popen(cmd, env=self.env, stdout=open(self.log, "ab"), stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                self.request("GET", "/labstudio/api/openapi.json")
                return self
            except (OSError, urllib.error.URLError):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"jupyter server exited: {self.log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        raise RuntimeError(f"jupyter server did not answer in {timeout}s: {self.log.read_text()[-3000:]}")

    def request(self, method: str, path: str, body: Any = None, token: str | None = "default") -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if token == "default":
            token = self.token
        if token:
            req.add_header("Authorization", f"token {token}")
        req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                raw = resp.read()
                return resp.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as err:
            raw = err.read()
            try:
                return err.code, json.loads(raw)
            except ValueError:
                return err.code, raw.decode(errors="replace")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
