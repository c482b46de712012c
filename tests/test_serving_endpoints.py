"""Endpoints as real processes on 127.0.0.1, driven over real HTTP."""
from __future__ import annotations

import json
import os
import signal
import socket
import time
from pathlib import Path

import numpy as np
import pytest

from conftest import wait_for
from labstudio import procs
from labstudio.shapes import to_json
from serving_helpers import (
    FOUR_HANDLERS,
    TRANSFORM_FN,
    from_npy,
    get,
    make_archive,
    message,
    npy,
    post,
    write_source,
)

pytestmark = pytest.mark.slow


def _all_pids(described: dict) -> list[int]:
    pids = [described["Pid"]]
    for variant in described["ProductionVariants"]:
        pids += variant["WorkerPids"]
    return pids


def test_four_handlers_over_http(endpoints, tmp_path: Path, diabetes_model) -> None:
    src = write_source(tmp_path / "src", FOUR_HANDLERS)
    d = endpoints.deploy(str(diabetes_model["dir"]), name="four", source_dir=str(src), token="s3cret", capture_percent=100, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    assert d["AuthType"] == "Bearer" and "s3cret" not in json.dumps(d)
    url, auth = d["EndpointUrl"], {"Authorization": "Bearer s3cret"}
    rows, expected = diabetes_model["rows"], diabetes_model["expected"]
    assert get(url) == 200

    code, headers, body = post(url, json.dumps({"rows": rows.tolist()}), "application/json", "application/json", auth)
    assert code == 200 and np.allclose(json.loads(body)["predictions"], expected)
    assert headers["x-labstudio-invoked-variant"] == "AllTraffic"
    csv = "\n".join(",".join(map(str, r)) for r in rows)
    code, headers, body = post(url, csv, "text/csv", "text/csv", auth)
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert np.allclose([float(v) for v in body.split()], expected, atol=1e-5)
    code, headers, body = post(url, npy(rows), "application/x-npy", "application/x-npy", auth)
    assert code == 200 and np.allclose(from_npy(body), expected)
    code, headers, body = post(url, json.dumps(rows.tolist()), "application/json", "*/*", auth)
    assert code == 200 and json.loads(body)["accept"] == "application/json"

    # bad bodies: the handler's message, a clean 4xx, and the server stays up
    code, _, body = post(url, "{nope", "application/json", None, auth)
    assert code == 400 and "JSONDecodeError" in message(body)
    code, _, body = post(url, "<x/>", "application/xml", None, auth)
    assert code == 400 and "cannot read application/xml" in message(body)
    code, _, body = post(url, b"x" * (6 * 1024 * 1024 + 1), "application/json", None, auth)
    assert code == 413 and "6291456" in message(body)
    code, headers, body = post(url, json.dumps(rows.tolist()), "application/json")
    assert code == 401 and "Bearer" in headers["www-authenticate"]
    code, _, body = post(url, json.dumps(rows.tolist()), "application/json", None, auth)
    assert code == 200

    # figures per variant, and data capture as JSON lines in SageMaker's layout
    def figures():
        m = endpoints.describe("four")["ProductionVariants"][0]["Metrics"]
        return m if m["Invocations"] == 9 else None

    m = wait_for(figures, timeout=10, message="figures")
    assert m["Errors"] == 4 and m["Invocation4XXErrors"] == 4 and m["LatencyP50Ms"] > 0 and m["LatencyP99Ms"] >= m["LatencyP90Ms"] >= m["LatencyP50Ms"]
    capture_root = Path(os.environ["LABSTUDIO_ARTIFACT_URI"]) / "endpoints" / "four" / "data-capture" / "AllTraffic"
    files = wait_for(lambda: list(capture_root.rglob("*.jsonl")), timeout=10, message="captured files")
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()]
    assert len(records) == 5  # only the answered requests are captured
    first = next(r for r in records if r["captureData"]["endpointInput"]["observedContentType"] == "text/csv")
    assert first["captureData"]["endpointInput"]["encoding"] == "CSV" and first["captureData"]["endpointInput"]["data"] == csv
    assert first["captureData"]["endpointOutput"]["mode"] == "OUTPUT" and "inferenceTime" in first["eventMetadata"]
    npy_record = next(r for r in records if r["captureData"]["endpointInput"]["observedContentType"] == "application/x-npy")
    assert npy_record["captureData"]["endpointInput"]["encoding"] == "BASE64"
    assert len(files[0].relative_to(capture_root).parts) == 5  # YYYY/MM/DD/HH/file


