"""InvokeEndpointAsync: a request checked, then queued in the store for the endpoint's dispatcher.

The answer (InferenceId, OutputLocation, FailureLocation) comes at once; the result appears at
OutputLocation when the request's turn has come and the model answered. Everything that can be
known wrong now is refused now, before anything is queued: an endpoint that is not
asynchronous, an input that does not exist (or, from REST, lies outside the Jupyter root), an
InferenceId already used on the endpoint.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Conflict, Invalid, NotFound
from ..paths import confine
from ..sdk import storage
from ..shapes import parse
from ..shapes.endpoints import InvokeEndpointAsyncRequest
from ..store import Database
from ..store import async_queue as queue
from ..store.endpoints import Endpoint
from ..store.util import iso
from .async_config import DEFAULT_TTL, error_location, result_location


def _input_location(raw: str, base_dir: Path | None, roots: list[Path] | None, artifact_uri: str) -> str:
    uri = storage.localize(raw, artifact_uri)
    if storage.is_local(uri):
        path = Path(uri[len("file://"):] if uri.startswith("file://") else uri).expanduser()
        if not path.is_absolute():
            path = (base_dir or Path.cwd()) / path
        path = confine(path.resolve(), "InputLocation", roots, raw)
        if not path.is_file():
            raise Invalid(f"InputLocation {raw!r} is not a file ({path}): upload the payload first and give its location", field="InputLocation")
        return "file://" + str(path)
    if roots is not None and not uri.startswith(artifact_uri.rstrip("/") + "/"):
        raise Invalid(f"InputLocation {raw!r} is not allowed over the REST API: give a file inside the Jupyter root", field="InputLocation")
    try:
        fs, path_text = storage.filesystem(uri)
        found = fs.isfile(path_text)
    except Exception as exc:
        raise Invalid(f"InputLocation {raw!r} cannot be read: {exc}", field="InputLocation") from None
    if not found:
        raise Invalid(f"InputLocation {raw!r} does not exist: upload the payload first and give its location", field="InputLocation")
    return uri


def invoke_async(
    db: Database, endpoint: Endpoint, request: Mapping[str, Any] | InvokeEndpointAsyncRequest, *, artifact_uri: str,
    base_dir: Path | None = None, roots: list[Path] | None = None,
) -> dict[str, str]:
    """Queue one request; returns InferenceId, OutputLocation and FailureLocation.

    Raises ``Invalid`` (the field named) for an endpoint that is not asynchronous or a bad
    request, ``Conflict`` for an endpoint being deleted or a used InferenceId."""
    req = request if isinstance(request, InvokeEndpointAsyncRequest) else parse(InvokeEndpointAsyncRequest, request)
    spec = endpoint.config.get("async")
    if not spec:
        raise Invalid(
            f"endpoint {endpoint.name!r} is not asynchronous: invoke it with InvokeEndpoint, or deploy one with an AsyncInferenceConfig",
            field="EndpointName",
        )
    if endpoint.status in ("Deleting", "Failed"):
        raise Conflict(f"endpoint {endpoint.name!r} is {endpoint.status}: it takes no more requests")
    input_location = _input_location(req.InputLocation, base_dir, roots, artifact_uri)
    inference_id = req.InferenceId or str(uuid.uuid4())
    details = {
        "ContentType": req.ContentType or "application/octet-stream",
        "Accept": req.Accept,
        "CustomAttributes": req.CustomAttributes,
        "InvocationTimeoutSeconds": req.InvocationTimeoutSeconds,
    }
    output, failure = result_location(spec, inference_id), error_location(spec, inference_id)

    def write(conn: Any) -> None:
        if queue.exists(conn, endpoint.name, inference_id):
            raise Conflict(f"InferenceId {inference_id!r} was already used on endpoint {endpoint.name!r}: give another, or none", field="InferenceId")
        queue.enqueue(
            conn, endpoint.name, inference_id, input_location=input_location, output_location=output, failure_location=failure,
            request=details, ttl_seconds=float(req.RequestTTLSeconds or DEFAULT_TTL),
        )

    db.run_write(write)
    return {"InferenceId": inference_id, "OutputLocation": output, "FailureLocation": failure}


def describe_invocation(db: Database, endpoint: str, inference_id: str) -> dict[str, Any]:
    """One queued request's state. Raises ``NotFound`` when the endpoint has no such request."""
    with db.read() as conn:
        item = queue.get(conn, endpoint, inference_id)
    if item is None:
        raise NotFound(f"endpoint {endpoint!r} has no asynchronous request {inference_id!r}")
    return {
        "EndpointName": item.endpoint_name,
        "InferenceId": item.inference_id,
        "Status": item.status,
        "InputLocation": item.input_location,
        "OutputLocation": item.output_location,
        "FailureLocation": item.failure_location,
        "FailureReason": item.failure_reason,
        "Attempts": item.attempts,
        "CreationTime": iso(item.creation_time),
        "StartTime": iso(item.start_time) if item.start_time else None,
        "EndTime": iso(item.end_time) if item.end_time else None,
    }
