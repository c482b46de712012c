"""Endpoints on Ray (LABSTUDIO_ENDPOINT_BACKEND=ray): the runtime serves from a cluster node.

Real components throughout: the session's two-node Ray cluster, a fresh PostgreSQL database,
the moto S3 server as the artifact store, scikit-learn models served over HTTP. The endpoint's
files reach the node only through the artifact store: the runtime's folder is the node's own
(LABSTUDIO_NODE_HOME, not this test's LABSTUDIO_HOME).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from conftest import wait_for
from labstudio.procs import is_alive
from serving_helpers import FOUR_HANDLERS, post, write_source

pytestmark = pytest.mark.xdist_group("ray")  # one Ray cluster per test run (--dist loadgroup)


@pytest.fixture
def fresh_db(postgres_url: str) -> Iterator[str]:
    """A database of its own in the session's PostgreSQL cluster, dropped afterwards."""
    from sqlalchemy import create_engine, text

    db_name = "ls_" + uuid.uuid4().hex[:12]
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {db_name}"))
    try:
        yield postgres_url.rsplit("/", 1)[0] + "/" + db_name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def ray_endpoints(labstudio_home: Path, fresh_db: str, s3_env: Any, ray_cluster: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The endpoint service configured for Ray: PostgreSQL store, S3 artifacts, the session cluster."""
    monkeypatch.setenv("LABSTUDIO_DB_URL", fresh_db)
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", s3_env.url("labstudio"))
    monkeypatch.setenv("LABSTUDIO_ENDPOINT_BACKEND", "ray")
    monkeypatch.setenv("LABSTUDIO_RAY_ADDRESS", ray_cluster.address)
    for key, value in ray_cluster.env.items():
        monkeypatch.setenv(key, value)
    from labstudio.core import Core

    core = Core.from_env()
    try:
        yield core.endpoints
    finally:  # labstudio_home's own cleanup looks only at a SQLite store
        for item in core.endpoints.list()["Endpoints"]:
            core.endpoints.delete(item["EndpointName"], timeout=10)
        core.db.dispose()


def _actor(name: str) -> Any:
    import ray

    try:
        return ray.get_actor(f"endpoint-{name}", namespace="labstudio")
    except ValueError:
        return None


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _workers(endpoints: Any, name: str) -> list[tuple[int, int | None]]:
    endpoint = endpoints.get(name)
    return [(int(p), t) for v in endpoint.variants for p, t in (v.config.get("worker_pids") or [])]


def test_deploy_predict_update_delete_on_a_node(ray_endpoints: Any, ray_cluster: Any, s3_env: Any, labstudio_home: Path, diabetes_model: dict[str, Any], iris_model: dict[str, Any], tmp_path: Path) -> None:
    code = write_source(tmp_path / "code", FOUR_HANDLERS)
    described = ray_endpoints.deploy(str(diabetes_model["dir"]), name="ridge", source_dir=str(code), timeout=120)
    assert described["EndpointStatus"] == "InService", described

    # Served by a child of the endpoint's actor, on the node's IP, from the node's own folder.
    endpoint = ray_endpoints.get("ridge")
    assert endpoint.url == f"http://{ray_cluster.node_ip}:{endpoint.port}"
    assert _actor("ridge") is not None
    parent = int(Path(f"/proc/{endpoint.pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    assert "EndpointHost" in _cmdline(parent)
    node_folder = Path(os.readlink(f"/proc/{endpoint.pid}/cwd"))
    assert labstudio_home not in node_folder.parents
    node_spec = json.loads((node_folder / "spec.json").read_text())
    assert all(Path(v["model_dir"]).is_relative_to(node_folder) for v in node_spec["variants"])
    uploaded = s3_env.keys("labstudio/endpoints/ridge/runtime/")
    assert "labstudio/endpoints/ridge/runtime/spec.json" in uploaded and len(uploaded) == 3  # spec, model, code

    status, _, body = post(f"{endpoint.url}/invocations", json.dumps({"rows": diabetes_model["rows"].tolist()}))
    assert status == 200, body
    np.testing.assert_allclose(json.loads(body)["predictions"], diabetes_model["expected"], rtol=1e-6)
    assert "serving ridge on http://" in ray_endpoints.logs("ridge")  # read on the node

    # Blue/green: a second model on the same runtime; the old pool drains and goes.
    old_workers = _workers(ray_endpoints, "ridge")
    ray_endpoints.update("ridge", {"ProductionVariants": [{"VariantName": "AllTraffic", "Source": str(iris_model["dir"]), "SourceDir": str(code)}]}, wait=True, timeout=120)
    updated = ray_endpoints.get("ridge")
    assert updated.status == "InService", updated.failure_reason
    assert updated.pid == endpoint.pid  # the same supervisor: an update, not a restart
    result = ray_endpoints.invoke("ridge", json.dumps({"rows": iris_model["rows"].tolist()}), "application/json")
    assert result["StatusCode"] == 200
    assert json.loads(result["Body"])["predictions"] == iris_model["expected"].tolist()
    wait_for(lambda: not any(is_alive(p, t) for p, t in old_workers), timeout=60, message="the old pool drained")

    # Delete: every process of the runtime ends, the actor and the uploaded files go.
    processes = [(endpoint.pid, endpoint.pid_start_ticks), *_workers(ray_endpoints, "ridge")]
    ray_endpoints.delete("ridge", timeout=10)
    assert not any(is_alive(p, t) for p, t in processes)
    assert _actor("ridge") is None
    assert s3_env.keys("labstudio/endpoints/ridge/runtime/") == []
    assert not node_folder.exists()


def test_killed_supervisor_is_marked_failed(ray_endpoints: Any, iris_model: dict[str, Any], tmp_path: Path) -> None:
    code = write_source(tmp_path / "code", FOUR_HANDLERS)
    assert ray_endpoints.deploy(str(iris_model["dir"]), name="iris", source_dir=str(code), timeout=120)["EndpointStatus"] == "InService"
    endpoint = ray_endpoints.get("iris")
    workers = _workers(ray_endpoints, "iris")
    os.kill(endpoint.pid, signal.SIGKILL)

    wait_for(lambda: "iris" in ray_endpoints.reconcile() or ray_endpoints.get("iris").status == "Failed", timeout=60, message="reconcile to notice")
    failed = ray_endpoints.get("iris")
    assert failed.status == "Failed"
    assert f"pid {endpoint.pid}" in failed.failure_reason
    assert _actor("iris") is None  # cleanup_dead killed the actor
    assert "serving iris on http://" in ray_endpoints.logs("iris")  # the node's log, kept when its folder went
    wait_for(lambda: not any(is_alive(p, t) for p, t in workers), timeout=30, message="the workers to end")


def test_refusals_name_the_setting(labstudio_home: Path, fresh_db: str, s3_env: Any, tmp_path: Path, iris_model: dict[str, Any]) -> None:
    """No Ray connection needed: each misconfiguration is a one-line exit 2 before anything is created."""
    from labstudio.raycluster import REACH_TIMEOUT

    def deploy(without_ray: bool = False, **env: str) -> subprocess.CompletedProcess[str]:
        full = {**os.environ, "LABSTUDIO_ENDPOINT_BACKEND": "ray", **env}
        # Ray absent from the interpreter, as without the extra: `import ray` fails in that process.
        hide = "sys.modules['ray'] = None; " if without_ray else ""
        return subprocess.run(
            [sys.executable, "-c", f"import sys; {hide}from labstudio.cli import main; sys.exit(main())",
             "deploy", str(iris_model["dir"]), "--name", "refused"],
            env=full, capture_output=True, text=True, timeout=REACH_TIMEOUT + 60,
        )

    missing = deploy(without_ray=True, LABSTUDIO_DB_URL=fresh_db, LABSTUDIO_ARTIFACT_URI=s3_env.url("a"))
    assert missing.returncode == 2 and "pip install 'labstudio[ray]'" in missing.stderr, missing.stderr

    sqlite = deploy(LABSTUDIO_ARTIFACT_URI=s3_env.url("a"))
    assert sqlite.returncode == 2 and "LABSTUDIO_DB_URL" in sqlite.stderr and "SQLite" in sqlite.stderr, sqlite.stderr
    pg = fresh_db
    local = deploy(LABSTUDIO_DB_URL=pg)
    assert local.returncode == 2 and "LABSTUDIO_ARTIFACT_URI" in local.stderr, local.stderr
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    unreachable = deploy(LABSTUDIO_DB_URL=pg, LABSTUDIO_ARTIFACT_URI=s3_env.url("a"), LABSTUDIO_RAY_ADDRESS=f"127.0.0.1:{closed}")
    assert unreachable.returncode == 2 and "LABSTUDIO_RAY_ADDRESS" in unreachable.stderr and "cannot be reached" in unreachable.stderr, unreachable.stderr
    for result in (missing, sqlite, local, unreachable):
        assert "Traceback" not in result.stderr
