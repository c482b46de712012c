"""Model Monitor through the SDK, as a SageMaker driver writes it: an endpoint capturing its
traffic, a baseline of the training CSV (label first), a one-run (`now()`) schedule that finds
the drift and the new category in the traffic; and every bad input refused before a job runs."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from labstudio.deserializers import CSVDeserializer
from labstudio.model import Model
from labstudio.model_monitor import (
    Constraints,
    CronExpressionGenerator,
    DataCaptureConfig,
    DatasetFormat,
    DefaultModelMonitor,
    EndpointInput,
    Statistics,
)
from labstudio.serializers import CSVSerializer
from labstudio.session import Session
from monitor_helpers import drifted_batches, summing_model, training_csv, wait_for_capture

pytestmark = pytest.mark.slow


def test_capture_baseline_and_now_schedule_find_drift(core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    folder = summing_model(tmp_path / "summing")
    capture = DataCaptureConfig(enable_capture=True, sampling_percentage=100)
    predictor = Model(model_data=str(folder / "model"), source_dir=str(folder / "code"), entry_point="inference.py").deploy(
        1, "local", endpoint_name="watched", serializer=CSVSerializer(), deserializer=CSVDeserializer(), data_capture_config=capture)
    described = core.endpoints.describe("watched")
    assert described["DataCaptureConfig"]["EnableCapture"] is True and described["DataCaptureConfig"]["CurrentSamplingPercentage"] == 100

    monitor = DefaultModelMonitor(role="arn:aws:iam::000000000000:role/x", instance_count=1, instance_type="ml.m5.xlarge", max_runtime_in_seconds=600)
    job = monitor.suggest_baseline(baseline_dataset=str(training_csv(tmp_path / "train.csv")), dataset_format=DatasetFormat.csv(header=True),
                                   output_s3_uri=str(tmp_path / "baseline"), wait=True, logs=False)
    assert job.describe()["ProcessingJobStatus"] == "Completed" and monitor.latest_baselining_job is job
    stats = monitor.baseline_statistics().body_dict
    assert stats["dataset"]["item_count"] == 300
    by_name = {f["name"]: f for f in stats["features"]}
    assert [f["name"] for f in stats["features"]] == ["label", "x1", "x2", "color"]
    assert {n: f["inferred_type"] for n, f in by_name.items()} == {"label": "Fractional", "x1": "Fractional", "x2": "Integral", "color": "String"}
    x1 = by_name["x1"]["numerical_statistics"]
    assert x1["common"] == {"num_present": 300, "num_missing": 0} and -0.3 < x1["mean"] < 0.3 and 0.7 < x1["std_dev"] < 1.3
    assert len(x1["distribution"]["kll"]["buckets"]) == 10 and len(x1["distribution"]["kll"]["sketch"]["data"][0]) == 300
    assert sum(b["count"] for b in x1["distribution"]["kll"]["buckets"]) == 300
    color = by_name["color"]["string_statistics"]
    assert color["distinct_count"] == 2.0 and sum(b["count"] for b in color["distribution"]["categorical"]["buckets"]) == 300
    constraints = monitor.suggested_constraints().body_dict
    by_feature = {f["name"]: f for f in constraints["features"]}
    assert by_feature["x2"]["completeness"] == 1.0 and by_feature["x2"]["num_constraints"] == {"is_non_negative": True}
    assert sorted(by_feature["color"]["string_constraints"]["domains"]) == ["blue", "red"]
    assert constraints["monitoring_config"]["distribution_constraints"]["comparison_threshold"] == 0.1
    assert (tmp_path / "baseline" / "statistics.json").is_file() and (tmp_path / "baseline" / "constraints.json").is_file()

    batches = drifted_batches()
    for body in batches:
        answer = predictor.predict(body)
        assert len(answer) == 10
    wait_for_capture(Path(core.settings.artifact_uri) / "endpoints" / "watched" / "data-capture", len(batches))

    monitor.create_monitoring_schedule(
        monitor_schedule_name="watched-now", endpoint_input=EndpointInput("watched"), output_s3_uri=str(tmp_path / "reports"),
        statistics=monitor.baseline_statistics(), constraints=monitor.suggested_constraints(),
        schedule_cron_expression=CronExpressionGenerator.now(), data_analysis_start_time="-PT1H", data_analysis_end_time="-PT0H")
    deadline = time.monotonic() + 60
    while not monitor.list_executions():
        assert time.monotonic() < deadline, "the scheduler started no execution"
        time.sleep(0.2)
    execution = monitor.list_executions()[-1]
    execution.wait(logs=False)
    described = execution.describe()
    assert described["ProcessingJobStatus"] == "Completed", described.get("FailureReason")
    assert described["ExitMessage"].startswith("CompletedWithViolations: ")

    violations = monitor.latest_monitoring_constraint_violations().body_dict["violations"]
    found = {(v["feature_name"], v["constraint_check_type"]) for v in violations}
    assert ("x1", "baseline_drift_check") in found and ("label", "baseline_drift_check") in found, violations
    assert ("color", "categorical_values_check") in found, violations
    assert ("x2", "baseline_drift_check") not in found and not any(c in ("missing_column_check", "extra_column_check") for _, c in found)
    assert all(v["description"] for v in violations)
    current = monitor.latest_monitoring_statistics().body_dict
    assert current["dataset"]["item_count"] == 80 and [f["name"] for f in current["features"]] == ["label", "x1", "x2", "color"]
    assert 2.5 < {f["name"]: f for f in current["features"]}["x1"]["numerical_statistics"]["mean"] < 3.5
    assert list((tmp_path / "reports" / "watched" / "watched-now").rglob("constraint_violations.json"))

    schedule = monitor.describe_schedule()
    assert schedule["MonitoringScheduleStatus"] == "Scheduled" and schedule["EndpointName"] == "watched"
    assert schedule["MonitoringScheduleConfig"]["ScheduleConfig"] == {"ScheduleExpression": "NOW", "DataAnalysisStartTime": "-PT1H",
                                                                      "DataAnalysisEndTime": "-PT0H"}
    assert schedule["LastMonitoringExecutionSummary"]["MonitoringExecutionStatus"] == "CompletedWithViolations"
    assert len(monitor.list_executions()) == 1  # NOW runs once
    client = Session().sagemaker_client  # boto3's calls, answered locally
    assert client.describe_monitoring_schedule(MonitoringScheduleName="watched-now")["MonitoringScheduleStatus"] == "Scheduled"
    runs = client.list_monitoring_executions(MonitoringScheduleName="watched-now")["MonitoringExecutionSummaries"]
    assert [r["MonitoringExecutionStatus"] for r in runs] == ["CompletedWithViolations"] and runs[0]["ProcessingJobArn"].endswith(execution.job_name)
    report = core.monitoring.describe_execution(execution.job_name)
    assert report.Summary.MonitoringExecutionStatus == "CompletedWithViolations" and report.ConstraintViolations == {"violations": violations}
    assert report.Statistics == current and report.BaselineStatistics == stats
    monitor.stop_monitoring_schedule()
    assert monitor.describe_schedule()["MonitoringScheduleStatus"] == "Stopped"

    # A constraints file written by hand (from_string) with the drift check off finds the new category only.
    body = monitor.suggested_constraints().body_dict
    body["monitoring_config"]["distribution_constraints"]["perform_comparison"] = "Disabled"
    relaxed = Constraints.from_string(json.dumps(body))
    assert relaxed.file_s3_uri and Statistics.from_s3_uri(str(tmp_path / "baseline" / "statistics.json")).body_dict["dataset"]["item_count"] == 300
    other = DefaultModelMonitor(role="r")
    other.create_monitoring_schedule(monitor_schedule_name="watched-relaxed", endpoint_input="watched", constraints=relaxed,
                                     schedule_cron_expression="NOW")
    deadline = time.monotonic() + 60
    while not other.list_executions():
        assert time.monotonic() < deadline, "the scheduler started no execution"
        time.sleep(0.2)
    other.list_executions()[-1].wait(logs=False)
    kinds = {v["constraint_check_type"] for v in other.latest_monitoring_constraint_violations().body_dict["violations"]}
    assert kinds == {"categorical_values_check"}


def test_bad_input_is_refused_before_anything_runs(core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monitor = DefaultModelMonitor(role="r")
    (tmp_path / "empty.csv").write_text("label,x1\n")
    with pytest.raises(ValueError, match="no data rows"):
        monitor.suggest_baseline(baseline_dataset="empty.csv", dataset_format=DatasetFormat.csv(header=True))
    (tmp_path / "mismatch.csv").write_text("label,x1\n1,2,3\n4,5,6\n")
    with pytest.raises(ValueError, match="names 2 columns but row 1 has 3"):
        monitor.suggest_baseline(baseline_dataset="mismatch.csv", dataset_format=DatasetFormat.csv(header=True))
    (tmp_path / "numbers.csv").write_text("1,2\n3,4\n")
    with pytest.raises(ValueError, match="header=False"):
        monitor.suggest_baseline(baseline_dataset="numbers.csv", dataset_format=DatasetFormat.csv(header=True))
    with pytest.raises(ValueError, match="does not exist"):
        monitor.suggest_baseline(baseline_dataset="missing.csv", dataset_format=DatasetFormat.csv(header=True))
    assert core.processing.list().ProcessingJobSummaries == []

    (tmp_path / "constraints.json").write_text(json.dumps({"version": 0.0, "features": []}))
    with pytest.raises(ValueError, match="ScheduleExpression") as bad_cron:
        monitor.create_monitoring_schedule(endpoint_input="nowhere", constraints="constraints.json", schedule_cron_expression="cron(0 * * *)")
    assert getattr(bad_cron.value, "field", None) == "ScheduleExpression"
    with pytest.raises(ValueError, match="ScheduleExpression"):
        monitor.create_monitoring_schedule(endpoint_input="nowhere", constraints="constraints.json", schedule_cron_expression="every hour")
    with pytest.raises(ValueError, match="DataAnalysisStartTime"):
        monitor.create_monitoring_schedule(endpoint_input="nowhere", constraints="constraints.json", schedule_cron_expression="NOW",
                                           data_analysis_start_time="PT1H")
    with pytest.raises(ValueError, match="'nowhere' does not exist"):
        monitor.create_monitoring_schedule(endpoint_input="nowhere", constraints="constraints.json", schedule_cron_expression="NOW")
    with pytest.raises(ValueError, match="sampling_percentage"):
        DataCaptureConfig(sampling_percentage=120)
    assert core.monitoring.list_schedules().MonitoringScheduleSummaries == []


def test_model_quality_merges_ground_truth_by_inference_id(core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from labstudio.model_monitor import ModelQualityMonitor

    monkeypatch.chdir(tmp_path)
    folder = summing_model(tmp_path / "summing")
    predictor = Model(model_data=str(folder / "model"), source_dir=str(folder / "code"), entry_point="inference.py").deploy(
        1, "local", endpoint_name="scored", serializer=CSVSerializer(), deserializer=CSVDeserializer(),
        data_capture_config=DataCaptureConfig(sampling_percentage=100))
    lines = ["prediction,label"] + [f"{i / 10:.3f},{i / 10 + 0.1 * ((i % 3) - 1):.3f}" for i in range(200)]
    (tmp_path / "quality.csv").write_text("\n".join(lines) + "\n")
    monitor = ModelQualityMonitor(role="r")
    monitor.suggest_baseline(baseline_dataset="quality.csv", dataset_format=DatasetFormat.csv(header=True), problem_type="Regression",
                             inference_attribute="prediction", ground_truth_attribute="label", output_s3_uri="quality-baseline", wait=True)
    metrics = monitor.baseline_statistics().body_dict["regression_metrics"]
    assert abs(metrics["mae"]["value"] - 0.0667) < 0.001 and metrics["r2"]["value"] > 0.99 and metrics["mae"]["standard_deviation"] > 0
    constraints = monitor.suggested_constraints().body_dict["regression_constraints"]
    assert constraints["mae"]["comparison_operator"] == "GreaterThanThreshold" and constraints["r2"]["comparison_operator"] == "LessThanThreshold"

    for i in range(20):
        predictor.predict(f"{i},1,red", inference_id=f"req-{i}")
    predictor.predict("100,1,red")  # no inference id and no ground truth: not merged
    wait_for_capture(Path(core.settings.artifact_uri) / "endpoints" / "scored" / "data-capture", 21)
    truth = tmp_path / "ground-truth" / "2026" / "12" / "08" / "01"
    truth.mkdir(parents=True)
    (truth / "labels.jsonl").write_text("\n".join(json.dumps({"groundTruthData": {"data": str(i + 6), "encoding": "CSV"},
                                                              "eventMetadata": {"eventId": f"req-{i}"}, "eventVersion": "0"}) for i in range(20)))
    monitor.create_monitoring_schedule(endpoint_input=EndpointInput("scored", inference_attribute="0"), ground_truth_input="ground-truth",
                                       problem_type="Regression", monitor_schedule_name="quality-now", schedule_cron_expression="NOW")
    deadline = time.monotonic() + 60
    while not monitor.list_executions():
        assert time.monotonic() < deadline, "the scheduler started no execution"
        time.sleep(0.2)
    execution = monitor.list_executions()[-1]
    execution.wait(logs=False)
    assert execution.describe()["ExitMessage"].startswith("CompletedWithViolations: "), execution.describe()
    current = monitor.latest_monitoring_statistics().body_dict
    assert current["dataset"]["item_count"] == 20 and abs(current["regression_metrics"]["mae"]["value"] - 5.0) < 1e-6
    violations = monitor.latest_monitoring_constraint_violations().body_dict["violations"]
    assert {v["metric_name"] for v in violations} == {"mae", "mse", "rmse", "r2"}
    assert {v["constraint_check_type"] for v in violations} == {"GreaterThanThreshold", "LessThanThreshold"}
