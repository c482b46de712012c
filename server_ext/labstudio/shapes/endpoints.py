"""Endpoints, in SageMaker's PascalCase: CreateEndpoint / UpdateEndpoint / DescribeEndpoint,
so a body copied from a boto3 call works. labstudio merges SageMaker's model, endpoint
config and endpoint into one resource: a variant names its model's Source directly."""
from __future__ import annotations

import re
from typing import Annotated, Literal, get_args

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


class UpdateEndpointRequest(Request):
    ProductionVariants: list[ProductionVariant] = Field(
        description="The new set of variants. Leave Source out to keep a variant's model (e.g. to change its weight)."
    )
    DataCaptureConfig: DataCaptureRequest | None = None


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


class VariantDescription(Response):
    VariantName: str
    ModelData: str
    EntryPoint: str | None
    SourceDir: str | None
    CurrentWeight: float
    CurrentInstanceCount: int
    VariantStatus: str
    Metrics: EndpointFigures


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


class EndpointLogs(Response):
    EndpointName: str
    Log: str
