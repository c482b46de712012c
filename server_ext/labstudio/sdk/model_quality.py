"""SageMaker's ``ModelQualityMonitor``: the metrics of an endpoint's predictions against ground
truth uploaded later, merged by inference id (monitor/quality.py does the analysis)."""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from .model_monitor import BaseliningJob, ModelMonitor
from .storage import localize

PROBLEM_TYPES = ("BinaryClassification", "MulticlassClassification", "Regression")


def _problem(problem_type: str) -> str:
    if problem_type not in PROBLEM_TYPES:
        raise ValueError(f"problem_type must be one of {', '.join(PROBLEM_TYPES)}, got {problem_type!r}")
    return problem_type


class ModelQualityMonitor(ModelMonitor):
    """Model quality: a baseline of predictions with their labels, and schedules that merge the
    endpoint's captured predictions with ground truth (by inference id) and check the metrics."""

    MONITORING_TYPE = "ModelQuality"
    ANALYSIS_TYPE = "MODEL_QUALITY"

    def suggest_baseline(self, baseline_dataset: Any, dataset_format: Mapping[str, Any], problem_type: str,
                         inference_attribute: str | None = None, probability_attribute: str | None = None,
                         ground_truth_attribute: str | None = None, probability_threshold_attribute: float | None = None,
                         post_analytics_processor_script: str | None = None, output_s3_uri: str | None = None, wait: bool = False,
                         logs: bool = False, job_name: str | None = None) -> BaseliningJob:
        """Start the baselining job: the problem type's metrics (statistics.json) and thresholds (constraints.json)."""
        if post_analytics_processor_script is not None:
            raise ValueError("post_analytics_processor_script is not supported")
        env = {"problem_type": _problem(problem_type)}
        for key, value in (("inference_attribute", inference_attribute), ("probability_attribute", probability_attribute),
                           ("ground_truth_attribute", ground_truth_attribute), ("probability_threshold_attribute", probability_threshold_attribute)):
            if value is not None:
                env[key] = str(value)
        return self._suggest(baseline_dataset, dataset_format, output_s3_uri, wait, logs, job_name, extra_env=env)

    def create_monitoring_schedule(self, endpoint_input: Any = None, ground_truth_input: str | None = None, problem_type: str | None = None,
                                   record_preprocessor_script: str | None = None, post_analytics_processor_script: str | None = None,
                                   output_s3_uri: str | None = None, constraints: Any = None, monitor_schedule_name: str | None = None,
                                   schedule_cron_expression: str | None = None, enable_cloudwatch_metrics: bool = True,
                                   batch_transform_input: Any = None, data_analysis_start_time: str | None = None,
                                   data_analysis_end_time: str | None = None) -> None:
        """Record the schedule: each run merges the window's captured predictions with the ground
        truth under ``ground_truth_input`` and checks the metrics against ``constraints``."""
        if record_preprocessor_script is not None or post_analytics_processor_script is not None:
            raise ValueError("record_preprocessor_script and post_analytics_processor_script are not supported")
        if batch_transform_input is not None:
            raise ValueError("batch_transform_input is not supported: monitor an endpoint (endpoint_input)")
        if endpoint_input is None:
            raise ValueError("endpoint_input is required: the endpoint's name or an EndpointInput")
        if not ground_truth_input:
            raise ValueError("ground_truth_input is required: the folder (or URI) where ground-truth records are uploaded")
        request = self._schedule_request(endpoint_input, output_s3_uri, constraints, None, monitor_schedule_name,
                                         schedule_cron_expression, data_analysis_start_time, data_analysis_end_time)
        request["MonitoringScheduleConfig"]["MonitoringJobDefinition"].pop("BaselineConfig", None)
        if constraints is not None or self.latest_baselining_job is not None:
            from .model_monitor import _file_uri

            found = constraints if constraints is not None else self.latest_baselining_job.suggested_constraints()  # type: ignore[union-attr]  # checked just above
            request["MonitoringScheduleConfig"]["MonitoringJobDefinition"]["BaselineConfig"] = {
                "ConstraintsResource": {"S3Uri": _file_uri(found, self.sagemaker_session)}}
        job = request["MonitoringScheduleConfig"]["MonitoringJobDefinition"]
        job["GroundTruthS3Input"] = {"S3Uri": localize(os.fspath(ground_truth_input), self._core.settings.artifact_uri)}
        job["ProblemType"] = _problem(problem_type or "")
        self._create(request)


__all__ = ["ModelQualityMonitor"]
