"""Endpoints outlive the Jupyter server that launched them; a server that starts finds dead ones."""
from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs
from servers import JupyterProcess
from serving_helpers import post

pytestmark = pytest.mark.slow


def test_endpoints_survive_the_server_and_dead_ones_fail_on_start(tmp_path: Path, labstudio_home: Path, iris_model) -> None:
    root = tmp_path / "root"
    root.mkdir()
    shutil.copytree(iris_model["dir"], root / "iris-model")  # REST sources must be inside the Jupyter root
    first = JupyterProcess(root, dict(os.environ)).start()
    try:
        for name in ("survivor", "victim"):
            code, body = first.request("POST", "/labstudio/api/endpoints?wait=true", {"EndpointName": name, "Source": "iris-model"})
            assert code == 201 and body["EndpointStatus"] == "InService", body
        _, survivor = first.request("GET", "/labstudio/api/endpoints/survivor")
        _, victim = first.request("GET", "/labstudio/api/endpoints/victim")
    finally:
        first.kill()  # SIGKILL to the server's whole process group: the endpoints are not in it

    rows = json.dumps(iris_model["rows"].tolist())
    for d in (survivor, victim):
        status, _, body = post(d["EndpointUrl"], rows)
        assert status == 200 and json.loads(body) == iris_model["expected"].tolist()
    os.killpg(victim["Pid"], signal.SIGKILL)
    wait_for(lambda: not procs.is_alive(victim["Pid"], None), timeout=20, message="the victim's supervisor to die")

    second = JupyterProcess(root, dict(os.environ)).start()
    try:
        def failed():
            _, body = second.request("GET", "/labstudio/api/endpoints/victim")
            return body if body["EndpointStatus"] == "Failed" else None

        body = wait_for(failed, timeout=30, message="the dead endpoint to be marked Failed")
        assert "is gone" in body["FailureReason"] and str(victim["Pid"]) in body["FailureReason"]
        _, body = second.request("GET", "/labstudio/api/endpoints/survivor")
        assert body["EndpointStatus"] == "InService" and body["Pid"] == survivor["Pid"]
        for name in ("survivor", "victim"):
            code, _ = second.request("DELETE", f"/labstudio/api/endpoints/{name}")
            assert code == 204
    finally:
        second.stop()
    assert not procs.is_alive(survivor["Pid"], None)
