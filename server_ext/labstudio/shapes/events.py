"""Messages of the /events WebSocket: `{id, time, kind, payload}`, snake_case. The payload
models list the keys the panel reads; writers may add more (they are documented as open)."""
from __future__ import annotations

from typing import Any, Literal

from .common import JsonNumber, Response
from .endpoints import EndpointStatus
from .experiments import RunStatus
from .jobs import TrainingJobStatus
from .registry import PackageEventPayload, PackageGroupEventPayload
from .tuning import TuningJobStatus

EventKind = Literal[
    "hello",
    "job.created",
    "job.status",
    "job.metrics",
    "run.created",
    "run.status",
    "run.metrics",
    "run.artifact",
    "run.updated",
    "run.deleted",
    "experiment.created",
    "experiment.updated",
    "experiment.deleted",
    "endpoint.created",
    "endpoint.status",
    "endpoint.deleted",
    "tuning.created",
    "tuning.status",
    "tuning.progress",
    "model_package_group.created",
    "model_package_group.deleted",
    "model_package.created",
    "model_package.status",
    "model_package.updated",
    "model_package.deleted",
]


class Event(Response):
    id: int
    time: float
    kind: EventKind
    payload: dict[str, Any]


class JobCreatedPayload(Response):
    name: str
    run_id: str | None = None
    experiment: str | None = None


class JobStatusPayload(Response):
    name: str
    status: TrainingJobStatus
    secondary_status: str
    message: str


class MetricEventPoint(Response):
    key: str
    value: float | None
    step: int
    timestamp: float


class JobMetricsPayload(Response):
    name: str
    run_id: str | None
    count: int | None = None
    points: list[MetricEventPoint]
    capped: bool | None = None


class RunCreatedPayload(Response):
    run_id: str
    experiment: str
    name: str
    status: RunStatus | None = None


class RunStatusPayload(Response):
    run_id: str
    status: RunStatus


class EndpointStatusPayload(Response):
    """endpoint.created and endpoint.status carry the status; endpoint.deleted only the name."""

    name: str
    status: EndpointStatus | None = None


class TuningCreatedPayload(Response):
    name: str


class TuningStatusPayload(Response):
    name: str
    status: TuningJobStatus


class TuningProgressPayload(Response):
    """Sent after each finished trial: `completed` trials of `total`, the best objective so far."""

    name: str
    completed: int
    total: int | None
    best: JsonNumber | None


PAYLOADS = (
    JobCreatedPayload,
    JobStatusPayload,
    JobMetricsPayload,
    RunCreatedPayload,
    RunStatusPayload,
    EndpointStatusPayload,
    TuningCreatedPayload,
    TuningStatusPayload,
    TuningProgressPayload,
    PackageGroupEventPayload,
    PackageEventPayload,
)
