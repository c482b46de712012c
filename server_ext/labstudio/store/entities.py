"""Plain entities the store returns: nothing here is bound to a session or a connection."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from ..status import HostStatus, JobStatus

_E = TypeVar("_E")


@dataclass(frozen=True)
class Transition:
    status: str
    start_time: float
    end_time: float | None
    message: str


@dataclass(frozen=True)
class MetricSummary:
    name: str
    count: int
    min: float
    max: float
    avg: float
    std: float
    last: float
    last_step: int
    last_timestamp: float


@dataclass(frozen=True)
class Job:
    name: str
    run_id: str | None
    backend: str
    status: JobStatus
    secondary_status: str
    status_message: str
    failure_reason: str | None
    spec: dict[str, Any]
    job_dir: str
    experiment_name: str | None
    creation_time: float
    training_start_time: float | None
    training_end_time: float | None
    last_modified_time: float
    model_artifact: str | None
    output_artifact: str | None
    supervisor_pid: int | None
    supervisor_start_ticks: int | None
    process_pgid: int | None
    exit_code: int | None
    stop_requested_time: float | None
    kind: str = "training"  # "training" or "processing" (see store/schema.py)
    log_size: int = 0  # bytes in job_log_chunks: the log of a job run by a remote backend
    machine: str | None = None  # the machine whose supervisor runs it (Settings.host_id)
    heartbeat_time: float | None = None  # that supervisor's last heartbeat
    transitions: list[Transition] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal()


@dataclass(frozen=True)
class JobHost:
    """One host (algo-1..algo-N) of a job: where it runs and how it ended (store/hosts.py)."""

    job_name: str
    host: str
    node: str | None
    pid: int | None
    start_ticks: int | None
    status: HostStatus
    exit_code: int | None
    failure_reason: str | None
    heartbeat_time: float | None
    start_time: float | None
    end_time: float | None

    @property
    def is_terminal(self) -> bool:
        return self.status.is_terminal()


# -- tracking ------------------------------------------------------------------------------------
# A Run's `tags`, `params` and metric mappings are plain dicts built once by the store and never
# changed afterwards: wrapping each in a read-only proxy would cost a thousand-run listing more
# than its query. Attributes cannot be reassigned (frozen).


@dataclass(frozen=True)
class Experiment:
    id: str
    name: str
    description: str
    tags: dict[str, str]
    created_time: float
    last_modified_time: float
    run_count: int
    in_progress_count: int
    last_run_time: float | None
    # filled by `store.experiments.get_experiment` only (listing them costs a scan of the runs)
    metric_names: tuple[str, ...] | None = None
    param_names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Trial:
    id: str
    experiment_id: str
    name: str
    created_time: float


@dataclass(frozen=True)
class Run:
    """One run as searches return it. `metrics` holds each metric's full summary when the read
    asked for it (`full=True`); `last_metrics` always holds each metric's last value (NaN kept),
    which is all a DataFrame of a thousand runs needs."""

    id: str
    name: str
    experiment: str
    experiment_id: str
    trial: str | None
    status: str
    start_time: float | None
    end_time: float | None
    created_time: float
    last_modified_time: float
    source_type: str | None
    source_name: str | None
    tags: dict[str, str]
    params: dict[str, str]
    metrics: dict[str, MetricSummary]
    last_metrics: dict[str, float]


@dataclass(frozen=True)
class RunImport:
    """A finished run brought in whole by the bulk ingestion path (`store.runs.import_runs`):
    each metric is its values at steps 0, 1, 2... logged at `end_time`."""

    name: str
    status: str = JobStatus.COMPLETED.value
    start_time: float | None = None
    end_time: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)  # name -> sequence (or 1-d array) of values
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RunRef:
    """Who a run is, without its params and metrics: what attaching to a run needs."""

    id: str
    name: str
    experiment: str
    trial: str | None


@dataclass(frozen=True)
class Artifact:
    run_id: str
    name: str
    uri: str
    is_output: bool
    media_type: str | None
    created_time: float


@dataclass(frozen=True)
class JobOfRun:
    """The job a run belongs to, as a run's detail shows it. `kind` ("training",
    "processing", "transform") says which collection the job lives in: a link to it must
    go to that kind's detail, as each kind lists and describes only its own."""

    name: str
    status: str
    secondary_status: str
    kind: str = "training"


@dataclass(frozen=True)
class RunDeletion:
    """What deleting runs (and maybe their experiment) did in the store; files come after."""

    deleted_run_ids: tuple[str, ...]
    artifact_uris: tuple[str, ...]
    skipped_running_runs: int
    experiment_deleted: bool
    running_jobs: dict[str, str | None]


_new = object.__new__


def build(cls: type[_E], **values: Any) -> _E:
    """`cls(**values)` without the generated __init__, for the hot read paths only.

    A frozen dataclass's __init__ sets each field through object.__setattr__; for the 1,000
    runs and 5,000 metric summaries of one listing that costs more than the SQL. Filling the
    instance dict directly gives an equal object (tests/test_store_tracking.py checks this),
    still frozen; callers must pass every field."""
    obj = _new(cls)
    obj.__dict__.update(values)
    return obj
