"""The request/response shapes: unknown fields refused everywhere, one name rule, errors in
our words naming the field, and event payloads as the server really writes them."""
from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from labstudio import shapes
from labstudio.errors import Invalid
from labstudio.handlers.openapi import build_document
from labstudio.shapes import endpoints, experiments, jobs
from labstudio.shapes.events import Event
from labstudio.shapes.validate import parse

# the smallest valid body of each request shape
MINIMAL = {
    jobs.CreateTrainingJobRequest: {"entry_point": "train.py"},
    jobs.MetricDefinition: {"Name": "loss", "Regex": "loss=(.*)"},
    experiments.CreateExperimentRequest: {"name": "e"},
    experiments.UpdateExperimentRequest: {},
    experiments.TagExperimentRequest: {"tags": {}},
    experiments.UpdateRunRequest: {},
    experiments.CompareRunsRequest: {"runs": ["abc"]},
    endpoints.CreateEndpointRequest: {"Source": "job"},
    endpoints.UpdateEndpointRequest: {"ProductionVariants": []},
    endpoints.ProductionVariant: {},
    endpoints.DataCaptureRequest: {},
    endpoints.CaptureOption: {"CaptureMode": "Input"},
    endpoints.AsyncNotificationConfig: {},
    endpoints.AsyncOutputConfig: {},
    endpoints.AsyncClientConfig: {},
    endpoints.AsyncInferenceConfigRequest: {"OutputConfig": {}},
    endpoints.ServerlessConfigRequest: {"MemorySizeInMB": 1024, "MaxConcurrency": 1},
    endpoints.CapacitySizeRequest: {"Type": "CAPACITY_PERCENT", "Value": 10},
    endpoints.TrafficRoutingRequest: {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0},
    endpoints.BlueGreenUpdatePolicyRequest: {"TrafficRoutingConfiguration": {"Type": "ALL_AT_ONCE", "WaitIntervalInSeconds": 0}},
    endpoints.AlarmReference: {"AlarmName": "a"},
    endpoints.AutoRollbackConfig: {},
    endpoints.DeploymentConfigRequest: {},
    endpoints.InvokeEndpointAsyncRequest: {"InputLocation": "payload.json"},
}


def _request_shapes() -> list[type[shapes.Request]]:
    found = []
    for module in (jobs, experiments, endpoints):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, shapes.Request) and obj is not shapes.Request and obj not in found:
                found.append(obj)
    return found


def test_every_request_shape_is_covered() -> None:
    assert set(_request_shapes()) == set(MINIMAL), "give each new request shape its minimal body in MINIMAL"


@pytest.mark.parametrize("model", list(MINIMAL), ids=lambda m: m.__name__)
def test_unknown_fields_are_refused_by_every_request(model) -> None:  # type: ignore[no-untyped-def]
    parse(model, MINIMAL[model])  # the minimal body is valid
    with pytest.raises(Invalid) as err:
        parse(model, {**MINIMAL[model], "Colour": "blue"})
    assert err.value.field == "Colour"
    assert "Unknown field" in err.value.message and "allowed fields" in err.value.message
    for name in model.model_fields:
        assert name in err.value.message  # the fix: what may be sent instead


