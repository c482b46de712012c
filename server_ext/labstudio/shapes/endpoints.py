"""Endpoints, in SageMaker's PascalCase: CreateEndpoint / UpdateEndpoint / DescribeEndpoint,
so a body copied from a boto3 call works. labstudio merges SageMaker's model, endpoint
config and endpoint into one resource: a variant names its model's Source directly."""
from __future__ import annotations

import re
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, Field, StrictBool

from .common import Int, Number, PathText, Request, ResourceName, Response

EndpointStatus = Literal["Creating", "InService", "Updating", "Deleting", "Failed"]
ENDPOINT_STATUSES: tuple[str, ...] = get_args(EndpointStatus)
MAX_INSTANCES = 64


MAX_TOKEN_CHARS = 1024
TOKEN_CHARS = re.compile(r"[\x21-\x7e]*\Z")  # what an HTTP header value carries as a bearer token


def _header_safe(value: str) -> str:
    """The token travels in an HTTP header: a CR or LF in it (or any other control character or
    space) would make every invocation through Jupyter fail, so it is refused when it is set."""
    if len(value) > MAX_TOKEN_CHARS:
        raise ValueError(f"is {len(value)} characters long; a token may have at most {MAX_TOKEN_CHARS}")
    if not TOKEN_CHARS.match(value):
        raise ValueError(
            "may hold only printable ASCII without spaces (it is sent as 'Authorization: Bearer <token>'); "
            "remove line breaks, spaces and other characters"
        )
    return value


BearerToken = Annotated[str, AfterValidator(_header_safe), Field(json_schema_extra={"maxLength": MAX_TOKEN_CHARS})]


class CaptureOption(Request):
    CaptureMode: str = Field(description="Input or Output (any case).")


class DataCaptureRequest(Request):
    EnableCapture: StrictBool | None = None
    InitialSamplingPercentage: Number | None = Field(default=None, ge=0, le=100)
    DestinationS3Uri: PathText | None = None
    CaptureOptions: list[CaptureOption] | None = None


SERVERLESS_MEMORY_SIZES = (1024, 2048, 3072, 4096, 5120, 6144)
MAX_SERVERLESS_CONCURRENCY = 200


def _memory_size(value: int) -> int:
    if value not in SERVERLESS_MEMORY_SIZES:
        raise ValueError(f"must be one of {', '.join(map(str, SERVERLESS_MEMORY_SIZES))} (1024 to 6144 in steps of 1024), got {value}")
    return value


class ServerlessConfigRequest(Request):
    """SageMaker's ServerlessConfig: no worker while idle, one started by the first request."""

    MemorySizeInMB: Annotated[Int, AfterValidator(_memory_size)] = Field(
        description="The worker's memory limit: 1024 to 6144 in steps of 1024.", json_schema_extra={"enum": list(SERVERLESS_MEMORY_SIZES)}
    )
    MaxConcurrency: Int = Field(ge=1, le=MAX_SERVERLESS_CONCURRENCY, description="Requests served at once; more are answered 429.")
    ProvisionedConcurrency: Int | None = Field(default=None, ge=1, le=MAX_SERVERLESS_CONCURRENCY, description="Not supported here: leave it out.")


class ProductionVariant(Request):
    VariantName: ResourceName | None = Field(default=None, description="Default (create): AllTraffic.")
    Source: PathText | None = Field(
        default=None,
        description="A Completed training job's name, or a model archive (.tar.gz) or model folder inside the Jupyter root "
        "(relative path or file://), or an archive under labstudio's artifact store when that store is remote (s3://...). "
        "Required to create; leave it out in an update to keep the variant's model (e.g. to change its weight).",
    )
    EntryPoint: PathText | None = Field(
        default=None, description="The inference script, relative to SourceDir (or the job's code); default: inference.py there, or the job's entry point."
    )
    SourceDir: PathText | None = Field(default=None, description="Folder holding the inference script, inside the Jupyter root.")
    InitialVariantWeight: Number | None = Field(default=None, ge=0, description="Default 1.")
    InitialInstanceCount: Int | None = Field(default=None, ge=1, le=MAX_INSTANCES, description="Worker processes; default 1.")
    Environment: dict[str, str] | None = None
    ServerlessConfig: ServerlessConfigRequest | None = Field(default=None, description="Serve this variant serverless (not with InitialInstanceCount).")


MAX_ASYNC_CONCURRENCY = 1000


class AsyncNotificationConfig(Request):
    SuccessTopic: str | None = Field(
        default=None, description="An http(s) URL called (POST, JSON) when a request completes; SageMaker's SNS topic, as a webhook."
    )
    ErrorTopic: str | None = Field(default=None, description="An http(s) URL called (POST, JSON) when a request fails.")
    IncludeInferenceResponseIn: list[Literal["SUCCESS_NOTIFICATION_TOPIC", "ERROR_NOTIFICATION_TOPIC"]] | None = None


