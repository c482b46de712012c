"""Shared fixtures: an isolated LABSTUDIO_HOME per test, a Jupyter server with labstudio
enabled and real authentication, and a throwaway PostgreSQL cluster when one can be started."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labstudio.shapes import to_json

# serving_helpers provides the session-scoped trained-model fixtures (diabetes_model, iris_model):
# registered as a plugin so tests request them by argument name instead of importing them.
# ray_cluster and s3_server: the scale-out services (a two-node Ray cluster, an S3-compatible server).
pytest_plugins = ["pytest_jupyter.jupyter_server", "serving_helpers", "ray_cluster", "s3_server"]

LABSTUDIO_VARS = (
    "LABSTUDIO_HOME",
    "LABSTUDIO_DB_URL",
    "LABSTUDIO_ARTIFACT_URI",
    "LABSTUDIO_MAX_CONCURRENT_JOBS",
    "LABSTUDIO_STOP_GRACE_SECONDS",
    "LABSTUDIO_BACKEND",
    "LABSTUDIO_RAY_ADDRESS",
    "LABSTUDIO_HOST_ID",
    "LABSTUDIO_HEARTBEAT_LIMIT_SECONDS",
)


@pytest.fixture
def labstudio_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh home; every labstudio variable is set through monkeypatch so none leaks out."""
    home = tmp_path / "labstudio-home"
    monkeypatch.setenv("LABSTUDIO_HOME", str(home))
    monkeypatch.setenv("LABSTUDIO_DB_URL", f"sqlite:///{home / 'labstudio.db'}")
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", str(home / "artifacts"))
    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "4")
    monkeypatch.setenv("LABSTUDIO_STOP_GRACE_SECONDS", "3")
    monkeypatch.delenv("LABSTUDIO_BACKEND", raising=False)
    monkeypatch.delenv("LABSTUDIO_RAY_ADDRESS", raising=False)
    monkeypatch.delenv("LABSTUDIO_HOST_ID", raising=False)
    monkeypatch.delenv("LABSTUDIO_HEARTBEAT_LIMIT_SECONDS", raising=False)
    yield home
    _stop_leftovers(home)


def _stop_leftovers(home: Path) -> None:
    """Nothing a test started may outlive it, even when the test failed half-way."""
    if not (home / "labstudio.db").exists():
        return
    from labstudio.core import Core

    core = Core.from_env()
    try:
        _stop_leftovers_of(core)
    finally:
        core.db.dispose()


def _stop_leftovers_of(core) -> None:  # type: ignore[no-untyped-def]
    """Delete the endpoints and stop the jobs (and pipeline executions) of this core's store."""
    from labstudio.store import pipelines as pipelines_store

    with core.db.read() as conn:
        running = pipelines_store.active_executions(conn)
    for execution in running:
        try:
            core.pipelines.stop(execution.id)
        except Exception:
            pass
    for item in core.endpoints.list()["Endpoints"]:
        try:
            core.endpoints.delete(item["EndpointName"], timeout=15)
        except Exception:
            pass
    _stop_monitoring_scheduler(core)
    from labstudio.jobs import kinds

    running = to_json(core.engine.list_kinds(kinds.names(), status=["InProgress", "Stopping"], limit=1000))["JobSummaries"]
    for row in running:  # every kind of job the registry knows
        kind = kinds.get(row["Kind"])
        try:
            core.job_service(kind.name).stop(row[kind.name_key])
        except Exception:
            pass


def _stop_monitoring_scheduler(core) -> None:  # type: ignore[no-untyped-def]
    """The store's monitoring scheduler (a detached process holding its lease) ends with the test."""
    import signal

    from labstudio import procs
    from labstudio.monitor.service import LEASE
    from labstudio.store import leases

    with core.db.read() as conn:
        lease = leases.get(conn, LEASE)
    if lease is not None and lease.machine == core.settings.host_id and procs.is_alive(lease.pid, lease.start_ticks):
        try:
            os.kill(lease.pid, signal.SIGTERM)
        except OSError:
            pass


@pytest.fixture
def core(labstudio_home: Path):
    from labstudio.core import Core

    return Core.from_env()


@pytest.fixture
def endpoints(core):
    """The endpoint service; whatever a test leaves running is deleted by labstudio_home's teardown."""
    return core.endpoints


@pytest.fixture
def jp_server_config(labstudio_home: Path):
    return {
        "ServerApp": {
            "jpserver_extensions": {"labstudio": True},
            "allow_unauthenticated_access": False,
        },
        "LabstudioApp": {"reconcile_interval": 1.0},
    }


@pytest.fixture
def write_script(tmp_path: Path):
    """Write a SageMaker-style script into its own source folder and return its path."""

    def _write(body: str, name: str = "train.py", folder: str = "src") -> Path:
        src = tmp_path / folder
        src.mkdir(parents=True, exist_ok=True)
        path = src / name
        path.write_text(textwrap.dedent(body))
        return path

    return _write


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.1, message: str = "condition"):
    """Poll until predicate() is truthy; generous timeouts because CI machines are noisy."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message} (last: {last!r})")


# -- PostgreSQL ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin() -> Path | None:
    for candidate in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (candidate / "initdb").exists():
            return candidate
    found = shutil.which("initdb")
    return Path(found).parent if found else None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """LABSTUDIO_TEST_PG_URL if given, else a cluster started here (skips only when impossible)."""
    given = os.environ.get("LABSTUDIO_TEST_PG_URL")
    if given:
        yield given
        return
    try:
        import psycopg  # noqa: F401  (the driver SQLAlchemy picks for postgresql://, the URL the docs give)
    except ImportError:
        pytest.skip("psycopg (labstudio[postgres]) is not installed")
    bin_dir = _pg_bin()
    if bin_dir is None:
        pytest.skip("no PostgreSQL server binaries (initdb) on this machine")
    import tempfile

    # Not under pytest's tmp folder: that one is private to root and the server runs as 'postgres'.
    base = Path(tempfile.mkdtemp(prefix="labstudio-pg-"))
    data = base / "data"
    data.mkdir()
    run_as: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        try:
            subprocess.run(["id", "postgres"], check=True, capture_output=True)
        except subprocess.CalledProcessError:
            pytest.skip("running as root and there is no 'postgres' user to run the server")
        shutil.chown(base, "postgres", "postgres")
        shutil.chown(data, "postgres", "postgres")
        run_as = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(run_as + [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], check=True, capture_output=True)
    log = data / "server.log"
    subprocess.run(
        run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-o", f"-p {port} -k {data} -h 127.0.0.1", "start"],
        check=True,
        capture_output=True,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        yield url
    finally:
        subprocess.run(run_as + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def fresh_postgres_url(postgres_url: str) -> Iterator[str]:
    """A database of its own on the session's PostgreSQL server (dropped afterwards), as a
    `postgresql://` URL: for tests whose store must start empty."""
    import uuid

    from sqlalchemy import create_engine, text

    name = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_core(fresh_postgres_url: str, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A Core on a fresh PostgreSQL store (home, jobs and artifacts still in labstudio_home)."""
    monkeypatch.setenv("LABSTUDIO_DB_URL", fresh_postgres_url)
    from labstudio.core import Core

    core = Core.from_env()
    yield core
    _stop_leftovers_of(core)
    core.db.dispose()


@pytest.fixture
def python_exe() -> str:
    return sys.executable
