"""Serverless endpoints as real processes: no worker while idle, a cold start on the first
request, 429 past MaxConcurrency (ThrottlingException in the SDK), the memory limit, bad input."""
from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from conftest import wait_for
from labstudio.errors import Invalid
from serving_helpers import post, write_source

pytestmark = pytest.mark.slow

# Waits (up to 60 s) while GATE names a file that does not exist, after marking that it started;
# {"allocate_mb": N} allocates that much memory.
GATED = """
import json
import os
import time


def model_fn(model_dir):
    return None


def transform_fn(model, body, content_type, accept):
    data = json.loads(body or "{}")
    if data.get("allocate_mb"):
        block = bytearray(data["allocate_mb"] * 1024 * 1024)
        return json.dumps({"allocated": len(block)}), "application/json"
    gate = data.get("gate")
    if gate:
        open(gate + ".started", "w").close()
        deadline = time.time() + 60
        while not os.path.exists(gate) and time.time() < deadline:
            time.sleep(0.02)
    return json.dumps({"pid": os.getpid()}), "application/json"
"""


@pytest.fixture
def idle_fast(monkeypatch: pytest.MonkeyPatch, labstudio_home: Path) -> None:
    monkeypatch.setenv("LABSTUDIO_SERVERLESS_IDLE_SECONDS", "1")


def _model(tmp_path: Path) -> tuple[Path, Path]:
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.txt").write_text("none")
    return model, write_source(tmp_path / "code", GATED)


def _variant(endpoints, name: str) -> dict:
    return endpoints.describe(name)["ProductionVariants"][0]


