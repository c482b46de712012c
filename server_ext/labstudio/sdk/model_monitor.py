"""SageMaker's ``sagemaker.model_monitor``, run locally: baselines, schedules and executions.

``DefaultModelMonitor.suggest_baseline`` starts a baselining processing job (labstudio's
analyzer) writing statistics.json and constraints.json; ``create_monitoring_schedule``
records a schedule the monitoring scheduler runs (monitor/service.py, monitor/scheduler.py),
each execution a processing job analysing the endpoint's captured traffic. The classes and
their arguments are SageMaker's; AWS-only arguments (role, instance types, KMS keys, network)
are accepted and ignored with one warning, as everywhere in the SDK.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..shapes.common import to_json
from .compat import user_stacklevel, warn_ignored
from .estimator import name_from_base
from .monitoring_files import Constraints, ConstraintViolations, Statistics
from .processing import ProcessingJob
from .session import core_of
from .storage import localize


class DatasetFormat:
    """``DatasetFormat.csv(header=True)``, ``.json(lines=True)``, ``.parquet()``, ``.sagemaker_capture_json()``."""

    @staticmethod
    def csv(header: bool = True, output_columns_position: str = "START") -> dict[str, Any]:
        if output_columns_position not in ("START", "END"):
            raise ValueError(f"output_columns_position must be 'START' or 'END', got {output_columns_position!r}")
        return {"csv": {"header": header, "output_columns_position": output_columns_position}}

    @staticmethod
    def json(lines: bool = True) -> dict[str, Any]:
        return {"json": {"lines": lines}}

    @staticmethod
    def parquet() -> dict[str, Any]:
        return {"parquet": {}}

    @staticmethod
    def sagemaker_capture_json() -> dict[str, Any]:
        return {"sagemaker_capture_json": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


class CronExpressionGenerator:
    """Schedule expressions: ``hourly()``, ``daily(hour)``, ``daily_every_x_hours(x)``, ``now()`` (one run, at once)."""

    @staticmethod
    def hourly() -> str:
        return "cron(0 * ? * * *)"

    @staticmethod
    def daily(hour: int = 0) -> str:
        if not isinstance(hour, int) or not 0 <= hour <= 23:
            raise ValueError(f"hour must be a whole number from 0 to 23, got {hour!r}")
        return f"cron(0 {hour} ? * * *)"

    @staticmethod
    def daily_every_x_hours(hour_interval: int, starting_hour: int = 0) -> str:
        if not isinstance(hour_interval, int) or not 1 <= hour_interval <= 23:
            raise ValueError(f"hour_interval must be a whole number from 1 to 23, got {hour_interval!r}")
        return f"cron(0 {starting_hour}/{hour_interval} ? * * *)"

    @staticmethod
    def now() -> str:
        return "NOW"


class DataCaptureConfig:
    """What an endpoint captures (``Model.deploy(data_capture_config=...)``): a share of its
    requests and responses, written as JSON lines in SageMaker's capture format."""

    def __init__(self, enable_capture: bool = True, sampling_percentage: float = 20, destination_s3_uri: str | None = None,
                 kms_key_id: str | None = None, capture_options: list[str] | None = None, csv_content_types: list[str] | None = None,
                 json_content_types: list[str] | None = None, sagemaker_session: Any = None) -> None:
        options = capture_options if capture_options is not None else ["REQUEST", "RESPONSE"]
        bad = [o for o in options if o not in ("REQUEST", "RESPONSE")]
        if bad or not options:
            raise ValueError(f"capture_options must list 'REQUEST' and/or 'RESPONSE', got {capture_options!r}")
        if not isinstance(sampling_percentage, (int, float)) or isinstance(sampling_percentage, bool) or not 0 <= sampling_percentage <= 100:
            raise ValueError(f"sampling_percentage must be a number from 0 to 100, got {sampling_percentage!r}")
        self.enable_capture = enable_capture
        self.sampling_percentage = sampling_percentage
        self.destination_s3_uri = destination_s3_uri
        self.kms_key_id = kms_key_id
        self.capture_options = options
        self.csv_content_types = csv_content_types or ["text/csv"]
        self.json_content_types = json_content_types or ["application/json"]
        self.sagemaker_session = sagemaker_session

    def _to_request_dict(self) -> dict[str, Any]:
        request: dict[str, Any] = {
            "EnableCapture": bool(self.enable_capture),
            "InitialSamplingPercentage": self.sampling_percentage,
            "CaptureOptions": [{"CaptureMode": "Input" if o == "REQUEST" else "Output"} for o in self.capture_options],
        }
        if self.destination_s3_uri:
            request["DestinationS3Uri"] = localize(self.destination_s3_uri, core_of(self.sagemaker_session).settings.artifact_uri)
        return request


