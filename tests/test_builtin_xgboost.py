"""SageMaker's built-in XGBoost algorithm: an estimator with the XGBoost image and no entry point
trains in algorithm mode (hyperparameters as the container takes them, CSV label-first and
LibSVM channels, metrics under the built-in names) and its model is served, batch-transformed
and registered without an inference script."""
from __future__ import annotations

import tarfile
from pathlib import Path

import numpy as np
import pytest

from labstudio import image_uris
from labstudio.answer import to_json
from labstudio.estimator import Estimator
from labstudio.inputs import TrainingInput
from labstudio.serializers import CSVSerializer

pytestmark = pytest.mark.slow


@pytest.fixture
def data(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> np.ndarray:
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(160, 3))
    y = x @ np.array([1.0, 2.0, -1.0]) + rng.normal(scale=0.1, size=160)
    rows = np.column_stack([y, x])
    (tmp_path / "train").mkdir()
    np.savetxt(tmp_path / "train" / "train.csv", rows[:120], delimiter=",")  # label first, no header
    (tmp_path / "validation").mkdir()
    with open(tmp_path / "validation" / "validation.libsvm", "w") as out:
        for row in rows[120:]:
            out.write(f"{row[0]} " + " ".join(f"{i}:{v}" for i, v in enumerate(row[1:])) + "\n")
    (tmp_path / "batch").mkdir()
    np.savetxt(tmp_path / "batch" / "batch.csv", x[120:130], delimiter=",")
    return rows


def _estimator(**hyperparameters: object) -> Estimator:
    with pytest.warns(UserWarning):  # retrieve() says the image is a placeholder
        image = image_uris.retrieve("xgboost", "us-east-1", "1.5-1")
    return Estimator(image_uri=image, role="SageMakerRole", instance_type="local", instance_count=1, hyperparameters=hyperparameters)


@pytest.mark.timeout(600)
def test_algorithm_mode_trains_serves_transforms_and_registers(data: np.ndarray, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    estimator = _estimator(objective="reg:squarederror", num_round=30, max_depth=3, eta=0.3, subsample=0.9, eval_metric="rmse,mae")
    estimator.fit({"train": TrainingInput("train", content_type="text/csv"), "validation": TrainingInput("validation", content_type="text/libsvm")},
                  logs="None")
    described = estimator.describe()
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    metrics = {m["MetricName"]: m["Value"] for m in described["FinalMetricDataList"]}
    assert {"train:rmse", "validation:rmse", "train:mae", "validation:mae"} <= set(metrics)
    assert metrics["validation:rmse"] < 1.0  # it learned the linear relation
    assert {c["ChannelName"]: c["ContentType"] for c in described["InputDataConfig"]} == {"train": "text/csv", "validation": "text/libsvm"}
    log = to_json(core.jobs.logs(described["TrainingJobName"]))["text"]
    assert "[29]#011train-rmse:" in log  # the container's evaluation lines
    with tarfile.open(described["ModelArtifacts"]["S3ModelArtifacts"].removeprefix("file://")) as archive:
        assert "xgboost-model" in archive.getnames()

    predictor = estimator.deploy(initial_instance_count=1, instance_type="local", serializer=CSVSerializer())
    try:
        predicted = np.asarray(__import__("json").loads(predictor.predict(data[150:152, 1:])))
        assert np.allclose(predicted, data[150:152, 0], atol=1.5)
    finally:
        predictor.delete_endpoint()

    transformer = estimator.transformer(instance_count=1, instance_type="local", output_path=str(tmp_path / "scored"))
    transformer.transform(str(tmp_path / "batch"), content_type="text/csv", split_type="Line")
    scored = (tmp_path / "scored" / "batch.csv.out").read_text().split()
    assert len(scored) == 10

    package = estimator.register(content_types=["text/csv"], response_types=["text/csv"], model_package_group_name="xgb-builtin",
                                 approval_status="Approved")
    assert core.registry.describe_package(package.model_package_arn)["ModelApprovalStatus"] == "Approved"


@pytest.mark.timeout(300)
def test_a_missing_num_round_fails_the_job_saying_so(data: np.ndarray, core) -> None:  # type: ignore[no-untyped-def]
    estimator = _estimator(objective="reg:squarederror")
    with pytest.raises(ValueError):  # UnexpectedStatusException
        estimator.fit({"train": TrainingInput("train", content_type="text/csv")}, logs="None")
    reason = estimator.describe()["FailureReason"]
    assert "num_round is required" in reason


def test_no_entry_point_without_a_builtin_image_is_refused(labstudio_home: Path) -> None:
    with pytest.raises(ValueError, match="entry_point is required"):
        Estimator(image_uri="123.dkr.ecr.us-east-1.amazonaws.com/my-own:1", role="r", instance_type="local")
