"""Endpoint backends: chosen by the LABSTUDIO_ENDPOINT_BACKEND setting, the local backend's whole
lifecycle as real processes, and EndpointService leaving processes to its backend."""
from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest

from conftest import wait_for
from httpjson import error as _error
from labstudio import procs
from labstudio.errors import Invalid
from labstudio.serving.backends.local import LocalEndpointBackend
from serving_helpers import post

SERVICE = Path(__file__).resolve().parents[1] / "server_ext" / "labstudio" / "serving" / "service.py"


class TaggedLocalBackend(LocalEndpointBackend):
    """The local backend under another name: shows that the setting's dotted path is the class used."""

    name = "tagged-local"


def _processes_mentioning(text: str) -> list[int]:
    """Pids whose command line holds `text` (an endpoint's folder: its supervisor and forked workers)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        if text.encode() in cmdline and procs.is_alive(int(entry.name)):
            found.append(int(entry.name))
    return found


def _pids(described: dict) -> list[int]:
    return [described["Pid"], *(p for v in described["ProductionVariants"] for p in v["WorkerPids"])]


def test_the_default_backend_is_local(core) -> None:
    assert core.settings.endpoint_backend == "local"
    assert type(core.endpoints.backend) is LocalEndpointBackend


def test_the_setting_chooses_the_backend_class(labstudio_home, monkeypatch: pytest.MonkeyPatch, iris_model) -> None:
    from labstudio.core import Core

    monkeypatch.setenv("LABSTUDIO_ENDPOINT_BACKEND", f"{__name__}.TaggedLocalBackend")
    endpoints = Core.from_env().endpoints
    assert type(endpoints.backend) is TaggedLocalBackend
    d = endpoints.deploy(str(iris_model["dir"]), name="tagged", wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    endpoints.delete("tagged")


@pytest.mark.parametrize("name", ["kubernetes", "os.path.join", "no_such_module.Backend"])  # "ray" is a backend now
def test_an_unknown_backend_is_a_clear_error_naming_the_setting(labstudio_home, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    from labstudio.core import Core

    with monkeypatch.context() as env:  # undone before the home's teardown, which deletes leftovers
        env.setenv("LABSTUDIO_ENDPOINT_BACKEND", name)
        core = Core.from_env()
        with pytest.raises(Invalid) as err:
            core.endpoints  # noqa: B018 - the first use builds the service, and with it the backend
    assert err.value.field == "LABSTUDIO_ENDPOINT_BACKEND"
    assert repr(name) in err.value.message and "'local'" in err.value.message
    assert not (labstudio_home / "endpoints").exists() or not any((labstudio_home / "endpoints").iterdir())


@pytest.fixture
def unknown_backend_server(labstudio_home: Path, monkeypatch: pytest.MonkeyPatch):
    # The extension exports its settings to os.environ: set the variable through monkeypatch
    # first, so the value the server writes there is undone after the test.
    monkeypatch.setenv("LABSTUDIO_ENDPOINT_BACKEND", "local")
    return {
        "ServerApp": {"jpserver_extensions": {"labstudio": True}, "allow_unauthenticated_access": False},
        "LabstudioApp": {"reconcile_interval": 1.0, "endpoint_backend": "kubernetes"},
    }


@pytest.fixture
def jp_server_config(unknown_backend_server):
    return unknown_backend_server


async def test_the_server_refuses_an_unknown_backend_at_startup(jp_fetch, monkeypatch: pytest.MonkeyPatch) -> None:
    """The endpoint_backend trait is checked when the extension starts: every route says why (503)."""
    assert os.environ["LABSTUDIO_ENDPOINT_BACKEND"] == "kubernetes"  # what the extension exported from its trait
    monkeypatch.setenv("LABSTUDIO_ENDPOINT_BACKEND", "local")  # so the home's teardown can still clean up
    code, body = await _error(jp_fetch, "labstudio", "api", "endpoints")
    assert code == 503
    assert "LABSTUDIO_ENDPOINT_BACKEND" in body["message"] and "'kubernetes'" in body["message"] and "'local'" in body["message"]


def test_local_backend_lifecycle_leaves_no_process(endpoints, iris_model, tmp_path: Path) -> None:
    """start -> InService -> update (blue/green by signal, same supervisor) -> delete: nothing left running."""
    d = endpoints.deploy(str(iris_model["dir"]), name="life", workers=2, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    folder = str(endpoints.endpoint_dir("life"))
    first = _pids(d)
    assert len(first) == 3 and all(procs.is_alive(p) for p in first)
    assert sorted(_processes_mentioning(folder)) == sorted(first)
    rows = json.dumps(iris_model["rows"].tolist())
    assert post(d["EndpointUrl"], rows)[0] == 200

    other = tmp_path / "other-model"
    other.mkdir()
    (other / "model.joblib").write_bytes((Path(iris_model["dir"]) / "model.joblib").read_bytes())
    u = endpoints.update("life", {"ProductionVariants": [{"VariantName": "AllTraffic", "Source": str(other), "InitialInstanceCount": 1}]}, wait=True, timeout=120)
    assert u["EndpointStatus"] == "InService" and u["FailureReason"] is None, u
    assert u["Pid"] == d["Pid"]  # the running supervisor swapped its workers: no restart
    assert set(u["ProductionVariants"][0]["WorkerPids"]).isdisjoint(first[1:])
    wait_for(lambda: not any(procs.is_alive(p) for p in first[1:]), timeout=60, message="the old workers to drain and exit")
    assert post(u["EndpointUrl"], rows)[0] == 200

    endpoints.delete("life")
    assert not any(procs.is_alive(p) for p in first + _pids(u))
    assert _processes_mentioning(folder) == []
    assert procs.port_is_free("127.0.0.1", d["Port"])
    assert endpoints.list()["Endpoints"] == []


def test_endpoint_service_leaves_processes_to_its_backend() -> None:
    """No subprocess, signal or os.kill in EndpointService: a second backend (Ray) would be bypassed."""
    tree = ast.parse(SERVICE.read_text())
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.level == 0}
    assert not imported & {"subprocess", "signal", "multiprocessing"}, imported
    calls = {
        f"{node.value.id}.{node.attr}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
    }
    forbidden = {"os.kill", "os.killpg", "os.fork", "os.spawnv", "os.system", "os.posix_spawn", "os.waitpid"}
    assert not calls & forbidden, calls & forbidden
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    assert not names & {"Popen", "bind_listener", "signal_if_alive", "kill_group_if_alive"}


def test_serving_writes_the_store_only_through_store_functions() -> None:
    """The supervisor's reporter used to update endpoint_variants with its own SQL."""
    offenders = []
    for path in sorted(SERVICE.parent.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            if any(m.startswith(("sqlalchemy", "sqlite3")) or m.endswith("store.schema") for m in modules):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_a_zombie_is_not_alive() -> None:
    """An exited child nobody has reaped yet is gone: jobs and endpoints agree on it."""
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    try:
        ticks = procs.start_ticks(pid)
        wait_for(lambda: procs._state(pid) == "Z", timeout=10, message="the child to become a zombie")
        assert not procs.is_alive(pid)
        assert not procs.is_alive(pid, ticks)
        assert not procs.signal_if_alive(pid, ticks, 0)
    finally:
        os.waitpid(pid, 0)
    assert not procs.is_alive(pid)