def test_scale_from_zero_and_back(tmp_path: Path, endpoints, idle_fast) -> None:
    model, src = _model(tmp_path)
    d = endpoints.create(
        {"EndpointName": "sls", "Source": str(model), "SourceDir": str(src), "ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 3}},
        wait=True, timeout=120,
    )
    assert d["EndpointStatus"] == "InService" and d["EndpointType"] == "Serverless", d
    variant = d["ProductionVariants"][0]
    assert variant["CurrentServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 3}
    wait_for(lambda: _variant(endpoints, "sls")["CurrentInstanceCount"] == 0, timeout=30, message="the idle variant to have no worker")
    assert _variant(endpoints, "sls")["WorkerPids"] == []

    before = _variant(endpoints, "sls")["ServerlessMetrics"]["ColdStarts"]
    code, _, body = post(d["EndpointUrl"], json.dumps({}))
    assert code == 200, body
    first_pid = json.loads(body)["pid"]
    # the supervisor records the cold start as the worker reports ready, alongside the answer
    variant = wait_for(lambda: (v := _variant(endpoints, "sls"))["ServerlessMetrics"]["ColdStarts"] == before + 1 and v,
                       timeout=10, message="the cold start to be recorded")
    assert variant["CurrentInstanceCount"] == 1 and variant["ServerlessMetrics"]["LastColdStartMs"] > 0
    code, _, body = post(d["EndpointUrl"], json.dumps({}))  # warm: the same worker answers
    assert code == 200 and json.loads(body)["pid"] == first_pid

    wait_for(lambda: _variant(endpoints, "sls")["CurrentInstanceCount"] == 0, timeout=30, message="the worker to stop after the idle time")
    code, _, body = post(d["EndpointUrl"], json.dumps({}))
    assert code == 200 and json.loads(body)["pid"] != first_pid  # started again
    wait_for(lambda: _variant(endpoints, "sls")["ServerlessMetrics"]["ColdStarts"] == before + 2, timeout=10, message="the second cold start")


def test_throttling_past_max_concurrency(tmp_path: Path, endpoints, idle_fast) -> None:
    from labstudio.predictor import Predictor
    from labstudio.sdk.boto_errors import ClientError
    from labstudio.serializers import JSONSerializer
    from labstudio.session import Session

    model, src = _model(tmp_path)
    d = endpoints.create(
        {"EndpointName": "narrow", "Source": str(model), "SourceDir": str(src), "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 1}},
        wait=True, timeout=120,
    )
    assert d["EndpointStatus"] == "InService", d
    gate = tmp_path / "gate"
    answers: list[int] = []
    running = threading.Thread(target=lambda: answers.append(post(d["EndpointUrl"], json.dumps({"gate": str(gate)}), timeout=90)[0]))
    running.start()
    try:
        wait_for(lambda: Path(str(gate) + ".started").exists(), timeout=60, message="the first request to run")
        code, headers, body = post(d["EndpointUrl"], json.dumps({}))
        assert code == 429 and "ThrottlingException" in json.loads(body)["message"], body
        predictor = Predictor("narrow", serializer=JSONSerializer())
        with pytest.raises(ClientError) as info:
            predictor.predict({})
        assert info.value.response["Error"]["Code"] == "ThrottlingException"
        with pytest.raises(ClientError) as boto:
            Session().sagemaker_runtime_client.invoke_endpoint(EndpointName="narrow", Body=b"{}", ContentType="application/json")
        assert boto.value.response["Error"]["Code"] == "ThrottlingException"
    finally:
        gate.write_text("open")
        running.join(60)
    assert answers == [200]
    wait_for(lambda: _variant(endpoints, "narrow")["ServerlessMetrics"]["Throttles"] >= 3, timeout=10, message="the throttles to be counted")
    code, _, _ = post(d["EndpointUrl"], json.dumps({}))
    assert code == 200  # the slot is free again


def test_memory_limit_is_enforced(tmp_path: Path, endpoints, idle_fast) -> None:
    model, src = _model(tmp_path)
    d = endpoints.create(
        {"EndpointName": "small", "Source": str(model), "SourceDir": str(src), "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 2}},
        wait=True, timeout=120,
    )
    assert d["EndpointStatus"] == "InService", d
    code, _, body = post(d["EndpointUrl"], json.dumps({"allocate_mb": 64}))
    assert code == 200, body
    code, _, body = post(d["EndpointUrl"], json.dumps({"allocate_mb": 1536}))
    assert code == 500
    message = json.loads(body)["message"]
    assert "ran out of memory" in message and "1024 MB" in message and "MemorySizeInMB" in message


def test_sdk_deploy_and_bad_input(tmp_path: Path, endpoints, idle_fast, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.deserializers import JSONDeserializer
    from labstudio.model import Model
    from labstudio.serializers import JSONSerializer
    from labstudio.serverless import ServerlessInferenceConfig

    model, src = _model(tmp_path)
    for memory, concurrency in ((512, 1), (1500, 1), (7168, 1), (1024, 0)):
        with pytest.raises(ValueError):
            ServerlessInferenceConfig(memory_size_in_mb=memory, max_concurrency=concurrency)
    base = {"EndpointName": "bad", "Source": str(model), "SourceDir": str(src)}
    for serverless, field in (({"MemorySizeInMB": 1500, "MaxConcurrency": 1}, "MemorySizeInMB"),
                              ({"MemorySizeInMB": 1024, "MaxConcurrency": 0}, "MaxConcurrency")):
        with pytest.raises(Invalid) as info:
            endpoints.create({**base, "ServerlessConfig": serverless})
        assert field in (info.value.field or "") + info.value.message
    with pytest.raises(Invalid) as info:
        endpoints.create({**base, "ServerlessConfig": {"MemorySizeInMB": 1024, "MaxConcurrency": 1}, "InitialInstanceCount": 2})
    assert info.value.field == "ServerlessConfig"
    assert endpoints.list()["Endpoints"] == []

    monkeypatch.chdir(tmp_path)
    predictor = Model(model_data=str(model), source_dir=str(src), entry_point="inference.py").deploy(
        endpoint_name="sdk-sls", serializer=JSONSerializer(), deserializer=JSONDeserializer(),
        serverless_inference_config=ServerlessInferenceConfig(memory_size_in_mb=2048, max_concurrency=2),
    )
    try:
        assert "pid" in predictor.predict({})
        variant = predictor.describe()["ProductionVariants"][0]
        assert variant["CurrentServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 2}
    finally:
        predictor.delete_endpoint()


def test_cli_serverless_deploy(tmp_path: Path, labstudio_home: Path, idle_fast) -> None:
    model, src = _model(tmp_path)
    run = cli_runner(tmp_path)
    bad = run("deploy", str(model), "--source-dir", str(src), "--serverless-memory", "1024", check=False)
    assert bad.returncode == 2 and "--serverless-concurrency" in bad.stderr
    bad = run("deploy", str(model), "--source-dir", str(src), "--serverless-memory", "1000", "--serverless-concurrency", "1", check=False)
    assert bad.returncode == 2 and "MemorySizeInMB" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    run("deploy", str(model), "--source-dir", str(src), "--name", "cli-sls", "--serverless-memory", "1024", "--serverless-concurrency", "2")
    out = run("endpoints", "describe", "cli-sls").stdout
    assert "Type:       Serverless" in out and "1024 MB" in out
    run("endpoints", "delete", "cli-sls")
