"""Asynchronous endpoints as real processes: the SDK's AsyncPredictor, the runtime client, the
durable queue across an endpoint restart, the REST routes and the CLI, and bad input."""
from __future__ import annotations

import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from conftest import wait_for
from httpjson import body as _body
from httpjson import error as _error
from labstudio import procs
from labstudio.errors import Invalid
from serving_helpers import write_source

pytestmark = pytest.mark.slow

# Records each request's token (the body's "token") in TRACE_DIR, one file per call, then answers.
TRACING = """
import json
import os
import time
import uuid


def model_fn(model_dir):
    return None


def transform_fn(model, body, content_type, accept):
    data = json.loads(body)
    trace = os.environ["TRACE_DIR"]
    with open(os.path.join(trace, f"{data['token']}.{uuid.uuid4().hex}"), "w") as handle:
        handle.write("called")
    time.sleep(float(os.environ.get("SLEEP", "0")))
    if data.get("fail"):
        raise RuntimeError("asked to fail: " + data["token"])
    return json.dumps({"echo": data["token"]}), "application/json"
"""


def _model(tmp_path: Path) -> tuple[Path, Path]:
    model = tmp_path / "model"
    model.mkdir()
    (model / "weights.txt").write_text("none")
    src = write_source(tmp_path / "code", TRACING)
    return model, src


def test_sdk_async_predictor_round_trip(tmp_path: Path, labstudio_home: Path, iris_model, monkeypatch: pytest.MonkeyPatch) -> None:
    from labstudio.async_inference import AsyncInferenceConfig, AsyncInferenceResponse
    from labstudio.async_inference.waiter_config import WaiterConfig
    from labstudio.deserializers import JSONDeserializer
    from labstudio.exceptions import AsyncInferenceModelError
    from labstudio.model import Model
    from labstudio.predictor_async import AsyncPredictor
    from labstudio.serializers import JSONSerializer
    from labstudio.session import Session

    monkeypatch.chdir(tmp_path)
    out = tmp_path / "results"
    failures = tmp_path / "failures"
    model = Model(model_data=str(iris_model["dir"]))
    predictor = model.deploy(
        endpoint_name="iris-async", serializer=JSONSerializer(), deserializer=JSONDeserializer(),
        async_inference_config=AsyncInferenceConfig(output_path=str(out), failure_path=str(failures), max_concurrent_invocations_per_instance=2),
    )
    try:
        assert isinstance(predictor, AsyncPredictor)
        response = predictor.predict_async(data=iris_model["rows"].tolist())
        assert isinstance(response, AsyncInferenceResponse)
        assert response.output_path.startswith(f"file://{out}/") and response.output_path.endswith(".out")
        result = response.get_result(WaiterConfig(max_attempts=100, delay=0.2))
        assert result == iris_model["expected"].tolist()
        assert predictor.predict(iris_model["rows"].tolist()) == iris_model["expected"].tolist()

        # the runtime client, as a boto3 driver calls it: the payload is already in place
        payload = tmp_path / "payload.json"
        payload.write_text(json.dumps(iris_model["rows"][:1].tolist()))
        runtime = Session().sagemaker_runtime_client
        answer = runtime.invoke_endpoint_async(EndpointName="iris-async", InputLocation=str(payload), ContentType="application/json",
                                               InferenceId="first-row")
        assert answer["InferenceId"] == "first-row" and answer["OutputLocation"] == f"file://{out}/first-row.out"
        wait_for(lambda: (out / "first-row.out").exists(), timeout=30, message="the result file")
        assert json.loads((out / "first-row.out").read_text()) == iris_model["expected"][:1].tolist()

        # the model's error goes to the failure path, and get_result raises it
        bad = predictor.predict_async(data=[[1.0, 2.0]])  # two features: the model wants four
        with pytest.raises(AsyncInferenceModelError, match="features"):
            bad.get_result(WaiterConfig(max_attempts=100, delay=0.2))
        assert bad.failure_path.startswith(f"file://{failures}/") and bad.failure_path.endswith("-error.out")

        described = predictor.describe()
        assert described["EndpointType"] == "Async"
        assert described["AsyncInferenceConfig"]["OutputConfig"]["S3OutputPath"] == f"file://{out}"
        assert described["AsyncInferenceConfig"]["ClientConfig"] == {"MaxConcurrentInvocationsPerInstance": 2}
        assert described["ApproximateBacklogSize"] == 0
        assert described["ModelServerTimeout"] == 900
    finally:
        predictor.delete_endpoint()