@pytest.mark.parametrize(
    "model, body, field, words",
    [
        (jobs.CreateTrainingJobRequest, {"entry_point": 5}, "entry_point", "must be a string, got int"),
        (jobs.CreateTrainingJobRequest, {"entry_point": "t.py", "max_runtime_seconds": True}, "max_runtime_seconds", "not true or false"),
        (jobs.CreateTrainingJobRequest, {"entry_point": "t.py", "max_runtime_seconds": 1.5}, "max_runtime_seconds", "whole number"),
        (jobs.CreateTrainingJobRequest, {"entry_point": "t.py", "environment": {"A": [1]}}, "environment", "must be"),
        (endpoints.CreateEndpointRequest, {"ProductionVariants": [{"Source": "j", "InitialInstanceCount": 65}]},
         "ProductionVariants[0].InitialInstanceCount", "at most 64"),
        (endpoints.CreateEndpointRequest, {"Source": "j", "Port": "http"}, "Port", "whole number"),
        (endpoints.CreateEndpointRequest, {"Source": "j", "DataCaptureConfig": {"InitialSamplingPercentage": 101}},
         "DataCaptureConfig.InitialSamplingPercentage", "at most 100"),
        (endpoints.CreateEndpointRequest, {"Source": "j", "ModelServerTimeout": float("nan")}, "ModelServerTimeout", "finite"),
        (endpoints.UpdateEndpointRequest, {}, "ProductionVariants", "required"),
        (experiments.CompareRunsRequest, {"runs": ["a"], "method": "cubic"}, "method", "choose one of 'minmax' or 'lttb'"),
        (experiments.CompareRunsRequest, {"runs": ["a"], "limit": 501}, "limit", "at most 500"),
        (experiments.UpdateRunRequest, {"tags": {"a": 1}}, "tags.a", "must be a string"),
    ],
)
def test_errors_name_the_field_in_our_words(model, body, field: str, words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as err:
        parse(model, body)
    assert err.value.field == field, err.value.to_json()
    assert words in err.value.message, err.value.to_json()
    assert "Input should" not in err.value.message  # pydantic's wording stays out of our answers


def test_one_name_rule() -> None:
    """Jobs, endpoints and variants share one SageMaker name rule, written once."""
    from labstudio.jobs import spec as job_spec
    from labstudio.serving import spec as serving_spec

    assert job_spec.NAME_RE is shapes.NAME_RE and serving_spec.NAME_RE is shapes.NAME_RE
    for good in ("a", "a-b--c", "A1" * 31 + "z"):
        assert shapes.NAME_RE.match(good)
        parse(endpoints.CreateEndpointRequest, {"EndpointName": good, "Source": "j"})
    for bad in ("-a", "a-", "a_b", "a" * 64, "ok\n", ""):
        assert not shapes.NAME_RE.match(bad)
        with pytest.raises(Invalid) as err:
            parse(endpoints.CreateEndpointRequest, {"EndpointName": bad, "Source": "j"})
        assert err.value.field == "EndpointName" and "1 to 63 letters" in err.value.message
    doc = json.dumps(build_document())
    options = json.loads(doc)["components"]["schemas"]["CreateEndpointRequest"]["properties"]["EndpointName"]["anyOf"]
    assert [o["pattern"] for o in options if "pattern" in o] == [shapes.NAME_PATTERN]
    assert doc.count('"pattern": "') == doc.count(f'"pattern": "{shapes.NAME_PATTERN}"')


async def _error(jp_fetch, *path, method: str, body) -> tuple[int, dict]:  # type: ignore[no-untyped-def]
    with pytest.raises(HTTPClientError) as info:
        await jp_fetch("labstudio", "api", *path, method=method, body=json.dumps(body), allow_nonstandard_methods=True)
    return info.value.code, json.loads(info.value.response.body)


async def test_rest_bodies_go_through_the_shapes(jp_fetch, core) -> None:  # type: ignore[no-untyped-def]
    for path, method, body, field in (
        (("experiments",), "POST", {"name": 5}, "name"),
        (("experiments",), "POST", {"name": "x", "tags": {"a": ["b"]}}, "tags.a"),
        (("experiments", "x"), "PATCH", {"description": 3}, "description"),
        (("experiments", "x", "tags"), "POST", {"tags": {"a": 1}}, "tags.a"),
        (("experiments", "x", "tags"), "POST", {"a": 1}, "tags.a"),
        (("runs", "abc"), "PATCH", {"name": ["n"]}, "name"),
        (("runs", "compare"), "POST", {"runs": ["abc"], "max_points": 2.0}, "max_points"),
        (("jobs",), "POST", {"entry_point": "t.py", "hyperparameter": {}}, "hyperparameter"),
        (("endpoints",), "POST", {"Source": "j", "RestartOnFailure": "yes"}, "RestartOnFailure"),
        (("endpoints", "e"), "PATCH", {"ProductionVariants": [{"VariantName": "a", "InitialVariantWeight": -1}]},
         "ProductionVariants[0].InitialVariantWeight"),
    ):
        code, err = await _error(jp_fetch, *path, method=method, body=body)
        assert code == 400 and err["field"] == field, (path, body, err)
        assert "Input should" not in err["message"], err
    listed = json.loads((await jp_fetch("labstudio", "api", "experiments")).body)
    assert listed["experiments"] == []  # nothing was created by a refused request


async def test_event_payloads_match_their_shapes(jp_fetch: Any, core: Any, jp_root_dir: Path) -> None:
    """What the server writes to the events feed is what the document (and the panel's types) say:
    each kind's payload validates against that kind's model of the `Event` union."""
    from httpjson import wait_status
    from labstudio.store import events as events_store

    await jp_fetch("labstudio", "api", "experiments", method="POST", body=json.dumps({"name": "evt"}))
    await jp_fetch("labstudio", "api", "experiments", "evt", method="PATCH", body=json.dumps({"description": "d"}))
    (jp_root_dir / "train.py").write_text("for i in range(3):\n    print(f'loss={1 / (i + 1)}', flush=True)\n")
    job = {"entry_point": "train.py", "name": "evt-job", "experiment_name": "evt",
           "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]}
    await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps(job))
    await wait_status(jp_fetch, "jobs", "evt-job", "TrainingJobStatus")
    await jp_fetch("labstudio", "api", "experiments", "evt", method="DELETE")
    with core.db.read() as conn:
        written = events_store.tail(conn, 0)
    kinds = {e["kind"] for e in written}
    assert {"experiment.created", "experiment.updated", "experiment.deleted", "run.deleted"} <= kinds
    assert {"job.created", "job.status", "job.metrics", "run.created"} <= kinds
    for event in written:
        typed = Event.model_validate(event).root
        assert typed.kind == event["kind"] and type(typed).__name__.endswith("Event")
