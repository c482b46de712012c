"""The processing-jobs REST API through a real Jupyter server with authentication on."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status

SCRIPT = (
    "import os, sys\n"
    "rows = open('/opt/ml/processing/input/data.csv').read().splitlines()\n"
    "open('/opt/ml/processing/out/count.txt', 'w').write(f'{len(rows)} {sys.argv[1:]}')\n"
    "print('counted', len(rows), flush=True)\n"
)


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    (jp_root_dir / "data" / "raw").mkdir(parents=True)
    (jp_root_dir / "data" / "raw" / "data.csv").write_text("a\nb\nc\n")
    (jp_root_dir / "count.py").write_text(SCRIPT)
    (jp_root_dir / "sleep.py").write_text("import time\nprint('ready', flush=True)\nwhile True:\n    time.sleep(0.1)\n")
    return jp_root_dir


def _request(**extra: object) -> str:
    req = {
        "code": "count.py",
        "inputs": [{"source": "data/raw", "destination": "/opt/ml/processing/input", "input_name": "raw"}],
        "outputs": [{"source": "/opt/ml/processing/out", "destination": "data/out", "output_name": "out"}],
        "arguments": ["--fast"],
    }
    req.update(extra)
    return json.dumps(req)


async def _wait_status(jp_fetch, name: str, timeout: float = 60.0) -> dict:
    return await wait_status(jp_fetch, "processing-jobs", name, "ProcessingJobStatus", timeout)


async def test_create_describe_list_logs(jp_fetch, project: Path) -> None:
    resp = await jp_fetch("labstudio", "api", "processing-jobs", method="POST", body=_request(name="rest-proc"))
    assert resp.code == 201
    assert resp.headers["Location"].endswith("/labstudio/api/processing-jobs/rest-proc")
    created = _body(resp)
    assert created["ProcessingJobName"] == "rest-proc" and created["ProcessingJobStatus"] == "InProgress"
    final = await _wait_status(jp_fetch, "rest-proc")
    assert final["ProcessingJobStatus"] == "Completed", final.get("FailureReason")
    assert final["ProcessingInputs"][0]["S3Input"]["S3Uri"] == f"file://{project.resolve() / 'data' / 'raw'}"
    assert final["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]["S3Uri"] == str(project.resolve() / "data" / "out")
    assert (project / "data" / "out" / "count.txt").read_text() == "3 ['--fast']"
    logs = _body(await jp_fetch("labstudio", "api", "processing-jobs", "rest-proc", "logs", params={"offset": 0}))
    assert "counted 3" in logs["text"] and logs["complete"]
    listed = _body(await jp_fetch("labstudio", "api", "processing-jobs"))
    assert [s["ProcessingJobName"] for s in listed["ProcessingJobSummaries"]] == ["rest-proc"] and listed["NextToken"] is None
    # the training-jobs API does not see it
    assert _body(await jp_fetch("labstudio", "api", "jobs"))["TrainingJobSummaries"] == []
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", "rest-proc")
    assert code == 404 and "Training job 'rest-proc' does not exist" in err["message"]
    # its run links to it with its kind, so the run's job opens in the processing-jobs API
    runs = _body(await jp_fetch("labstudio", "api", "runs"))["runs"]
    run = next(r for r in runs if r["source_name"] == "rest-proc")
    assert run["source_type"] == "ProcessingJob"
    job = _body(await jp_fetch("labstudio", "api", "runs", run["id"]))["job"]
    assert job["name"] == "rest-proc" and job["kind"] == "processing" and job["status"] == "Completed"
    code, err = await _error(jp_fetch, "labstudio", "api", "processing-jobs", method="POST", body=_request(name="rest-proc"))
    assert code == 409 and err["field"] == "name"


async def test_stop(jp_fetch, project: Path) -> None:
    await jp_fetch("labstudio", "api", "processing-jobs", method="POST", body=json.dumps({"code": "sleep.py", "name": "rest-sleep"}))
    deadline = asyncio.get_running_loop().time() + 60
    while "ready" not in _body(await jp_fetch("labstudio", "api", "processing-jobs", "rest-sleep", "logs"))["text"]:
        assert asyncio.get_running_loop().time() < deadline, "the script never started"
        await asyncio.sleep(0.1)
    resp = await jp_fetch("labstudio", "api", "processing-jobs", "rest-sleep", "stop", method="POST", body="")
    assert resp.code == 202 and _body(resp)["ProcessingJobStatus"] in ("Stopping", "Stopped")
    assert (await _wait_status(jp_fetch, "rest-sleep"))["ProcessingJobStatus"] == "Stopped"
    code, err = await _error(jp_fetch, "labstudio", "api", "processing-jobs", "rest-sleep", "stop", method="POST", body="")
    assert code == 409 and "already Stopped" in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "processing-jobs", "no-such-job")
    assert code == 404 and err["message"] == "Processing job 'no-such-job' does not exist."


@pytest.mark.parametrize(
    "request_body, field",
    [
        ({"inputs": []}, "code"),  # neither code nor entrypoint
        ({"code": "count.py", "entrypoint": ["python3"]}, "entrypoint"),
        ({"code": "count.py", "inputs": [{"source": "data/raw", "destination": "/tmp/in"}]}, "inputs[0].destination"),
        ({"code": "count.py", "inputs": [{"source": "data/raw", "destination": "/opt/ml/processing/../../etc"}]}, "inputs[0].destination"),
        ({"code": "count.py", "inputs": [{"source": "data/nope", "destination": "/opt/ml/processing/in"}]}, "inputs[0].source"),
        ({"code": "count.py", "inputs": [{"source": "data/raw"}]}, "inputs[0].destination"),
        ({"code": "count.py", "outputs": [{"source": "/opt/ml/model"}]}, "outputs[0].source"),
        ({"code": "count.py", "outputs": [{"source": "/opt/ml/processing/a", "output_name": "x"},
                                          {"source": "/opt/ml/processing/b", "output_name": "x"}]}, "outputs[1].output_name"),
        ({"code": "count.py", "instance_count": 2}, "instance_count"),
        ({"code": "count.py", "max_runtime_seconds": 0}, "max_runtime_seconds"),
        ({"code": "count.py", "environment": {"1BAD": "x"}}, "environment"),
        ({"code": "count.py", "colour": "blue"}, "colour"),
        ({"code": "count.py", "inputs": [{"source": "data/raw", "destination": "/opt/ml/processing/input/code"}]}, "inputs[0].destination"),
    ],
)
async def test_bad_requests_are_400_naming_the_field(jp_fetch, project: Path, request_body: dict, field: str) -> None:
    code, err = await _error(jp_fetch, "labstudio", "api", "processing-jobs", method="POST", body=json.dumps(request_body))
    assert code == 400 and err["field"] == field, err
    assert _body(await jp_fetch("labstudio", "api", "processing-jobs"))["ProcessingJobSummaries"] == []  # nothing created


@pytest.mark.parametrize(
    "request_body, field",
    [
        ({"code": "../outside.py"}, "code"),
        ({"code": "count.py", "source_dir": "/etc"}, "source_dir"),
        ({"code": "count.py", "inputs": [{"source": "../outside", "destination": "/opt/ml/processing/in"}]}, "inputs[0].source"),
        ({"code": "count.py", "inputs": [{"source": "file:///etc", "destination": "/opt/ml/processing/in"}]}, "inputs[0].source"),
        ({"code": "count.py", "outputs": [{"source": "/opt/ml/processing/out", "destination": "/tmp/elsewhere"}]}, "outputs[0].destination"),
        ({"code": "count.py", "outputs": [{"source": "/opt/ml/processing/out", "destination": "../escape"}]}, "outputs[0].destination"),
    ],
)
async def test_paths_escaping_the_root_are_refused(jp_fetch, project: Path, request_body: dict, field: str) -> None:
    (project.parent / "outside.py").write_text("print('never')\n")
    (project.parent / "outside").mkdir(exist_ok=True)
    code, err = await _error(jp_fetch, "labstudio", "api", "processing-jobs", method="POST", body=json.dumps(request_body))
    assert code == 400 and err["field"] == field and "Jupyter root" in err["message"], err
    assert not (project.parent / "escape").exists() and not Path("/tmp/elsewhere").exists()