def test_queue_survives_an_endpoint_restart_and_runs_each_request_once(tmp_path: Path, endpoints, core) -> None:
    model, src = _model(tmp_path)
    trace = tmp_path / "trace"
    trace.mkdir()
    out = tmp_path / "out"
    d = endpoints.create(
        {
            "EndpointName": "queue-ep",
            "Source": str(model),
            "SourceDir": str(src),
            "Environment": {"TRACE_DIR": str(trace), "SLEEP": "0.3"},
            "RestartOnFailure": True,
            "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": str(out)}, "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 1}},
        },
        wait=True, timeout=120,
    )
    assert d["EndpointStatus"] == "InService", d
    tokens = [f"t{i:02d}" for i in range(10)]
    for token in tokens:
        payload = tmp_path / f"{token}.json"
        payload.write_text(json.dumps({"token": token}))
        endpoints.invoke_async("queue-ep", {"InputLocation": str(payload), "ContentType": "application/json", "InferenceId": token})
    assert endpoints.describe("queue-ep")["ApproximateBacklogSize"] > 0

    # stop the endpoint's server while requests are queued (one is running): it drains and exits
    wait_for(lambda: len(list(trace.iterdir())) >= 2, timeout=60, message="two requests to run")
    pid = endpoints.describe("queue-ep")["Pid"]
    os.kill(pid, signal.SIGTERM)
    wait_for(lambda: not procs.is_alive(pid, None), timeout=60, message="the endpoint's server to stop")
    left = endpoints.describe("queue-ep")["ApproximateBacklogSize"]
    assert 0 < left < len(tokens)
    assert endpoints.reconcile() == ["queue-ep"]  # RestartOnFailure: started again, with its queue

    def drained():
        d = endpoints.describe("queue-ep")
        return d if d["ApproximateBacklogSize"] == 0 and d["EndpointStatus"] == "InService" else None

    wait_for(drained, timeout=120, message="the queue to drain after the restart")
    calls = sorted(p.name.split(".")[0] for p in trace.iterdir())
    assert calls == tokens  # every request ran, none twice
    for token in tokens:
        assert json.loads((out / f"{token}.out").read_text()) == {"echo": token}
        state = endpoints.describe_async("queue-ep", token)
        assert state["Status"] == "Completed" and state["Attempts"] == 1
    with core.db.read() as conn:
        from labstudio.store import events

        done = [e for e in events.tail(conn, 0, 10000) if e["kind"] == "endpoint.async"]
    assert sorted(e["payload"]["inference_id"] for e in done) == tokens


