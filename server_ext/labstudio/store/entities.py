"""Plain entities the store returns: nothing here is bound to a session or a connection."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


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
    status: str
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
    transitions: list[Transition] = field(default_factory=list)

    @property
    def is_terminal(self) -> bool:
        return self.status in ("Completed", "Failed", "Stopped")
