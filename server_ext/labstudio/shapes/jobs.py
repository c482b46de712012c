"""Training jobs. The submit request is ours (snake_case, as the SDK's Estimator arguments);
the describe and list answers are SageMaker's DescribeTrainingJob / ListTrainingJobs
(PascalCase)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool

from .common import (
    MAX_TAGS,
    MAX_TRAINING_RUNTIME_SECONDS,
    TAGS_DESCRIPTION,
    Int,
    JsonNumber,
    PathText,
    Request,
    ResourceName,
    Response,
    StrictInt,
    TagKey,
    TagValue,
)

TrainingJobStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]


class MetricDefinition(Request):
    Name: str = Field(min_length=1, max_length=255)
    Regex: str = Field(min_length=1, max_length=500, description="A regular expression with a capture group around the value.")


class CreateTrainingJobRequest(Request):
    """The body of POST /jobs (and what the SDK, CLI and magics build)."""

    field_depth = 1  # errors name the top-level field (`metric_definitions`), as they always have

    entry_point: PathText = Field(description="Script to run, relative to source_dir (or to the Jupyter root when no source_dir).")
    source_dir: PathText | None = Field(default=None, description="Folder snapshotted as the job's code, relative to the Jupyter root.")
    name: ResourceName | Literal[""] | None = Field(default=None, description="Default: the entry point's stem and a timestamp.")
    hyperparameters: dict[str, Any] | None = None
    channels: dict[str, PathText] | None = Field(
        default=None, description="name -> local path, file:// URI, or s3:// URL (copied into the job before the script starts)"
    )
    output_path: PathText | None = Field(
        default=None,
        description="Where the model and output archives go, as <output_path>/<job>/output/model.tar.gz (SageMaker's "
        "layout): an s3:// URL or a local folder. Default: labstudio's artifact store.",
    )
    environment: dict[str, str | Int | float] | None = None
    metric_definitions: list[MetricDefinition] | None = None
    max_runtime_seconds: StrictInt | None = Field(
        default=None, gt=0, le=MAX_TRAINING_RUNTIME_SECONDS,
        description=f"Stop the job after this many seconds: 1 to {MAX_TRAINING_RUNTIME_SECONDS} (28 days, SageMaker's limit).",
    )
    experiment_name: str | None = None
    trial_name: str | None = Field(default=None, description="Trial (run group) of the experiment the job's run joins.")
    tags: dict[TagKey, TagValue | Int | float] | None = Field(default=None, max_length=MAX_TAGS, description=TAGS_DESCRIPTION)
    backend: Literal["local", "ray"] | None = Field(default=None, description="Where the job runs: `local` or `ray`; none: the server's LABSTUDIO_BACKEND.")
    install_requirements: StrictBool | None = Field(
        default=None,
        description="Install the source dir's requirements.txt with pip before the script, in a cached per-job "
        "environment (default true; false runs the script in labstudio's environment as it is).",
    )
    instance_count: Int | None = Field(
        default=None, description="Hosts (algo-1..algo-N) the job trains on, 1 to 64 (default 1); see docs/multi-host.md."
    )
    distribution: dict[str, Any] | None = Field(
        default=None,
        description="SageMaker's distribution setting; {\"torch_distributed\": {\"enabled\": true}} (or \"pytorchddp\") "
        "launches the entry point with torchrun on every host.",
    )


class TrainingJobSummary(Response):
    TrainingJobName: str
    TrainingJobStatus: TrainingJobStatus
    SecondaryStatus: str
    StatusMessage: str
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    TrainingStartTime: str | None
    TrainingEndTime: str | None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    FailureReason: str | None
    ExperimentName: str | None
    RunId: str | None
    TuningJobName: str | None = Field(
        default=None, description="The tuning job that ran this job as a trial (its labstudio:tuning-job tag), else null."
    )


class ListTrainingJobsResponse(Response):
    TrainingJobSummaries: list[TrainingJobSummary]
    NextToken: str | None


class SecondaryStatusTransition(Response):
    Status: str
    StartTime: str
    EndTime: str | None
    StatusMessage: str


class FileDataSourceShape(Response):
    FileUri: str


class DataSourceShape(Response):
    FileDataSource: FileDataSourceShape


class InputChannel(Response):
    ChannelName: str
    DataSource: DataSourceShape


class FinalMetric(Response):
    MetricName: str
    Value: JsonNumber | None
    Timestamp: str


class ModelArtifactsShape(Response):
    S3ModelArtifacts: str | None
    Deleted: bool | None = Field(default=None, description="Present (true) when the archive was deleted with the job's run.")


class OutputArtifactsShape(Response):
    S3OutputArtifacts: str | None
    Deleted: bool | None = None


class StoppingConditionShape(Response):
    MaxRuntimeInSeconds: int | None = None


class Tag(Response):
    Key: str
    Value: str


class ResourceConfigShape(Response):
    InstanceType: str
    InstanceCount: int


class JobHostShape(Response):
    """One host (algo-k) of a job: where it ran and how it ended."""

    Host: str
    Node: str | None = None
    Status: Literal["Pending", "InProgress", "Completed", "Failed", "Stopped"]
    ExitCode: int | None = None
    FailureReason: str | None = None


class AlgorithmSpecificationShape(Response):
    TrainingInputMode: str | None = None
    MetricDefinitions: list[MetricDefinition]


class DescribeTrainingJobResponse(Response):
    """SageMaker's DescribeTrainingJob, plus labstudio's ExperimentName/RunId/EntryPoint."""

    TrainingJobName: str
    TrainingJobStatus: TrainingJobStatus
    SecondaryStatus: str
    SecondaryStatusTransitions: list[SecondaryStatusTransition]
    FailureReason: str | None = None
    HyperParameters: dict[str, str]
    AlgorithmSpecification: AlgorithmSpecificationShape | None = None
    InputDataConfig: list[InputChannel]
    ModelArtifacts: ModelArtifactsShape | None = None
    OutputDataConfig: dict[str, Any] | None = None
    FinalMetricDataList: list[FinalMetric]
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    TrainingStartTime: str | None = None
    TrainingEndTime: str | None = None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    StoppingCondition: StoppingConditionShape | None = None
    Environment: dict[str, str]
    Tags: list[Tag]
    ExperimentName: str | None = None
    RunId: str | None = None
    EntryPoint: str
    SourceDir: str | None = None
    MetricDefinitions: list[MetricDefinition]
    OutputArtifacts: OutputArtifactsShape | None = None
    LogUri: str | None = None
    ExitCode: int | None = None
    TrainingTimeInSeconds: float | None = None
    Backend: str | None = Field(default=None, description="Where the job runs: local or ray.")
    ResourceConfig: ResourceConfigShape | None = None
    Hosts: list[JobHostShape] | None = Field(default=None, description="Each host (algo-1..algo-N) of the job, in order.")


class LogChunk(Response):
    """GET /jobs/{name}/logs: follow by passing next_offset back."""

    text: str
    next_offset: int
    complete: bool


class MetricPoint(Response):
    step: int
    value: JsonNumber | None
    timestamp: float


class MetricPoints(Response):
    name: str
    points: list[MetricPoint]


class GetTrainingJobMetricsResponse(Response):
    TrainingJobName: str
    metrics: list[MetricPoints] = Field(description="Metric by metric in step order; a metric may continue on the next page.")
    NextToken: str | None = None