def test_failure_webhook_and_bad_input(tmp_path: Path, endpoints) -> None:
    import http.server
    import threading

    received: list[dict] = []

    class Hook(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/notify"
    model, src = _model(tmp_path)
    trace = tmp_path / "trace"
    trace.mkdir()
    out = tmp_path / "out"
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    base = {"EndpointName": "hooked", "Source": str(model), "SourceDir": str(src), "Environment": {"TRACE_DIR": str(trace)}}

    # bad configurations: refused before anything exists
    for config, field in (
        ({"OutputConfig": {"S3OutputPath": str(blocker / "results")}}, "AsyncInferenceConfig.OutputConfig.S3OutputPath"),
        ({"OutputConfig": {}}, "AsyncInferenceConfig.OutputConfig.S3OutputPath"),
        ({"OutputConfig": {"S3OutputPath": str(out), "NotificationConfig": {"SuccessTopic": "arn:aws:sns:us-east-1:1:topic"}}},
         "AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic"),
    ):
        with pytest.raises(Invalid) as info:
            endpoints.create({**base, "AsyncInferenceConfig": config})
        assert info.value.field == field, info.value.message
    assert endpoints.list()["Endpoints"] == []

    d = endpoints.create(
        {**base, "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": str(out), "NotificationConfig": {"SuccessTopic": hook, "ErrorTopic": hook}}}},
        wait=True, timeout=120,
    )
    assert d["EndpointStatus"] == "InService", d
    try:
        good, bad = tmp_path / "good.json", tmp_path / "bad.json"
        good.write_text(json.dumps({"token": "good"}))
        bad.write_text(json.dumps({"token": "bad", "fail": True}))
        ok = endpoints.invoke_async("hooked", {"InputLocation": str(good), "ContentType": "application/json"})
        failed = endpoints.invoke_async("hooked", {"InputLocation": str(bad), "ContentType": "application/json"})
        wait_for(lambda: len(received) == 2, timeout=60, message="two notifications")
        by_status = {n["invocationStatus"]: n for n in received}
        assert by_status["Completed"]["inferenceId"] == ok["InferenceId"]
        assert by_status["Completed"]["responseParameters"]["outputLocation"] == ok["OutputLocation"]
        assert by_status["Failed"]["inferenceId"] == failed["InferenceId"]
        assert "asked to fail: bad" in by_status["Failed"]["failureReason"]
        assert "asked to fail: bad" in Path(failed["FailureLocation"][len("file://"):]).read_text()
        state = endpoints.describe_async("hooked", failed["InferenceId"])
        assert state["Status"] == "Failed" and "500" in state["FailureReason"]

        # bad requests: refused before anything is queued
        with pytest.raises(Invalid) as info:
            endpoints.invoke_async("hooked", {"InputLocation": str(tmp_path / "missing.json")})
        assert info.value.field == "InputLocation"
        with pytest.raises(Exception) as conflict:
            endpoints.invoke_async("hooked", {"InputLocation": str(good), "InferenceId": ok["InferenceId"]})
        assert "already used" in str(conflict.value)
        assert endpoints.describe("hooked")["ApproximateBacklogSize"] == 0
    finally:
        server.shutdown()


def test_async_cli(tmp_path: Path, labstudio_home: Path, iris_model) -> None:
    """The CLI deploys and queues; invoking a real-time endpoint asynchronously is refused."""
    run = cli_runner(tmp_path)
    run("deploy", str(iris_model["dir"]), "--name", "cli-async", "--async-output", "answers", "--async-max-concurrent", "2")
    payload = tmp_path / "rows.json"
    payload.write_text(json.dumps(iris_model["rows"].tolist()))
    done = run("endpoints", "invoke-async", "cli-async", "--input", "rows.json", "--content-type", "application/json", "--wait")
    inference_id = done.stdout.split()[0]
    assert "Completed" in done.stdout
    assert json.loads((tmp_path / "answers" / f"{inference_id}.out").read_text()) == iris_model["expected"].tolist()
    described = run("endpoints", "describe", "cli-async").stdout
    assert "Type:       Async" in described and "backlog: 0" in described

    bad = run("deploy", str(iris_model["dir"]), "--async-max-concurrent", "2", check=False)
    assert bad.returncode == 2 and "--async-output" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
    run("deploy", str(iris_model["dir"]), "--name", "cli-rt")
    refused = run("endpoints", "invoke-async", "cli-rt", "--input", "rows.json", check=False)
    assert refused.returncode == 2 and "not asynchronous" in refused.stderr
    run("endpoints", "delete", "cli-async")
    run("endpoints", "delete", "cli-rt")


def test_queue_claims_are_exclusive(core) -> None:
    """Two owners claiming the same queue never take the same request; a lapsed lease is taken over."""
    from labstudio.store import async_queue as queue

    def enqueue(conn):
        for i in range(6):
            queue.enqueue(conn, "q", f"r{i}", input_location="file:///x", output_location="o", failure_location="f", request={}, ttl_seconds=60, now=100.0 + i)

    core.db.run_write(enqueue)
    a = core.db.run_write(lambda c: queue.claim(c, "q", "A", 4, 10, now=200.0))
    b = core.db.run_write(lambda c: queue.claim(c, "q", "B", 4, 10, now=200.0))
    assert [x.inference_id for x in a] == ["r0", "r1", "r2", "r3"] and [x.inference_id for x in b] == ["r4", "r5"]
    assert core.db.run_write(lambda c: queue.claim(c, "q", "C", 4, 10, now=205.0)) == []
    assert core.db.run_write(lambda c: queue.finish(c, "q", "r0", "A", queue.COMPLETED, now=206.0))
    assert not core.db.run_write(lambda c: queue.finish(c, "q", "r4", "A", queue.COMPLETED, now=206.0))  # B's
    # A's leases lapse: C takes them over, and A can no longer finish them
    taken = core.db.run_write(lambda c: queue.claim(c, "q", "C", 10, 10, now=211.0))
    assert {x.inference_id for x in taken} == {"r1", "r2", "r3", "r4", "r5"}
    assert not core.db.run_write(lambda c: queue.finish(c, "q", "r1", "A", queue.COMPLETED, now=212.0))
    assert core.db.run_write(lambda c: queue.renew(c, "q", "C", ["r1", "r2"], 10, now=212.0)) == {"r1", "r2"}
    assert core.db.run_write(lambda c: queue.release(c, "q", "C", ["r2"])) == 1
    with core.db.read() as conn:
        assert queue.backlog(conn, "q") == 5 and queue.get(conn, "q", "r2").status == queue.PENDING


