"""REST through a real Jupyter server (jp_fetch): experiments, runs, compare, CSV, auth."""
from __future__ import annotations

import csv
import io
import json

import pytest
from tornado.httpclient import HTTPClientError


async def _get(jp_fetch, *path, **params):  # type: ignore[no-untyped-def]
    response = await jp_fetch("labstudio", "api", *path, params=params or None)
    return json.loads(response.body)


async def _send(jp_fetch, method, *path, body=None, **params):  # type: ignore[no-untyped-def]
    response = await jp_fetch(
        "labstudio", "api", *path, method=method, body=json.dumps(body) if body is not None else None,
        params=params or None, allow_nonstandard_methods=True,
    )
    return response.code, json.loads(response.body)


async def _error(coro):  # type: ignore[no-untyped-def]
    with pytest.raises(HTTPClientError) as info:
        await coro
    return info.value.code, json.loads(info.value.response.body)


@pytest.fixture
def logged(labstudio_home):  # type: ignore[no-untyped-def]
    from labstudio import Run

    ids = []
    for i in range(4):
        with Run(experiment_name="web exp", run_name=f"w{i}") as run:
            run.log_parameters({"lr": 0.1 / (i + 1), "opt": "adam" if i % 2 else "sgd"})
            run.log_series("train/loss", [float(j % 97) for j in range(3000)])
            run.log_metric("acc", 0.5 + i / 10)
            if i == 0:
                run.log_metric("weird", float("nan"))
        ids.append(run.run_id)
    return ids


async def test_unauthenticated_requests_are_refused(http_server_client, jp_base_url, logged) -> None:  # type: ignore[no-untyped-def]
    base = f"{jp_base_url}labstudio/api"
    for method, path, body in (
        ("GET", "/experiments", None),
        ("POST", "/experiments", b"{}"),
        ("GET", "/experiments/web%20exp", None),
        ("PATCH", "/experiments/web%20exp", b"{}"),
        ("DELETE", "/experiments/web%20exp", None),
        ("GET", "/runs", None),
        ("GET", "/runs/export.csv", None),
        ("POST", "/runs/compare", b"{}"),
        ("GET", f"/runs/{logged[0]}", None),
        ("DELETE", f"/runs/{logged[0]}", None),
        ("GET", f"/runs/{logged[0]}/metrics/acc", None),
    ):
        with pytest.raises(HTTPClientError) as info:
            await http_server_client.fetch(base + path, method=method, body=body, allow_nonstandard_methods=True)
        assert info.value.code in (401, 403), (method, path, info.value.code)


async def test_experiments_endpoints(jp_fetch, logged) -> None:  # type: ignore[no-untyped-def]
    listing = await _get(jp_fetch, "experiments")
    assert [e["name"] for e in listing["experiments"]] == ["web exp"] and listing["experiments"][0]["run_count"] == 4
    code, created = await _send(jp_fetch, "POST", "experiments", body={"name": "fresh", "tags": {"a": "1"}})
    assert code == 201 and created["tags"] == {"a": "1"}
    code, err = await _error(_send(jp_fetch, "POST", "experiments", body={"name": "fresh"}))
    assert code == 409 and err["field"] == "name"
    code, err = await _error(_send(jp_fetch, "POST", "experiments", body={"nme": "typo"}))
    assert code == 400 and err["field"] == "nme"
    code, err = await _error(_send(jp_fetch, "POST", "experiments", body={"name": 3}))
    assert code == 400 and "'name'" in err["message"]
    detail = await _get(jp_fetch, "experiments", "web exp")
    assert detail["metric_names"] == ["acc", "train/loss", "weird"] and detail["param_names"] == ["lr", "opt"]
    code, renamed = await _send(jp_fetch, "PATCH", "experiments", "fresh", body={"name": "fresh2", "description": "d"})
    assert code == 200 and renamed["name"] == "fresh2" and renamed["description"] == "d"
    code, tagged = await _send(jp_fetch, "POST", "experiments", "fresh2", "tags", body={"tags": {"b": "2", "a": None}})
    assert tagged["tags"] == {"b": "2"}
    response = await jp_fetch("labstudio", "api", "experiments", "fresh2", "tags", method="DELETE", params={"key": "b"})
    assert json.loads(response.body)["tags"] == {}
    code, err = await _error(_get(jp_fetch, "experiments", "missing"))
    assert code == 404
    code, deleted = await _send(jp_fetch, "DELETE", "experiments", "fresh2")
    assert deleted["experiment_deleted"] is True
    code, err = await _error(_send(jp_fetch, "DELETE", "experiments", "web exp", skip_running="maybe"))
    assert code == 400 and err["field"] == "skip_running"


