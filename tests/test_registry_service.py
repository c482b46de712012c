"""The registry service with real training jobs: registering versions, approval and its history,
metrics documents, deleting, reproducing from recorded inputs, and every bad input refused with
the field named and nothing half-created."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from labstudio.errors import Conflict, Invalid, NameTaken, NotFound
from labstudio.store import events as events_store
from labstudio.store import lineage as lineage_store
from registry_helpers import train, write_project, write_statistics


@pytest.fixture
def job(core, tmp_path: Path) -> str:
    return train(core, tmp_path / "project", name="fit-1")


def _code_archives(home: Path) -> list[Path]:
    return sorted((home / "artifacts" / "registry").rglob("sourcedir.tar.gz")) if (home / "artifacts" / "registry").exists() else []


def test_register_versions_from_a_job_and_describe_them(core, job: str, tmp_path: Path) -> None:
    stats = write_statistics(tmp_path / "evaluation.json", 0.95)
    first = core.registry.register_job(job, "churn", model_metrics={"ModelQuality": {"Statistics": {"ContentType": "application/json", "S3Uri": str(stats)}}},
                                       content_types=["text/csv"], response_types=["application/json"], customer_metadata={"team": "risk"},
                                       description="first try")
    second = core.registry.register_job(job, "churn", approval_status="Approved")
    assert (first["ModelPackageVersion"], second["ModelPackageVersion"]) == (1, 2)
    assert first["ModelPackageArn"] == "arn:aws:sagemaker:local:000000000000:model-package/churn/1"
    assert first["ModelPackageName"] == "churn" and first["ModelApprovalStatus"] == "PendingManualApproval"
    container = first["InferenceSpecification"]["Containers"][0]
    assert container["ModelDataUrl"] == core.jobs.get(job).model_artifact
    assert container["Environment"]["SAGEMAKER_PROGRAM"] == "train.py"
    assert container["Environment"]["SAGEMAKER_SUBMIT_DIRECTORY"].endswith("/sourcedir.tar.gz")
    assert first["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]
    assert first["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"] == str(stats)
    assert first["MetricValues"] == {"accuracy": 0.95, "f1": pytest.approx(0.90)}
    assert first["TrainingJobName"] == job and first["CustomerMetadataProperties"] == {"team": "risk"}
    assert [m["MetricName"] for m in first["FinalMetricDataList"]] == ["accuracy"]
    assert first["CreatedBy"]["UserProfileName"]

    group = core.registry.describe_group("churn")
    assert (group["VersionCount"], group["LatestVersion"], group["LatestApprovedVersion"], group["PendingApprovalCount"]) == (2, 2, 2, 1)
    listed = core.registry.list_packages(group="churn")["ModelPackageSummaryList"]
    assert [p["ModelPackageVersion"] for p in listed] == [2, 1]
    assert listed[1]["MetricValues"]["accuracy"] == 0.95
    documents = core.registry.metrics_documents("churn/1")["Documents"]
    assert documents["ModelQuality"]["Statistics"]["Document"]["binary_classification_metrics"]["accuracy"]["value"] == 0.95

    # the package keeps its own copy of the code: the job's folder can go
    shutil.rmtree(core.jobs.layout(job).job_dir)
    code = core.registry.code_dir("churn/1")
    assert code is not None and (code / "train.py").is_file()


def test_approval_history_and_events(core, job: str) -> None:
    core.registry.register_job(job, "churn")
    core.registry.set_approval("churn/1", "Approved", "passed review", actor="ana")
    core.registry.set_approval("churn/1", "Rejected", "drift found", actor="bob")
    described = core.registry.update_package("churn/1", {"CustomerMetadataProperties": {"ticket": "42"}}, actor="bob")
    assert described["ModelApprovalStatus"] == "Rejected" and described["ApprovalDescription"] == "drift found"
    assert described["LastModifiedBy"]["UserProfileName"] == "bob"
    history = core.registry.activity("churn", 1)["Activity"]
    assert [(h["Action"], h["Actor"], h["FromStatus"], h["ToStatus"], h["Comment"]) for h in history[:3]] == [
        ("MetadataChanged", "bob", None, None, None),
        ("ApprovalChanged", "bob", "Approved", "Rejected", "drift found"),
        ("ApprovalChanged", "ana", "PendingManualApproval", "Approved", "passed review"),
    ]
    assert history[-1]["Action"] == "Registered"
    with core.db.read() as conn:
        kinds = [(e["kind"], e["payload"].get("approval_status")) for e in events_store.tail(conn, 0)]
    assert ("model_package.status", "Approved") in kinds and ("model_package.status", "Rejected") in kinds
    # each decision is an Approval action hanging off the package in the lineage
    with core.db.read() as conn:
        actions = lineage_store.list_entities(conn, entity="Action", type_="Approval")
    assert sorted(a.properties["to"] for a in actions) == ["Approved", "Rejected"]
    assert {a.properties["by"] for a in actions} == {"ana", "bob"}


def test_bad_input_is_refused_naming_the_field_and_nothing_is_left(core, job: str, tmp_path: Path, labstudio_home: Path) -> None:
    core.registry.register_job(job, "churn")
    archives_before = _code_archives(labstudio_home)

    with pytest.raises(NotFound) as err:
        core.registry.create_package({"ModelPackageGroupName": "nosuch", "TrainingJobName": job})
    assert err.value.field == "ModelPackageGroupName" and "nosuch" in err.value.message
    with pytest.raises(NotFound) as err:
        core.registry.describe_package("churn/7")
    assert "versions are 1 to 1" in err.value.message
    for ref in ("churn/0", "churn/-1", "churn/x", "churn", "arn:aws:sagemaker:local:000000000000:endpoint/x"):
        with pytest.raises(Invalid):
            core.registry.describe_package(ref)
    with pytest.raises(Invalid) as err:
        core.registry.set_approval("churn/1", "Maybe")
    assert err.value.field == "ModelApprovalStatus" and "PendingManualApproval" in err.value.message
    with pytest.raises(Invalid) as err:
        core.registry.create_package({"ModelPackageGroupName": "churn",
                                      "InferenceSpecification": {"Containers": [{"ModelDataUrl": str(tmp_path / "missing.tar.gz")}]}})
    assert err.value.field == "InferenceSpecification.Containers[0].ModelDataUrl" and "does not exist" in err.value.message
    root = tmp_path / "jupyter-root"
    root.mkdir()
    outside = tmp_path / "outside.tar.gz"
    outside.write_bytes(b"x")
    with pytest.raises(Invalid) as err:
        core.registry.create_package({"ModelPackageGroupName": "churn", "InferenceSpecification": {"Containers": [{"ModelDataUrl": "../outside.tar.gz"}]}},
                                     base_dir=root, root_dir=root)
    assert err.value.field == "InferenceSpecification.Containers[0].ModelDataUrl" and "Jupyter root" in err.value.message
    with pytest.raises(Invalid) as err:
        core.registry.register_job(job, "churn", model_metrics={"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                                                                "S3Uri": str(tmp_path / "nope.json")}}})
    assert err.value.field == "ModelMetrics.ModelQuality.Statistics.S3Uri"
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(Invalid) as err:
        core.registry.register_job(job, "churn", model_metrics={"ModelQuality": {"Statistics": {"ContentType": "application/json",
                                                                                                "S3Uri": str(tmp_path / "broken.json")}}})
    assert "not valid JSON" in err.value.message
    with pytest.raises(Invalid) as err:
        core.registry.register_job(job, "churn", entry_point="serve.py")
    assert "SAGEMAKER_PROGRAM" in (err.value.field or "") and "serve.py" in err.value.message
    with pytest.raises(NotFound) as err:
        core.registry.register_job("no-such-job", "churn")
    assert err.value.field == "TrainingJobName"
    with pytest.raises(Invalid) as err:
        core.registry.create_package({"ModelPackageGroupName": "churn", "ModelApprovalStatus": "Yes", "TrainingJobName": job})
    assert err.value.field == "ModelApprovalStatus"
    with pytest.raises(Invalid) as err:
        core.registry.create_package({"ModelPackageGroupName": "churn"})
    assert err.value.field == "InferenceSpecification"
    with pytest.raises(NameTaken):
        core.registry.create_group("churn")
    with pytest.raises(Invalid) as err:
        core.registry.create_group("bad_name!")
    assert err.value.field == "ModelPackageGroupName"

    assert [p["ModelPackageVersion"] for p in core.registry.list_packages(group="churn")["ModelPackageSummaryList"]] == [1]
    assert core.registry.describe_group("churn")["VersionCount"] == 1
    assert _code_archives(labstudio_home) == archives_before  # no code copy left behind by a refused registration


def test_a_failed_job_cannot_be_registered(core, tmp_path: Path) -> None:
    code, _ = write_project(tmp_path / "p")
    (code / "crash.py").write_text("raise SystemExit(3)\n")
    name = core.jobs.submit({"entry_point": "crash.py", "source_dir": str(code)})["TrainingJobName"]
    assert core.jobs.wait(name, timeout=120)["TrainingJobStatus"] == "Failed"
    with pytest.raises(Invalid) as err:
        core.registry.register_job(name, "churn")
    assert err.value.field == "TrainingJobName" and "Failed" in err.value.message
    with pytest.raises(NotFound):
        core.registry.describe_group("churn")  # the group was not created either


def test_delete_group_refused_while_it_holds_packages_unless_forced(core, job: str, labstudio_home: Path) -> None:
    core.registry.register_job(job, "churn")
    assert len(_code_archives(labstudio_home)) == 1
    with pytest.raises(Conflict) as err:
        core.registry.delete_group("churn")
    assert "holds 1 model package" in err.value.message
    core.registry.delete_group("churn", force=True)
    with pytest.raises(NotFound):
        core.registry.describe_group("churn")
    assert _code_archives(labstudio_home) == []
    core.registry.create_group("empty", "nothing yet")
    core.registry.delete_group("empty")
    assert core.registry.list_groups()["ModelPackageGroupSummaryList"] == []


def test_a_registered_models_archive_survives_deleting_its_run(core, job: str) -> None:
    core.registry.register_job(job, "churn")
    archive = Path(core.jobs.get(job).model_artifact)
    core.experiments.delete_experiment("Default")
    assert archive.is_file()


def test_reproduce_refuses_changed_inputs_then_retrains_and_links(core, tmp_path: Path) -> None:
    project = tmp_path / "project"
    job = train(core, project, name="fit-repro")
    core.registry.register_job(job, "churn", content_types=["text/csv"])
    data = project / "data" / "train.csv"
    original = data.read_text()
    data.write_text(original + "1,30,0\n")
    with pytest.raises(Conflict) as err:
        core.registry.reproduce("churn/1")
    assert "input 'train'" in err.value.message and "changed" in err.value.message and str(project / "data") in err.value.message
    assert core.jobs.list()["TrainingJobSummaries"][0]["TrainingJobName"] == job  # nothing was submitted

    data.write_text(original)
    started = core.registry.reproduce("churn/1")
    assert [(i["Name"], i["Status"]) for i in started["Inputs"]] == [("train", "Unchanged")]
    assert started["SourceTrainingJobName"] == job and started["TrainingJobName"].startswith("fit-repro-repro-")
    final = core.jobs.wait(started["TrainingJobName"], timeout=180)
    assert final["TrainingJobStatus"] == "Completed" and final["HyperParameters"]["C"] == "0.5"
    new = core.registry.register_job(started["TrainingJobName"], "churn")
    assert new["ModelPackageVersion"] == 2
    assert new["DerivedFromModelPackageArn"] == started["ReproducesModelPackageArn"]
    assert new["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]  # inherited from the reproduced version
    graph = core.lineage.graph("churn/1", direction="Descendants")
    assert any(e["type"] == "DerivedFrom" for e in graph["edges"])
    assert any(n["resource"] == {"kind": "model-package", "name": "churn/2"} for n in graph["nodes"])

    data.write_text(original + "0,1,1\n")
    forced = core.registry.reproduce("churn/2", allow_changed=True, job_name="forced-run")
    assert forced["TrainingJobName"] == "forced-run" and forced["Inputs"][0]["Status"] == "Changed"
    core.jobs.wait("forced-run", timeout=180)
    shutil.rmtree(project / "data")
    with pytest.raises(Conflict) as err:
        core.registry.reproduce("churn/1", allow_changed=True)  # a missing input cannot be allowed: there is nothing to read
    assert "is gone" in err.value.message and "Restore it" in err.value.message


def test_register_an_archive_with_its_own_inference_code(core, job: str, tmp_path: Path) -> None:
    serve = tmp_path / "serve"
    serve.mkdir()
    (serve / "inference.py").write_text("def model_fn(d):\n    return d\n")
    archive = core.jobs.get(job).model_artifact
    arn = core.registry.create_package({
        "ModelPackageGroupName": "served", "CreateGroup": True,
        "InferenceSpecification": {"Containers": [{"Image": "my-image:1", "ModelDataUrl": archive,
                                                   "Environment": {"SAGEMAKER_PROGRAM": "inference.py", "SAGEMAKER_SUBMIT_DIRECTORY": str(serve),
                                                                   "MY_SETTING": "1"}}],
                                   "SupportedContentTypes": ["text/csv"], "SupportedResponseMIMETypes": ["text/csv"]},
        "Domain": "MACHINE_LEARNING",
    })["ModelPackageArn"]
    described = core.registry.describe_package(arn)
    container = described["InferenceSpecification"]["Containers"][0]
    assert container["Image"] == "my-image:1" and container["Environment"]["MY_SETTING"] == "1"
    assert described["Domain"] == "MACHINE_LEARNING"
    assert described["TrainingJobName"] == job  # found from the archive
    (serve / "inference.py").write_text("changed later\n")
    assert (core.registry.code_dir(arn) / "inference.py").read_text().startswith("def model_fn")  # type: ignore[operator]