def test_sdk_configs_refuse_bad_values() -> None:
    from labstudio.async_inference import AsyncInferenceConfig, WaiterConfig

    with pytest.raises(ValueError, match="max_concurrent_invocations_per_instance"):
        AsyncInferenceConfig(output_path="x", max_concurrent_invocations_per_instance=0)
    with pytest.raises(ValueError, match="max_attempts"):
        WaiterConfig(max_attempts=0)
    assert AsyncInferenceConfig(output_path="s3://b/out", max_concurrent_invocations_per_instance=3)._to_request_dict() == {
        "OutputConfig": {"S3OutputPath": "s3://b/out"}, "ClientConfig": {"MaxConcurrentInvocationsPerInstance": 3}
    }
    assert WaiterConfig(5, 2)._to_request_dict() == {"Delay": 2, "MaxAttempts": 5}


async def test_async_over_rest(jp_fetch, jp_root_dir: Path, iris_model, labstudio_home: Path) -> None:
    shutil.copytree(iris_model["dir"], jp_root_dir / "models" / "iris")
    (jp_root_dir / "rows.json").write_text(json.dumps(iris_model["rows"].tolist()))
    outside = jp_root_dir.parent / "elsewhere"
    code, refused = await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps({
        "EndpointName": "rest-async", "Source": "models/iris", "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": str(outside)}},
    }))
    assert code == 400 and refused["field"] == "AsyncInferenceConfig.OutputConfig.S3OutputPath", refused
    assert not outside.exists()

    resp = await jp_fetch("labstudio", "api", "endpoints", method="POST", params={"wait": "true"}, body=json.dumps({
        "EndpointName": "rest-async", "Source": "models/iris", "AsyncInferenceConfig": {"OutputConfig": {"S3OutputPath": "results"}},
    }))
    described = _body(resp)
    try:
        assert described["EndpointStatus"] == "InService" and described["EndpointType"] == "Async", described
        resp = await jp_fetch("labstudio", "api", "endpoints", "rest-async", "async-invocations", method="POST",
                              body=json.dumps({"InputLocation": "rows.json", "ContentType": "application/json", "InferenceId": "rest-1"}))
        assert resp.code == 202
        answer = _body(resp)
        assert answer["OutputLocation"] == f"file://{jp_root_dir.resolve()}/results/rest-1.out"

        async def status() -> dict:
            return _body(await jp_fetch("labstudio", "api", "endpoints", "rest-async", "async-invocations", "rest-1"))

        import asyncio

        for _ in range(300):
            state = await status()
            if state["Status"] == "Completed":
                break
            await asyncio.sleep(0.1)
        assert state["Status"] == "Completed", state
        assert json.loads((jp_root_dir / "results" / "rest-1.out").read_text()) == iris_model["expected"].tolist()

        for body, field in (({"InputLocation": "missing.json"}, "InputLocation"), ({"InputLocation": str(outside / "x.json")}, "InputLocation"),
                            ({"InputLocation": "rows.json", "RequestTTLSeconds": 5}, "RequestTTLSeconds")):
            code, bad = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-async", "async-invocations", method="POST", body=json.dumps(body))
            assert code == 400 and field in (bad.get("field") or ""), bad
        code, _ = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-async", "async-invocations", "nope")
        assert code == 404
    finally:
        await jp_fetch("labstudio", "api", "endpoints", "rest-async", method="DELETE")
