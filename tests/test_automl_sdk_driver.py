"""An AutoML driver written the way a SageMaker Autopilot driver is, only its imports pointing at
labstudio, run as its own process: fit on a small CSV (real candidate jobs through the engine, a
stacked ensemble, a tight budget), read the answers, deploy the best candidate and ask it CSV
and JSON. Then the two notebooks it wrote are executed in a real kernel."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from test_sdk_compat_drivers import result, run_driver

pytestmark = pytest.mark.slow

DRIVER = """
import json
import pandas as pd
from sklearn.datasets import load_breast_cancer

from labstudio import AutoML                                        # was: from sagemaker import AutoML
from labstudio.automl.automl import AutoMLInput                     # was: from sagemaker.automl.automl import AutoMLInput
from labstudio.local import LocalSession                            # was: from sagemaker.local import LocalSession
from labstudio.serializers import CSVSerializer                     # was: from sagemaker.serializers import CSVSerializer

session = LocalSession()
role = "arn:aws:iam::111111111111:role/service-role/AmazonSageMaker-ExecutionRole-20200101T000001"
X, y = load_breast_cancer(return_X_y=True, as_frame=True)
data = X.iloc[:, :6].copy()
data["diagnosis"] = y.map({0: "malignant", 1: "benign"})
data = data.sample(200, random_state=0)
data.to_csv("train.csv", index=False)
uri = session.upload_data("train.csv", key_prefix="automl/input")

automl = AutoML(role=role, target_attribute_name="diagnosis", sagemaker_session=session, max_candidates=4, mode="ENSEMBLING",
                problem_type="BinaryClassification", job_objective={"MetricName": "Accuracy"}, total_job_runtime_in_seconds=400)
automl.fit(inputs=AutoMLInput(inputs=uri, target_attribute_name="diagnosis"), job_name="bc-automl", wait=True, logs=True)
desc = automl.describe_auto_ml_job()
print("status:", desc["AutoMLJobStatus"], desc["AutoMLJobSecondaryStatus"])
best = automl.best_candidate()
print("best:", best["CandidateName"], best["FinalAutoMLJobObjectiveMetric"]["MetricName"], best["FinalAutoMLJobObjectiveMetric"]["Value"])
candidates = automl.list_candidates(sort_by="FinalObjectiveMetricValue", sort_order="Descending")
print("candidates:", json.dumps([[c["CandidateName"], c["CandidateStatus"], c["Algorithm"],
                                  (c.get("FinalAutoMLJobObjectiveMetric") or {}).get("Value")] for c in candidates]))
print("steps:", json.dumps(best["CandidateSteps"]))
sm = session.sagemaker_client
print("client best:", sm.describe_auto_ml_job(AutoMLJobName="bc-automl")["BestCandidate"]["CandidateName"])
print("client count:", len(sm.list_candidates_for_auto_ml_job(AutoMLJobName="bc-automl", SortBy="FinalObjectiveMetricValue")["Candidates"]))
print("notebooks:", json.dumps(desc["AutoMLJobArtifacts"]))
print("importance:", json.dumps(desc["Explainability"]["FeatureImportance"]))
try:
    automl.create_model(name="bad", inference_response_keys=["predicted_label", "shap_values"])
except ValueError as exc:
    print("bad keys:", exc)

attached = AutoML.attach("bc-automl", sagemaker_session=session)
predictor = attached.deploy(initial_instance_count=1, instance_type="local", endpoint_name="bc-endpoint",
                            inference_response_keys=["predicted_label", "probability", "labels"], serializer=CSVSerializer())
rows = data.drop(columns="diagnosis").head(3)
answer = predictor.predict(rows.to_csv(header=False, index=False))
print("csv answer:", json.dumps(answer.decode()))
print("expected:", json.dumps(list(data["diagnosis"].head(3))))
reply = session.sagemaker_runtime_client.invoke_endpoint(EndpointName="bc-endpoint", ContentType="application/json",
                                                         Accept="application/json", Body=json.dumps({"instances": rows.values.tolist()}))
print("json answer:", reply["Body"].read().decode())
predictor.delete_endpoint()
"""


@pytest.mark.timeout(600)
def test_autopilot_driver_fits_ranks_explains_and_deploys(tmp_path: Path, labstudio_home: Path) -> None:
    out = run_driver(tmp_path, DRIVER, {}, timeout=500)
    assert result(out, "status") == "Completed MaxCandidatesReached"
    assert "bc-automl: best candidate " in out  # what fit(logs=True) prints at the end
    candidates = json.loads(result(out, "candidates"))
    assert len(candidates) == 4 and all(status == "Completed" for _, status, _, _ in candidates)
    algorithms = [algorithm for _, _, algorithm, _ in candidates]
    assert "StackedEnsemble" in algorithms and {"HistGradientBoosting", "RandomForest", "Linear"} <= set(algorithms)
    values = [value for _, _, _, value in candidates]
    assert values == sorted(values, reverse=True) and all(0.5 < v <= 1.0 for v in values)
    best_name, metric, best_value = result(out, "best").split()
    assert metric == "validation:accuracy" and float(best_value) == values[0] and best_name == candidates[0][0]
    assert result(out, "client best") == best_name and result(out, "client count") == "4"
    (step,) = json.loads(result(out, "steps"))
    assert step["CandidateStepType"] == "AWS::SageMaker::TrainingJob" and step["CandidateStepName"] == best_name
    importance = json.loads(result(out, "importance"))
    assert {i["FeatureName"] for i in importance} == {"mean radius", "mean texture", "mean perimeter", "mean area", "mean smoothness",
                                                     "mean compactness"}
    assert "shap_values" in result(out, "bad keys") and "predicted_label, probability, probabilities, labels" in result(out, "bad keys")

    lines = json.loads(result(out, "csv answer")).strip().splitlines()
    assert len(lines) == 3
    expected = json.loads(result(out, "expected"))
    for line in lines:
        label, probability, labels = next(csv.reader([line]))
        assert label in ("benign", "malignant") and 0.5 <= float(probability) <= 1.0
        assert json.loads(labels) == ["benign", "malignant"]
    assert sum(line.split(",")[0] == want for line, want in zip(lines, expected)) >= 2
    predictions = json.loads(result(out, "json answer"))["predictions"]
    assert [p["predicted_label"] for p in predictions] == [line.split(",")[0] for line in lines]
    assert set(predictions[0]) == {"predicted_label", "probability", "labels"}

    notebooks = json.loads(result(out, "notebooks"))
    _execute(Path(notebooks["DataExplorationNotebookLocation"]), tmp_path)
    ran = _execute(Path(notebooks["CandidateDefinitionNotebookLocation"]), tmp_path)
    printed = ["".join(o["text"] for o in cell.get("outputs", []) if o.get("name") == "stdout") for cell in ran.cells if cell.cell_type == "code"]
    scores = [text for text in printed if text]
    assert len(scores) == 3 and all(text.startswith("Accuracy 0.") for text in scores)  # the three base candidates, rerun


def _execute(path: Path, cwd: Path):  # type: ignore[no-untyped-def]
    import nbformat
    from nbclient import NotebookClient

    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return book