class AsyncOutputConfig(Request):
    S3OutputPath: PathText | None = Field(
        default=None, description="Where each result goes, as <S3OutputPath>/<InferenceId>.out: a writable folder or s3:// prefix. Required."
    )
    S3FailurePath: PathText | None = Field(default=None, description="Where errors go, as <S3FailurePath>/<InferenceId>-error.out; default S3OutputPath.")
    NotificationConfig: AsyncNotificationConfig | None = None
    KmsKeyId: str | None = Field(default=None, description="Accepted for compatibility; results are not encrypted here.")


class AsyncClientConfig(Request):
    MaxConcurrentInvocationsPerInstance: Int | None = Field(
        default=None, ge=1, le=MAX_ASYNC_CONCURRENCY, description="Requests sent to each worker at once; default 4."
    )


class AsyncInferenceConfigRequest(Request):
    """SageMaker's AsyncInferenceConfig: the endpoint takes requests through a queue (InvokeEndpointAsync)."""

    OutputConfig: AsyncOutputConfig
    ClientConfig: AsyncClientConfig | None = None


class CreateEndpointRequest(Request):
    """Give ProductionVariants, or for one variant its Source (EntryPoint, SourceDir,
    InitialInstanceCount, Environment) at the top level."""

    EndpointName: ResourceName | None = None
    ProductionVariants: list[ProductionVariant] | None = None
    Source: PathText | None = None
    EntryPoint: PathText | None = None
    SourceDir: PathText | None = None
    InitialInstanceCount: Int | None = Field(default=None, ge=1, le=MAX_INSTANCES)
    Environment: dict[str, str] | None = None
    ServerlessConfig: ServerlessConfigRequest | None = None
    Port: Int | None = Field(default=None, ge=1, le=65535, description="Default: a free port on 127.0.0.1.")
    AuthToken: BearerToken | None = Field(
        default=None,
        description="Require 'Authorization: Bearer <token>' on /invocations: printable ASCII without spaces, at most 1024 characters.",
    )
    DataCaptureConfig: DataCaptureRequest | None = None
    MaxPayloadBytes: Int | None = Field(default=None, ge=1, le=2**31, description="Default 6291456.")
    ModelServerTimeout: Number | None = Field(
        default=None, ge=0.001, le=3600, description="Seconds a request may take, from its arrival; past it the endpoint answers 504. Default 60."
    )
    StartupTimeout: Number | None = Field(default=None, ge=1, le=7200, description="Seconds the model may take to load. Default 600.")
    DefaultAccept: str | None = Field(default=None, description="Default application/json.")
    RestartOnFailure: StrictBool | None = None
    InstallRequirements: StrictBool | None = Field(
        default=None,
        description="Install requirements.txt of the inference code's folder with pip before the handlers load, in a cached "
        "environment that sees labstudio's packages (as SageMaker's serving containers do). Default true.",
    )
    AsyncInferenceConfig: AsyncInferenceConfigRequest | None = Field(
        default=None,
        description="Make the endpoint asynchronous: requests are queued (InvokeEndpointAsync), results written to S3OutputPath. "
        "ModelServerTimeout then defaults to 900 s and MaxPayloadBytes to 1 GiB.",
    )


class CapacitySizeRequest(Request):
    Type: Literal["INSTANCE_COUNT", "CAPACITY_PERCENT"]
    Value: Int = Field(ge=1)


class TrafficRoutingRequest(Request):
    Type: Literal["ALL_AT_ONCE", "CANARY", "LINEAR"]
    WaitIntervalInSeconds: Int = Field(ge=0, le=3600, description="How long each share of traffic is watched before the next step.")
    CanarySize: CapacitySizeRequest | None = None
    LinearStepSize: CapacitySizeRequest | None = None


class BlueGreenUpdatePolicyRequest(Request):
    TrafficRoutingConfiguration: TrafficRoutingRequest
    TerminationWaitInSeconds: Int | None = Field(default=None, ge=0, le=3600, description="The old fleet stays (alarms watched) this long once the new one takes all traffic.")
    MaximumExecutionTimeoutInSeconds: Int | None = Field(default=None, ge=600, le=28800, description="The whole update's limit; past it, it rolls back.")


class AlarmReference(Request):
    AlarmName: str = Field(min_length=1, max_length=255)


class AutoRollbackConfig(Request):
    Alarms: list[AlarmReference] | None = Field(default=None, max_length=10)


