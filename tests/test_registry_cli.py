"""`labstudio models ...`, `labstudio lineage ...` and `labstudio deploy GROUP/VERSION` run as a
user runs them: real processes on a real store, one line and exit 2 for a reference that names
nothing or a bad option value."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from registry_helpers import train, write_statistics


@pytest.fixture
def job(core, tmp_path: Path) -> str:
    return train(core, tmp_path / "project", name="fit-cli")


def test_register_list_approve_history_and_delete(job: str, tmp_path: Path) -> None:
    run = cli_runner(tmp_path)
    write_statistics(tmp_path / "eval.json", 0.92)
    out = run("models", "register", job, "--group", "churn", "--metrics", "eval.json", "--content-type", "text/csv",
              "--metadata", "team=risk", "--description", "baseline")
    assert out.stdout.strip() == "arn:aws:sagemaker:local:000000000000:model-package/churn/1"
    assert "churn/1 registered from fit-cli: PendingManualApproval" in out.stderr
    run("models", "register", job, "--group", "churn", "--approval", "approved")

    groups = run("models", "groups").stdout.splitlines()
    assert groups[0].split() == ["GROUP", "VERSIONS", "LATEST", "APPROVED", "PENDING", "CREATED", "DESCRIPTION"]
    assert groups[1].split()[:5] == ["churn", "2", "2", "2", "1"]
    listed = run("models", "list", "churn").stdout
    assert "accuracy=0.92" in listed and "fit-cli" in listed
    described = json.loads(run("models", "describe", "churn/1", "--json").stdout)
    assert described["ModelPackageDescription"] == "baseline" and described["CustomerMetadataProperties"] == {"team": "risk"}
    assert described["InferenceSpecification"]["SupportedContentTypes"] == ["text/csv"]
    text = run("models", "describe", "arn:aws:sagemaker:local:000000000000:model-package/churn/1").stdout
    assert "Training:    fit-cli" in text and "metric accuracy = 0.92" in text

    assert run("models", "approve", "churn/1", "--comment", "reviewed").stdout.strip() == "churn/1 Approved"
    assert run("models", "reject", "churn/2", "-m", "worse").stdout.strip() == "churn/2 Rejected"
    history = run("models", "history", "churn/1").stdout
    assert "PendingManualApproval -> Approved" in history and "reviewed" in history
    whole = json.loads(run("models", "history", "churn", "--json").stdout)
    assert [e["Action"] for e in whole][-1] == "GroupCreated" and len(whole) == 5

    refused = run("models", "delete", "churn", check=False)
    assert refused.returncode == 1 and "holds 2 model package(s)" in refused.stderr
    assert run("models", "delete", "churn/2").stdout.strip() == "Deleted model package churn/2"
    assert run("models", "delete", "churn", "--force").stdout.strip() == "Deleted model package group churn"
    assert "No model package groups" in run("models", "groups").stdout


def test_bad_references_and_values_exit_2_with_one_line(job: str, tmp_path: Path) -> None:
    run = cli_runner(tmp_path)
    run("models", "register", job, "--group", "churn")
    for args, words in [
        (("models", "describe", "churn/9"), "versions are 1 to 1"),
        (("models", "describe", "churn/0"), "whole number from 1"),
        (("models", "describe", "nope/1"), "group 'nope' does not exist"),
        (("models", "list", "nope"), "does not exist"),
        (("models", "approve", "churn/x"), "whole number from 1"),
        (("models", "register", job, "--group", "churn", "--approval", "maybe"), "--approval must be one of"),
        (("models", "register", "no-such-job", "--group", "churn"), "no-such-job"),
        (("models", "register", job, "--group", "churn", "--metrics", "missing.json"), "ModelMetrics.ModelQuality.Statistics.S3Uri"),
        (("models", "register", job, "--group", "bad_name"), "ModelPackageGroupName"),
        (("lineage", "nothing-recorded"), "No lineage is recorded"),
        (("lineage", job, "--depth", "40"), "max_depth"),
    ]:
        result = run(*args, check=False)
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0] and "Traceback" not in result.stderr, (args, result.stderr)
    assert [p["ModelPackageVersion"] for p in json.loads(run("models", "list", "churn", "--json").stdout)] == [1]  # nothing half-made


def test_deploy_a_version_and_read_its_lineage(job: str, tmp_path: Path) -> None:
    run = cli_runner(tmp_path)
    run("models", "register", job, "--group", "churn", "--approval", "Approved")
    deployed = run("deploy", "churn/1", "--name", "churn-cli")
    try:
        assert deployed.stdout.startswith("churn-cli http://127.0.0.1:")
        answer = run("endpoints", "invoke", "churn-cli", "--content-type", "text/csv", "--accept", "application/json", "--body", "3,0")
        assert json.loads(answer.stdout) == [0]
        up = run("lineage", "churn-cli", "--up").stdout
        assert "ModelDeployment" in up and "ModelPackage" in up and "TrainingJob" in up and "DataSet" in up
        graph = json.loads(run("lineage", job, "--down", "--json").stdout)
        assert {"Model", "ModelPackage", "ModelDeployment", "Endpoint"} <= {n["type"] for n in graph["nodes"]}
    finally:
        run("endpoints", "delete", "churn-cli", check=False)


def test_reproduce_retrains_and_registers_the_derived_version(job: str, tmp_path: Path) -> None:
    run = cli_runner(tmp_path)
    run("models", "register", job, "--group", "churn", "--content-type", "text/csv")
    data = tmp_path / "project" / "data" / "train.csv"
    original = data.read_text()
    data.write_text(original + "1,40,1\n")
    refused = run("models", "reproduce", "churn/1", check=False)
    assert refused.returncode == 1 and "input 'train'" in refused.stderr and "--allow-changed" in refused.stderr
    data.write_text(original)
    done = run("models", "reproduce", "churn/1", "--name", "fit-cli-again")
    assert "input train:" in done.stderr and "unchanged" in done.stderr
    assert done.stdout.splitlines()[0] == "fit-cli-again"
    assert done.stdout.splitlines()[-1] == "arn:aws:sagemaker:local:000000000000:model-package/churn/2"
    described = json.loads(run("models", "describe", "churn/2", "--json").stdout)
    assert described["DerivedFromModelPackageArn"].endswith("model-package/churn/1")
    assert described["TrainingJobName"] == "fit-cli-again"
