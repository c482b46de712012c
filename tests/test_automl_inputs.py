"""AutoML's checks before anything runs (each a clear error naming the field, and nothing
recorded or started), and the data analysis the exploration notebook shows."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from automl_helpers import classification_csv, request
from labstudio.automl import data as datamod
from labstudio.errors import Invalid, NameTaken


def _refused(core, body: dict, field: str, *words: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Invalid) as caught:
        core.automl.create(body)
    assert caught.value.field == field, caught.value.message
    for word in words:
        assert word in caught.value.message, caught.value.message
    assert core.automl.list()["AutoMLJobSummaries"] == []
    assert not (core.settings.home / "automl" / body["AutoMLJobName"]).exists()


def test_bad_inputs_are_refused_before_anything_runs(core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    good = classification_csv(tmp_path / "good.csv")
    headless = tmp_path / "headless.csv"
    headless.write_text("1.0,2.0,0\n3.0,4.0,1\n" * 10)
    _refused(core, request("a", headless, "label"), "InputDataConfig", "no header row")
    _refused(core, request("a", good, "price"), "InputDataConfig[0].TargetAttributeName", "'price' is not a column", "x1, x2, colour, label")
    constant = tmp_path / "constant.csv"
    pd.DataFrame({"x": range(30), "label": ["same"] * 30}).to_csv(constant, index=False)
    _refused(core, request("a", constant, "label"), "InputDataConfig[0].TargetAttributeName", "constant")
    lonely = tmp_path / "lonely.csv"
    pd.DataFrame({"x": range(30), "label": ["a"] * 29 + ["b"]}).to_csv(lonely, index=False)
    _refused(core, request("a", lonely, "label"), "InputDataConfig[0].TargetAttributeName", "class 'b' has a single row")
    binary = tmp_path / "model.bin"
    binary.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    _refused(core, request("a", binary, "label"), "InputDataConfig", "neither CSV", "nor Parquet")
    _refused(core, request("a", good, "label", MaxAutoMLJobRuntimeInSeconds=5), "AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds",
             "too small")
    _refused(core, request("a", good, "label", MaxRuntimePerTrainingJobInSeconds=2),
             "AutoMLJobConfig.CompletionCriteria.MaxRuntimePerTrainingJobInSeconds", "too small")
    _refused(core, request("a", good, "label", MaxCandidates=0), "AutoMLJobConfig.CompletionCriteria.MaxCandidates")
    _refused(core, request("a", tmp_path / "missing.csv", "label"), "InputDataConfig[0].DataSource.S3DataSource.S3Uri", "does not exist")
    _refused(core, {**request("a", good, "label"), "ProblemType": "Regression"}, "ProblemType", "numeric target")
    _refused(core, {**request("a", good, "label"), "AutoMLJobObjective": {"MetricName": "RMSE"}}, "AutoMLJobObjective.MetricName",
             "BinaryClassification")
    _refused(core, {**request("a", good, "label"), "AutoMLJobConfig": {"Mode": "FAST"}}, "AutoMLJobConfig.Mode", "ENSEMBLING")
    _refused(core, request("no_underscores", good, "label"), "AutoMLJobName")


def test_a_name_is_taken_once(core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    good = classification_csv(tmp_path / "good.csv")
    core.automl.create({**request("taken", good, "label"), "GenerateCandidateDefinitionsOnly": True})
    with pytest.raises(NameTaken):
        core.automl.create(request("taken", good, "label"))
    described = core.automl.wait("taken", timeout=120)
    assert described["AutoMLJobStatus"] == "Completed" and described["AutoMLJobSecondaryStatus"] == "CandidateDefinitionsGenerated"
    artifacts = described["AutoMLJobArtifacts"]
    assert Path(artifacts["DataExplorationNotebookLocation"]).is_file() and Path(artifacts["CandidateDefinitionNotebookLocation"]).is_file()
    assert core.automl.list_candidates("taken")["Candidates"] == []


def test_analysis_types_missing_values_and_leakage(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = 200
    frame = pd.DataFrame({
        "id": range(1000, 1000 + rows),
        "age": rng.integers(18, 80, size=rows).astype(float),
        "city": rng.choice(["paris", "rome", "oslo"], size=rows),
        "signup": pd.date_range("2024-01-01", periods=rows, freq="D").astype(str),
        "income": rng.normal(50, 10, size=rows),
    })
    frame["churned"] = np.where(frame["income"] > 50, "yes", "no")
    frame["refund_issued"] = frame["churned"]  # known only after the outcome: a leak
    frame.loc[::4, "age"] = np.nan
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    table = datamod.read_table(path)
    assert datamod.check(table, "churned", None) == "BinaryClassification"
    analysis = datamod.analyse(table, "churned", "BinaryClassification")
    kinds = {c["name"]: c["type"] for c in analysis["columns"]}
    assert kinds == {"id": "identifier", "age": "numeric", "city": "categorical", "signup": "datetime", "income": "numeric",
                     "refund_issued": "categorical"}
    age = next(c for c in analysis["columns"] if c["name"] == "age")
    assert age["missing"] == 50 and age["missing_fraction"] == 0.25
    assert any("'refund_issued'" in w and "leakage" in w for w in analysis["warnings"])
    assert any("'income'" in w and "leakage" in w for w in analysis["warnings"])  # one threshold separates the classes exactly
    assert any("'id'" in w and "identifier" in w for w in analysis["warnings"])
    assert analysis["schema"] == {"numeric": ["age", "income"], "categorical_low": ["city", "refund_issued"], "categorical_high": [],
                                  "datetime": ["signup"]}
    classes = dict(analysis["target"]["classes"])
    assert set(classes) == {"yes", "no"} and sum(classes.values()) == rows


def test_problem_type_inference_and_parquet(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"x": rng.normal(size=300), "digit": rng.integers(0, 10, size=300), "price": rng.uniform(0, 100, size=300)})
    path = tmp_path / "data.parquet"
    frame.to_parquet(path)
    table = datamod.read_table(path)
    assert datamod.check(table, "digit", None) == "MulticlassClassification"
    assert datamod.check(table, "price", None) == "Regression"
    named = tmp_path / "data.csv"  # a Parquet file whatever its name says
    named.write_bytes(path.read_bytes())
    assert datamod.read_table(named).shape == (300, 3)
