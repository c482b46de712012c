"""`labstudio automl ...` as a user runs it: a real process per command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from automl_helpers import classification_csv
from cli_helpers import cli_runner

pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
def test_automl_commands(tmp_path: Path, labstudio_home: Path) -> None:
    classification_csv(tmp_path / "customers.csv")
    run = cli_runner(tmp_path)

    bad = run("automl", "create", "customers.csv", "--target", "churn", check=False)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "'churn' is not a column" in bad.stderr
    assert run("automl", "list").stdout.strip() == "(no AutoML jobs)"

    created = run("automl", "create", "customers.csv", "--target", "label", "--name", "cli-job", "--max-candidates", "2",
                  "--mode", "HYPERPARAMETER_TUNING", "--objective", "BalancedAccuracy", "--wait")
    assert "HistGradientBoosting" in created.stdout and "RandomForest" in created.stdout  # a line per finished candidate
    last = created.stdout.strip().splitlines()[-1]
    assert last.startswith("AutoML job cli-job: Completed (MaxCandidatesReached); best cli-job-0") and "BalancedAccuracy" in last

    described = run("automl", "describe", "cli-job").stdout
    assert "Problem:      BinaryClassification   objective BalancedAccuracy   mode HYPERPARAMETER_TUNING" in described
    assert "Feature importance (permutation, held-out split):" in described and "x1" in described
    board = run("automl", "candidates", "cli-job").stdout.splitlines()
    assert board[0].split() == ["RANK", "CANDIDATE", "ALGORITHM", "STATUS", "OBJECTIVE", "TRAINING", "TIME"]
    assert [row.split()[2] for row in board[1:]] in (["HistGradientBoosting", "RandomForest"], ["RandomForest", "HistGradientBoosting"])
    best = json.loads(run("automl", "best", "cli-job", "--json").stdout)
    assert best["CandidateName"] == board[1].split()[1] and best["CandidateStatus"] == "Completed"
    notebooks = run("automl", "notebooks", "cli-job").stdout.split()
    assert [Path(p).name for p in notebooks] == ["SageMakerAutopilotDataExplorationNotebook.ipynb",
                                                 "SageMakerAutopilotCandidateDefinitionNotebook.ipynb"]
    assert all(json.loads(Path(p).read_text())["nbformat"] == 4 for p in notebooks)

    refused = run("automl", "deploy", "cli-job", "--keys", "predicted_label,shap", check=False)
    assert refused.returncode == 2 and "shap" in refused.stderr
    deployed = run("automl", "deploy", "cli-job", "--endpoint-name", "cli-job-ep", "--keys", "predicted_label,probability")
    assert deployed.stdout.strip() == "Endpoint cli-job-ep: InService"
    stop = run("automl", "stop", "cli-job", check=False)
    assert stop.returncode == 1 and "already Completed" in stop.stderr
    missing = run("automl", "describe", "nope", check=False)
    assert missing.returncode == 1 and "'nope' does not exist" in missing.stderr


@pytest.mark.timeout(600)
def test_automl_magic(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from IPython.core.error import UsageError
    from IPython.core.interactiveshell import InteractiveShell

    classification_csv(tmp_path / "customers.csv")
    monkeypatch.chdir(tmp_path)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "labstudio")
    with pytest.raises(UsageError, match=r"^%automl: TargetAttributeName 'churn' is not a column"):
        shell.run_line_magic("automl", "create customers.csv --target churn")
    automl = shell.run_line_magic("automl", "create customers.csv --target label --name magic-job --max-candidates 1 "
                                            "--mode HYPERPARAMETER_TUNING --wait")
    assert "AutoML job magic-job: Completed (MaxCandidatesReached); best magic-job-001" in capsys.readouterr().out
    assert automl.current_job_name == "magic-job" and automl.best_candidate()["Algorithm"] == "HistGradientBoosting"
    board = shell.run_line_magic("automl", "candidates magic-job")
    assert list(board.columns) == ["RANK", "CANDIDATE", "ALGORITHM", "STATUS", "OBJECTIVE", "TRAINING TIME"]
    assert board.iloc[0]["STATUS"] == "Completed" and board.iloc[0]["OBJECTIVE"].startswith("F1 ")
    assert list(shell.run_line_magic("automl", "list")["AutoMLJobName"]) == ["magic-job"]
