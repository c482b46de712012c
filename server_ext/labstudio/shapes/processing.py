"""Processing jobs. The submit request is ours (snake_case, as the SDK's `Processor.run`
arguments); the describe and list answers are SageMaker's DescribeProcessingJob /
ListProcessingJobs (PascalCase)."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, StringConstraints

from .common import (
    MAX_PROCESSING_RUNTIME_SECONDS,
    MAX_TAGS,
    TAGS_DESCRIPTION,
    ContainerPath,
    Int,
    PathText,
    Request,
    ResourceName,
    Response,
    StrictInt,
    TagKey,
    TagValue,
)
from .jobs import StoppingConditionShape, Tag

# SageMaker's ContainerEntrypoint and ContainerArguments: at most 100 words of at most 256 characters.
MAX_CONTAINER_WORDS = 100
MAX_CONTAINER_WORD_CHARS = 256
ContainerWord = Annotated[str, StringConstraints(max_length=MAX_CONTAINER_WORD_CHARS)]

ProcessingJobStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]


class ProcessingInputRequest(Request):
    """One input: `source` is copied to `destination` (under /opt/ml/processing/) before the script starts."""

    source: PathText = Field(min_length=1, description="Local file or folder (or file:// URI), relative to the Jupyter root.")
    destination: ContainerPath = Field(min_length=1, description="Where the job sees it: a folder under /opt/ml/processing/.")
    input_name: str | None = Field(default=None, description="Default: input-1, input-2, ... in order.")


class ProcessingOutputRequest(Request):
    """One output: `source` (under /opt/ml/processing/) is copied to `destination` after the script succeeds."""

    source: ContainerPath = Field(min_length=1, description="The folder the script writes: under /opt/ml/processing/.")
    destination: PathText | None = Field(
        default=None,
        description="Folder to copy it to, relative to the Jupyter root; default: the artifact store "
        "(processing/<job>/output/<output_name>/).",
    )
    output_name: str | None = Field(default=None, description="Default: output-1, output-2, ... in order.")


class CreateProcessingJobRequest(Request):
    """The body of POST /processing-jobs (and what the SDK, CLI and magics build).

    Give `code` (a script, run with `command`, default ["python3"]) or `entrypoint` (a
    command run as it is, SageMaker's ContainerEntrypoint for a plain `Processor`)."""

    code: PathText | None = Field(default=None, description="Script to run, relative to source_dir (or to the Jupyter root when no source_dir).")
    source_dir: PathText | None = Field(default=None, description="Folder snapshotted with the script (FrameworkProcessor), relative to the Jupyter root.")
    command: list[ContainerWord] | None = Field(
        default=None, max_length=MAX_CONTAINER_WORDS,
        description='What runs `code`; default ["python3"] (this Python environment\'s interpreter).',
    )
    entrypoint: list[ContainerWord] | None = Field(
        default=None, max_length=MAX_CONTAINER_WORDS,
        description=f"Without `code`: the command to run, as SageMaker's ContainerEntrypoint (at most {MAX_CONTAINER_WORDS} words).",
    )
    arguments: list[ContainerWord] | None = Field(
        default=None, max_length=MAX_CONTAINER_WORDS,
        description=f"Arguments after the script (SageMaker's ContainerArguments: at most {MAX_CONTAINER_WORDS}, "
        f"each at most {MAX_CONTAINER_WORD_CHARS} characters).",
    )
    inputs: list[ProcessingInputRequest] | None = None
    outputs: list[ProcessingOutputRequest] | None = None
    name: ResourceName | Literal[""] | None = Field(default=None, description="Default: the script's stem and a timestamp.")
    environment: dict[str, str | Int | float] | None = None
    max_runtime_seconds: StrictInt | None = Field(
        default=None, gt=0, le=MAX_PROCESSING_RUNTIME_SECONDS,
        description=f"Stop the job after this many seconds: 1 to {MAX_PROCESSING_RUNTIME_SECONDS} (SageMaker's MaxRuntimeInSeconds for processing).",
    )
    experiment_name: str | None = None
    trial_name: str | None = Field(default=None, description="Trial (run group) of the experiment the job's run joins.")
    tags: dict[TagKey, TagValue | Int | float] | None = Field(default=None, max_length=MAX_TAGS, description=TAGS_DESCRIPTION)
    instance_count: Int | None = Field(default=None, description="Local jobs run on one host: 1.")
    backend: Literal["local", "ray"] | None = Field(
        default=None,
        description="Where the job runs: `local` or `ray`; none: the server's LABSTUDIO_BACKEND. On `ray` the outputs go to "
        "s3:// destinations or the artifact store.",
    )
    install_requirements: StrictBool | None = Field(
        default=None,
        description="Install the source dir's requirements.txt with pip before the script, in a cached per-job environment "
        "that sees labstudio's packages (as for training jobs). Default true.",
    )


class ProcessingJobSummary(Response):
    ProcessingJobName: str
    ProcessingJobArn: str
    ProcessingJobStatus: ProcessingJobStatus
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    ProcessingEndTime: str | None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    FailureReason: str | None
    ExitMessage: str | None
    ExperimentName: str | None = None
    RunId: str | None = None


class ListProcessingJobsResponse(Response):
    ProcessingJobSummaries: list[ProcessingJobSummary]
    NextToken: str | None


class S3InputShape(Response):
    """SageMaker's S3Input; `S3Uri` is the local source here (file://)."""

    S3Uri: str
    LocalPath: str
    S3DataType: str
    S3InputMode: str
    S3DataDistributionType: str
    S3CompressionType: str


class ProcessingInputShape(Response):
    InputName: str
    AppManaged: bool
    S3Input: S3InputShape


class S3OutputShape(Response):
    """SageMaker's S3Output; `S3Uri` is the local destination here."""

    S3Uri: str
    LocalPath: str
    S3UploadMode: str


class ProcessingOutputShape(Response):
    OutputName: str
    AppManaged: bool
    S3Output: S3OutputShape


class ProcessingOutputConfigShape(Response):
    Outputs: list[ProcessingOutputShape]


class AppSpecificationShape(Response):
    ImageUri: str = Field(description="A placeholder: local jobs run in this Python environment, not an image.")
    ContainerEntrypoint: list[str] | None = None
    ContainerArguments: list[str] | None = None


class ClusterConfigShape(Response):
    InstanceCount: int
    InstanceType: str
    VolumeSizeInGB: int


class ProcessingResourcesShape(Response):
    ClusterConfig: ClusterConfigShape


class ProcessingExperimentConfig(Response):
    ExperimentName: str | None = None
    TrialName: str | None = None


class DescribeProcessingJobResponse(Response):
    """SageMaker's DescribeProcessingJob, plus labstudio's ExperimentName/RunId/LogUri/ExitCode."""

    ProcessingJobName: str
    ProcessingJobArn: str
    ProcessingJobStatus: ProcessingJobStatus
    ProcessingInputs: list[ProcessingInputShape]
    ProcessingOutputConfig: ProcessingOutputConfigShape
    ProcessingResources: ProcessingResourcesShape
    AppSpecification: AppSpecificationShape
    Environment: dict[str, str]
    StoppingCondition: StoppingConditionShape
    ExitMessage: str | None = None
    FailureReason: str | None = None
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    ProcessingStartTime: str | None = None
    ProcessingEndTime: str | None = None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    ExperimentConfig: ProcessingExperimentConfig | None = None
    Tags: list[Tag]
    StatusMessage: str | None = None
    ExperimentName: str | None = None
    RunId: str | None = None
    ExitCode: int | None = None
    LogUri: str | None = None
    Code: str | None = Field(default=None, description="The script (relative to SourceDir), when the job runs one.")
    SourceDir: str | None = None
