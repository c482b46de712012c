"""The job engine: what every kind of job shares, used by each kind through its definition.

A kind (jobs/kinds.py) says what its jobs are — how a request becomes a spec, what the
launch plan and the job's folder hold, which rows it records, how a job is described — in
a `KindDefinition`. The engine does the rest, the same for every kind: one submit path
(`prepare`, then `launch`), the job row and its events, the backend, stop, logs, waiting,
paging one kind or several, liveness checks and reconciliation, deleting the folder.

No tornado here, and no kind's name: the REST handlers, the CLI, the SDK and the tuner all
call `JobService` (jobs/service.py), one kind's view of this engine.
"""
from __future__ import annotations

import base64
import json
import os
import shutil
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel

from ..artifacts import ArtifactStore
from ..artifacts import exists as artifact_exists
from ..config import Settings
from ..diskfull import as_disk_full, reason_left_in
from ..errors import Conflict, Gone, Invalid, NameTaken, NotFound
from ..lineage import record as lineage_record
from ..machines import owned_elsewhere
from ..shapes.common import NAME_RE
from ..shapes.joblist import ListJobsResponse, entry_of
from ..shapes.jobs import GetTrainingJobMetricsResponse, LogChunk, MetricPoint, MetricPoints
from ..status import JobStatus, SecondaryStatus
from ..store import Database
from ..store import events as events_store
from ..store import jobs as jobs_store
from ..store import logs as logs_store
from ..store import metrics as metrics_store
from ..store import runs as runs_store
from ..store.db import Connection
from ..store.entities import Job
from ..store.util import json_number, new_id
from . import kinds
from .backends import get_backend
from .hosts import check_host, host_lines
from .kinds import JobKind
from .launch import write_plan
from .layout import Layout, sleep_until_ended
from .recorder import JobRecorder

MAX_LOG_CHUNK = 1024 * 1024
MAX_LIST_LIMIT = 1000
METRICS_PAGE_POINTS = 10_000  # about 0.7 MB of JSON: quick to build and to send
MAX_METRICS_PAGE_POINTS = 100_000
LIVENESS_INTERVAL = 1.0  # seconds between supervisor liveness checks in waiting loops
ARTIFACT_KINDS = ("model", "output", "log")


class KindSpec(Protocol):
    """What the engine reads of any kind's spec (a frozen dataclass, stored as `to_dict()`)."""

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    def to_dict(self) -> dict[str, Any]: ...


SpecT = TypeVar("SpecT", bound=KindSpec)
DescribeT = TypeVar("DescribeT", bound=BaseModel)
SummaryT = TypeVar("SummaryT", bound=BaseModel)


@dataclass(frozen=True)
class RunRecord:
    """The experiment run a job records into (its metrics, parameters, inputs and archives)."""

    experiment_name: str | None
    trial_name: str | None
    tags: Mapping[str, str]
    params: Mapping[str, Any] = field(default_factory=dict)
    # (name, local path or URL) of each input, recorded as the run's input artifacts
    inputs: Sequence[tuple[str, str]] = ()


@dataclass(frozen=True)
class KindLaunch:
    """A kind's part of a job's launch plan (jobs/launch.py), computed before its folder exists.

    `plan` holds the keys the kind owns (argv, cwd, env, channels, metric_definitions, and
    whatever its supervisor reads); the engine adds its own. `materialise`, once the folder is
    claimed, writes the job's tree (code snapshot, config files) and returns plan keys known
    only then. `hosts`, for a multi-host job, gives the other hosts' plans from algo-1's whole
    plan (host -> plan). A failure in either leaves nothing behind."""

    plan: dict[str, Any]
    materialise: Callable[[], dict[str, Any]] | None = None
    hosts: Callable[[dict[str, Any]], dict[str, dict[str, Any]]] | None = None


