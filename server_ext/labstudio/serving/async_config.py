"""An asynchronous endpoint's settings: AsyncInferenceConfig checked and resolved at create.

Everything a bad configuration could break is checked before the endpoint exists: the output
(and failure) location must be writable now (a probe file is written and removed), a
notification must be a URL this machine can call, and from REST a local location must lie
inside the Jupyter root. What the endpoint's dispatcher needs is kept in the spec as plain
JSON (``to_spec``); ``describe`` answers it in SageMaker's shape again (``describe``).
"""
from __future__ import annotations

import posixpath
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..errors import Invalid
from ..sdk import storage
from ..shapes.endpoints import AsyncInferenceConfigRequest

DEFAULT_CONCURRENCY = 4  # requests per worker at once (SageMaker's default is chosen by the container)
ASYNC_TIMEOUT = 900.0  # seconds a request may take by default: SageMaker's 15 minutes
ASYNC_BODY_LIMIT = 1 << 30  # payloads up to 1 GB
DEFAULT_TTL = 21600  # seconds a request may wait in the queue (SageMaker's RequestTTLSeconds default)
RESULT_SUFFIX = ".out"
ERROR_SUFFIX = "-error.out"


def _location(raw: str, field: str, base_dir: Path | None, confine: Callable[[Path, str, str], Path] | None, artifact_uri: str) -> str:
    """A folder or URL prefix as a URI: ``s3://<session bucket>/...`` maps into the artifact
    store as the SDK's uploads do, a relative path is taken from ``base_dir``."""
    if "\x00" in raw:
        raise Invalid(f"{field} must not contain a NUL character", field=field)
    uri = storage.localize(raw, artifact_uri)
    if storage.is_local(uri):
        path = Path(uri[len("file://"):] if uri.startswith("file://") else uri).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        path = path.resolve()
        if confine is not None:
            path = confine(path, field, raw)
        return "file://" + str(path)
    return uri.rstrip("/")


def check_writable(uri: str, field: str) -> None:
    """Create the folder (or prefix) and write then remove a probe file there, or refuse naming the field."""
    probe = posixpath.join(uri.rstrip("/"), f".labstudio-write-check-{uuid.uuid4().hex[:8]}")
    try:
        fs, path = storage.filesystem(probe)
        fs.makedirs(posixpath.dirname(path), exist_ok=True)
        with fs.open(path, "wb") as handle:
            handle.write(b"")
        fs.rm(path)
    except Exception as exc:  # a permission error, a missing driver, an unreachable bucket...
        raise Invalid(
            f"{field} {uri!r} cannot be written ({type(exc).__name__}: {exc}): give a folder or s3:// prefix this machine can write",
            field=field,
        ) from None


def _url(raw: str | None, field: str) -> str | None:
    if not raw:
        return None
    if not raw.startswith(("http://", "https://")):
        raise Invalid(
            f"{field} {raw!r} is not an http(s) URL: here a notification topic is a webhook URL called with the "
            "notification as JSON (an SNS topic has no local equivalent)",
            field=field,
        )
    return raw


def to_spec(
    config: AsyncInferenceConfigRequest, *, base_dir: Path | None, confine: Callable[[Path, str, str], Path] | None, artifact_uri: str
) -> dict[str, Any]:
    """The dispatcher's settings from the request, after every check (raises ``Invalid``)."""
    out = config.OutputConfig
    if not out.S3OutputPath:
        raise Invalid(
            "AsyncInferenceConfig.OutputConfig.S3OutputPath is required: the folder (or s3:// prefix) results are written to",
            field="AsyncInferenceConfig.OutputConfig.S3OutputPath",
        )
    output = _location(out.S3OutputPath, "AsyncInferenceConfig.OutputConfig.S3OutputPath", base_dir, confine, artifact_uri)
    failure = output
    if out.S3FailurePath:
        failure = _location(out.S3FailurePath, "AsyncInferenceConfig.OutputConfig.S3FailurePath", base_dir, confine, artifact_uri)
    notes = out.NotificationConfig
    spec = {
        "output_path": output,
        "failure_path": failure,
        "max_concurrent": (config.ClientConfig.MaxConcurrentInvocationsPerInstance if config.ClientConfig else None) or DEFAULT_CONCURRENCY,
        "success_url": _url(notes.SuccessTopic, "AsyncInferenceConfig.OutputConfig.NotificationConfig.SuccessTopic") if notes else None,
        "error_url": _url(notes.ErrorTopic, "AsyncInferenceConfig.OutputConfig.NotificationConfig.ErrorTopic") if notes else None,
        "include_response_in": list(notes.IncludeInferenceResponseIn or []) if notes else [],
    }
    check_writable(output, "AsyncInferenceConfig.OutputConfig.S3OutputPath")
    if failure != output:
        check_writable(failure, "AsyncInferenceConfig.OutputConfig.S3FailurePath")
    return spec


def describe(spec: dict[str, Any]) -> dict[str, Any]:
    """AsyncInferenceConfig as DescribeEndpointConfig answers it."""
    notification = {
        k: v
        for k, v in (
            ("SuccessTopic", spec.get("success_url")),
            ("ErrorTopic", spec.get("error_url")),
            ("IncludeInferenceResponseIn", spec.get("include_response_in") or None),
        )
        if v
    }
    output: dict[str, Any] = {"S3OutputPath": spec["output_path"], "S3FailurePath": spec["failure_path"]}
    if notification:
        output["NotificationConfig"] = notification
    return {"OutputConfig": output, "ClientConfig": {"MaxConcurrentInvocationsPerInstance": spec["max_concurrent"]}}


def result_location(spec: dict[str, Any], inference_id: str) -> str:
    return f"{spec['output_path'].rstrip('/')}/{inference_id}{RESULT_SUFFIX}"


def error_location(spec: dict[str, Any], inference_id: str) -> str:
    return f"{spec['failure_path'].rstrip('/')}/{inference_id}{ERROR_SUFFIX}"
