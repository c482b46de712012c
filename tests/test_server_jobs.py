"""The jobs REST API through a real Jupyter server with authentication on."""
from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from httpjson import body as _body
from httpjson import error as _error

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def root_script(jp_root_dir: Path):
    def _write(body: str, name: str = "train.py", folder: str = "project") -> Path:
        src = jp_root_dir / folder
        src.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(body)
        return src / name

    return _write


async def _wait_status(jp_fetch, name: str, statuses=("Completed", "Failed", "Stopped"), timeout=60.0) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        d = _body(await jp_fetch("labstudio", "api", "jobs", name))
        if d["TrainingJobStatus"] in statuses:
            return d
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"job {name} still {d['TrainingJobStatus']}")
        await asyncio.sleep(0.1)


async def test_submit_describe_logs_metrics(jp_fetch, root_script) -> None:
    root_script("import time\nfor i in range(3):\n    print(f'loss={1/(i+1)}', flush=True)\n")
    resp = await jp_fetch(
        "labstudio", "api", "jobs", method="POST",
        body=json.dumps({
            "entry_point": "train.py", "source_dir": "project", "name": "rest-job-1",
            "hyperparameters": {"lr": 0.1}, "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}],
        }),
    )
    assert resp.code == 201
    assert resp.headers["Location"].endswith("/labstudio/api/jobs/rest-job-1")
    created = _body(resp)
    assert created["TrainingJobName"] == "rest-job-1" and created["HyperParameters"]["lr"] == "0.1"
    final = await _wait_status(jp_fetch, "rest-job-1")
    assert final["TrainingJobStatus"] == "Completed"
    assert final["FinalMetricDataList"][0]["Value"] == pytest.approx(1 / 3)
    logs = _body(await jp_fetch("labstudio", "api", "jobs", "rest-job-1", "logs", params={"offset": 0}))
    assert logs["text"].splitlines() == ["loss=1.0", "loss=0.5", "loss=0.3333333333333333"] and logs["complete"]
    rest = _body(await jp_fetch("labstudio", "api", "jobs", "rest-job-1", "logs", params={"offset": 9}))
    assert rest["text"].startswith("loss=0.5") and rest["next_offset"] == logs["next_offset"]
    metrics = _body(await jp_fetch("labstudio", "api", "jobs", "rest-job-1", "metrics"))
    assert [p["step"] for p in metrics["metrics"][0]["points"]] == [0, 1, 2]


async def test_list_paginates_newest_first_and_filters(jp_fetch, root_script) -> None:
    root_script("print('ok')\n")
    for i in range(5):
        await jp_fetch("labstudio", "api", "jobs", method="POST",
                       body=json.dumps({"entry_point": "project/train.py", "name": f"page-{i}"}))
    names, token = [], None
    while True:
        params = {"limit": 2, **({"next_token": token} if token else {})}
        page = _body(await jp_fetch("labstudio", "api", "jobs", params=params))
        names += [j["TrainingJobName"] for j in page["TrainingJobSummaries"]]
        token = page["NextToken"]
        if not token:
            break
    assert names == [f"page-{i}" for i in reversed(range(5))]
    found = _body(await jp_fetch("labstudio", "api", "jobs", params={"name_contains": "ge-3"}))
    assert [j["TrainingJobName"] for j in found["TrainingJobSummaries"]] == ["page-3"]
    for i in range(5):
        await _wait_status(jp_fetch, f"page-{i}")
    done = _body(await jp_fetch("labstudio", "api", "jobs", params={"status": "Completed"}))
    assert len(done["TrainingJobSummaries"]) == 5


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "entry_point"),
        ({"entry_point": "nope.py"}, "entry_point"),
        ({"entry_point": "train.py", "source_dir": "project/train.py"}, "source_dir"),
        ({"entry_point": "project/train.py", "channels": {"train": "missing"}}, "channels"),
        ({"entry_point": "project/train.py", "name": "bad_name"}, "name"),
        ({"entry_point": "project/train.py", "metric_definitions": [{"Name": "a", "Regex": "[("}]}, "metric_definitions"),
        ({"entry_point": "project/train.py", "max_runtime_seconds": 0}, "max_runtime_seconds"),
        ({"entry_point": "project/train.py", "colour": "blue"}, "colour"),
        ({"entry_point": "/etc/passwd"}, "entry_point"),
        ({"entry_point": "../../../../etc/hostname"}, "entry_point"),
    ],
)
async def test_bad_requests_are_400_with_the_field(jp_fetch, root_script, jp_root_dir, body, field) -> None:
    root_script("print('ok')\n")
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(body))
    assert code == 400 and err["field"] == field and err["message"]
    listed = _body(await jp_fetch("labstudio", "api", "jobs"))
    assert listed["TrainingJobSummaries"] == []  # nothing was created


async def test_malformed_json_duplicate_and_bad_query(jp_fetch, root_script) -> None:
    root_script("print('ok')\n")
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body="{not json")
    assert code == 400 and "JSON" in err["message"]
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "project/train.py", "name": "dup"}))
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "project/train.py", "name": "dup"}))
    assert code == 409 and err["field"] == "name" and "already exists" in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", params={"limit": "lots"})
    assert code == 400 and err["field"] == "limit"
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", params={"status": "Running"})
    assert code == 400 and err["field"] == "status"
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", params={"next_token": "garbage!"})
    assert code == 400 and err["field"] == "next_token"
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "dup", "logs", params={"offset": -1})
    assert code == 400 and err["field"] == "offset"