class KindDefinition(ABC, Generic[SpecT, DescribeT, SummaryT]):
    """What one kind of job is (see jobs/kinds.py). Subclasses set the attributes and
    implement the abstract methods; the engine calls them, they never call back into a
    submit, stop or list of their own."""

    spec_type: type[SpecT]
    request: type[BaseModel]  # the create body: REST validates it, the OpenAPI document shows it
    describe_model: type[DescribeT]  # Describe<Stem>Response
    summary_model: type[SummaryT]  # <Stem>Summary
    list_model: type[BaseModel]  # List<Stem>sResponse: <Stem>Summaries and NextToken
    layout_class: type[Layout] = Layout
    artifacts: tuple[str, ...] = ("log",)  # what GET .../artifacts/{kind} may fetch
    multi_host: bool = False  # its spec's instance_count is the number of hosts (algo-1..algo-N)
    artifacts_elsewhere: str = ""  # where its outputs are instead ("their outputs are in ...")

    @abstractmethod
    def parse(self, engine: JobEngine, request: Mapping[str, Any], *, base_dir: Path | None, root_dir: Path | None) -> SpecT:
        """The request as a spec. Raises Invalid naming the field and the fix; creates nothing."""

    def run(self, spec: SpecT) -> RunRecord | None:
        """The experiment run the job records into; None: it records none."""
        return None

    @abstractmethod
    def plan(
        self, engine: JobEngine, spec: SpecT, layout: Layout, run_id: str | None, *, base_dir: Path | None, root_dir: Path | None
    ) -> KindLaunch:
        """The kind's launch plan. Checks what only the world can say (a model that exists, an
        environment the OS will start) and raises Invalid; writes nothing."""

    def record(self, conn: Connection, engine: JobEngine, spec: SpecT) -> None:
        """Rows of the kind's own, in the transaction that records the job (after its row)."""

    @abstractmethod
    def describe(self, engine: JobEngine, job: Job) -> DescribeT:
        """Describe<Stem>'s answer for a stored job of this kind."""

    @abstractmethod
    def summaries(self, engine: JobEngine, jobs: list[Job]) -> list[SummaryT]:
        """List<Stem>s' rows for a page of stored jobs of this kind."""


@dataclass(frozen=True)
class PreparedJob:
    """A job whose folder and launch plan exist but which is not recorded yet (`prepare`);
    `launch` makes it a job, `discard` forgets it."""

    kind: JobKind
    spec: Any  # the kind's spec (KindSpec)
    layout: Layout
    run: RunRecord | None
    run_id: str | None
    created: float  # when it was prepared; launch() records the job's own creation time
    plan: dict[str, Any]


def _raise_disk_full(exc: BaseException) -> None:
    """A job's folder that could not be filled for want of space: errors.DiskFull naming the
    file (the SDK's typed error, the API's 507), whatever raised it."""
    full = as_disk_full(exc) if isinstance(exc, Exception) else None
    if full is not None and full is not exc:
        raise full from exc


