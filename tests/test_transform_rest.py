"""The transform-jobs REST API through a real Jupyter server with authentication on."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status

SLOW = """
import os, time, joblib

def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))

def predict_fn(data, model):
    time.sleep(0.2)
    return model.predict(data.reshape(1, -1) if data.ndim == 1 else data)
"""


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    x = np.arange(12, dtype=float).reshape(6, 2)
    (jp_root_dir / "model").mkdir()
    joblib.dump(LinearRegression().fit(x, x[:, 0] * 2 + x[:, 1]), jp_root_dir / "model" / "model.joblib")
    (jp_root_dir / "code").mkdir()
    (jp_root_dir / "code" / "inference.py").write_text(SLOW)
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "scores.csv").write_text("a,1,2\nb,3,4\nc,5,6\n")
    return jp_root_dir


def _request(**extra: object) -> str:
    req: dict[str, object] = {
        "model": "model", "input": "data", "output_path": "out", "content_type": "text/csv", "split_type": "Line",
        "input_filter": "$[1:]", "join_source": "Input", "assemble_with": "Line",
    }
    req.update(extra)
    return json.dumps(req)


async def _wait_status(jp_fetch, name: str, timeout: float = 90.0) -> dict:
    return await wait_status(jp_fetch, "transform-jobs", name, "TransformJobStatus", timeout)


async def test_create_describe_list_logs_and_stop(jp_fetch, project: Path) -> None:
    resp = await jp_fetch("labstudio", "api", "transform-jobs", method="POST", body=_request(name="rest-tx"))
    assert resp.code == 201
    assert resp.headers["Location"].endswith("/labstudio/api/transform-jobs/rest-tx")
    created = _body(resp)
    assert created["TransformJobName"] == "rest-tx" and created["TransformJobStatus"] == "InProgress"
    final = await _wait_status(jp_fetch, "rest-tx")
    assert final["TransformJobStatus"] == "Completed", final.get("FailureReason")
    assert final["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == f"file://{project.resolve() / 'data'}"
    assert final["RecordsProcessed"] == final["RecordsTotal"] == 3
    assert final["OutputFiles"] == [str(project.resolve() / "out" / "scores.csv.out")]
    rows = [line.split(",") for line in (project / "out" / "scores.csv.out").read_text().splitlines()]
    assert [r[:3] for r in rows] == [["a", "1", "2"], ["b", "3", "4"], ["c", "5", "6"]]  # the input, joined
    assert [float(r[3]) for r in rows] == pytest.approx([4.0, 10.0, 16.0])
    logs = _body(await jp_fetch("labstudio", "api", "transform-jobs", "rest-tx", "logs", params={"offset": 0}))
    assert "3 record(s)" in logs["text"] and logs["complete"]
    listed = _body(await jp_fetch("labstudio", "api", "transform-jobs"))
    assert [s["TransformJobName"] for s in listed["TransformJobSummaries"]] == ["rest-tx"] and listed["NextToken"] is None
    assert _body(await jp_fetch("labstudio", "api", "jobs"))["TrainingJobSummaries"] == []  # not a training job
    code, err = await _error(jp_fetch, "labstudio", "api", "transform-jobs", method="POST", body=_request(name="rest-tx"))
    assert code == 409 and err["field"] == "name"
    code, err = await _error(jp_fetch, "labstudio", "api", "transform-jobs", "rest-tx", "stop", method="POST", body="")
    assert code == 409 and "already Completed" in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "transform-jobs", "no-such-job")
    assert code == 404 and err["message"] == "Transform job 'no-such-job' does not exist."

    (project / "data" / "more.csv").write_text("".join(f"r{i},{i},{i}\n" for i in range(200)))
    body = _request(name="rest-slow", entry_point="inference.py", source_dir="code", strategy="SingleRecord", output_path="out2")
    await jp_fetch("labstudio", "api", "transform-jobs", method="POST", body=body)
    deadline = asyncio.get_running_loop().time() + 60
    while _body(await jp_fetch("labstudio", "api", "transform-jobs", "rest-slow"))["RecordsProcessed"] < 1:
        assert asyncio.get_running_loop().time() < deadline, "no record was ever reported done"
        await asyncio.sleep(0.1)
    resp = await jp_fetch("labstudio", "api", "transform-jobs", "rest-slow", "stop", method="POST", body="")
    assert resp.code == 202 and _body(resp)["TransformJobStatus"] in ("Stopping", "Stopped")
    stopped = await _wait_status(jp_fetch, "rest-slow")
    assert stopped["TransformJobStatus"] == "Stopped" and stopped["RecordsTotal"] == 203


@pytest.mark.parametrize(
    "change, field",
    [
        ({"input": "../outside"}, "input"),
        ({"input": "/etc/hostname"}, "input"),
        ({"output_path": "/tmp/elsewhere"}, "output_path"),
        ({"output_path": "../escape"}, "output_path"),
        ({"model": "/etc"}, "model"),
        ({"model": "../outside-model"}, "model"),
        ({"source_dir": "/etc", "entry_point": "inference.py"}, "source_dir"),
        ({"input": "linked"}, "input"),  # a link inside the root to a file outside it
    ],
)
async def test_paths_escaping_the_root_are_refused(jp_fetch, project: Path, change: dict, field: str) -> None:
    (project / "linked").mkdir()
    (project / "linked" / "secret.csv").symlink_to("/etc/hostname")
    (project.parent / "outside").mkdir(exist_ok=True)
    (project.parent / "outside" / "x.csv").write_text("1,2\n")
    (project.parent / "outside-model").mkdir(exist_ok=True)
    code, err = await _error(jp_fetch, "labstudio", "api", "transform-jobs", method="POST", body=_request(**change))
    assert code == 400 and err["field"] == field and "Jupyter root" in err["message"], err
    assert not (project.parent / "escape").exists() and not Path("/tmp/elsewhere").exists()
    assert _body(await jp_fetch("labstudio", "api", "transform-jobs"))["TransformJobSummaries"] == []


@pytest.mark.parametrize(
    "change, field",
    [
        ({"split_type": "Paragraph"}, "split_type"),
        ({"max_payload": 101}, "max_payload"),
        ({"max_concurrent_transforms": 0}, "max_concurrent_transforms"),
        ({"input_filter": "$[1:"}, "input_filter"),
        ({"output_filter": "[0]"}, "output_filter"),
        ({"model": "no-such-job"}, "model"),
        ({"input": "data/missing.csv"}, "input"),
        ({"colour": "blue"}, "colour"),
    ],
)
async def test_bad_requests_are_400_naming_the_field(jp_fetch, project: Path, change: dict, field: str) -> None:
    code, err = await _error(jp_fetch, "labstudio", "api", "transform-jobs", method="POST", body=_request(**change))
    assert code == 400 and err["field"] == field, err
    assert _body(await jp_fetch("labstudio", "api", "transform-jobs"))["TransformJobSummaries"] == []