class DeploymentConfigRequest(Request):
    """SageMaker's DeploymentConfig: a blue/green update that shifts traffic in steps and rolls back on an alarm."""

    BlueGreenUpdatePolicy: BlueGreenUpdatePolicyRequest | None = None
    AutoRollbackConfiguration: AutoRollbackConfig | None = None


class UpdateEndpointRequest(Request):
    ProductionVariants: list[ProductionVariant] = Field(
        description="The new set of variants. Leave Source out to keep a variant's model (e.g. to change its weight)."
    )
    DataCaptureConfig: DataCaptureRequest | None = None
    DeploymentConfig: DeploymentConfigRequest | None = Field(
        default=None, description="Shift traffic to the new model in steps (canary or linear) watched by alarms; one variant, one new model."
    )


class EndpointFigures(Response):
    Invocations: int
    Errors: int
    Invocation4XXErrors: int
    Invocation5XXErrors: int
    LatencyAverageMs: float | None
    LatencyP50Ms: float | None
    LatencyP90Ms: float | None
    LatencyP99Ms: float | None


class EndpointSummary(Response):
    EndpointName: str
    EndpointStatus: EndpointStatus
    FailureReason: str | None
    EndpointUrl: str | None
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    VariantNames: list[str]


class ListEndpointsResponse(Response):
    Endpoints: list[EndpointSummary]


class ServerlessFigures(Response):
    ColdStarts: int
    LastColdStartMs: float | None
    ColdStartAverageMs: float | None
    Throttles: int


class ServerlessConfigDescription(Response):
    MemorySizeInMB: int
    MaxConcurrency: int


class VariantDescription(Response):
    VariantName: str
    ModelData: str
    EntryPoint: str | None
    SourceDir: str | None
    CurrentWeight: float
    CurrentInstanceCount: int
    VariantStatus: str
    Metrics: EndpointFigures
    CurrentServerlessConfig: ServerlessConfigDescription | None = None
    ServerlessMetrics: ServerlessFigures | None = None


class CaptureOptionDescription(Response):
    CaptureMode: str


class DataCaptureDescription(Response):
    EnableCapture: bool
    CaptureStatus: Literal["Started", "Stopped"]
    CurrentSamplingPercentage: float
    DestinationS3Uri: str | None
    CaptureOptions: list[CaptureOptionDescription]


class DescribeEndpointResponse(EndpointSummary):
    InvocationsUrl: str | None
    AuthType: Literal["None", "Bearer"]
    ProductionVariants: list[VariantDescription]
    DataCaptureConfig: DataCaptureDescription
    Metrics: EndpointFigures
    EndpointType: Literal["RealTime", "Async", "Serverless"] = "RealTime"
    AsyncInferenceConfig: AsyncInferenceConfigRequest | None = Field(default=None, description="Set on an asynchronous endpoint.")
    ApproximateBacklogSize: int | None = Field(default=None, description="An asynchronous endpoint's requests queued or in progress.")
    LastDeploymentConfig: DeploymentConfigRequest | None = None
    DeploymentProgress: dict[str, Any] | None = Field(default=None, description="A guarded update's steps, alarm values and outcome.")


INFERENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")


def _inference_id(value: str) -> str:
    """It becomes a file name: nothing that could climb out of the output folder."""
    if not INFERENCE_ID.match(value):
        raise ValueError("must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit (it names the result file)")
    return value


class InvokeEndpointAsyncRequest(Request):
    """SageMaker Runtime's InvokeEndpointAsync: the payload is read from InputLocation when its turn comes."""

    InputLocation: PathText = Field(description="The payload: a file inside the Jupyter root (or file://), or an s3:// object.")
    ContentType: str | None = Field(default=None, description="Default application/octet-stream.")
    Accept: str | None = None
    CustomAttributes: str | None = Field(default=None, max_length=1024)
    InferenceId: Annotated[str, AfterValidator(_inference_id)] | None = Field(
        default=None, description="Names the result file (<InferenceId>.out): 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
    )
    RequestTTLSeconds: Int | None = Field(default=None, ge=60, le=21600, description="Seconds the request may wait in the queue; default 21600.")
    InvocationTimeoutSeconds: Int | None = Field(default=None, ge=1, le=3600, description="Seconds the model may take; default 900.")


class InvokeEndpointAsyncResponse(Response):
    InferenceId: str
    OutputLocation: str
    FailureLocation: str


class AsyncInvocationDescription(Response):
    EndpointName: str
    InferenceId: str
    Status: Literal["Pending", "InProgress", "Completed", "Failed"]
    InputLocation: str
    OutputLocation: str
    FailureLocation: str
    FailureReason: str | None
    Attempts: int
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    StartTime: str | None
    EndTime: str | None


class EndpointLogs(Response):
    EndpointName: str
    Log: str