def capture_request(config: Any) -> dict[str, Any] | None:
    """The endpoint's DataCaptureConfig from a ``DataCaptureConfig`` (or SageMaker's dict)."""
    if config is None:
        return None
    if isinstance(config, DataCaptureConfig):
        return config._to_request_dict()
    if isinstance(config, Mapping):
        return dict(config)
    raise ValueError(f"data_capture_config must be a DataCaptureConfig, got {type(config).__name__}")


class EndpointInput:
    """The endpoint a schedule monitors (its captured traffic), as SageMaker's ``EndpointInput``."""

    def __init__(self, endpoint_name: str, destination: str = "/opt/ml/processing/input/endpoint", s3_input_mode: str = "File",
                 s3_data_distribution_type: str = "FullyReplicated", start_time_offset: str | None = None, end_time_offset: str | None = None,
                 features_attribute: str | None = None, inference_attribute: str | None = None, probability_attribute: str | None = None,
                 probability_threshold_attribute: float | None = None, exclude_features_attribute: str | None = None) -> None:
        if not endpoint_name:
            raise ValueError("EndpointInput needs the endpoint_name")
        self.endpoint_name = endpoint_name
        self.destination = destination
        self.s3_input_mode = s3_input_mode
        self.s3_data_distribution_type = s3_data_distribution_type
        self.start_time_offset = start_time_offset
        self.end_time_offset = end_time_offset
        self.features_attribute = features_attribute
        self.inference_attribute = inference_attribute
        self.probability_attribute = probability_attribute
        self.probability_threshold_attribute = probability_threshold_attribute

    def _to_request_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"EndpointName": self.endpoint_name, "LocalPath": self.destination, "S3InputMode": self.s3_input_mode,
                               "S3DataDistributionType": self.s3_data_distribution_type}
        for key, value in (("FeaturesAttribute", self.features_attribute), ("InferenceAttribute", self.inference_attribute),
                           ("ProbabilityAttribute", self.probability_attribute),
                           ("ProbabilityThresholdAttribute", self.probability_threshold_attribute)):
            if value is not None:
                out[key] = value
        return {"EndpointInput": out}


def _output_uri(described: Mapping[str, Any]) -> str:
    outputs = described["ProcessingOutputConfig"]["Outputs"]
    return str(outputs[0]["S3Output"]["S3Uri"])


class BaseliningJob(ProcessingJob):
    """The processing job ``suggest_baseline`` started: ``baseline_statistics()``, ``suggested_constraints()``."""

    def baseline_statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics:
        return Statistics.from_s3_uri(f"{_output_uri(self.describe()).rstrip('/')}/{file_name}", kms_key, self.sagemaker_session)

    def suggested_constraints(self, file_name: str = "constraints.json", kms_key: str | None = None) -> Constraints:
        return Constraints.from_s3_uri(f"{_output_uri(self.describe()).rstrip('/')}/{file_name}", kms_key, self.sagemaker_session)


class MonitoringExecution(ProcessingJob):
    """One run of a schedule: a processing job; ``statistics()`` and ``constraint_violations()`` read its reports."""

    @classmethod
    def from_processing_arn(cls, sagemaker_session: Any, processing_job_arn: str) -> MonitoringExecution:
        return cls(sagemaker_session, processing_job_arn.rsplit("/", 1)[-1])

    def statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics:
        return Statistics.from_s3_uri(f"{_output_uri(self.describe()).rstrip('/')}/{file_name}", kms_key, self.sagemaker_session)

    def constraint_violations(self, file_name: str = "constraint_violations.json", kms_key: str | None = None) -> ConstraintViolations:
        return ConstraintViolations.from_s3_uri(f"{_output_uri(self.describe()).rstrip('/')}/{file_name}", kms_key, self.sagemaker_session)