def _encode_token(job: Job) -> str:
    raw = json.dumps([job.creation_time, job.name]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(token: str) -> tuple[float, str]:
    try:
        padded = token + "=" * (-len(token) % 4)
        created, name = json.loads(base64.urlsafe_b64decode(padded.encode()))
        str(name).encode("utf-8")  # a lone surrogate is not text the database can compare
        return float(created), str(name)
    except Exception:
        raise Invalid("'next_token' is not a token this API returned; start again without it.", field="next_token") from None


def _encode_points_token(row: tuple[Any, ...]) -> str:
    key, step, _, _, point_id = row
    return base64.urlsafe_b64encode(json.dumps([key, step, point_id]).encode()).decode().rstrip("=")


def _decode_points_token(token: str) -> tuple[str, int, int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        key, step, point_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(key, str) or not all(type(n) is int and -(2**63) <= n < 2**63 for n in (step, point_id)):
            raise ValueError(token)
        key.encode("utf-8")  # a lone surrogate is not text the database can compare
        return key, step, point_id
    except Exception:
        raise Invalid("'next_token' is not a token this API returned; start again without it.", field="next_token") from None


def _points(rows: Sequence[tuple[Any, ...]]) -> list[MetricPoints]:
    """(key, step, value, timestamp, ...) rows as one series per metric, in row order."""
    out: dict[str, list[MetricPoint]] = {}
    for key, step, value, ts, *_ in rows:
        out.setdefault(key, []).append(MetricPoint(step=step, value=json_number(value), timestamp=ts))
    return [MetricPoints(name=k, points=v) for k, v in out.items()]


class JobEngine:
    """Jobs of every kind: submit, record, start, stop, follow, page and reconcile them."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- paths --------------------------------------------------------------------

    def layout(self, name: str, kind: JobKind | None = None) -> Layout:
        """The paths of a job's tree (as its kind lays it out). Raises NotFound for a name
        that cannot be a job's: names are the only thing that becomes a path here."""
        if not NAME_RE.match(name):
            raise NotFound(f"{kind.noun if kind else 'Job'} {name!r} does not exist.")
        layout_class = kind.definition.layout_class if kind is not None else Layout
        return layout_class(self.settings.jobs_dir / name)

    # -- submit: prepare, then launch ------------------------------------------------

    def prepare(self, kind: JobKind, request: Any, *, base_dir: Path | None = None, root_dir: Path | None = None) -> PreparedJob:
        """The file-system half of a submit: validate, claim the job's folder, write its tree
        and launch plan. Nothing is in the store yet: the job does not exist (no listing, no
        describe, no reconciler sees it) until `launch`; `discard` removes the folder.

        `request` is the create request (a mapping) or the kind's spec. Raises Invalid (the
        message names the field and the fix) and NameTaken when a job of that name (of any
        kind) exists; nothing is left behind. A tuner prepares its next trial while the
        current ones run, so that a freed slot costs only `launch`."""
        definition = kind.definition
        spec = request if isinstance(request, definition.spec_type) else definition.parse(self, request, base_dir=base_dir, root_dir=root_dir)
        self._check_name_free(kind, spec.name)
        get_backend(spec.backend, self.settings).check_submit()  # Ray missing, a SQLite store, no cluster: refused here
        layout = self.layout(spec.name, kind)
        now = time.time()
        run = definition.run(spec)
        run_id = new_id() if run is not None else None
        launch = definition.plan(self, spec, layout, run_id, base_dir=base_dir, root_dir=root_dir)
        plan = {**self._engine_plan(kind, layout, run_id, now), **launch.plan}
        try:
            layout.job_dir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:  # a concurrent submit of the same name won the race
            raise self._name_taken(kind, spec.name) from None
        try:
            if launch.materialise is not None:
                plan.update(launch.materialise())
            write_plan(str(layout.job_dir), plan)
            for host, host_plan in (launch.hosts(plan) if launch.hosts is not None else {}).items():
                write_plan(str(layout.for_host(host).host_dir), host_plan)
        except BaseException as exc:
            shutil.rmtree(layout.job_dir, ignore_errors=True)
            _raise_disk_full(exc)
            raise
        return PreparedJob(kind, spec, layout, run, run_id, now, plan)

    def launch(self, prepared: PreparedJob, *, now: float | None = None, also: Callable[[Connection], None] | None = None) -> None:
        """The second half: record the prepared job (its creation time is now) and hand it to
        its backend. `also` runs in the same transaction as the job's rows (a tuner records its
        trial there); whatever it raises aborts the launch, like a failed insert: the prepared
        folder is removed and the exception re-raised. A backend that cannot start the job does
        not raise: the job is recorded Failed with the reason."""
        created = time.time() if now is None else now
        if created != prepared.created:  # the slot queue orders waiters by the plan's creation time
            write_plan(str(prepared.layout.job_dir), {**prepared.plan, "created": created})

        def insert(conn: Connection) -> None:
            self._insert(conn, prepared, created)
            if also is not None:
                also(conn)

        try:
            self.db.run_write(insert)
        except BaseException as exc:
            shutil.rmtree(prepared.layout.job_dir, ignore_errors=True)
            _raise_disk_full(exc)
            self._raise_conflict_for(exc, prepared.kind, prepared.spec.name)
            raise
        self._start(prepared.kind, prepared.spec.name, prepared.spec.backend, prepared.layout, prepared.run_id)

    def discard(self, prepared: PreparedJob) -> None:
        """Forget a prepared job that will not be launched (its folder is all there is)."""
        shutil.rmtree(prepared.layout.job_dir, ignore_errors=True)

    def ensure_started(self, name: str) -> bool:
        """Start the supervisor of a recorded local job that never got one; True when it did.

        `launch` records a job, then starts its supervisor: a launcher killed in between
        (a tuner killed with -9) leaves a job that would wait out the start grace and fail
        without ever running. Its successor calls this for the jobs it inherits. Starting
        twice is harmless: a supervisor runs only if it is the first for that job
        (`labstudio.supervise` claims the job's folder), so a slow first start and this one
        never both run the script. Raises NotFound."""
        job = self.get(name)
        layout = self.layout(name)
        if job.is_terminal or job.backend != "local" or job.supervisor_pid or layout.pid_file.exists():
            return False
        get_backend(job.backend, self.settings).submit(job, layout)
        return True

    def _name_taken(self, kind: JobKind, name: str) -> NameTaken:
        return NameTaken(f"{kind.taken} named {name!r} already exists; choose another 'name'.", field="name")

    def _check_name_free(self, kind: JobKind, name: str) -> None:
        """Before any work is spent on a submit: NameTaken when a job of that name (any kind) exists."""
        with self.db.read() as conn:
            if jobs_store.job_exists(conn, name):
                raise self._name_taken(kind, name)

    def _raise_conflict_for(self, exc: BaseException, kind: JobKind, name: str) -> None:
        """A constraint the store enforced while the job's rows were written: something they
        point at (its experiment, its trial) changed in a concurrent transaction. That is a
        409 saying to submit again, never a database error (the job left nothing behind)."""
        if runs_store.is_integrity_error(exc):
            raise Conflict(
                f"{kind.noun} {name!r} was not recorded: its experiment or trial was changed or deleted at the same moment. Submit it again.",
                field="experiment_name",
            ) from exc

    def _start(self, kind: JobKind, name: str, backend: str, layout: Layout, run_id: str | None) -> None:
        """Hand a recorded job to its backend; one that cannot start it records the job Failed."""
        job = self.get(name)
        try:
            get_backend(backend, self.settings).submit(job, layout)
        except Exception as exc:
            JobRecorder(self.db, name, run_id).finish(
                status=JobStatus.FAILED,
                secondary=SecondaryStatus.FAILED,
                message=f"{kind.noun} failed",
                failure_reason=f"InternalServerError: could not start the job's supervisor: {exc}",
            )

    def base_env(self) -> dict[str, str]:
        """The environment a job's script starts from: this process's, plus the settings that
        lead it to the same store (every kind's plan and each host's build on it)."""
        return self.settings.child_env()

    def _engine_plan(self, kind: JobKind, layout: Layout, run_id: str | None, now: float) -> dict[str, Any]:
        """The launch plan's keys (jobs/launch.py) that are the engine's, whatever the kind runs."""
        return {
            "kind": kind.name,
            "noun": kind.noun,  # what the supervisor's messages call the job
            "name": layout.job_dir.name,
            "supervisor": kind.supervisor_path,  # what `python -m labstudio.supervise JOB_DIR` runs
            "opt_ml": str(layout.base),  # shown to the job at /opt/ml where the OS allows (jobs/optml.py)
            "log_file": str(layout.log_file),
            "slots_dir": str(self.settings.slots_dir),
            "max_slots": self.settings.max_concurrent_jobs,
            "stop_grace_seconds": self.settings.stop_grace_seconds,
            "created": now,
            "run_id": run_id,
            "max_runtime_seconds": None,
            # A shared store: the supervisor also sends the log there, for the other machines.
            "ship_log": not self.db.is_sqlite,
            # LABSTUDIO_NO_NAMESPACES: the script runs without its own PID namespace (jobs/launch.py).
            "contained": self.settings.namespaces,
        }

    def _insert(self, conn: Connection, prepared: PreparedJob, now: float) -> None:
        """The job's rows in one transaction: its experiment run (parameters, inputs), the job
        row with its Starting transition, the kind's own rows, and the events saying so."""
        kind, spec, layout, run, run_id = prepared.kind, prepared.spec, prepared.layout, prepared.run, prepared.run_id
        if jobs_store.job_exists(conn, spec.name):
            raise self._name_taken(kind, spec.name)
        experiment: str | None = None
        if run is not None and run_id is not None:
            experiment = run.experiment_name or runs_store.DEFAULT_EXPERIMENT
            runs_store.create_run(
                conn,
                experiment_name=experiment,
                name=spec.name,
                trial_name=run.trial_name,
                status=JobStatus.IN_PROGRESS,
                source_type=kind.stem,
                source_name=spec.name,
                tags=run.tags,
                run_id=run_id,
            )
            if run.params:
                runs_store.set_params(conn, run_id, run.params)
            for input_name, source in run.inputs:
                runs_store.add_artifact(conn, run_id, input_name, source if "://" in source else f"file://{source}", is_output=False)
        launching = f"Launching the {kind.noun.lower()}"
        jobs_store.insert_job(
            conn,
            {
                "name": spec.name,
                "kind": kind.name,
                "run_id": run_id,
                "backend": spec.backend,
                "status": JobStatus.IN_PROGRESS,
                "secondary_status": SecondaryStatus.STARTING,
                "status_message": launching,
                "failure_reason": None,
                "spec": spec.to_dict(),
                "job_dir": str(layout.job_dir),
                "experiment_name": experiment,
                "creation_time": now,
                # Whose process table the supervisor is in: this machine's, for a local job
                # (a Ray job's hosts report through their host rows instead).
                "machine": self.settings.host_id if get_backend(spec.backend, self.settings).machine_bound else None,
            },
        )
        jobs_store.add_transition(conn, spec.name, SecondaryStatus.STARTING, now, launching)
        lineage_record.job_created(conn, self.settings, kind.name, spec, layout.code, run_id, now)
        created: dict[str, Any] = {"name": spec.name, "run_id": run_id, "experiment": experiment}
        if kind is not kinds.TRAINING:  # training's events predate kinds: clients read no kind as training
            created["kind"] = kind.name
        events_store.append(conn, "job.created", created)
        kind.definition.record(conn, self, spec)
        if run_id is not None:
            events_store.append(conn, "run.created", {"run_id": run_id, "experiment": experiment, "name": spec.name})

    # -- read ---------------------------------------------------------------------

    def get(self, name: str, kind: JobKind | None = None) -> Job:
        """The stored job (of `kind`, when given). Raises NotFound."""
        self.layout(name, kind)
        with self.db.read() as conn:
            job = jobs_store.get_job(conn, name)
        if job is None or (kind is not None and job.kind != kind.name):
            raise NotFound(f"{kind.noun if kind else 'Job'} {name!r} does not exist.")
        return job

    def page(
        self, kinds_wanted: Sequence[str], status: str | Sequence[str] | None, name_contains: str | None, limit: int, next_token: str | None
    ) -> tuple[list[Job], str | None]:
        """A page of the jobs of these kinds, newest first, and the NextToken of the next page.
        Raises Invalid for an unknown status, a limit outside 1..1000 or a next_token this API
        did not return."""
        statuses = [status] if isinstance(status, str) else list(status or [])
        for s in statuses:
            if s not in tuple(JobStatus):
                raise Invalid(f"'status' must be one of {', '.join(JobStatus)}, got {s!r}.", field="status")
        if not 1 <= limit <= MAX_LIST_LIMIT:
            raise Invalid(f"'limit' must be between 1 and {MAX_LIST_LIMIT}, got {limit}.", field="limit")
        after = _decode_token(next_token) if next_token else None
        with self.db.read() as conn:
            jobs = jobs_store.list_jobs(conn, statuses=statuses, name_contains=name_contains, limit=limit + 1, after=after, kind=list(kinds_wanted))
        more = len(jobs) > limit
        jobs = jobs[:limit]
        return jobs, (_encode_token(jobs[-1]) if more and jobs else None)

    def list_kinds(
        self,
        kinds_wanted: Sequence[str],
        *,
        status: str | Sequence[str] | None = None,
        name_contains: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> ListJobsResponse:
        """One page of jobs of every kind in `kinds_wanted`, newest first (`JobSummaries`): each
        row is its kind's List<Kind>Jobs summary with `Kind`. Tokens are (creation time, name)
        as for one kind, so paging through mixed kinds never skips or repeats a job. Raises
        Invalid for an unknown kind, status, a limit outside 1..1000 or a foreign token."""
        wanted = list(dict.fromkeys(kinds_wanted))
        for name in wanted:
            if kinds.find(name) is None:
                raise Invalid(f"'kind' must be one of {', '.join(kinds.names())}, got {name!r}.", field="kind")
        jobs, token = self.page(wanted, status, name_contains, limit, next_token)
        rows = []
        for job in jobs:
            kind = kinds.get(job.kind)
            (summary,) = kind.definition.summaries(self, [job])
            rows.append(entry_of(kind, summary))
        return ListJobsResponse(JobSummaries=rows, NextToken=token)

    def metrics(self, name: str) -> list[MetricPoints]:
        """Every captured point of every metric (in-process callers; REST pages). Raises NotFound."""
        job = self.get(name)
        if not job.run_id:
            return []
        with self.db.read() as conn:
            return _points(metrics_store.all_points(conn, job.run_id))

    def metrics_page(
        self, name: str, *, metric: str | None = None, limit: int = METRICS_PAGE_POINTS, next_token: str | None = None
    ) -> GetTrainingJobMetricsResponse:
        """A page of a job's metric points, `metric` by `metric` in step order; follow NextToken.

        A job logging every step can hold hundreds of thousands of points: one answer with
        all of them is tens of megabytes to build and encode, so REST clients page. Raises
        NotFound, and Invalid for a limit out of range or a next_token this API did not return."""
        if not 1 <= limit <= MAX_METRICS_PAGE_POINTS:
            raise Invalid(f"'limit' must be between 1 and {MAX_METRICS_PAGE_POINTS}, got {limit}.", field="limit")
        after = _decode_points_token(next_token) if next_token else None
        job = self.get(name)
        rows: list[tuple[str, int, float, float, int]] = []
        more = False
        if job.run_id:
            with self.db.read() as conn:
                rows = metrics_store.points_page(conn, job.run_id, key=metric, after=after, limit=limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
        token = _encode_points_token(rows[-1]) if more else None
        return GetTrainingJobMetricsResponse(TrainingJobName=name, metrics=_points(rows), NextToken=token)

    def logs(self, name: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK, host: str | None = None, kind: JobKind | None = None) -> LogChunk:
        """Text from a byte offset; `next_offset` always lands on a whole UTF-8 character.

        `host` (algo-k) keeps only that host's lines of a multi-host job (offsets still count
        the whole log, so following works the same). Raises NotFound, and Invalid for a
        negative offset, one beyond the end of the log, or a host the job does not have.
        """
        job = self.get(name, kind)
        if offset < 0:
            raise Invalid("'offset' must be 0 or more.", field="offset")
        count = int(job.spec.get("instance_count") or 1)
        if host is not None:
            check_host(host, count)
        path = self.layout(name).log_file
        data = b""
        in_store = self._log_in_store(job)
        if in_store:  # its supervisors run elsewhere and send the log to the store
            with self.db.read() as conn:
                size = logs_store.size(conn, name)
                if offset > size:
                    raise Invalid(
                        f"'offset' {offset} is beyond the end of the log (size {size} bytes); use a next_offset this API returned, or 0.",
                        field="offset",
                    )
                data = logs_store.read(conn, name, offset, max_bytes)
        elif path.exists():
            with open(path, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                if offset > size:  # checked before seek(), which fails on huge offsets
                    raise Invalid(
                        f"'offset' {offset} is beyond the end of the log (size {size} bytes); use a next_offset this API returned, or 0.",
                        field="offset",
                    )
                handle.seek(offset)
                data = handle.read(max_bytes)
        elif offset > 0:
            noun = kinds.noun_of(job.kind).lower()
            raise Invalid(f"'offset' {offset} is beyond the end of the log ({noun} {name!r} has no log yet); start at 0.", field="offset")
        cut = len(data)
        if cut and cut == max_bytes:
            while cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
                cut -= 1
            if cut > 0 and data[cut - 1] >= 0xC0:
                cut -= 1
            cut = cut or len(data)
        next_offset = offset + cut
        if not in_store:
            size = path.stat().st_size if path.exists() else 0
        shown = data[:cut]
        if host is not None and count > 1:
            shown, next_offset = host_lines(shown, offset, host, whole=job.is_terminal and next_offset >= size)
        return LogChunk(text=shown.decode("utf-8", "replace"), next_offset=next_offset, complete=job.is_terminal and next_offset >= size)

    def _log_in_store(self, job: Job) -> bool:
        """Whether this machine reads a job's log from the store rather than from its file:
        a remote backend's job, or a local job of another machine sharing the store (its
        supervisor ships the log there; the file is on that machine). A SQLite store is one
        machine's: its jobs' logs are files."""
        if job.backend != "local":
            return True
        return not self.db.is_sqlite and owned_elsewhere(job.machine, self.settings)

    def artifact(self, name: str, which: str, kind: JobKind) -> str:
        """The URI of a job's model or output archive, or of its log: only what the job owns
        (and its kind has: `KindDefinition.artifacts`).

        Raises NotFound (no such job, artifact or archive yet) and Gone when the archive was
        deleted with the job's run.
        """
        job = self.get(name, kind)
        have = kind.definition.artifacts
        if which not in have:
            where = kind.definition.artifacts_elsewhere or f"ask for one of {', '.join(have)}"
            raise NotFound(f"{kind.noun}s have no artifact {which!r}; {where}.")
        if which == "log":
            if self._log_in_store(job):
                return self._remote_log(job)
            path = self.layout(name).log_file
            if not path.exists():
                raise NotFound(f"{kind.noun} {name!r} has no log yet.")
            return str(path)
        uri = job.model_artifact if which == "model" else job.output_artifact
        if not uri:
            raise NotFound(f"{kind.noun} {name!r} has no {which} archive (it is {job.status}; archives are packed when a job completes or stops).")
        if not artifact_exists(uri):
            with self.db.read() as conn:
                run_gone = not runs_store.run_exists(conn, job.run_id) if job.run_id else False
            why = (
                "was deleted together with the job's run (the run or its experiment was deleted)"
                if run_gone
                else f"no longer exists in the artifact store ({uri})"
            )
            raise Gone(
                f"{kind.noun} {name!r}'s {which} archive {why}; the job's record remains but its files are gone. "
                "Train the job again to get a new archive.",
                field="kind",
            )
        return uri

    def _remote_log(self, job: Job) -> str:
        """A job that ran elsewhere has no log file on this machine: the copy its supervisor
        stored in the artifact store once it ended (one host's file, so single-host jobs only),
        else the store's copy of the log written to this machine's job folder."""
        if job.is_terminal and int(job.spec.get("instance_count") or 1) == 1:
            store = ArtifactStore(self.settings.artifact_uri)
            stored = store.uri_for(f"jobs/{job.name}/output.log")
            if not store.local and artifact_exists(stored):
                return stored
        with self.db.read() as conn:
            size = logs_store.size(conn, job.name)
            if size == 0:
                raise NotFound(f"{kinds.noun_of(job.kind)} {job.name!r} has no log yet.")
            data = logs_store.read(conn, job.name, 0, size)
        path = self.layout(job.name).log_file
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, path)
        return str(path)

    # -- control ------------------------------------------------------------------

    def stop(self, name: str, kind: JobKind | None = None) -> None:
        """Ask a running job to stop (SIGTERM, SIGKILL after the grace). A job another machine
        runs gets only the stop flag in the store, which its supervisor polls and carries out
        within a couple of seconds. Raises NotFound, and Conflict when the job already ended."""
        job = self.get(name, kind)
        noun = kinds.noun_of(job.kind)
        if job.is_terminal:
            raise Conflict(f"{noun} {name!r} is already {job.status}; only running jobs can be stopped.")
        if job.status != JobStatus.STOPPING:
            now = time.time()
            stopping = f"Stopping the {noun.lower()}"

            def body(conn: Connection) -> None:
                current = jobs_store.get_job(conn, name, with_transitions=False)
                if current is None or current.is_terminal:
                    return
                jobs_store.add_transition(conn, name, SecondaryStatus.STOPPING, now, stopping)
                jobs_store.update_job(
                    conn, name, status=JobStatus.STOPPING, secondary_status=SecondaryStatus.STOPPING, status_message=stopping, stop_requested_time=now
                )
                events_store.append(
                    conn,
                    "job.status",
                    {"name": name, "status": JobStatus.STOPPING, "secondary_status": SecondaryStatus.STOPPING, "message": stopping},
                )

            self.db.run_write(body)
        get_backend(job.backend, self.settings).stop(self.get(name), self.layout(name))

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.25, kind: JobKind | None = None) -> Job:
        """Block until the job ends (noticing a dead supervisor) and return it. Raises NotFound,
        and TimeoutError when `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        check = self.liveness_check(name)
        while True:
            job = self.get(name, kind)
            if job.is_terminal:
                return job
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"{kinds.noun_of(job.kind)} {name!r} is still {job.status} after {timeout} s.")
            if check():
                continue
            self.pause(name, poll, kind)

    def pause(self, name: str, seconds: float, kind: JobKind | None = None) -> None:
        """Sleep up to `seconds`, woken by the job's supervisor leaving its end marker
        (Layout.end_file) once the end is in the store: waits return at the job's end, not a
        poll interval later. A job whose marker never comes here (another machine's, a full
        disk) just sleeps `seconds`."""
        try:
            marker = self.layout(name, kind).end_file
        except NotFound:
            marker = None
        sleep_until_ended(marker, seconds)

    def reconcile(self) -> list[str]:
        """Mark jobs whose supervisor is gone as Failed, with a reason, and kill their leftovers.
        Another machine's jobs are judged by their heartbeat only, and their processes left alone."""
        with self.db.read() as conn:
            active = jobs_store.active_jobs(conn)
        return [job.name for job in active if self._reconcile_job(job)]

    def check(self, name: str) -> bool:
        """Reconcile one job: True when its supervisor turned out dead and this call failed it.

        Whoever waits on a job calls this (through `liveness_check`), so a supervisor killed
        while no Jupyter server runs is still noticed: `labstudio train --wait`, the SDK's
        wait(), the magics and the JobMonitor widget then end with the job Failed. Raises NotFound.
        """
        job = self.get(name)
        return not job.is_terminal and self._reconcile_job(job)

    def liveness_check(self, name: str, interval: float = LIVENESS_INTERVAL) -> Callable[[], bool]:
        """`check(name)` for a waiting loop, at most once per `interval` seconds however fast it polls."""
        next_at = [time.monotonic() + interval]

        def due() -> bool:
            now = time.monotonic()
            if now < next_at[0]:
                return False
            next_at[0] = now + interval
            return self.check(name)

        return due

    def _reconcile_job(self, job: Job) -> bool:
        backend = get_backend(job.backend, self.settings)
        layout = self.layout(job.name)
        alive = backend.is_alive(job, layout)
        if alive is None or alive:
            return False
        with self.db.read() as conn:
            fresh = jobs_store.get_job(conn, job.name)
        if fresh is None or fresh.is_terminal:
            return False
        if owned_elsewhere(fresh.machine, self.settings) and backend.is_alive(fresh, layout):
            return False  # its owner beat meanwhile
        backend.cleanup_dead(fresh, layout)
        where = fresh.secondary_status
        pid = backend.runner_pid(fresh, layout)
        reason = backend.dead_reason(fresh, layout) or reason_left_in(layout.job_dir, where) or (
            f"InternalServerError: the labstudio supervisor (pid {pid}) ended unexpectedly while the job was "
            f"{where}; the training process was stopped. Check {layout.supervisor_log} and submit the job again."
            if pid
            else "InternalServerError: the labstudio supervisor never started; check "
            f"{layout.supervisor_log} and submit the job again."
        )
        return bool(
            JobRecorder(self.db, job.name, job.run_id).finish(
                status=JobStatus.FAILED, secondary=SecondaryStatus.FAILED, message=f"{kinds.noun_of(fresh.kind)} failed", failure_reason=reason
            )
        )

    def delete_files(self, name: str) -> None:
        """Remove a finished job's folder (used when its experiment is deleted).

        Raises NotFound, and Conflict while the job still runs.
        """
        job = self.get(name)
        if not job.is_terminal:
            raise Conflict(f"{kinds.noun_of(job.kind)} {name!r} is {job.status}; stop it before deleting its files.")
        shutil.rmtree(self.layout(name).job_dir, ignore_errors=True)


__all__ = ["JobEngine", "KindDefinition", "KindLaunch", "KindSpec", "PreparedJob", "RunRecord"]
