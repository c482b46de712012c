"""Model Monitor: requests and answers in SageMaker's shapes (CreateMonitoringSchedule,
DescribeMonitoringSchedule, ListMonitoringSchedules, ListMonitoringExecutions), and the
baselining request labstudio adds (SageMaker's SDK starts a processing job for it; REST and
the CLI ask for one here)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .common import Int, Request, ResourceName, Response

ScheduleStatus = Literal["Pending", "Failed", "Scheduled", "Stopped"]
ExecutionStatus = Literal["Pending", "Completed", "CompletedWithViolations", "InProgress", "Failed", "Stopping", "Stopped"]
MonitoringKind = Literal["DataQuality", "ModelQuality"]


class S3Resource(Request):
    S3Uri: str = Field(min_length=1, max_length=1024, description="A local path (relative to the Jupyter root over REST), file:// or s3:// URI.")


class BaselineConfigRequest(Request):
    ConstraintsResource: S3Resource | None = None
    StatisticsResource: S3Resource | None = None


class EndpointInputRequest(Request):
    EndpointName: ResourceName
    LocalPath: str = Field(default="/opt/ml/processing/input/endpoint", max_length=256)
    S3InputMode: Literal["File", "Pipe"] = "File"
    S3DataDistributionType: Literal["FullyReplicated", "ShardedByS3Key"] = "FullyReplicated"
    FeaturesAttribute: str | None = Field(default=None, max_length=256)
    InferenceAttribute: str | None = Field(default=None, max_length=256)
    ProbabilityAttribute: str | None = Field(default=None, max_length=256)
    ProbabilityThresholdAttribute: float | None = None


class MonitoringInputRequest(Request):
    EndpointInput: EndpointInputRequest


class S3OutputRequest(Request):
    S3Uri: str = Field(min_length=1, max_length=1024)
    LocalPath: str = Field(default="/opt/ml/processing/output", max_length=256)
    S3UploadMode: Literal["Continuous", "EndOfJob"] = "EndOfJob"


class MonitoringOutputRequest(Request):
    S3Output: S3OutputRequest


class MonitoringOutputConfigRequest(Request):
    MonitoringOutputs: list[MonitoringOutputRequest] = Field(min_length=1, max_length=1)
    KmsKeyId: str | None = None


class StoppingConditionRequest(Request):
    MaxRuntimeInSeconds: Int = Field(ge=1, le=86400)


class GroundTruthS3InputRequest(Request):
    S3Uri: str = Field(min_length=1, max_length=1024)


class MonitoringJobDefinitionRequest(Request):
    BaselineConfig: BaselineConfigRequest | None = None
    MonitoringInputs: list[MonitoringInputRequest] = Field(min_length=1, max_length=1)
    MonitoringOutputConfig: MonitoringOutputConfigRequest | None = None
    MonitoringResources: dict[str, Any] | None = Field(default=None, description="Accepted and shown back; a local job runs on this machine.")
    MonitoringAppSpecification: dict[str, Any] | None = Field(default=None, description="Accepted and shown back; the analyzer is labstudio's.")
    StoppingCondition: StoppingConditionRequest | None = None
    Environment: dict[str, str] | None = Field(default=None, max_length=50)
    NetworkConfig: dict[str, Any] | None = None
    RoleArn: str | None = Field(default=None, max_length=2048)
    GroundTruthS3Input: GroundTruthS3InputRequest | None = Field(default=None, description="ModelQuality: where the ground truth records are.")
    ProblemType: Literal["BinaryClassification", "MulticlassClassification", "Regression"] | None = None


class ScheduleConfigRequest(Request):
    ScheduleExpression: str = Field(min_length=1, max_length=256, description="cron(0 * ? * * *) (hourly), cron(0 0 ? * * *) (daily), a five-field cron, or NOW.")
    DataAnalysisStartTime: str | None = Field(default=None, max_length=32, description="An ISO 8601 offset from the scheduled time, e.g. -PT1H.")
    DataAnalysisEndTime: str | None = Field(default=None, max_length=32, description="e.g. -PT0H.")


class MonitoringScheduleConfigRequest(Request):
    ScheduleConfig: ScheduleConfigRequest
    MonitoringJobDefinition: MonitoringJobDefinitionRequest
    MonitoringType: MonitoringKind = "DataQuality"


class TagRequest(Request):
    Key: str = Field(min_length=1, max_length=128)
    Value: str = Field(max_length=256)


class CreateMonitoringScheduleRequest(Request):
    """POST /monitoring-schedules: SageMaker's CreateMonitoringSchedule (with the job definition inline)."""

    MonitoringScheduleName: ResourceName
    MonitoringScheduleConfig: MonitoringScheduleConfigRequest
    Tags: list[TagRequest] | None = Field(default=None, max_length=50)