def _file_uri(value: Any, session: Any) -> str | None:
    """A monitoring file given as an object, a URI or a path: its location."""
    if value is None:
        return None
    if isinstance(value, (Statistics, Constraints)):
        return value.file_s3_uri or value.save()
    if isinstance(value, (str, os.PathLike)):
        return localize(os.fspath(value), core_of(session).settings.artifact_uri)
    raise ValueError(f"expected a Statistics/Constraints object or a file URI, got {type(value).__name__}")


class ModelMonitor:
    """Baselines and schedules of one monitor (SageMaker's ``ModelMonitor`` base)."""

    MONITORING_TYPE = "DataQuality"
    ANALYSIS_TYPE = "BASELINE"

    def __init__(self, role: str | None = None, image_uri: str | None = None, instance_count: int = 1, instance_type: str = "local",
                 entrypoint: list[str] | None = None, volume_size_in_gb: int = 30, volume_kms_key: str | None = None,
                 output_kms_key: str | None = None, max_runtime_in_seconds: int | None = None, base_job_name: str | None = None,
                 sagemaker_session: Any = None, env: Mapping[str, str] | None = None, tags: Any = None, network_config: Any = None) -> None:
        ignored = [k for k, v in (("role", role), ("image_uri", image_uri), ("volume_kms_key", volume_kms_key), ("output_kms_key", output_kms_key),
                                  ("network_config", network_config), ("entrypoint", entrypoint)) if v is not None]
        if instance_type not in ("local", None) and not str(instance_type).startswith("ml."):
            raise ValueError(f"instance_type {instance_type!r} is not an instance type; use 'local' (or an ml.* type, ignored here)")
        if instance_type not in ("local", None):
            ignored.append("instance_type")
        if instance_count != 1:
            raise ValueError(f"instance_count={instance_count}: a monitoring job runs on one host here; use 1")
        warn_ignored(type(self).__name__, ignored)
        self.role = role
        self.instance_count = instance_count
        self.instance_type = instance_type
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session
        self.env = dict(env or {})
        self.tags = tags
        self.latest_baselining_job: BaseliningJob | None = None
        self.latest_baselining_job_name: str | None = None
        self.baselining_jobs: list[BaseliningJob] = []
        self.monitoring_schedule_name: str | None = None
        self.job_definition_name: str | None = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} schedule={self.monitoring_schedule_name!r}>"

    @property
    def _core(self) -> Any:
        return core_of(self.sagemaker_session)

    # -- baselines ------------------------------------------------------------------------------

    def _suggest(self, baseline_dataset: Any, dataset_format: Mapping[str, Any], output_s3_uri: str | None, wait: bool, logs: bool,
                 job_name: str | None, extra_env: Mapping[str, str] | None = None) -> BaseliningJob:
        if baseline_dataset is None:
            raise ValueError("baseline_dataset is required: the training data file (or folder) the traffic will be compared with")
        if not isinstance(dataset_format, Mapping):
            raise ValueError("dataset_format must be DatasetFormat.csv(header=...) or DatasetFormat.json(lines=...)")
        artifact_uri = self._core.settings.artifact_uri
        request: dict[str, Any] = {
            "BaselineDataset": localize(os.fspath(baseline_dataset), artifact_uri),
            "DatasetFormat": dict(dataset_format),
            "JobName": job_name or name_from_base(self.base_job_name or "baseline-suggestion-job"),
            "Environment": dict(self.env),
        }
        if output_s3_uri is not None:
            request["OutputS3Uri"] = localize(os.fspath(output_s3_uri), artifact_uri)
        if self.max_runtime_in_seconds is not None:
            request["MaxRuntimeInSeconds"] = self.max_runtime_in_seconds
        described = self._core.monitoring.suggest_baseline(request, base_dir=Path.cwd(), analysis_type=self.ANALYSIS_TYPE, extra_env=extra_env)
        job = BaseliningJob(self.sagemaker_session, described.ProcessingJobName)
        self.latest_baselining_job = job
        self.latest_baselining_job_name = job.job_name
        self.baselining_jobs.append(job)
        if wait:
            job.wait(logs=logs)
        return job

    def baseline_statistics(self, file_name: str = "statistics.json", kms_key: str | None = None) -> Statistics | None:
        """The latest baselining job's statistics (None before any)."""
        if self.latest_baselining_job is None:
            return None
        return self.latest_baselining_job.baseline_statistics(file_name, kms_key)

    def suggested_constraints(self, file_name: str = "constraints.json", kms_key: str | None = None) -> Constraints | None:
        """The latest baselining job's suggested constraints (None before any)."""
        if self.latest_baselining_job is None:
            return None
        return self.latest_baselining_job.suggested_constraints(file_name, kms_key)

    # -- schedules ------------------------------------------------------------------------------

    def _schedule_request(self, endpoint_input: Any, output_s3_uri: str | None, constraints: Any, statistics: Any,
                          monitor_schedule_name: str | None, schedule_cron_expression: str | None,
                          data_analysis_start_time: str | None, data_analysis_end_time: str | None) -> dict[str, Any]:
        if isinstance(endpoint_input, str):
            endpoint_input = EndpointInput(endpoint_input)
        if not isinstance(endpoint_input, EndpointInput):
            raise ValueError("endpoint_input must be the endpoint's name or an EndpointInput")
        if self.monitoring_schedule_name is not None:
            raise ValueError(f"this monitor already has the schedule {self.monitoring_schedule_name!r}: delete it first "
                             "(delete_monitoring_schedule()) or use another monitor object")
        if constraints is None and self.latest_baselining_job is not None:
            constraints = self.latest_baselining_job.suggested_constraints()
        if statistics is None and self.latest_baselining_job is not None:
            statistics = self.latest_baselining_job.baseline_statistics()
        name = monitor_schedule_name or name_from_base(self.base_job_name or "monitoring-schedule")
        baseline: dict[str, Any] = {}
        if constraints is not None:
            baseline["ConstraintsResource"] = {"S3Uri": _file_uri(constraints, self.sagemaker_session)}
        if statistics is not None:
            baseline["StatisticsResource"] = {"S3Uri": _file_uri(statistics, self.sagemaker_session)}
        job: dict[str, Any] = {"MonitoringInputs": [endpoint_input._to_request_dict()], "Environment": dict(self.env)}
        if baseline:
            job["BaselineConfig"] = baseline
        if output_s3_uri is not None:
            job["MonitoringOutputConfig"] = {"MonitoringOutputs": [{"S3Output": {
                "S3Uri": localize(os.fspath(output_s3_uri), self._core.settings.artifact_uri), "LocalPath": "/opt/ml/processing/output"}}]}
        if self.max_runtime_in_seconds is not None:
            job["StoppingCondition"] = {"MaxRuntimeInSeconds": self.max_runtime_in_seconds}
        schedule: dict[str, Any] = {"ScheduleExpression": schedule_cron_expression or CronExpressionGenerator.hourly()}
        if data_analysis_start_time is not None:
            schedule["DataAnalysisStartTime"] = data_analysis_start_time
        if data_analysis_end_time is not None:
            schedule["DataAnalysisEndTime"] = data_analysis_end_time
        return {"MonitoringScheduleName": name,
                "MonitoringScheduleConfig": {"ScheduleConfig": schedule, "MonitoringJobDefinition": job, "MonitoringType": self.MONITORING_TYPE}}

    def _create(self, request: dict[str, Any]) -> None:
        self._core.monitoring.create_schedule(request, base_dir=Path.cwd())
        self.monitoring_schedule_name = request["MonitoringScheduleName"]

    def _name(self) -> str:
        if self.monitoring_schedule_name is None:
            raise ValueError("this monitor has no monitoring schedule yet: call create_monitoring_schedule() first")
        return self.monitoring_schedule_name

    def describe_schedule(self) -> dict[str, Any]:
        described: dict[str, Any] = to_json(self._core.monitoring.describe_schedule(self._name()))
        return described

    def start_monitoring_schedule(self) -> None:
        self._core.monitoring.start_schedule(self._name())

    def stop_monitoring_schedule(self) -> None:
        self._core.monitoring.stop_schedule(self._name())

    def delete_monitoring_schedule(self) -> None:
        self._core.monitoring.delete_schedule(self._name())
        self.monitoring_schedule_name = None

    def list_executions(self) -> list[MonitoringExecution]:
        """The schedule's executions whose job started, oldest first (``[-1]`` is the latest)."""
        if self.monitoring_schedule_name is None:
            return []
        rows = self._core.monitoring.list_executions(schedule_name=self.monitoring_schedule_name, max_results=100).MonitoringExecutionSummaries
        return [MonitoringExecution(self.sagemaker_session, r.ProcessingJobName) for r in reversed(rows)
                if r.MonitoringExecutionStatus != "Pending" and r.ProcessingJobName and self._job_exists(r.ProcessingJobName)]

    def _job_exists(self, name: str) -> bool:
        from ..errors import NotFound

        try:
            self._core.processing.get(name)
        except NotFound:
            return False
        return True

    def latest_monitoring_statistics(self, file_name: str = "statistics.json") -> Statistics | None:
        executions = self.list_executions()
        if not executions:
            warnings.warn("No executions found for the schedule yet.", UserWarning, stacklevel=user_stacklevel())
            return None
        return executions[-1].statistics(file_name)

    def latest_monitoring_constraint_violations(self, file_name: str = "constraint_violations.json") -> ConstraintViolations | None:
        executions = self.list_executions()
        if not executions:
            warnings.warn("No executions found for the schedule yet.", UserWarning, stacklevel=user_stacklevel())
            return None
        return executions[-1].constraint_violations(file_name)

    @classmethod
    def attach(cls, monitor_schedule_name: str, sagemaker_session: Any = None) -> ModelMonitor:
        """A monitor object for an existing schedule."""
        core = core_of(sagemaker_session)
        described = core.monitoring.describe_schedule(monitor_schedule_name)
        monitor = cls(sagemaker_session=sagemaker_session)
        monitor.monitoring_schedule_name = described.MonitoringScheduleName
        return monitor


