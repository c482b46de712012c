"""Batch transform jobs. The create request is ours (snake_case, as the SDK's Transformer
arguments); describe and list answer SageMaker's DescribeTransformJob / ListTransformJobs
(PascalCase), plus labstudio's RecordsProcessed/RecordsTotal progress."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, StrictBool

from .common import MAX_TAGS, TAGS_DESCRIPTION, Int, PathText, Request, ResourceName, Response, TagKey, TagValue

TransformJobStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]


class CreateTransformJobRequest(Request):
    """The body of POST /transform-jobs (and what the SDK, CLI and magics build)."""

    model: PathText = Field(description="A Completed training job's name, or a model archive (.tar.gz), folder or file.")
    input: PathText = Field(description="A file, or a folder whose files are all transformed in name order (relative to the Jupyter root).")
    output_path: PathText = Field(description="Folder receiving '<input file>.out' for each input file.")
    name: ResourceName | Literal[""] | None = Field(default=None, description="Default: the model's name and a timestamp.")
    model_name: str | None = Field(default=None, description="ModelName shown by describe (default: 'model').")
    entry_point: PathText | None = Field(default=None, description="Inference script (model_fn/input_fn/predict_fn/output_fn), relative to source_dir.")
    source_dir: PathText | None = None
    content_type: str | None = Field(default=None, description="MIME type of the records, e.g. text/csv, application/json, application/jsonlines.")
    split_type: Literal["None", "Line", "RecordIO"] | None = None
    compression_type: Literal["None", "Gzip"] | None = None
    accept: str | None = Field(default=None, description="MIME type asked of the model (default: content_type when the default handlers can write it).")
    assemble_with: Literal["None", "Line"] | None = None
    strategy: Literal["SingleRecord", "MultiRecord"] | None = None
    max_payload: Int | None = Field(default=None, description="MaxPayloadInMB (1-100, default 6).")
    max_concurrent_transforms: Int | None = Field(default=None, description="Worker processes (default 1).")
    input_filter: str | None = Field(default=None, max_length=63)
    output_filter: str | None = Field(default=None, max_length=63)
    join_source: Literal["None", "Input"] | None = None
    environment: dict[str, str | Int | float] | None = None
    instance_type: str | None = None
    instance_count: Int | None = Field(default=None, ge=1)
    tags: dict[TagKey, TagValue | Int | float] | None = Field(default=None, max_length=MAX_TAGS, description=TAGS_DESCRIPTION)
    backend: Literal["local", "ray"] | None = Field(
        default=None,
        description="Where the job runs: `local` or `ray`; none: the server's LABSTUDIO_BACKEND. On `ray` the output_path "
        "must be an s3:// URL.",
    )
    install_requirements: StrictBool | None = Field(
        default=None,
        description="Install requirements.txt of the inference code's folder with pip before the model loads, in a cached "
        "environment that sees labstudio's packages (as SageMaker's serving containers do). Default true.",
    )


class TransformJobSummary(Response):
    TransformJobName: str
    TransformJobStatus: TransformJobStatus
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    TransformEndTime: str | None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    FailureReason: str | None
    RecordsProcessed: int
    RecordsTotal: int | None


class ListTransformJobsResponse(Response):
    TransformJobSummaries: list[TransformJobSummary]
    NextToken: str | None


class LocalDataSource(Response):
    S3DataType: str
    S3Uri: str = Field(description="The local input: a file:// URI of the file or folder.")


class TransformDataSource(Response):
    S3DataSource: LocalDataSource


class TransformInputShape(Response):
    DataSource: TransformDataSource
    ContentType: str | None
    CompressionType: str
    SplitType: str


class TransformOutputShape(Response):
    S3OutputPath: str
    Accept: str | None
    AssembleWith: str


class TransformResourcesShape(Response):
    InstanceType: str
    InstanceCount: int


class DataProcessingShape(Response):
    InputFilter: str
    OutputFilter: str
    JoinSource: str


class DescribeTransformJobResponse(Response):
    """SageMaker's DescribeTransformJob, plus labstudio's progress (RecordsProcessed of
    RecordsTotal, RecordsPerSecond), its log and the output files written so far."""

    TransformJobName: str
    TransformJobArn: str
    TransformJobStatus: TransformJobStatus
    FailureReason: str | None = None
    ModelName: str
    MaxConcurrentTransforms: int
    MaxPayloadInMB: int
    BatchStrategy: str
    Environment: dict[str, str]
    TransformInput: TransformInputShape
    TransformOutput: TransformOutputShape
    TransformResources: TransformResourcesShape
    DataProcessing: DataProcessingShape
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    TransformStartTime: str | None = None
    TransformEndTime: str | None = None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    RecordsProcessed: int
    RecordsTotal: int | None = Field(default=None, description="Known once the job has counted its input.")
    RecordsPerSecond: float | None = None
    OutputFiles: list[str]
    LogUri: str | None = None
    ExitCode: int | None = None
    Tags: dict[str, str]
