"""Settings shared by every client of the core (server, CLI, kernels, supervisors).

Everything is read from the environment so that a supervisor or a kernel started by
the Jupyter server sees exactly the store the server uses: the server extension exports
these variables to the processes it starts, and traitlets on the extension override them.

This module is the only reader of the environment in labstudio: `Settings` (how this
installation is configured), `JobContext` (what a job's own process is told about itself),
`environment()` (what a process labstudio starts inherits). Exceptions, each for its reason:
jobs/nsinit.py runs before Python's site (it cannot import labstudio); the container
libraries (container_libs/) and the model server read SageMaker's container variables
(SM_*, SAGEMAKER_*) as SageMaker's own libraries do.
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
# Set (1, true...) in processes that fork workers (an endpoint's runtime): no pooled SQLite
# connection crosses a fork.
ENV_SQLITE_NULLPOOL = "LABSTUDIO_SQLITE_NULLPOOL"
# Set to 0 (false, no, off) in a notebook: the SDK prints text instead of showing widgets.
ENV_WIDGETS = "LABSTUDIO_WIDGETS"
# The Ray backend: each host's resource bundle (JSON, default {"CPU": 1}), and how many seconds
# a host may go without a heartbeat before it counts as gone.
ENV_RAY_HOST_RESOURCES = "LABSTUDIO_RAY_HOST_RESOURCES"
ENV_RAY_HEARTBEAT_TIMEOUT = "LABSTUDIO_HEARTBEAT_TIMEOUT"
# On a Ray node (`ray start`'s environment): where the node keeps labstudio's work.
ENV_NODE_HOME = "LABSTUDIO_NODE_HOME"
# Seconds a serverless endpoint's variant keeps its worker without traffic (serving/runtime/serverless.py).
ENV_SERVERLESS_IDLE = "LABSTUDIO_SERVERLESS_IDLE_SECONDS"
# What a job's process is told about itself (JobContext).
ENV_RUN_ID = "LABSTUDIO_RUN_ID"
ENV_EXPERIMENT = "LABSTUDIO_EXPERIMENT_NAME"
ENV_NODE_ID = "LABSTUDIO_NODE_ID"  # a backend's own name for the node a supervisor runs on (Ray's node id)

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
    """A yes/no variable: set to anything but empty, 0, false, no or off means yes."""
    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no", "off")


def _off_env(name: str) -> bool:
    """A variable that turns something off when set to 0, false, no or off."""
    return os.environ.get(name, "").strip().lower() in ("0", "false", "no", "off")


def environment() -> dict[str, str]:
    """A copy of this process's environment: what a process labstudio starts inherits
    (Settings.child_env adds the settings that lead it to the same store)."""
    return dict(os.environ)


def getenv(name: str) -> str:
    """One variable of this process's environment ("" when unset), for the few a library reads
    that are not labstudio's settings (Ray's RAY_ADDRESS, boto's AWS_REGION)."""
    return os.environ.get(name, "")


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
    sqlite_nullpool: bool = False  # LABSTUDIO_SQLITE_NULLPOOL
    widgets: bool = True  # False when LABSTUDIO_WIDGETS is 0
    ray_host_resources: str = ""  # LABSTUDIO_RAY_HOST_RESOURCES (JSON; jobs/backends/ray.py parses it)
    ray_heartbeat_timeout: float = 30.0  # LABSTUDIO_HEARTBEAT_TIMEOUT
    node_home: str = ""  # LABSTUDIO_NODE_HOME (on a Ray node)
    serverless_idle_seconds: float = 300.0  # LABSTUDIO_SERVERLESS_IDLE_SECONDS

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
            sqlite_nullpool=_flag_env(ENV_SQLITE_NULLPOOL),
            widgets=not _off_env(ENV_WIDGETS),
            ray_host_resources=os.environ.get(ENV_RAY_HOST_RESOURCES, "").strip(),
            ray_heartbeat_timeout=_ray_heartbeat_timeout(),
            node_home=os.environ.get(ENV_NODE_HOME, "").strip(),
            serverless_idle_seconds=_positive_float_env(ENV_SERVERLESS_IDLE, 300.0),
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


def _ray_heartbeat_timeout() -> float:
    try:
        return float(os.environ.get(ENV_RAY_HEARTBEAT_TIMEOUT, "") or 30.0)
    except ValueError:
        return 30.0


@dataclass(frozen=True)
class JobContext:
    """What a job's own process is told about itself by its launch plan's environment: the
    experiment run it records into (labstudio.Run / load_run inside a training script) and
    the node its supervisor runs on."""

    run_id: str = ""  # LABSTUDIO_RUN_ID
    experiment_name: str = ""  # LABSTUDIO_EXPERIMENT_NAME
    node_id: str = ""  # LABSTUDIO_NODE_ID

    @classmethod
    def from_env(cls) -> JobContext:
        return cls(
            run_id=os.environ.get(ENV_RUN_ID, "").strip(),
            experiment_name=os.environ.get(ENV_EXPERIMENT, "").strip(),
            node_id=os.environ.get(ENV_NODE_ID, "").strip(),
        )

