"""Settings shared by every client of the core (server, CLI, kernels, supervisors).

Everything is read from the environment so that a supervisor or a kernel started by
the Jupyter server sees exactly the store the server uses: the server extension exports
these variables to the processes it starts, and traitlets on the extension override them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

ENV_HOME = "LABSTUDIO_HOME"
ENV_DB_URL = "LABSTUDIO_DB_URL"
ENV_ARTIFACT_URI = "LABSTUDIO_ARTIFACT_URI"
ENV_MAX_CONCURRENT = "LABSTUDIO_MAX_CONCURRENT_JOBS"
ENV_STOP_GRACE = "LABSTUDIO_STOP_GRACE_SECONDS"
ENV_ENDPOINT_BACKEND = "LABSTUDIO_ENDPOINT_BACKEND"
ENV_BACKEND = "LABSTUDIO_BACKEND"  # where jobs run when a request names no backend: local or ray
ENV_RAY_ADDRESS = "LABSTUDIO_RAY_ADDRESS"  # the cluster the ray backend connects to
# Which machine this is, in a store shared by several (default: the host name). Every row that
# names a process records it; a machine judges only its own rows by its process table.
ENV_HOST_ID = "LABSTUDIO_HOST_ID"
# How old another machine's heartbeat may get before its job, endpoint or coordinator is
# failed (seconds).
ENV_HEARTBEAT_LIMIT = "LABSTUDIO_HEARTBEAT_LIMIT_SECONDS"
# Set (1, true, yes...): jobs' scripts run without a PID namespace of their own
# (docs/process-containment.md); the launch plan records the choice for the supervisor.
ENV_NO_NAMESPACES = "LABSTUDIO_NO_NAMESPACES"

# Set by the CLI: on a home folder it cannot write, its listing and describing commands
# still read the store (opened read-only) instead of refusing to start. The server and the
# SDK leave it off: they would fail later, half-way through a write.
READ_ONLY_FALLBACK = {"enabled": False}


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {raw!r}") from None
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value}")
    return value


def _float_env(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name} must be a number of seconds, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}")
    return value


def _positive_float_env(name: str, default: float) -> float:
    value = _float_env(name, default)
    if value <= 0:
        raise ValueError(f"{name} must be greater than 0, got {value}")
    return value


def _flag_env(name: str) -> bool:
    """A yes/no variable: set to anything but empty, 0, false or no means yes."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def _default_host_id() -> str:
    """This machine's name: what other machines sharing the store call it in their messages."""
    import socket

    return socket.gethostname() or "localhost"


@dataclass(frozen=True)
class Settings:
    """Where labstudio keeps its state and how many jobs may run at once."""

    home: Path
    db_url: str
    artifact_uri: str
    max_concurrent_jobs: int = field(default_factory=lambda: os.cpu_count() or 1)
    stop_grace_seconds: float = 10.0
    endpoint_backend: str = "local"  # where endpoints run: serving.backends names the choices
    job_backend: str = "local"  # where jobs run by default: jobs.backends names the choices
    ray_address: str = ""  # LABSTUDIO_RAY_ADDRESS; empty: Ray's own default (RAY_ADDRESS, or a local cluster)
    host_id: str = field(default_factory=lambda: _default_host_id())  # LABSTUDIO_HOST_ID
    heartbeat_limit_seconds: float = 60.0  # LABSTUDIO_HEARTBEAT_LIMIT_SECONDS
    namespaces: bool = True  # False when LABSTUDIO_NO_NAMESPACES is set

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ.get(ENV_HOME) or Path.home() / ".labstudio").expanduser().resolve()
        db_url = os.environ.get(ENV_DB_URL) or f"sqlite:///{home / 'labstudio.db'}"
        artifact_uri = os.environ.get(ENV_ARTIFACT_URI) or str(home / "artifacts")
        return cls(
            home=home,
            db_url=db_url,
            artifact_uri=artifact_uri,
            max_concurrent_jobs=_int_env(ENV_MAX_CONCURRENT, os.cpu_count() or 1),
            stop_grace_seconds=_float_env(ENV_STOP_GRACE, 10.0),
            endpoint_backend=os.environ.get(ENV_ENDPOINT_BACKEND, "").strip() or "local",
            job_backend=os.environ.get(ENV_BACKEND, "").strip() or "local",
            ray_address=os.environ.get(ENV_RAY_ADDRESS, "").strip(),
            host_id=os.environ.get(ENV_HOST_ID, "").strip() or _default_host_id(),
            heartbeat_limit_seconds=_positive_float_env(ENV_HEARTBEAT_LIMIT, 60.0),
            namespaces=not _flag_env(ENV_NO_NAMESPACES),
        )

    def with_overrides(self, **changes: Any) -> Settings:
        return replace(self, **{k: v for k, v in changes.items() if v not in (None, "")})

    def as_env(self) -> dict[str, str]:
        """The variables a child process needs to reach the same store."""
        return {
            ENV_HOME: str(self.home),
            ENV_DB_URL: self.db_url,
            ENV_ARTIFACT_URI: self.artifact_uri,
            ENV_MAX_CONCURRENT: str(self.max_concurrent_jobs),
            ENV_STOP_GRACE: str(self.stop_grace_seconds),
            ENV_ENDPOINT_BACKEND: self.endpoint_backend,
            ENV_BACKEND: self.job_backend,
            ENV_RAY_ADDRESS: self.ray_address,
            ENV_HOST_ID: self.host_id,
            ENV_HEARTBEAT_LIMIT: str(self.heartbeat_limit_seconds),
        }

    def child_env(self, **extra: str) -> dict[str, str]:
        """The environment of a process labstudio starts (a job's script, a supervisor, a
        tuner, an endpoint's runtime): this process's, with these settings, so it reaches the
        same store and artifacts, plus `extra`."""
        return {**os.environ, **self.as_env(), **extra}

    @property
    def jobs_dir(self) -> Path:
        return self.home / "jobs"

    @property
    def slots_dir(self) -> Path:
        return self.home / "slots"

    @property
    def endpoints_dir(self) -> Path:
        return self.home / "endpoints"

    def ensure_dirs(self) -> None:
        for path in (self.home, self.jobs_dir, self.slots_dir, self.endpoints_dir):
            path.mkdir(parents=True, exist_ok=True)