class DefaultModelMonitor(ModelMonitor):
    """Data quality: a baseline of the training data, and schedules checking the traffic against it."""

    def suggest_baseline(self, baseline_dataset: Any, dataset_format: Mapping[str, Any], record_preprocessor_script: str | None = None,
                         post_analytics_processor_script: str | None = None, output_s3_uri: str | None = None, wait: bool = True,
                         logs: bool = True, job_name: str | None = None) -> BaseliningJob:
        """Start the baselining job (statistics.json and constraints.json); returns it, ended when ``wait``."""
        if record_preprocessor_script is not None or post_analytics_processor_script is not None:
            raise ValueError("record_preprocessor_script and post_analytics_processor_script are not supported: prepare the dataset first")
        return self._suggest(baseline_dataset, dataset_format, output_s3_uri, wait, logs, job_name)

    def create_monitoring_schedule(self, endpoint_input: Any = None, record_preprocessor_script: str | None = None,
                                   post_analytics_processor_script: str | None = None, output_s3_uri: str | None = None,
                                   constraints: Any = None, statistics: Any = None, monitor_schedule_name: str | None = None,
                                   schedule_cron_expression: str | None = None, enable_cloudwatch_metrics: bool = True,
                                   batch_transform_input: Any = None, data_analysis_start_time: str | None = None,
                                   data_analysis_end_time: str | None = None) -> None:
        """Record the schedule; the monitoring scheduler starts each execution when its time comes."""
        if record_preprocessor_script is not None or post_analytics_processor_script is not None:
            raise ValueError("record_preprocessor_script and post_analytics_processor_script are not supported")
        if batch_transform_input is not None:
            raise ValueError("batch_transform_input is not supported: monitor an endpoint (endpoint_input)")
        if endpoint_input is None:
            raise ValueError("endpoint_input is required: the endpoint's name or an EndpointInput")
        self._create(self._schedule_request(endpoint_input, output_s3_uri, constraints, statistics, monitor_schedule_name,
                                            schedule_cron_expression, data_analysis_start_time, data_analysis_end_time))


__all__ = [
    "BaseliningJob", "Constraints", "ConstraintViolations", "CronExpressionGenerator", "DataCaptureConfig", "DatasetFormat",
    "DefaultModelMonitor", "EndpointInput", "ModelMonitor", "MonitoringExecution", "Statistics", "capture_request",
]