async def test_runs_listing_filter_paging_and_errors(jp_fetch, logged) -> None:  # type: ignore[no-untyped-def]
    page = await _get(jp_fetch, "runs", experiment="web exp", filter="params.opt = 'adam' or metrics.acc < 0.55", order_by="metrics.acc desc")
    assert [r["name"] for r in page["runs"]] == ["w3", "w1", "w0"] and page["total"] == 3
    nan_run = next(r for r in page["runs"] if r["name"] == "w0")
    assert nan_run["metrics"]["weird"]["last"] == "NaN"
    first = await _get(jp_fetch, "runs", limit="2", order_by="name")
    second = await _get(jp_fetch, "runs", limit="2", order_by="name", next_token=first["next_token"])
    assert [r["name"] for r in first["runs"] + second["runs"]] == ["w0", "w1", "w2", "w3"] and second["next_token"] is None
    code, err = await _error(_get(jp_fetch, "runs", filter="metrics.acc >> 1"))
    assert code == 400 and err["field"] == "filter" and err["position"] == 13
    code, err = await _error(_get(jp_fetch, "runs", limit="lots"))
    assert code == 400 and err["field"] == "limit"
    code, err = await _error(_get(jp_fetch, "runs", order_by="metrics.acc up"))
    assert code == 400 and err["field"] == "order_by"
    code, err = await _error(_get(jp_fetch, "runs", next_token="nonsense"))
    assert code == 400 and err["field"] == "next_token"
    code, err = await _error(_get(jp_fetch, "runs", experiment="nope"))
    assert code == 404


async def test_run_detail_metric_history_patch_and_delete(jp_fetch, logged) -> None:  # type: ignore[no-untyped-def]
    run_id = logged[0]
    detail = await _get(jp_fetch, "runs", run_id)
    assert detail["metric_names"] == ["acc", "train/loss", "weird"] and detail["params"]["opt"] == "sgd" and detail["artifacts"] == []
    history = await _get(jp_fetch, "runs", run_id, "metrics", "train/loss")
    assert len(history["steps"]) == 3000 and history["downsampled"] is False and len(history["timestamps"]) == 3000
    small = await _get(jp_fetch, "runs", run_id, "metrics", "train/loss", max_points="100")
    assert small["downsampled"] is True and len(small["steps"]) <= 100 and max(small["values"]) == 96.0
    weird = await _get(jp_fetch, "runs", run_id, "metrics", "weird")
    assert weird["values"] == ["NaN"]
    code, err = await _error(_get(jp_fetch, "runs", run_id, "metrics", "nope"))
    assert code == 404 and "train/loss" in err["message"]
    code, err = await _error(_get(jp_fetch, "runs", run_id, "metrics", "acc", max_points="1"))
    assert code == 400 and err["field"] == "max_points"
    code, patched = await _send(jp_fetch, "PATCH", "runs", run_id, body={"name": "renamed", "tags": {"best": "yes"}})
    assert patched["name"] == "renamed" and patched["tags"] == {"best": "yes"}
    code, deleted = await _send(jp_fetch, "DELETE", "runs", run_id)
    assert deleted["deleted_runs"] == 1
    code, err = await _error(_get(jp_fetch, "runs", run_id))
    assert code == 404


async def test_compare_and_csv(jp_fetch, logged) -> None:  # type: ignore[no-untyped-def]
    code, result = await _send(jp_fetch, "POST", "runs", "compare", body={"runs": logged, "metrics": ["train/loss"], "max_points": 120})
    assert code == 200 and len(result["series"]) == 4
    for s in result["series"]:
        assert len(s["steps"]) <= 120 and s["downsampled"] and max(s["values"]) == 96.0 and min(s["values"]) == 0.0
    code, err = await _error(_send(jp_fetch, "POST", "runs", "compare", body={"runs": "x"}))
    assert code == 400 and err["field"] == "runs"
    code, err = await _error(_send(jp_fetch, "POST", "runs", "compare", body={"runs": logged, "max_points": 0}))
    assert code == 400 and err["field"] == "max_points"
    code, err = await _error(_send(jp_fetch, "POST", "runs", "compare", body={"runs": logged, "colour": "red"}))
    assert code == 400 and err["field"] == "colour"
    for path, params in ((("runs",), {"format": "csv"}), (("runs", "export.csv"), {})):
        response = await jp_fetch("labstudio", "api", *path, params={"experiment": "web exp", "order_by": "name", **params})
        assert response.headers["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.body.decode())))
        assert [r["name"] for r in rows] == ["w0", "w1", "w2", "w3"] and rows[0]["metrics.weird"] == "NaN"


async def test_openapi_lists_tracking_routes(jp_fetch) -> None:  # type: ignore[no-untyped-def]
    doc = await _get(jp_fetch, "openapi.json")
    for path in ("/labstudio/api/experiments", "/labstudio/api/experiments/{name}", "/labstudio/api/experiments/{name}/tags",
                 "/labstudio/api/runs", "/labstudio/api/runs/export.csv", "/labstudio/api/runs/compare",
                 "/labstudio/api/runs/{run_id}", "/labstudio/api/runs/{run_id}/metrics/{name}"):
        assert path in doc["paths"], path
    for schema in ("Experiment", "Run", "RunDetail", "RunPage", "CompareRequest", "CompareResult", "MetricSeries"):
        assert schema in doc["components"]["schemas"]
