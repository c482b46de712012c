"""The endpoints REST API through a real Jupyter server (jp_fetch), including the invocations proxy."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from tornado.httpclient import HTTPClientError

from httpjson import body as _body
from httpjson import error as _error
from serving_helpers import FOUR_HANDLERS, write_source

pytestmark = pytest.mark.slow


@pytest.fixture
def cleanup(labstudio_home):
    yield
    from labstudio.core import Core

    core = Core.from_env()
    for item in core.endpoints.list()["Endpoints"]:
        core.endpoints.delete(item["EndpointName"], timeout=10)


async def test_endpoint_lifecycle_over_rest(jp_fetch, jp_root_dir: Path, diabetes_model, cleanup) -> None:
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "diabetes")
    write_source(jp_root_dir / "serving", FOUR_HANDLERS)
    rows, expected = diabetes_model["rows"], diabetes_model["expected"]

    resp = await jp_fetch(
        "labstudio", "api", "endpoints", method="POST", params={"wait": "true"},
        body=json.dumps({
            "EndpointName": "rest-ep",
            "ProductionVariants": [{"VariantName": "main", "Source": "models/diabetes", "SourceDir": "serving", "InitialInstanceCount": 1}],
            "AuthToken": "hidden-token",
        }),
    )
    assert resp.code == 201 and resp.headers["Location"].endswith("/labstudio/api/endpoints/rest-ep")
    created = _body(resp)
    assert created["EndpointStatus"] == "InService", created
    for key in ("EndpointName", "EndpointStatus", "FailureReason", "EndpointUrl", "ProductionVariants", "CreationTime", "LastModifiedTime", "DataCaptureConfig", "Metrics"):
        assert key in created
    assert created["ProductionVariants"][0]["VariantName"] == "main" and created["AuthType"] == "Bearer"

    listed = _body(await jp_fetch("labstudio", "api", "endpoints"))
    assert [e["EndpointName"] for e in listed["Endpoints"]] == ["rest-ep"]

    # the proxy adds the endpoint's token and passes content types both ways
    resp = await jp_fetch(
        "labstudio", "api", "endpoints", "rest-ep", "invocations", method="POST",
        body=json.dumps({"rows": rows.tolist()}), headers={"Content-Type": "application/json", "Accept": "text/csv"},
    )
    assert resp.code == 200 and resp.headers["Content-Type"] == "text/csv"
    assert [round(float(v), 4) for v in resp.body.decode().split()] == [round(float(v), 4) for v in expected]
    assert resp.headers["X-Labstudio-Invoked-Variant"] == "main"
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-ep", "invocations", method="POST", body="{bad", headers={"Content-Type": "application/json"})
    assert code == 400 and "JSONDecodeError" in err["message"]

    described = _body(await jp_fetch("labstudio", "api", "endpoints", "rest-ep"))
    assert described["EndpointName"] == "rest-ep"
    logs = _body(await jp_fetch("labstudio", "api", "endpoints", "rest-ep", "logs", params={"tail": "50"}))
    assert "InService" in logs["Log"]

    resp = await jp_fetch(
        "labstudio", "api", "endpoints", "rest-ep", method="PATCH", params={"wait": "true"},
        body=json.dumps({"ProductionVariants": [{"VariantName": "main", "InitialVariantWeight": 2}]}),
    )
    assert _body(resp)["ProductionVariants"][0]["CurrentWeight"] == 2

    resp = await jp_fetch("labstudio", "api", "endpoints", "rest-ep", method="DELETE")
    assert resp.code == 204
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "rest-ep")
    assert code == 404 and "does not exist" in err["message"]


async def test_rest_errors_and_openapi(jp_fetch, cleanup) -> None:
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps({"ProductionVariants": [{"VariantName": "a"}]}))
    assert code == 400 and "Source" in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps({"Source": "no-such-thing"}))
    assert code == 404 and "not a training job" in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "nope", "invocations", method="POST", body="[]")
    assert code == 404
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", "nope", method="PATCH", body=json.dumps({"ProductionVariants": [{"VariantName": "a"}]}))
    assert code == 404

    doc = _body(await jp_fetch("labstudio", "api", "openapi.json"))
    for path in ("/labstudio/api/endpoints", "/labstudio/api/endpoints/{name}", "/labstudio/api/endpoints/{name}/invocations", "/labstudio/api/endpoints/{name}/logs"):
        assert path in doc["paths"], path
    assert {"get", "patch", "delete"} <= set(doc["paths"]["/labstudio/api/endpoints/{name}"])
    assert "Endpoint" in doc["components"]["schemas"]


async def test_endpoint_routes_need_authentication(jp_fetch) -> None:
    for method, parts, body in (("GET", ("endpoints",), None), ("POST", ("endpoints", "x", "invocations"), "[]"), ("GET", ("endpoints", "x", "logs"), None)):
        with pytest.raises(HTTPClientError) as err:
            await jp_fetch("labstudio", "api", *parts, method=method, body=body, headers={"Authorization": ""})
        assert err.value.code in (401, 403)


async def test_rest_model_paths_stay_inside_the_jupyter_root(jp_fetch, jp_root_dir: Path, diabetes_model, tmp_path: Path, cleanup) -> None:
    outside = tmp_path / "outside-model"
    shutil.copytree(diabetes_model["dir"], outside)
    write_source(jp_root_dir / "serving", FOUR_HANDLERS)
    for variant, field in (
        ({"VariantName": "main", "Source": str(outside)}, "Source"),
        ({"VariantName": "main", "Source": "../" * 12 + str(outside).lstrip("/")}, "Source"),
        ({"VariantName": "main", "Source": str(outside), "SourceDir": "/etc"}, "Source"),
    ):
        code, err = await _error(
            jp_fetch, "labstudio", "api", "endpoints", method="POST",
            body=json.dumps({"EndpointName": "escape", "ProductionVariants": [variant]}),
        )
        assert code == 400 and err["field"] == field and "Jupyter root" in err["message"], err
    shutil.copytree(diabetes_model["dir"], jp_root_dir / "models" / "inside")
    code, err = await _error(
        jp_fetch, "labstudio", "api", "endpoints", method="POST",
        body=json.dumps({"EndpointName": "escape", "ProductionVariants": [{"VariantName": "main", "Source": "models/inside", "SourceDir": "/etc"}]}),
    )
    assert code == 400 and err["field"] == "SourceDir", err
    listed = _body(await jp_fetch("labstudio", "api", "endpoints"))
    assert listed["Endpoints"] == []
