"""The registry and lineage REST API through a real Jupyter server with authentication on: what
a panel reads (groups with their latest approved version and pending count, versions with their
metrics, the history, the lineage graph), approve/reject, deploy by package ARN, reproduce, and
every bad input answered 4xx with the field named."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from httpjson import body as _body
from httpjson import error as _error
from registry_helpers import train, write_statistics

API = ("labstudio", "api")


@pytest.fixture
def job(core, jp_root_dir: Path) -> str:
    return train(core, jp_root_dir / "project", name="fit-rest")


async def _register(jp_fetch, body: dict) -> dict:
    resp = await jp_fetch(*API, "model-packages", method="POST", body=json.dumps(body))
    assert resp.code == 201
    return _body(resp)


async def test_groups_versions_history_and_approval(jp_fetch, job: str, jp_root_dir: Path) -> None:
    write_statistics(jp_root_dir / "eval.json", 0.9)
    metrics = {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": "eval.json"}}}
    first = await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "CreateGroup": True, "ModelMetrics": metrics})
    assert first["ModelPackageArn"].endswith(":model-package/churn/1")
    assert first["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] == str(jp_root_dir / "eval.json")
    await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "ModelApprovalStatus": "Approved"})
    await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job})

    groups = _body(await jp_fetch(*API, "model-package-groups"))["ModelPackageGroupSummaryList"]
    assert [(g["ModelPackageGroupName"], g["LatestApprovedVersion"], g["PendingApprovalCount"], g["VersionCount"]) for g in groups] == [
        ("churn", 2, 2, 3)
    ]
    versions = _body(await jp_fetch(*API, "model-packages", params={"group": "churn"}))["ModelPackageSummaryList"]
    assert [v["ModelPackageVersion"] for v in versions] == [3, 2, 1]
    assert versions[2]["MetricValues"] == {"accuracy": 0.9, "f1": pytest.approx(0.85)}
    pending = _body(await jp_fetch(*API, "model-packages", params={"group": "churn", "approval_status": "PendingManualApproval"}))
    assert [v["ModelPackageVersion"] for v in pending["ModelPackageSummaryList"]] == [3, 1]
    page = _body(await jp_fetch(*API, "model-packages", params={"group": "churn", "max_results": "2"}))
    rest = _body(await jp_fetch(*API, "model-packages", params={"group": "churn", "max_results": "2", "next_token": page["NextToken"]}))
    assert [v["ModelPackageVersion"] for v in page["ModelPackageSummaryList"] + rest["ModelPackageSummaryList"]] == [3, 2, 1]

    approved = _body(await jp_fetch(*API, "model-packages", "churn", "3", "approve", method="POST",
                                    body=json.dumps({"ApprovalDescription": "ship it"})))
    assert approved["ModelApprovalStatus"] == "Approved" and approved["ApprovalDescription"] == "ship it"
    rejected = _body(await jp_fetch(*API, "model-packages", "churn", "1", "reject", method="POST", body=json.dumps({})))
    assert rejected["ModelApprovalStatus"] == "Rejected"
    patched = _body(await jp_fetch(*API, "model-packages", "churn", "1", method="PATCH",
                                   body=json.dumps({"CustomerMetadataProperties": {"owner": "ana"}})))
    assert patched["CustomerMetadataProperties"] == {"owner": "ana"}
    group = _body(await jp_fetch(*API, "model-package-groups", "churn"))
    assert (group["LatestApprovedVersion"], group["PendingApprovalCount"]) == (3, 0)

    history = _body(await jp_fetch(*API, "model-packages", "churn", "3", "activity"))["Activity"]
    assert [(h["Action"], h["ToStatus"], h["Comment"]) for h in history] == [
        ("ApprovalChanged", "Approved", "ship it"), ("Registered", "PendingManualApproval", None)]
    assert history[0]["Actor"]  # the Jupyter user
    whole = _body(await jp_fetch(*API, "model-package-groups", "churn", "activity"))["Activity"]
    assert whole[-1]["Action"] == "GroupCreated" and len(whole) == 7
    docs = _body(await jp_fetch(*API, "model-packages", "churn", "1", "metrics"))["Documents"]
    assert docs["ModelQuality"]["Statistics"]["Document"]["binary_classification_metrics"]["accuracy"]["value"] == 0.9


async def test_lineage_graph_from_a_package_and_from_a_job(jp_fetch, job: str) -> None:
    await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "CreateGroup": True})
    graph = _body(await jp_fetch(*API, "lineage", params={"start": "churn/1"}))
    types = {n["type"]: n for n in graph["nodes"]}
    assert {"ModelPackage", "Model", "TrainingJob", "DataSet", "Code", "ModelGroup"} <= set(types)
    assert types["TrainingJob"]["resource"] == {"kind": "training-job", "name": job}
    assert types["ModelPackage"]["resource"] == {"kind": "model-package", "name": "churn/1"}
    assert types["DataSet"]["properties"]["fingerprint"].startswith("sha256:")
    arns = {n["arn"]: n["type"] for n in graph["nodes"]}
    assert {(arns[e["source"]], e["type"], arns[e["destination"]]) for e in graph["edges"]} >= {
        ("DataSet", "ContributedTo", "TrainingJob"), ("TrainingJob", "Produced", "Model"), ("Model", "ContributedTo", "ModelPackage"),
        ("ModelPackage", "AssociatedWith", "ModelGroup"),
    }
    down = _body(await jp_fetch(*API, "lineage", params={"start": job, "direction": "down"}))
    assert down["direction"] == "Descendants" and {n["type"] for n in down["nodes"]} >= {"Model", "ModelPackage", "Experiment"}
    data_uri = types["DataSet"]["source_uri"]  # the input data set is upstream of the job, not downstream
    assert data_uri.endswith("/project/data") and data_uri not in {n["source_uri"] for n in down["nodes"]}
    code, err = await _error(jp_fetch, *API, "lineage", params={"start": "nothing-here"})
    assert code == 404 and err["field"] == "start"
    code, err = await _error(jp_fetch, *API, "lineage", params={"start": job, "direction": "sideways"})
    assert code == 400 and err["field"] == "direction"
    code, err = await _error(jp_fetch, *API, "lineage")
    assert code == 400 and err["field"] == "start"


async def test_deploy_a_package_by_its_arn_and_follow_the_trail_from_the_endpoint(jp_fetch, job: str) -> None:
    package = await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "CreateGroup": True,
                                         "ModelApprovalStatus": "Approved"})
    resp = await jp_fetch(*API, "endpoints", method="POST", params={"wait": "true"},
                          body=json.dumps({"EndpointName": "churn-live", "Source": package["ModelPackageArn"]}))
    described = _body(resp)
    try:
        assert described["EndpointStatus"] == "InService", described.get("FailureReason")
        assert "model package churn/1" in described["ProductionVariants"][0]["ModelData"]
        answer = await jp_fetch(*API, "endpoints", "churn-live", "invocations", method="POST", body="5,1\n15,2",
                                headers={"Content-Type": "text/csv", "Accept": "application/json"})
        assert json.loads(answer.body) == [0, 1]
        graph = _body(await jp_fetch(*API, "lineage", params={"start": "churn-live", "direction": "up"}))
        assert {"Endpoint", "ModelDeployment", "ModelPackage", "Model", "TrainingJob", "DataSet"} <= {n["type"] for n in graph["nodes"]}
        endpoint = next(n for n in graph["nodes"] if n["type"] == "Endpoint")
        assert endpoint["resource"] == {"kind": "endpoint", "name": "churn-live"} and endpoint["depth"] == 0
    finally:
        await jp_fetch(*API, "endpoints", "churn-live", method="DELETE")


async def test_bad_input_gets_4xx_naming_the_field(jp_fetch, job: str, jp_root_dir: Path, tmp_path: Path) -> None:
    await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "CreateGroup": True})
    outside = tmp_path / "elsewhere.json"
    write_statistics(outside, 0.5)
    cases = [
        ({"ModelPackageGroupName": "nosuch", "TrainingJobName": job}, 404, "ModelPackageGroupName"),
        ({"ModelPackageGroupName": "churn", "TrainingJobName": job, "ModelApprovalStatus": "Fine"}, 400, "ModelApprovalStatus"),
        ({"ModelPackageGroupName": "churn", "TrainingJobName": job,
          "ModelMetrics": {"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": str(outside)}}}},
         400, "ModelMetrics.ModelQuality.Statistics.S3Uri"),
        ({"ModelPackageGroupName": "churn", "InferenceSpecification": {"Containers": [{"ModelDataUrl": "../../etc/passwd"}]}},
         400, "InferenceSpecification.Containers[0].ModelDataUrl"),
        ({"ModelPackageGroupName": "churn", "InferenceSpecification": {"Containers": [{"ModelDataUrl": "missing.tar.gz"}]}},
         400, "InferenceSpecification.Containers[0].ModelDataUrl"),
        ({"ModelPackageGroupName": "churn", "TrainingJobName": "no-such-job"}, 404, "TrainingJobName"),
        ({"ModelPackageGroupName": "churn", "Bogus": 1}, 400, "Bogus"),
    ]
    for body, status, field in cases:
        code, err = await _error(jp_fetch, *API, "model-packages", method="POST", body=json.dumps(body))
        assert (code, err.get("field")) == (status, field), (body, err)
    for version, status in (("0", 400), ("x", 400), ("99999999999", 400), ("7", 404)):
        code, err = await _error(jp_fetch, *API, "model-packages", "churn", version)
        assert code == status, (version, err)
    code, err = await _error(jp_fetch, *API, "model-packages", "churn", "7")
    assert "versions are 1 to 1" in err["message"]
    code, err = await _error(jp_fetch, *API, "model-packages", "churn", "1", method="PATCH", body=json.dumps({"ModelApprovalStatus": "Yes"}))
    assert code == 400 and err["field"] == "ModelApprovalStatus"
    code, err = await _error(jp_fetch, *API, "model-packages", params={"group": "churn", "approval_status": "Yes"})
    assert code == 400 and err["field"] == "approval_status"
    code, err = await _error(jp_fetch, *API, "model-packages", params={"group": "nope"})
    assert code == 404
    code, err = await _error(jp_fetch, *API, "model-package-groups", "churn", method="DELETE")
    assert code == 409 and "holds 1" in err["message"]
    code, err = await _error(jp_fetch, *API, "model-package-groups", method="POST", body=json.dumps({"ModelPackageGroupName": "churn"}))
    assert code == 409
    # nothing was half-created by the refused requests
    assert _body(await jp_fetch(*API, "model-package-groups", "churn"))["VersionCount"] == 1
    resp = await jp_fetch(*API, "model-package-groups", "churn", method="DELETE", params={"force": "true"})
    assert resp.code == 204
    code, _ = await _error(jp_fetch, *API, "model-package-groups", quote("churn"))
    assert code == 404


async def test_reproduce_over_rest_names_the_changed_input(jp_fetch, job: str, jp_root_dir: Path, core) -> None:
    await _register(jp_fetch, {"ModelPackageGroupName": "churn", "TrainingJobName": job, "CreateGroup": True})
    data = jp_root_dir / "project" / "data" / "train.csv"
    original = data.read_text()
    data.write_text(original + "0,2,2\n")
    code, err = await _error(jp_fetch, *API, "model-packages", "churn", "1", "reproduce", method="POST", body=json.dumps({}))
    assert code == 409 and "input 'train'" in err["message"] and err["field"] == "Inputs"
    data.write_text(original)
    resp = await jp_fetch(*API, "model-packages", "churn", "1", "reproduce", method="POST", body=json.dumps({"TrainingJobName": "again"}))
    started = _body(resp)
    assert resp.code == 202 and started["TrainingJobName"] == "again" and started["Inputs"][0]["Status"] == "Unchanged"
    core.jobs.wait("again", timeout=180)