def test_transform_fn_from_archive_and_no_handlers(endpoints, tmp_path: Path, iris_model) -> None:
    code = write_source(tmp_path / "code", TRANSFORM_FN)
    archive = make_archive(iris_model["dir"], tmp_path / "model.tar.gz", code=code)
    a = endpoints.deploy(str(archive), name="transform", wait=False)
    b = endpoints.deploy(str(iris_model["dir"] / "model.joblib"), name="plain", wait=False)  # a bare model file
    a, b = endpoints.wait("transform", 120), endpoints.wait("plain", 120)
    assert a["EndpointStatus"] == b["EndpointStatus"] == "InService", (a, b)
    rows, expected = iris_model["rows"], iris_model["expected"]

    status, _, body = post(a["EndpointUrl"], json.dumps(rows.tolist()))
    assert status == 200 and json.loads(body) == {"classes": expected.tolist(), "via": "transform_fn"}
    status, _, body = post(a["EndpointUrl"], "not json")
    assert status == 400 and "transform_fn" in message(body)

    url = b["EndpointUrl"]
    status, headers, body = post(url, json.dumps(rows.tolist()), "application/json", "*/*")
    assert status == 200 and headers["content-type"] == "application/json" and json.loads(body) == expected.tolist()
    status, headers, body = post(url, "\n".join(",".join(map(str, r)) for r in rows), "text/csv", "text/csv")
    assert status == 200 and body.decode().split() == [str(v) for v in expected]
    status, headers, body = post(url, npy(rows), "application/x-npy", "application/x-npy")
    assert status == 200 and np.array_equal(from_npy(body), expected)
    status, _, body = post(url, "1,2,oops", "text/csv")
    assert status == 400 and "oops" in message(body)
    status, _, body = post(url, "x", "image/png")
    assert status == 415
    status, _, body = post(url, json.dumps(rows.tolist()), "application/json", "image/png")
    assert status == 406
    assert get(url) == 200  # still up after the bad requests


def test_model_fn_raising_marks_the_endpoint_failed(endpoints, tmp_path: Path, iris_model) -> None:
    src = write_source(tmp_path / "src", "def model_fn(model_dir):\n    raise RuntimeError('weights are corrupt')\n")
    d = endpoints.deploy(str(iris_model["dir"]), name="broken", source_dir=str(src), workers=2, wait=True, timeout=120)
    assert d["EndpointStatus"] == "Failed"
    assert "model_fn raised RuntimeError: weights are corrupt" in d["FailureReason"]
    assert all(v["VariantStatus"] == "Failed" for v in d["ProductionVariants"])
    wait_for(lambda: not procs.is_alive(d["Pid"], None), timeout=30, message="the supervisor to exit")
    assert procs.port_is_free("127.0.0.1", d["Port"])
    assert "weights are corrupt" in endpoints.logs("broken")


def test_port_in_use_fails_with_a_reason(endpoints, iris_model) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        d = endpoints.deploy(str(iris_model["dir"]), name="clash", port=port, wait=True, timeout=30)
    assert d["EndpointStatus"] == "Failed" and f"port {port}" in d["FailureReason"] and "in use" in d["FailureReason"]


