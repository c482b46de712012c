"""JobService: one kind's jobs, on the job engine — what REST, the CLI, the SDK and the tuner call.

The same class serves every kind (`core.jobs` for training jobs, `core.processing`,
`core.transforms`, `core.job_kinds[name]` for any registered kind): it binds the engine
(jobs/engine.py) to one registry entry (jobs/kinds.py), so a job of another kind is not
found here, messages name this kind, and the answers are this kind's SageMaker shapes.
No tornado here.
"""
from __future__ import annotations

import builtins  # `list` below names JobService.list inside the class body
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from ..shapes.jobs import GetTrainingJobMetricsResponse, LogChunk, MetricPoints
from ..store.db import Connection
from ..store.entities import Job
from .engine import MAX_LOG_CHUNK, METRICS_PAGE_POINTS, JobEngine, KindDefinition, PreparedJob
from .kinds import JobKind
from .layout import Layout

DescribeT = TypeVar("DescribeT", bound=BaseModel)
SummaryT = TypeVar("SummaryT", bound=BaseModel)

class JobService(Generic[DescribeT, SummaryT]):
    """The jobs of one kind: submit, describe, list, stop, wait, logs and metrics."""

    def __init__(self, engine: JobEngine, kind: JobKind) -> None:
        self.engine = engine
        self.kind = kind
        self.settings = engine.settings
        self.db = engine.db

    @property
    def definition(self) -> KindDefinition[Any, DescribeT, SummaryT]:
        return self.kind.definition

    # -- paths --------------------------------------------------------------------

    def layout(self, name: str) -> Layout:
        """The paths of a job's tree. Raises NotFound for a name that cannot be a job's."""
        return self.engine.layout(name, self.kind)

    def code_dir(self, name: str) -> Path:
        """The job's code snapshot (what an endpoint serves it with). Raises NotFound like `layout`."""
        return self.layout(name).code

    # -- submit -------------------------------------------------------------------

    def submit(self, request: Mapping[str, Any] | Any, *, base_dir: Path | None = None, root_dir: Path | None = None) -> DescribeT:
        """Validate, snapshot, record and launch; nothing is created when validation fails.

        `request` is the kind's create request (a mapping, as REST, the CLI and the SDK build
        it) or its spec. Raises Invalid (a field is wrong: the message names it and the fix)
        and NameTaken, a Conflict, when a job of that name (of any kind) exists. A backend that
        cannot start the job does not raise: the job is recorded Failed with the reason, and
        its description is returned."""
        prepared = self.engine.prepare(self.kind, request, base_dir=base_dir, root_dir=root_dir)
        self.engine.launch(prepared, now=prepared.created)
        return self.describe(prepared.spec.name)

    def prepare(self, request: Mapping[str, Any] | Any, *, base_dir: Path | None = None, root_dir: Path | None = None) -> PreparedJob:
        """submit()'s file-system half (JobEngine.prepare): the job's folder and plan, not yet a job."""
        return self.engine.prepare(self.kind, request, base_dir=base_dir, root_dir=root_dir)

    def launch(
        self, prepared: PreparedJob, *, now: float | None = None, also: Callable[[Connection], None] | None = None, describe: bool = True
    ) -> DescribeT | None:
        """submit()'s second half (JobEngine.launch); `describe=False` skips the returned
        description (None) for callers that do not read it."""
        self.engine.launch(prepared, now=now, also=also)
        return self.describe(prepared.spec.name) if describe else None

    def discard(self, prepared: PreparedJob) -> None:
        self.engine.discard(prepared)

    def ensure_started(self, name: str) -> bool:
        return self.engine.ensure_started(name)

    # -- read ---------------------------------------------------------------------

    def get(self, name: str) -> Job:
        """The stored job. Raises NotFound (also for a job of another kind)."""
        return self.engine.get(name, self.kind)

    def describe(self, name: str) -> DescribeT:
        """Describe<Stem>'s answer. Raises NotFound."""
        return self.definition.describe(self.engine, self.get(name))

    def list(
        self,
        *,
        status: str | Sequence[str] | None = None,
        name_contains: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> BaseModel:
        """List<Stem>s' answer (<Stem>Summaries and NextToken), newest first. Raises Invalid for
        an unknown status, a limit outside 1..1000 or a next_token this API did not return."""
        jobs, token = self.engine.page([self.kind.name], status, name_contains, limit, next_token)
        rows = self.definition.summaries(self.engine, jobs)
        return self.definition.list_model.model_validate({self.kind.summaries_key: rows, "NextToken": token})

    def summaries(self, jobs: Sequence[Job]) -> builtins.list[SummaryT]:
        return self.definition.summaries(self.engine, builtins.list(jobs))

    def metrics(self, name: str) -> builtins.list[MetricPoints]:
        self.get(name)
        return self.engine.metrics(name)

    def metrics_page(
        self, name: str, *, metric: str | None = None, limit: int = METRICS_PAGE_POINTS, next_token: str | None = None
    ) -> GetTrainingJobMetricsResponse:
        self.get(name)
        return self.engine.metrics_page(name, metric=metric, limit=limit, next_token=next_token)

    def logs(self, name: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK, host: str | None = None) -> LogChunk:
        """Text from a byte offset (JobEngine.logs). Raises NotFound and Invalid."""
        return self.engine.logs(name, offset, max_bytes, host, kind=self.kind)

    def artifact(self, name: str, which: str) -> str:
        """The URI of the job's `which` ("model", "output", "log") that its kind has."""
        return self.engine.artifact(name, which, self.kind)

    # -- control ------------------------------------------------------------------

    def stop(self, name: str) -> DescribeT:
        """Ask a running job to stop; its description, now Stopping. Raises NotFound, Conflict."""
        self.engine.stop(name, self.kind)
        return self.describe(name)

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.25) -> DescribeT:
        """Block until the job ends (noticing a dead supervisor) and describe it. Raises
        NotFound, and TimeoutError when `timeout` seconds pass first."""
        return self.definition.describe(self.engine, self.engine.wait(name, timeout, poll, kind=self.kind))

    def pause(self, name: str, seconds: float) -> None:
        """Sleep up to `seconds`, woken by the job's end (JobEngine.pause): for waiting loops."""
        self.engine.pause(name, seconds, self.kind)

    def check(self, name: str) -> bool:
        self.get(name)
        return self.engine.check(name)

    def liveness_check(self, name: str) -> Callable[[], bool]:
        return self.engine.liveness_check(name)

    def reconcile(self) -> builtins.list[str]:
        """Reconcile every kind's jobs (the engine's one reconciler)."""
        return self.engine.reconcile()

    def delete_files(self, name: str) -> None:
        self.get(name)
        self.engine.delete_files(name)


__all__ = ["JobService"]