async def test_unknown_job_and_path_tricks_are_404(jp_fetch) -> None:
    for name in ("no-such-job", "..", "%2E%2E%2F%2E%2E%2Fetc", "a%2Fb"):
        code, err = await _error(jp_fetch, "labstudio", "api", "jobs", name, "logs")
        assert code == 404, name
        assert "does not exist" in err["message"]


async def test_stop_over_rest(jp_fetch, root_script) -> None:
    root_script("import time\nprint('up', flush=True)\ntime.sleep(600)\n")
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "project/train.py", "name": "to-stop"}))
    await _wait_status(jp_fetch, "to-stop", statuses=("InProgress",))
    resp = await jp_fetch("labstudio", "api", "jobs", "to-stop", "stop", method="POST", body="")
    assert resp.code == 202 and _body(resp)["TrainingJobStatus"] in ("Stopping", "Stopped")
    final = await _wait_status(jp_fetch, "to-stop")
    assert final["TrainingJobStatus"] == "Stopped"
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "to-stop", "stop", method="POST", body="")
    assert code == 409 and "already Stopped" in err["message"]


async def test_events_socket_pushes_status_and_metrics(jp_fetch, jp_ws_fetch, root_script) -> None:
    ws = await jp_ws_fetch("labstudio", "api", "events")
    hello = json.loads(await ws.read_message())
    assert hello["kind"] == "hello"
    root_script("import time\ntime.sleep(0.5)\nprint('loss=0.25', flush=True)\ntime.sleep(0.5)\n")
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({
        "entry_point": "project/train.py", "name": "evented", "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]}))
    seen: list[dict] = []
    async def collect() -> None:
        while not any(e["kind"] == "job.status" and e["payload"].get("status") == "Completed" for e in seen):
            seen.append(json.loads(await ws.read_message()))
    await asyncio.wait_for(collect(), timeout=60)
    ws.close()
    kinds = [e["kind"] for e in seen]
    assert "job.created" in kinds
    statuses = [e["payload"]["secondary_status"] for e in seen if e["kind"] == "job.status"]
    assert statuses[0] in ("Downloading", "Training") and statuses[-1] == "Completed"
    metric = next(e for e in seen if e["kind"] == "job.metrics")
    assert metric["payload"]["name"] == "evented" and metric["payload"]["points"][0]["value"] == 0.25


async def test_openapi_documents_every_route(jp_fetch, jp_serverapp) -> None:
    doc = _body(await jp_fetch("labstudio", "api", "openapi.json"))
    assert doc["openapi"].startswith("3.")
    documented = set(doc["paths"])
    registered = set()
    for rule in jp_serverapp.web_app.default_router.rules:
        for sub in getattr(rule.target, "rules", []):
            pattern = sub.matcher.regex.pattern if hasattr(sub.matcher, "regex") else ""
            if getattr(sub.target, "__name__", "") == "NoRouteHandler":
                continue  # the JSON 404 for any undocumented path is not a route of its own
            if "/labstudio/api" in pattern:
                path = pattern.split("/labstudio/api", 1)[1].rstrip("$")
                path = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"{\1}", path)
                registered.add("/labstudio/api" + re.sub(r"\\(.)", r"\1", path))  # unescape e.g. export\.csv
    assert registered, "no labstudio routes found"
    assert registered <= documented, registered - documented
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method in HTTP_METHODS:
                assert op.get("responses"), (path, method)


async def test_every_route_refuses_requests_without_a_token(jp_fetch, jp_serverapp, http_server_client, jp_base_url) -> None:
    doc = _body(await jp_fetch("labstudio", "api", "openapi.json"))
    checked = 0
    for path, item in doc["paths"].items():
        url = path.replace("{name}", "some-name").replace("{id}", "some-id").replace("{variant}", "v")
        for method in (m for m in item if m in HTTP_METHODS):
            body = b"{}" if method.upper() in ("POST", "PUT", "PATCH") else None
            with pytest.raises(HTTPClientError) as err:
                await http_server_client.fetch(
                    jp_base_url.rstrip("/") + url, method=method.upper(), body=body, raise_error=True,
                    headers={"Content-Type": "application/json"}, allow_nonstandard_methods=True, follow_redirects=False,
                )
            code = err.value.code
            if code == 302:  # Jupyter sends unauthenticated non-API requests to its login page
                assert "/login" in err.value.response.headers["Location"], (method, path)
            else:
                assert code in (401, 403), (method, path, code)
            checked += 1
    assert checked >= 7


async def test_artifacts_download(jp_fetch, root_script) -> None:
    import io
    import tarfile

    root_script("import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'weights.txt'), 'w').write('w=1')\nprint('saved')\n")
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "project/train.py", "name": "arts"}))
    await _wait_status(jp_fetch, "arts")
    resp = await jp_fetch("labstudio", "api", "jobs", "arts", "artifacts", "model")
    assert resp.headers["Content-Disposition"] == 'attachment; filename="arts-model.tar.gz"'
    with tarfile.open(fileobj=io.BytesIO(resp.body)) as tar:
        assert tar.extractfile("weights.txt").read() == b"w=1"
    log = await jp_fetch("labstudio", "api", "jobs", "arts", "artifacts", "log")
    assert log.body == b"saved\n" and log.headers["Content-Type"].startswith("text/plain")
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "arts", "artifacts", "..%2F..%2Flabstudio.db")
    assert code == 404
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "no-job", "artifacts", "model")
    assert code == 404 and "does not exist" in err["message"]