def test_delete_frees_the_port_and_ends_every_worker(endpoints, iris_model) -> None:
    d = endpoints.deploy(str(iris_model["dir"]), name="gone", workers=2, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService"
    pids = _all_pids(d)
    assert len(pids) == 3 and all(procs.is_alive(p, None) for p in pids)
    assert post(d["EndpointUrl"], json.dumps(iris_model["rows"].tolist()))[0] == 200
    endpoints.delete("gone")
    assert not any(procs.is_alive(p, None) for p in pids)
    assert procs.port_is_free("127.0.0.1", d["Port"])
    assert endpoints.list()["Endpoints"] == []
    with pytest.raises(Exception, match="does not exist"):
        endpoints.describe("gone")


def test_reconcile_marks_dead_endpoints_failed_or_restarts_them(endpoints, core, iris_model) -> None:
    dead = endpoints.deploy(str(iris_model["dir"]), name="dead", wait=False)
    back = endpoints.deploy(str(iris_model["dir"]), name="back", restart_on_failure=True, wait=False)
    dead, back = endpoints.wait("dead", 120), endpoints.wait("back", 120)
    assert dead["EndpointStatus"] == back["EndpointStatus"] == "InService"
    for d in (dead, back):  # what a reboot does: every process of the endpoint is gone at once
        os.killpg(d["Pid"], signal.SIGKILL)
        wait_for(lambda d=d: not any(procs.is_alive(p, None) for p in _all_pids(d)), timeout=20, message="processes to die")

    core.reconcile()  # what the Jupyter server runs at start and every few seconds
    failed = endpoints.describe("dead")
    assert failed["EndpointStatus"] == "Failed" and f"pid {dead['Pid']}" in failed["FailureReason"] and "is gone" in failed["FailureReason"]

    restarted = endpoints.wait("back", 120)
    assert restarted["EndpointStatus"] == "InService" and restarted["Pid"] != back["Pid"]
    assert restarted["EndpointUrl"] == back["EndpointUrl"]  # same port: clients keep working
    status, _, body = post(restarted["EndpointUrl"], json.dumps(iris_model["rows"].tolist()))
    assert status == 200 and json.loads(body) == iris_model["expected"].tolist()

    # a Failed endpoint comes back with an update
    d = endpoints.update("dead", {"ProductionVariants": [{"VariantName": "AllTraffic"}]}, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService" and d["FailureReason"] is None


def test_deploy_from_a_completed_training_job(endpoints, core, tmp_path: Path) -> None:
    src = write_source(
        tmp_path / "job-src",
        """
        import argparse, os
        import joblib
        from sklearn.datasets import load_iris
        from sklearn.tree import DecisionTreeClassifier

        def model_fn(model_dir):
            return joblib.load(os.path.join(model_dir, "tree.joblib"))

        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            parser.add_argument("--max-depth", type=int, default=3)
            args = parser.parse_args()
            X, y = load_iris(return_X_y=True)
            model = DecisionTreeClassifier(max_depth=args.max_depth, random_state=0).fit(X, y)
            joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "tree.joblib"))
        """,
        name="train.py",
    )
    job = to_json(core.jobs.submit({"name": "iris-tree", "entry_point": "train.py", "source_dir": str(src), "hyperparameters": {"max-depth": 2}}))
    assert to_json(core.jobs.wait(job["TrainingJobName"], timeout=180))["TrainingJobStatus"] == "Completed"
    d = endpoints.deploy("iris-tree", wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    assert d["EndpointName"].startswith("iris-tree-")
    variant = d["ProductionVariants"][0]
    assert variant["EntryPoint"] == "train.py" and "training job iris-tree" in variant["ModelData"]
    status, _, body = post(d["EndpointUrl"], "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3", "text/csv")
    assert status == 200 and json.loads(body) == [0, 2]


def test_bad_requests_are_refused_before_anything_is_created(endpoints, tmp_path: Path) -> None:
    from labstudio.errors import Invalid, NotFound

    with pytest.raises(NotFound, match="not a training job, a model archive or a model folder"):
        endpoints.deploy(str(tmp_path / "missing"), name="nothing")
    with pytest.raises(Invalid, match="EndpointName|endpoint name"):
        endpoints.create({"EndpointName": "bad_name!", "ProductionVariants": [{"Source": str(tmp_path)}]})
    with pytest.raises(Invalid, match="weight above 0"):
        endpoints.create({"ProductionVariants": [{"Source": str(tmp_path), "InitialVariantWeight": 0}]})
    assert endpoints.list()["Endpoints"] == []
    time.sleep(0)
