"""Parsing and validating create/update requests (REST bodies, SDK and CLI arguments).

Keys are SageMaker's PascalCase names (``ProductionVariants``, ``InitialVariantWeight``...),
exactly as documented in the OpenAPI schema, so a body copied from a boto3 call works.
Any other key is refused with the list of allowed ones: a misspelt ``InitialInstanceCont``
silently ignored would deploy something else than what the user asked for.
Every problem is an ``Invalid`` naming the field, so the REST API answers 400, never 500.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

from ..errors import Invalid
from .sources import environment_ok
from .spec import DEFAULT_BODY_LIMIT, DEFAULT_STARTUP_TIMEOUT, DEFAULT_TIMEOUT, DEFAULT_VARIANT, CaptureSpec, check_name

MAX_INSTANCES = 64

VARIANT_FIELDS = ("VariantName", "Source", "EntryPoint", "SourceDir", "InitialVariantWeight", "InitialInstanceCount", "Environment")
# A one-variant endpoint may be written without ProductionVariants: these keys at the top level.
SHORTCUT_FIELDS = ("Source", "EntryPoint", "SourceDir", "InitialInstanceCount", "Environment")
CREATE_FIELDS = (
    "EndpointName", "ProductionVariants", "Port", "AuthToken", "DataCaptureConfig", "MaxPayloadBytes",
    "ModelServerTimeout", "StartupTimeout", "DefaultAccept", "RestartOnFailure",
) + SHORTCUT_FIELDS
UPDATE_FIELDS = ("ProductionVariants", "DataCaptureConfig")
CAPTURE_FIELDS = ("EnableCapture", "InitialSamplingPercentage", "DestinationS3Uri", "CaptureOptions")


def check_fields(data: Mapping[str, Any], allowed: Sequence[str], where: str = "") -> None:
    """Refuse keys that are not documented, naming the first one and listing the allowed ones."""
    unknown = sorted(str(k) for k in data if k not in allowed)
    if unknown:
        prefix = f"{where}." if where else ""
        raise Invalid(
            f"Unknown field(s) {', '.join(repr(prefix + u) for u in unknown)}; "
            f"allowed fields{' in ' + where if where else ''} are {', '.join(allowed)}.",
            field=prefix + unknown[0],
        )


def _pick(data: Mapping[str, Any], name: str, default: Any = None) -> Any:
    value = data.get(name)
    return default if value is None else value


def _number(value: Any, field_name: str, *, minimum: float, maximum: float | None = None) -> float:
    if isinstance(value, bool):
        raise Invalid(f"{field_name} must be a number, got {value!r}", field=field_name)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(f"{field_name} must be a number, got {value!r}", field=field_name) from None
    if number != number or number < minimum or (maximum is not None and number > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise Invalid(f"{field_name} must be {bound}, got {value!r}", field=field_name)
    return number


def _integer(value: Any, field_name: str, *, minimum: int, maximum: int) -> int:
    number = _number(value, field_name, minimum=minimum, maximum=maximum)
    if number != int(number):
        raise Invalid(f"{field_name} must be a whole number, got {value!r}", field=field_name)
    return int(number)


def _optional_str(value: Any, field_name: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise Invalid(f"{field_name} must be a string", field=field_name)
    return value


@dataclass
class VariantRequest:
    name: str
    source: str | None
    entry_point: str | None = None
    source_dir: str | None = None
    weight: float | None = 1.0
    instances: int | None = 1
    environment: dict[str, str] | None = field(default_factory=dict)


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


@dataclass
class UpdateRequest:
    variants: list[VariantRequest]
    capture: CaptureSpec | None = None


def parse_capture(raw: Any) -> CaptureSpec | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        raise Invalid("DataCaptureConfig must be an object", field="DataCaptureConfig")
    check_fields(raw, CAPTURE_FIELDS, "DataCaptureConfig")
    percent = _number(_pick(raw, "InitialSamplingPercentage", default=100), "DataCaptureConfig.InitialSamplingPercentage", minimum=0, maximum=100)
    enabled = _pick(raw, "EnableCapture", default=percent > 0)
    if not isinstance(enabled, bool):
        raise Invalid("DataCaptureConfig.EnableCapture must be true or false", field="DataCaptureConfig.EnableCapture")
    modes = _pick(raw, "CaptureOptions")
    capture_input = capture_output = True
    if modes:
        if not isinstance(modes, list) or not all(isinstance(m, Mapping) for m in modes):
            raise Invalid("CaptureOptions must be a list of {'CaptureMode': 'Input' | 'Output'}", field="DataCaptureConfig.CaptureOptions")
        for m in modes:
            check_fields(m, ("CaptureMode",), "DataCaptureConfig.CaptureOptions[]")
        wanted = {str(_pick(m, "CaptureMode", default="")).lower() for m in modes}
        if not wanted <= {"input", "output"} or not wanted:
            raise Invalid("CaptureOptions must list {'CaptureMode': 'Input'} and/or {'CaptureMode': 'Output'}", field="DataCaptureConfig.CaptureOptions")
        capture_input, capture_output = "input" in wanted, "output" in wanted
    destination = _optional_str(_pick(raw, "DestinationS3Uri"), "DataCaptureConfig.DestinationS3Uri")
    return CaptureSpec(enabled=enabled and percent > 0, percent=percent, destination=destination, capture_input=capture_input, capture_output=capture_output)


def _variant(raw: Any, index: int, *, for_update: bool) -> VariantRequest:
    where = f"ProductionVariants[{index}]"
    if not isinstance(raw, Mapping):
        raise Invalid(f"{where} must be an object", field="ProductionVariants")
    check_fields(raw, VARIANT_FIELDS, where)
    name = _pick(raw, "VariantName", default=None if for_update else DEFAULT_VARIANT)
    if name is None:
        raise Invalid(f"{where}.VariantName is required", field="VariantName")
    check_name(name, "variant name", "VariantName")
    source = _optional_str(_pick(raw, "Source"), f"{where}.Source")
    if source is None and not for_update:
        raise Invalid(f"{where}.Source is required: a training job name, a model archive (.tar.gz) or a model folder", field="Source")
    weight_raw = _pick(raw, "InitialVariantWeight")
    count_raw = _pick(raw, "InitialInstanceCount")
    env_raw = _pick(raw, "Environment")
    if env_raw is not None and not isinstance(env_raw, Mapping):
        raise Invalid(f"{where}.Environment must be an object of strings", field="Environment")
    return VariantRequest(
        name=name,
        source=source,
        entry_point=_optional_str(_pick(raw, "EntryPoint"), f"{where}.EntryPoint"),
        source_dir=_optional_str(_pick(raw, "SourceDir"), f"{where}.SourceDir"),
        weight=_number(weight_raw, f"{where}.InitialVariantWeight", minimum=0) if weight_raw is not None else (None if for_update else 1.0),
        instances=_integer(count_raw, f"{where}.InitialInstanceCount", minimum=1, maximum=MAX_INSTANCES) if count_raw is not None else (None if for_update else 1),
        environment=environment_ok(dict(env_raw)) if env_raw is not None else (None if for_update else {}),
    )


def _variants(data: Mapping[str, Any], *, for_update: bool) -> list[VariantRequest]:
    raw = _pick(data, "ProductionVariants")
    shortcut = {k: data[k] for k in SHORTCUT_FIELDS if not for_update and data.get(k) is not None}
    if raw is not None and shortcut:
        raise Invalid(
            f"give {', '.join(shortcut)} inside ProductionVariants, or leave ProductionVariants out for a one-variant endpoint",
            field=next(iter(shortcut)),
        )
    if raw is None:
        if "Source" not in shortcut:
            raise Invalid("ProductionVariants is required: a list of {VariantName, Source, InitialVariantWeight, InitialInstanceCount}", field="ProductionVariants")
        raw = [{"VariantName": DEFAULT_VARIANT, **shortcut}]
    if not isinstance(raw, list) or not raw:
        raise Invalid("ProductionVariants must be a non-empty list", field="ProductionVariants")
    variants = [_variant(v, i, for_update=for_update) for i, v in enumerate(raw)]
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise Invalid(f"variant names must be unique, got {names}", field="ProductionVariants")
    return variants


def parse_create(data: Mapping[str, Any]) -> CreateRequest:
    if not isinstance(data, Mapping):
        raise Invalid("the request must be an object")
    check_fields(data, CREATE_FIELDS)
    name = _pick(data, "EndpointName")
    if name is not None:
        check_name(name, "endpoint name", "EndpointName")
    variants = _variants(data, for_update=False)
    if sum(v.weight or 0 for v in variants) <= 0:
        raise Invalid("at least one variant needs a weight above 0", field="ProductionVariants")
    port_raw = _pick(data, "Port")
    token = _optional_str(_pick(data, "AuthToken"), "AuthToken")
    restart = _pick(data, "RestartOnFailure", default=False)
    if not isinstance(restart, bool):
        raise Invalid("RestartOnFailure must be true or false", field="RestartOnFailure")
    return CreateRequest(
        name=name,
        variants=variants,
        port=_integer(port_raw, "Port", minimum=1, maximum=65535) if port_raw is not None else None,
        token=token,
        capture=parse_capture(_pick(data, "DataCaptureConfig")) or CaptureSpec(),
        body_limit=_integer(_pick(data, "MaxPayloadBytes", default=DEFAULT_BODY_LIMIT), "MaxPayloadBytes", minimum=1, maximum=2**31),
        timeout=_number(_pick(data, "ModelServerTimeout", default=DEFAULT_TIMEOUT), "ModelServerTimeout", minimum=0.001, maximum=3600),
        startup_timeout=_number(_pick(data, "StartupTimeout", default=DEFAULT_STARTUP_TIMEOUT), "StartupTimeout", minimum=1, maximum=7200),
        default_accept=_optional_str(_pick(data, "DefaultAccept"), "DefaultAccept") or "application/json",
        restart_on_failure=restart,
    )


def parse_update(data: Mapping[str, Any], current_variants: list[str]) -> UpdateRequest:
    if not isinstance(data, Mapping):
        raise Invalid("the request must be an object")
    check_fields(data, UPDATE_FIELDS)
    return UpdateRequest(variants=_variants(data, for_update=True), capture=parse_capture(_pick(data, "DataCaptureConfig")))