class MonitoringScheduleArnResponse(Response):
    MonitoringScheduleArn: str


class MonitoringExecutionSummary(Response):
    MonitoringScheduleName: str
    ScheduledTime: str
    CreationTime: str
    LastModifiedTime: str
    MonitoringExecutionStatus: ExecutionStatus
    ProcessingJobArn: str | None = None
    ProcessingJobName: str | None = Field(default=None, description="labstudio: the processing job's name, for its log.")
    EndpointName: str | None = None
    FailureReason: str | None = None
    ExitMessage: str | None = Field(default=None, description="labstudio: the processing job's ExitMessage.")
    MonitoringType: MonitoringKind | None = None
    DataAnalysisStartTime: str | None = Field(default=None, description="labstudio: the analysed window's start.")
    DataAnalysisEndTime: str | None = Field(default=None, description="labstudio: the analysed window's end.")
    OutputUri: str | None = Field(default=None, description="labstudio: where the run's statistics.json and constraint_violations.json are.")


class ListMonitoringExecutionsResponse(Response):
    MonitoringExecutionSummaries: list[MonitoringExecutionSummary]
    NextToken: str | None = None


class MonitoringExecutionReport(Response):
    """labstudio: one execution with its reports and its baseline, for the panel (no SageMaker call has it)."""

    Summary: MonitoringExecutionSummary
    Statistics: dict[str, Any] | None = Field(default=None, description="The run's statistics.json (None until it completed).")
    ConstraintViolations: dict[str, Any] | None = Field(default=None, description="The run's constraint_violations.json.")
    BaselineStatistics: dict[str, Any] | None = Field(default=None, description="The schedule's baseline statistics.json, when it has one.")


class MonitoringScheduleSummary(Response):
    MonitoringScheduleName: str
    MonitoringScheduleArn: str
    CreationTime: str
    LastModifiedTime: str
    MonitoringScheduleStatus: ScheduleStatus
    EndpointName: str
    MonitoringType: MonitoringKind
    NextRunTime: str | None = Field(default=None, description="labstudio: when the scheduler starts the next execution.")


class ListMonitoringSchedulesResponse(Response):
    MonitoringScheduleSummaries: list[MonitoringScheduleSummary]
    NextToken: str | None = None


class DescribeMonitoringScheduleResponse(Response):
    MonitoringScheduleArn: str
    MonitoringScheduleName: str
    MonitoringScheduleStatus: ScheduleStatus
    MonitoringType: MonitoringKind
    FailureReason: str | None = None
    CreationTime: str
    LastModifiedTime: str
    MonitoringScheduleConfig: dict[str, Any]
    EndpointName: str
    LastMonitoringExecutionSummary: MonitoringExecutionSummary | None = None
    NextRunTime: str | None = Field(default=None, description="labstudio: when the scheduler starts the next execution.")
    Tags: list[dict[str, str]] | None = None


class SuggestBaselineRequest(Request):
    """POST /monitoring-baselines: run a baselining processing job over a dataset."""

    BaselineDataset: str = Field(min_length=1, max_length=1024, description="The baseline file or folder (relative to the Jupyter root over REST).")
    DatasetFormat: dict[str, dict[str, Any]] = Field(description='{"csv": {"header": true}} or {"json": {"lines": true}}.')
    OutputS3Uri: str | None = Field(default=None, max_length=1024, description="Where statistics.json and constraints.json go (default: the artifact store).")
    JobName: ResourceName | None = None
    MaxRuntimeInSeconds: Int | None = Field(default=None, ge=1, le=86400)
    Environment: dict[str, str] | None = Field(default=None, max_length=50)


__all__ = [
    "CreateMonitoringScheduleRequest", "DescribeMonitoringScheduleResponse", "ListMonitoringExecutionsResponse", "ListMonitoringSchedulesResponse",
    "MonitoringExecutionReport", "MonitoringExecutionSummary", "MonitoringScheduleArnResponse", "MonitoringScheduleSummary", "SuggestBaselineRequest",
]
