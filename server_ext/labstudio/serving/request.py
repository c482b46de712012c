"""Turning create/update requests (REST bodies, SDK and CLI arguments) into what the
service deploys.

The shapes (`CreateEndpointRequest`, `UpdateEndpointRequest` in `labstudio.shapes`) hold
SageMaker's PascalCase keys, refuse any other key with the list of allowed ones (a
misspelt ``InitialInstanceCont`` silently ignored would deploy something else than what
the user asked for) and check types and ranges. What is left here are the rules between
fields: the one-variant shortcut, defaults, unique variant names, a weight above zero.
Every problem is an ``Invalid`` naming the field, so the REST API answers 400, never 500.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import Invalid
from ..shapes import parse
from ..shapes.endpoints import (
    MAX_INSTANCES,
    AsyncInferenceConfigRequest,
    CreateEndpointRequest,
    DataCaptureRequest,
    DeploymentConfigRequest,
    ProductionVariant,
    UpdateEndpointRequest,
)
from .async_config import ASYNC_BODY_LIMIT, ASYNC_TIMEOUT
from .sources import environment_ok
from .spec import DEFAULT_BODY_LIMIT, DEFAULT_STARTUP_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_VARIANT, CaptureSpec

__all__ = ["MAX_INSTANCES", "CreateRequest", "UpdateRequest", "VariantRequest", "parse_capture", "parse_create", "parse_update"]

# A one-variant endpoint may be written without ProductionVariants: these keys at the top level.
SHORTCUT_FIELDS = ("Source", "EntryPoint", "SourceDir", "InitialInstanceCount", "Environment", "ServerlessConfig")


@dataclass
class VariantRequest:
    name: str
    source: str | None
    entry_point: str | None = None
    source_dir: str | None = None
    weight: float | None = 1.0
    instances: int | None = 1
    environment: dict[str, str] | None = field(default_factory=dict)
    serverless: dict[str, int] | None = None  # {"memory_mb", "max_concurrency"}: a serverless variant (runtime/serverless.py)


@dataclass
class CreateRequest:
    name: str | None
    variants: list[VariantRequest]
    port: int | None = None
    token: str | None = None
    capture: CaptureSpec = field(default_factory=CaptureSpec)
    body_limit: int = DEFAULT_BODY_LIMIT
    timeout: float = DEFAULT_TIMEOUT
    startup_timeout: float = DEFAULT_STARTUP_TIMEOUT
    default_accept: str = "application/json"
    restart_on_failure: bool = False
    install_requirements: bool = True  # pip install the code's requirements.txt (serving/requirements.py)
    async_config: AsyncInferenceConfigRequest | None = None  # checked and resolved by the service (serving/async_config.py)


@dataclass
class UpdateRequest:
    variants: list[VariantRequest]
    capture: CaptureSpec | None = None
    deployment: DeploymentConfigRequest | None = None  # a guarded update (serving/deployment.py)


def parse_capture(raw: DataCaptureRequest | None) -> CaptureSpec | None:
    if raw is None:
        return None
    percent = 100.0 if raw.InitialSamplingPercentage is None else raw.InitialSamplingPercentage
    enabled = percent > 0 if raw.EnableCapture is None else raw.EnableCapture
    capture_input = capture_output = True
    if raw.CaptureOptions:
        wanted = {m.CaptureMode.lower() for m in raw.CaptureOptions}
        if not wanted <= {"input", "output"}:
            raise Invalid("CaptureOptions must list {'CaptureMode': 'Input'} and/or {'CaptureMode': 'Output'}", field="DataCaptureConfig.CaptureOptions")
        capture_input, capture_output = "input" in wanted, "output" in wanted
    return CaptureSpec(
        enabled=enabled and percent > 0, percent=percent, destination=raw.DestinationS3Uri or None, capture_input=capture_input, capture_output=capture_output
    )


def _variant(raw: ProductionVariant, index: int, *, for_update: bool) -> VariantRequest:
    where = f"ProductionVariants[{index}]"
    name = raw.VariantName or (None if for_update else DEFAULT_VARIANT)
    if name is None:
        raise Invalid(f"{where}.VariantName is required", field="VariantName")
    source = raw.Source or None
    if source is None and not for_update:
        raise Invalid(f"{where}.Source is required: a training job name, a model archive (.tar.gz) or a model folder", field="Source")
    default_weight: float | None = None if for_update else 1.0
    default_count: int | None = None if for_update else 1
    default_env: dict[str, str] | None = None if for_update else {}
    serverless = None
    if raw.ServerlessConfig is not None:
        if raw.InitialInstanceCount is not None:
            raise Invalid(
                f"{where}: give ServerlessConfig or InitialInstanceCount, not both (a serverless variant starts its worker on demand)",
                field="ServerlessConfig",
            )
        if raw.ServerlessConfig.ProvisionedConcurrency is not None:
            raise Invalid(f"{where}.ServerlessConfig.ProvisionedConcurrency is not supported here: leave it out", field="ServerlessConfig.ProvisionedConcurrency")
        serverless = {"memory_mb": raw.ServerlessConfig.MemorySizeInMB, "max_concurrency": raw.ServerlessConfig.MaxConcurrency}
        default_count = 1
    return VariantRequest(
        name=name,
        source=source,
        entry_point=raw.EntryPoint or None,
        source_dir=raw.SourceDir or None,
        weight=raw.InitialVariantWeight if raw.InitialVariantWeight is not None else default_weight,
        instances=raw.InitialInstanceCount if raw.InitialInstanceCount is not None else default_count,
        environment=environment_ok(dict(raw.Environment)) if raw.Environment is not None else default_env,
        serverless=serverless,
    )


def _variants(raw: list[ProductionVariant] | None, shortcut: dict[str, Any], *, for_update: bool) -> list[VariantRequest]:
    if raw is not None and shortcut:
        raise Invalid(
            f"give {', '.join(shortcut)} inside ProductionVariants, or leave ProductionVariants out for a one-variant endpoint",
            field=next(iter(shortcut)),
        )
    if raw is None:
        if "Source" not in shortcut:
            raise Invalid("ProductionVariants is required: a list of {VariantName, Source, InitialVariantWeight, InitialInstanceCount}", field="ProductionVariants")
        raw = [ProductionVariant(VariantName=DEFAULT_VARIANT, **shortcut)]
    if not raw:
        raise Invalid("ProductionVariants must be a non-empty list", field="ProductionVariants")
    variants = [_variant(v, i, for_update=for_update) for i, v in enumerate(raw)]
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise Invalid(f"variant names must be unique, got {names}", field="ProductionVariants")
    return variants


def parse_create(data: Mapping[str, Any] | CreateEndpointRequest) -> CreateRequest:
    req = parse(CreateEndpointRequest, data)
    shortcut = {k: getattr(req, k) for k in SHORTCUT_FIELDS if getattr(req, k) is not None}
    variants = _variants(req.ProductionVariants, shortcut, for_update=False)
    if sum(v.weight or 0 for v in variants) <= 0:
        raise Invalid("at least one variant needs a weight above 0", field="ProductionVariants")
    is_async = req.AsyncInferenceConfig is not None
    if is_async and any(v.serverless for v in variants):
        raise Invalid("an endpoint is asynchronous (AsyncInferenceConfig) or serverless (ServerlessConfig), not both", field="ServerlessConfig")
    return CreateRequest(
        name=req.EndpointName,
        variants=variants,
        port=req.Port,
        token=req.AuthToken or None,
        capture=parse_capture(req.DataCaptureConfig) or CaptureSpec(),
        body_limit=(ASYNC_BODY_LIMIT if is_async else DEFAULT_BODY_LIMIT) if req.MaxPayloadBytes is None else req.MaxPayloadBytes,
        timeout=(ASYNC_TIMEOUT if is_async else DEFAULT_TIMEOUT) if req.ModelServerTimeout is None else req.ModelServerTimeout,
        startup_timeout=DEFAULT_STARTUP_TIMEOUT if req.StartupTimeout is None else req.StartupTimeout,
        default_accept=req.DefaultAccept or "application/json",
        restart_on_failure=bool(req.RestartOnFailure),
        install_requirements=req.InstallRequirements is not False,
        async_config=req.AsyncInferenceConfig,
    )


def parse_update(data: Mapping[str, Any] | UpdateEndpointRequest, current_variants: list[str]) -> UpdateRequest:
    req = parse(UpdateEndpointRequest, data)
    return UpdateRequest(
        variants=_variants(req.ProductionVariants, {}, for_update=True), capture=parse_capture(req.DataCaptureConfig), deployment=req.DeploymentConfig,
    )
