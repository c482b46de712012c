"""Messages of the /events WebSocket: `{id, time, kind, payload}`, snake_case, one model per
kind (`Event` is their union, keyed on `kind`). The payload models list the keys the panel
reads; writers may add more (they are documented as open)."""
from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, RootModel

from ..jobs import kinds
from .common import JsonNumber, Response
from .endpoints import EndpointStatus
from .experiments import RunStatus
from .jobs import TrainingJobStatus
from .pipelines import ExecutionStatus, StepStatus
from .registry import PackageEventPayload, PackageGroupEventPayload
from .tuning import TuningJobStatus


def _later_kinds(schema: dict[str, Any]) -> None:
    """The document lists the registered kinds a job.created event may name (every kind but
    training, whose events predate kinds)."""
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "string":
            branch["enum"] = [name for name in kinds.names() if name != kinds.TRAINING.name]


class JobCreatedPayload(Response):
    name: str
    run_id: str | None = None
    experiment: str | None = None
    kind: str | None = Field(
        default=None, description="The job's kind (the job-kind registry's name); absent for training jobs.", json_schema_extra=_later_kinds
    )


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


class RunMetricsPayload(Response):
    """Points a run logged (at most a few hundred of them; `capped` when there were more)."""

    run_id: str
    experiment: str | None = None
    count: int | None = None
    points: list[MetricEventPoint]
    capped: bool | None = None


class RunArtifactPayload(Response):
    run_id: str
    experiment: str | None = None
    name: str
    is_output: bool


class RunUpdatedPayload(Response):
    """A run's tags or name changed (only the changed key is sent)."""

    run_id: str
    name: str | None = None
    tags: dict[str, str] | None = None


class RunDeletedPayload(Response):
    run_ids: list[str] = Field(description="The deleted runs (the first 1,000 when there were more).")
    count: int


class ExperimentCreatedPayload(Response):
    name: str


class ExperimentUpdatedPayload(Response):
    id: str
    name: str
    old_name: str


class ExperimentDeletedPayload(Response):
    id: str


class _Message(Response):
    id: int
    time: float


class HelloEvent(_Message):
    """The first message on every connection."""

    kind: Literal["hello"]
    payload: dict[str, Any]


class JobCreatedEvent(_Message):
    kind: Literal["job.created"]
    payload: JobCreatedPayload


class JobStatusEvent(_Message):
    kind: Literal["job.status"]
    payload: JobStatusPayload


class JobMetricsEvent(_Message):
    kind: Literal["job.metrics"]
    payload: JobMetricsPayload


class RunCreatedEvent(_Message):
    kind: Literal["run.created"]
    payload: RunCreatedPayload


class RunStatusEvent(_Message):
    kind: Literal["run.status"]
    payload: RunStatusPayload


class RunMetricsEvent(_Message):
    kind: Literal["run.metrics"]
    payload: RunMetricsPayload


class RunArtifactEvent(_Message):
    kind: Literal["run.artifact"]
    payload: RunArtifactPayload


class RunUpdatedEvent(_Message):
    kind: Literal["run.updated"]
    payload: RunUpdatedPayload


class RunDeletedEvent(_Message):
    kind: Literal["run.deleted"]
    payload: RunDeletedPayload


class ExperimentCreatedEvent(_Message):
    kind: Literal["experiment.created"]
    payload: ExperimentCreatedPayload


class ExperimentUpdatedEvent(_Message):
    kind: Literal["experiment.updated"]
    payload: ExperimentUpdatedPayload


class ExperimentDeletedEvent(_Message):
    kind: Literal["experiment.deleted"]
    payload: ExperimentDeletedPayload


class EndpointEvent(_Message):
    kind: Literal["endpoint.created", "endpoint.status", "endpoint.deleted"]
    payload: EndpointStatusPayload


class TuningCreatedEvent(_Message):
    kind: Literal["tuning.created"]
    payload: TuningCreatedPayload


class TuningStatusEvent(_Message):
    kind: Literal["tuning.status"]
    payload: TuningStatusPayload


class TuningProgressEvent(_Message):
    kind: Literal["tuning.progress"]
    payload: TuningProgressPayload


class PackageGroupEvent(_Message):
    kind: Literal["model_package_group.created", "model_package_group.deleted"]
    payload: PackageGroupEventPayload


class PackageEvent(_Message):
    """A model package registered, its approval changed (`model_package.status`), updated or deleted."""

    kind: Literal["model_package.created", "model_package.status", "model_package.updated", "model_package.deleted"]
    payload: PackageEventPayload


class PipelinePayload(Response):
    pipeline: str


class PipelineEvent(_Message):
    """A pipeline created, its definition updated, or deleted."""

    kind: Literal["pipeline.created", "pipeline.updated", "pipeline.deleted"]
    payload: PipelinePayload


class PipelineExecutionPayload(Response):
    execution_id: str
    pipeline: str
    status: ExecutionStatus


class PipelineExecutionEvent(_Message):
    """A pipeline execution started, or changed status."""

    kind: Literal["pipeline.execution"]
    payload: PipelineExecutionPayload


class PipelineStepPayload(Response):
    execution_id: str
    pipeline: str
    step: str
    status: StepStatus


class PipelineStepEvent(_Message):
    """A step of a pipeline execution started or changed status (the DAG's node colours)."""

    kind: Literal["pipeline.step"]
    payload: PipelineStepPayload


class AutoMLStatusPayload(Response):
    name: str
    status: Literal["InProgress", "Stopping", "Stopped", "Failed", "Completed"]
    secondary_status: str


class AutoMLStatusEvent(_Message):
    """An AutoML job entered a stage or ended (the panel's stage progress)."""

    kind: Literal["automl.status"]
    payload: AutoMLStatusPayload


class AutoMLCandidatePayload(Response):
    name: str
    candidate: str
    status: str | None
    objective: float | None


class AutoMLCandidateEvent(_Message):
    """A candidate of an AutoML job ended (the leaderboard's rows)."""

    kind: Literal["automl.candidate"]
    payload: AutoMLCandidatePayload


class Event(
    RootModel[
        Annotated[
            HelloEvent
            | JobCreatedEvent
            | JobStatusEvent
            | JobMetricsEvent
            | RunCreatedEvent
            | RunStatusEvent
            | RunMetricsEvent
            | RunArtifactEvent
            | RunUpdatedEvent
            | RunDeletedEvent
            | ExperimentCreatedEvent
            | ExperimentUpdatedEvent
            | ExperimentDeletedEvent
            | EndpointEvent
            | TuningCreatedEvent
            | TuningStatusEvent
            | TuningProgressEvent
            | PackageGroupEvent
            | PackageEvent
            | PipelineEvent
            | PipelineExecutionEvent
            | PipelineStepEvent
            | AutoMLStatusEvent
            | AutoMLCandidateEvent,
            Field(discriminator="kind"),
        ]
    ]
):
    """One message of the events WebSocket: `{id, time, kind, payload}`, the payload's shape
    decided by `kind` (a client narrows on it; no cast)."""

