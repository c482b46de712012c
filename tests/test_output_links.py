"""Outputs never follow a link out of the Jupyter root: a destination checked at submit and
replaced by a symbolic link to outside the root while the job runs fails the job with a
clear reason, and nothing is written outside. One test per kind of output, through the REST
API of a real Jupyter server (the root confines what requests name)."""
from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status
from serving_helpers import constant_model

# A script that writes its outputs only once the test has swapped the destination (GO exists).
WAIT_FOR_GO = "import os, time\nwhile not os.path.exists(os.environ['GO']):\n    time.sleep(0.05)\n"


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*")]


def _swap_for_link(path: Path, target: Path) -> None:
    """What an attacker (or an unlucky `ln -s`) does while the job runs."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.symlink_to(target, target_is_directory=True)


def _refused(reason: str, link: Path, outside: Path) -> bool:
    return f"{link} is a symbolic link (to {outside}); labstudio never writes outputs through a link, so nothing was written there" in reason


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder outside the Jupyter root (jp_root_dir is tmp_path/root_dir)."""
    folder = tmp_path / "outside-the-root"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("swapped", ["archives", "archives/swap-train"])
async def test_a_training_jobs_output_path_swapped_for_a_link(jp_fetch, jp_root_dir: Path, outside: Path, swapped: str) -> None:
    go = jp_root_dir / "go"
    (jp_root_dir / "train.py").write_text(WAIT_FOR_GO + "open(os.path.join(os.environ['SM_MODEL_DIR'], 'model.txt'), 'w').write('m')\n")
    resp = await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps(
        {"entry_point": "train.py", "name": "swap-train", "output_path": "archives", "environment": {"GO": str(go)}}))
    assert resp.code == 201
    link = jp_root_dir.resolve() / swapped
    _swap_for_link(link, outside)
    go.touch()
    final = await wait_status(jp_fetch, "jobs", "swap-train", "TrainingJobStatus", timeout=120)
    assert final["TrainingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("ClientError: output_path: ") and _refused(final["FailureReason"], link, outside), final["FailureReason"]
    assert _files(outside) == []
    assert not final.get("ModelArtifacts", {}).get("S3ModelArtifacts")


async def test_a_processing_jobs_destination_swapped_for_a_link(jp_fetch, jp_root_dir: Path, outside: Path) -> None:
    go = jp_root_dir / "go"
    (jp_root_dir / "process.py").write_text(WAIT_FOR_GO + "open('/opt/ml/processing/out/result.txt', 'w').write('r')\n")
    resp = await jp_fetch("labstudio", "api", "processing-jobs", method="POST", body=json.dumps({
        "code": "process.py", "name": "swap-proc", "environment": {"GO": str(go)},
        "outputs": [{"source": "/opt/ml/processing/out", "destination": "results/today", "output_name": "out"}],
    }))
    assert resp.code == 201
    link = jp_root_dir.resolve() / "results"
    _swap_for_link(link, outside)
    go.touch()
    final = await wait_status(jp_fetch, "processing-jobs", "swap-proc", "ProcessingJobStatus", timeout=120)
    assert final["ProcessingJobStatus"] == "Failed"
    reason = final["FailureReason"]
    assert reason.startswith(f"ClientError: could not copy output 'out' to {link / 'today'}: ") and _refused(reason, link, outside), reason
    assert _files(outside) == []


WAITING_MODEL = """
import os, time

def model_fn(model_dir):
    while not os.path.exists(os.environ["GO"]):
        time.sleep(0.05)
    return None

def predict_fn(data, model):
    return data
"""


async def test_a_transform_jobs_output_path_swapped_for_a_link(jp_fetch, jp_root_dir: Path, outside: Path) -> None:
    go = jp_root_dir / "go"
    (jp_root_dir / "model").mkdir()
    (jp_root_dir / "model" / "weights.txt").write_text("none\n")
    (jp_root_dir / "code").mkdir()
    (jp_root_dir / "code" / "inference.py").write_text(WAITING_MODEL)
    (jp_root_dir / "data").mkdir()
    (jp_root_dir / "data" / "rows.csv").write_text("1,2\n3,4\n")
    resp = await jp_fetch("labstudio", "api", "transform-jobs", method="POST", body=json.dumps({
        "model": "model", "entry_point": "inference.py", "source_dir": "code", "input": "data", "output_path": "scored",
        "content_type": "text/csv", "split_type": "Line", "name": "swap-tx", "environment": {"GO": str(go)},
    }))
    assert resp.code == 201
    link = jp_root_dir.resolve() / "scored"
    _swap_for_link(link, outside)
    go.touch()
    final = await wait_status(jp_fetch, "transform-jobs", "swap-tx", "TransformJobStatus", timeout=120)
    assert final["TransformJobStatus"] == "Failed"
    reason = final["FailureReason"]
    assert reason.startswith("ClientError: output_path: ") and _refused(reason, link, outside), reason
    assert _files(outside) == []


async def _until(predicate: Callable[[], object], message: str, timeout: float = 60.0) -> object:
    """Poll without blocking the event loop the Jupyter server runs on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.1)


@pytest.fixture
def cleanup(labstudio_home):
    yield
    from labstudio.core import Core

    core = Core.from_env()
    for item in core.endpoints.list()["Endpoints"]:
        core.endpoints.delete(item["EndpointName"], timeout=10)


@pytest.mark.slow
async def test_an_endpoints_data_capture_folder_swapped_for_a_link(jp_fetch, jp_root_dir: Path, outside: Path, cleanup) -> None:
    constant_model(jp_root_dir / "const", 7.0)
    request = {
        "EndpointName": "swap-ep",
        "ProductionVariants": [{"VariantName": "main", "Source": "const/model", "SourceDir": "const/code"}],
        "DataCaptureConfig": {"EnableCapture": True, "InitialSamplingPercentage": 100, "DestinationS3Uri": str(outside)},
    }
    # a destination outside the root is refused at once, naming the field
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps(request))
    assert code == 400 and err["field"] == "DataCaptureConfig.DestinationS3Uri", err
    request["DataCaptureConfig"]["DestinationS3Uri"] = "captures"
    resp = await jp_fetch("labstudio", "api", "endpoints", method="POST", params={"wait": "true"}, body=json.dumps(request))
    assert _body(resp)["EndpointStatus"] == "InService", _body(resp)
    captures = jp_root_dir.resolve() / "captures"
    assert _body(resp)["DataCaptureConfig"]["DestinationS3Uri"] == str(captures)

    async def invoke() -> None:
        answer = await jp_fetch("labstudio", "api", "endpoints", "swap-ep", "invocations", method="POST", body="[[1, 2]]",
                                headers={"Content-Type": "application/json"})
        assert answer.code == 200

    await invoke()
    await _until(lambda: list(captures.rglob("*.jsonl")), "the first captured records")
    shutil.move(str(captures), str(jp_root_dir / "captures-before"))
    captures.symlink_to(outside, target_is_directory=True)
    await invoke()

    def refused() -> bool:
        log = _body_sync_log()
        return "writing captured data failed" in log and f"{captures} is a symbolic link" in log

    def _body_sync_log() -> str:
        from labstudio.core import Core

        return Core.from_env().endpoints.logs("swap-ep", tail=200)

    await _until(refused, "the worker to refuse writing through the link")
    assert _files(outside) == []
