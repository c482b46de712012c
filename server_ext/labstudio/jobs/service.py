"""JobService: the one place jobs are submitted, listed, described, stopped and followed.

No tornado here: the REST handlers, the CLI and the SDK all call these methods.
"""
from __future__ import annotations

import base64
import builtins  # `list` below names JobService.list inside the class body
import dataclasses
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from ..artifacts import exists as artifact_exists
from ..config import Settings
from ..diskfull import as_disk_full, reason_left_in
from ..errors import Conflict, Gone, Invalid, NameTaken, NotFound
from ..lineage import record as lineage_record
from ..machines import owned_elsewhere
from ..store import Database
from ..store import events as events_store
from ..store import hosts as hosts_store
from ..store import jobs as jobs_store
from ..store import logs as logs_store
from ..store import metrics as metrics_store
from ..store import runs as runs_store
from ..store.db import Connection
from ..store.entities import Job
from ..store.util import json_number, new_id
from .backends import get_backend
from .contract import Layout, channel_links, command, environment, free_port, host_names, needs_rendezvous, prepare_tree
from .describe import describe, summary
from .hosts import check_host, host_lines, log_prefix
from .launch import write_plan
from .recorder import JobRecorder
from .requirements import plan_entry as requirements_plan
from .spec import NAME_RE, JobSpec, check_exec_size, parse_spec

STATUSES = ("InProgress", "Completed", "Failed", "Stopping", "Stopped")
MAX_LOG_CHUNK = 1024 * 1024
METRICS_PAGE_POINTS = 10_000  # about 0.7 MB of JSON: quick to build and to send
MAX_METRICS_PAGE_POINTS = 100_000
LIVENESS_INTERVAL = 1.0  # seconds between supervisor liveness checks in waiting loops


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


def _raise_disk_full(exc: BaseException) -> None:
    """A job's folder that could not be filled for want of space: errors.DiskFull naming the
    file (the SDK's typed error, the API's 507), whatever raised it."""
    full = as_disk_full(exc) if isinstance(exc, Exception) else None
    if full is not None and full is not exc:
        raise full from exc


@dataclasses.dataclass(frozen=True)
class PreparedJob:
    """A job whose folder, code snapshot and launch plan exist but which is not recorded yet
    (JobService.prepare); JobService.launch makes it a job, JobService.discard forgets it."""

    spec: JobSpec
    layout: Layout
    run_id: str
    created: float  # when it was prepared; launch() records the job's own creation time
    plan: dict[str, Any]


# What each job kind is called in messages; the reconciler meets every kind.
KIND_NOUNS = {"training": "Training job", "processing": "Processing job", "transform": "Transform job"}


class JobService:
    """Training jobs. Other kinds (jobs/processing/service.py) subclass it: they share the
    engine (tree, launch plan, supervisor, slots, logs, stop, reconcile) and see only their own rows."""

    KIND = "training"
    NOUN = "Training job"
    TAKEN = "A training job"  # how a name clash calls the job ("A job" for the later kinds)
    SUMMARIES = "TrainingJobSummaries"  # the list's key

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- paths --------------------------------------------------------------------

    def layout(self, name: str) -> Layout:
        """The paths of a job's tree. Raises NotFound for a name that cannot be a job's."""
        if not NAME_RE.match(name):  # names are the only thing that becomes a path here
            raise NotFound(f"{self.NOUN} {name!r} does not exist.")
        return Layout(self.settings.jobs_dir / name)

    def code_dir(self, name: str) -> Path:
        """The job's code snapshot (what an endpoint serves it with). Raises NotFound like `layout`."""
        return self.layout(name).code

    # -- submit -------------------------------------------------------------------

    def submit(
        self,
        request: Mapping[str, Any] | JobSpec,
        *,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> dict[str, Any]:
        """Validate, snapshot, record and launch. Nothing is created when validation fails.

        Raises Invalid (a field is wrong: the message names it and the fix) and NameTaken, a
        Conflict, when a job of that name exists. A backend that cannot start the job does not
        raise: the job is recorded Failed with the reason, and its description is returned.
        """
        prepared = self.prepare(request, base_dir=base_dir, root_dir=root_dir)
        described = self.launch(prepared, now=prepared.created)
        assert described is not None
        return described

    def prepare(
        self,
        request: Mapping[str, Any] | JobSpec,
        *,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> PreparedJob:
        """submit()'s file-system half: validate, claim the job's folder, snapshot the code and
        write the launch plan. Nothing is in the store yet: the job does not exist (no listing,
        no describe, no reconciler sees it) until `launch`; `discard` removes the folder.

        A tuner prepares its next trial while the current ones run, so that a freed slot costs
        only `launch`. Raises like submit (Invalid, NameTaken)."""
        spec = request if isinstance(request, JobSpec) else parse_spec(request, base_dir=base_dir, root_dir=root_dir)
        self._check_name_free(spec.name)
        get_backend(spec.backend, self.settings).check_submit()  # Ray missing, a SQLite store, no cluster: refused here
        layout = self.layout(spec.name)
        now = time.time()
        run_id = new_id()
        plan = self._plan(spec, layout, run_id, now)
        check_exec_size(spec, plan["argv"], plan["env"])  # the OS would refuse to start it (E2BIG)
        try:
            layout.job_dir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:  # a concurrent submit of the same name won the race
            raise self._name_taken(spec.name) from None
        try:
            prepare_tree(spec, layout)
            write_plan(str(layout.job_dir), plan)
            for host in host_names(spec.instance_count)[1:]:
                write_plan(str(layout.for_host(host).host_dir), self._host_plan(spec, layout, plan, host))
        except BaseException as exc:
            shutil.rmtree(layout.job_dir, ignore_errors=True)
            _raise_disk_full(exc)
            raise
        return PreparedJob(spec, layout, run_id, now, plan)

    def launch(
        self, prepared: PreparedJob, *, now: float | None = None, also: Callable[[Connection], None] | None = None, describe: bool = True
    ) -> dict[str, Any] | None:
        """submit()'s second half: record the prepared job (its creation time is now) and hand
        it to its backend. `also` runs in the same transaction as the job's rows (a tuner records
        its trial there); whatever it raises aborts the launch, like a failed insert: the
        prepared folder is removed and the exception re-raised. `describe=False` skips the
        returned description (None) for callers that do not read it."""
        spec, layout, run_id = prepared.spec, prepared.layout, prepared.run_id
        created = time.time() if now is None else now
        if created != prepared.created:  # the slot queue orders waiters by the plan's creation time
            write_plan(str(layout.job_dir), {**prepared.plan, "created": created})

        def insert(conn: Connection) -> None:
            self._insert(conn, spec, layout, run_id, created)
            if also is not None:
                also(conn)

        try:
            self.db.run_write(insert)
        except BaseException as exc:
            shutil.rmtree(layout.job_dir, ignore_errors=True)
            _raise_disk_full(exc)
            self._raise_conflict_for(exc, spec.name)
            raise
        self._start(spec.name, spec.backend, layout, run_id)
        return self.describe(spec.name) if describe else None

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

    def discard(self, prepared: PreparedJob) -> None:
        """Forget a prepared job that will not be launched (its folder is all there is)."""
        shutil.rmtree(prepared.layout.job_dir, ignore_errors=True)

    # -- submit scaffolding every kind shares ------------------------------------

    def _name_taken(self, name: str) -> NameTaken:
        return NameTaken(f"{self.TAKEN} named {name!r} already exists; choose another 'name'.", field="name")

    def _check_name_free(self, name: str) -> None:
        """Before any work is spent on a submit: NameTaken when a job of that name (any kind) exists."""
        with self.db.read() as conn:
            if jobs_store.job_exists(conn, name):
                raise self._name_taken(name)

    def _create_and_launch(self, name: str, backend: str, layout: Layout, run_id: str | None, fill: Callable[[], None]) -> dict[str, Any]:
        """Claim the job's folder, `fill` it (tree, plan, database rows), hand the job to its
        backend and describe it. A failing `fill` leaves nothing behind; a backend that cannot
        start the job does not raise: the job is recorded Failed with the reason."""
        get_backend(backend, self.settings).check_submit()  # before anything is created
        try:
            layout.job_dir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:  # a concurrent submit of the same name won the race
            raise self._name_taken(name) from None
        try:
            fill()
        except BaseException as exc:
            shutil.rmtree(layout.job_dir, ignore_errors=True)
            _raise_disk_full(exc)
            self._raise_conflict_for(exc, name)
            raise
        self._start(name, backend, layout, run_id)
        return self.describe(name)

    def _raise_conflict_for(self, exc: BaseException, name: str) -> None:
        """A constraint the store enforced while the job's rows were written: something they
        point at (its experiment, its trial) changed in a concurrent transaction. That is a
        409 saying to submit again, never a database error (the job left nothing behind)."""
        if runs_store.is_integrity_error(exc):
            raise Conflict(
                f"{self.NOUN} {name!r} was not recorded: its experiment or trial was changed or deleted at the same moment. Submit it again.",
                field="experiment_name",
            ) from exc

    def _start(self, name: str, backend: str, layout: Layout, run_id: str | None) -> None:
        """Hand a recorded job to its backend; one that cannot start it records the job Failed."""
        job = self.get(name)
        try:
            get_backend(backend, self.settings).submit(job, layout)
        except Exception as exc:
            JobRecorder(self.db, name, run_id).finish(
                status="Failed",
                secondary="Failed",
                message=f"{self.NOUN} failed",
                failure_reason=f"InternalServerError: could not start the job's supervisor: {exc}",
            )

    def _engine_plan(self, layout: Layout, run_id: str | None, now: float, max_runtime_seconds: int | None) -> dict[str, Any]:
        """The launch plan's keys (jobs/launch.py) that are the engine's, whatever the kind runs:
        each kind adds argv, cwd, env, channels and metric_definitions."""
        return {
            "kind": self.KIND,
            "opt_ml": str(layout.base),  # shown to the job at /opt/ml where the OS allows (jobs/optml.py)
            "log_file": str(layout.log_file),
            "slots_dir": str(self.settings.slots_dir),
            "max_slots": self.settings.max_concurrent_jobs,
            "stop_grace_seconds": self.settings.stop_grace_seconds,
            "created": now,
            "run_id": run_id,
            "max_runtime_seconds": max_runtime_seconds,
            # A shared store: the supervisor also sends the log there, for the other machines.
            "ship_log": not self.db.is_sqlite,
        }

    def _create_run(self, conn: Connection, spec: Any, run_id: str, source_type: str) -> str:
        """The experiment run a job records into (`spec`: a kind's spec with name, experiment_name,
        trial_name and tags); returns the experiment's name."""
        experiment: str = spec.experiment_name or runs_store.DEFAULT_EXPERIMENT
        runs_store.create_run(
            conn,
            experiment_name=experiment,
            name=spec.name,
            trial_name=spec.trial_name,
            status="InProgress",
            source_type=source_type,
            source_name=spec.name,
            tags=spec.tags,
            run_id=run_id,
        )
        return experiment

    def _insert_row(self, conn: Connection, spec: Any, layout: Layout, run_id: str | None, now: float, experiment: str | None) -> None:
        """The job's row, its Starting transition and its job.created event (`spec`: a kind's
        spec with name, backend and to_dict()); the caller checked the name is free in `conn`."""
        launching = f"Launching the {self.NOUN.lower()}"
        jobs_store.insert_job(
            conn,
            {
                "name": spec.name,
                "kind": self.KIND,
                "run_id": run_id,
                "backend": spec.backend,
                "status": "InProgress",
                "secondary_status": "Starting",
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
        jobs_store.add_transition(conn, spec.name, "Starting", now, launching)
        lineage_record.job_created(conn, self.settings, self.KIND, spec, layout.code, run_id, now)
        created: dict[str, Any] = {"name": spec.name, "run_id": run_id, "experiment": experiment}
        if self.KIND != JobService.KIND:  # training's events predate kinds: clients read no kind as training
            created["kind"] = self.KIND
        events_store.append(conn, "job.created", created)

    def _page(
        self,
        status: str | builtins.list[str] | None,
        name_contains: str | None,
        limit: int,
        next_token: str | None,
        kinds: Sequence[str] | None = None,
    ) -> tuple[builtins.list[Job], str | None]:
        """A page of this kind's jobs (or of `kinds`), newest first, and the NextToken of the next
        page. Raises Invalid for an unknown status, a limit outside 1..1000 or a next_token this
        API did not return."""
        statuses = [status] if isinstance(status, str) else builtins.list(status or [])
        for s in statuses:
            if s not in STATUSES:
                raise Invalid(f"'status' must be one of {', '.join(STATUSES)}, got {s!r}.", field="status")
        if not 1 <= limit <= 1000:
            raise Invalid(f"'limit' must be between 1 and 1000, got {limit}.", field="limit")
        after = _decode_token(next_token) if next_token else None
        with self.db.read() as conn:
            jobs = jobs_store.list_jobs(
                conn, statuses=statuses, name_contains=name_contains, limit=limit + 1, after=after, kind=kinds if kinds is not None else self.KIND
            )
        more = len(jobs) > limit
        jobs = jobs[:limit]
        return jobs, (_encode_token(jobs[-1]) if more and jobs else None)

    def _base_env(self) -> dict[str, str]:
        """The environment a job's script starts from: this process's, plus the settings that
        lead it to the same store (each host's plan and every kind's build on it)."""
        return {**os.environ, **self.settings.as_env()}

    def _plan(self, spec: JobSpec, layout: Layout, run_id: str, now: float) -> dict[str, Any]:
        """algo-1's launch plan; a multi-host job's other hosts get theirs from `_host_plan`."""
        base_env = self._base_env()
        rendezvous = ("127.0.0.1", free_port()) if needs_rendezvous(spec) else None
        multi: dict[str, Any] = {}
        if spec.instance_count > 1:
            multi = {
                "host": layout.host,
                "hosts": host_names(spec.instance_count),
                "rendezvous": rendezvous,
                "log_prefix": log_prefix(layout.host),
                # The local backend: algo-1 starts the others once it holds the job's slot.
                "start_hosts": spec.backend == "local",
            }
        return {
            **self._engine_plan(layout, run_id, now, spec.max_runtime_seconds),
            **multi,
            "argv": command(spec, layout, rendezvous=rendezvous),
            "cwd": str(layout.code),
            "env": environment(spec, layout, run_id=run_id, base_env=base_env, rendezvous=rendezvous),
            "channels": channel_links(spec, layout),
            "output_path": spec.output_path,  # where _pack puts the archives (None: the artifact store)
            "metric_definitions": spec.metric_definitions,
            "requirements": requirements_plan(spec, layout.code, self.settings.home),  # pip, before the script
        }

    def _host_plan(self, spec: JobSpec, layout: Layout, plan: dict[str, Any], host: str) -> dict[str, Any]:
        """Another host's plan: its own tree, environment and log prefix, no slot of its own
        (the job holds one, algo-1's), and no metric capture (metrics come from algo-1)."""
        own = layout.for_host(host)
        base_env = self._base_env()
        given = plan.get("rendezvous")
        rendezvous = (str(given[0]), int(given[1])) if given else None
        return {
            **plan,
            "host": host,
            "opt_ml": str(own.base),
            "slots_dir": None,
            "start_hosts": False,
            "log_prefix": log_prefix(host),
            "argv": command(spec, own, rendezvous=rendezvous),
            "cwd": str(own.code),
            "env": environment(spec, own, run_id=plan["run_id"], base_env=base_env, rendezvous=rendezvous),
            "channels": channel_links(spec, own),
            "metric_definitions": [],
            "requirements": requirements_plan(spec, own.code, self.settings.home),
        }

    def _insert(self, conn: Connection, spec: JobSpec, layout: Layout, run_id: str, now: float) -> None:
        if jobs_store.job_exists(conn, spec.name):
            raise self._name_taken(spec.name)
        experiment = self._create_run(conn, spec, run_id, "TrainingJob")
        runs_store.set_params(conn, run_id, spec.user_hyperparameters)
        for channel, path in spec.channels.items():
            runs_store.add_artifact(conn, run_id, channel, path if "://" in path else f"file://{path}", is_output=False)
        self._insert_row(conn, spec, layout, run_id, now, experiment)
        hosts_store.add_hosts(conn, spec.name, host_names(spec.instance_count))
        events_store.append(conn, "run.created", {"run_id": run_id, "experiment": experiment, "name": spec.name})

    # -- read ---------------------------------------------------------------------

    def get(self, name: str) -> Job:
        """The stored job. Raises NotFound."""
        self.layout(name)
        with self.db.read() as conn:
            job = jobs_store.get_job(conn, name)
        if job is None or job.kind != self.KIND:
            raise NotFound(f"{self.NOUN} {name!r} does not exist.")
        return job

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeTrainingJob's shape, final metrics included. Raises NotFound."""
        job = self.get(name)
        with self.db.read() as conn:
            metrics = metrics_store.summaries(conn, [job.run_id]).get(job.run_id, {}) if job.run_id else {}
            run_gone = not runs_store.run_exists(conn, job.run_id) if job.run_id else False
            hosts = hosts_store.list_hosts(conn, name)
        return describe(job, metrics, self._deleted_archives(job) if run_gone else frozenset(), hosts)

    def _deleted_archives(self, job: Job) -> frozenset[str]:
        """The archives of a job whose run was deleted that are gone too (a served model is kept)."""
        pairs = (("model", job.model_artifact), ("output", job.output_artifact))
        return frozenset(kind for kind, uri in pairs if uri and not artifact_exists(uri))

    def list(
        self,
        *,
        status: str | list[str] | None = None,
        name_contains: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """List<Kind>Jobs' shape (ListTrainingJobs' here), newest first. Raises Invalid for an
        unknown status, a limit outside 1..1000 or a next_token this API did not return."""
        jobs, token = self._page(status, name_contains, limit, next_token)
        return {self.SUMMARIES: self._summaries(jobs), "NextToken": token}

    def _summaries(self, jobs: builtins.list[Job]) -> builtins.list[dict[str, Any]]:
        """The page's jobs in the kind's summary shape."""
        return [summary(j) for j in jobs]

    def list_kinds(
        self,
        kinds: Sequence[str],
        services: Mapping[str, JobService],
        *,
        status: str | builtins.list[str] | None = None,
        name_contains: str | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """One page of jobs of every kind in `kinds`, newest first (shapes.joblist.ListJobsResponse's
        `JobSummaries`): each row is its kind's List<Kind>Jobs summary, as that kind's service in
        `services` (kind -> service) writes it, with `Kind` first. Tokens are (creation time,
        name) as for one kind, so paging through mixed kinds never skips or repeats a job.
        Raises Invalid for an unknown kind, status, a limit outside 1..1000 or a foreign token."""
        wanted = builtins.list(dict.fromkeys(kinds))
        for kind in wanted:
            if kind not in services:
                raise Invalid(f"'kind' must be one of {', '.join(services)}, got {kind!r}.", field="kind")
        jobs, token = self._page(status, name_contains, limit, next_token, kinds=wanted)
        rows: builtins.list[dict[str, Any]] = []
        for job in jobs:
            (row,) = services[job.kind]._summaries([job])
            rows.append({"Kind": job.kind, **row})
        return {"JobSummaries": rows, "NextToken": token}

    def metrics(self, name: str) -> builtins.list[dict[str, Any]]:
        """Every captured point of every metric (in-process callers; REST pages). Raises NotFound."""
        job = self.get(name)
        if not job.run_id:
            return []
        with self.db.read() as conn:
            points = metrics_store.all_points(conn, job.run_id)
        out: dict[str, list[dict[str, Any]]] = {}
        for key, step, value, ts in points:
            out.setdefault(key, []).append({"step": step, "value": json_number(value), "timestamp": ts})
        return [{"name": k, "points": v} for k, v in out.items()]

    def metrics_page(
        self, name: str, *, metric: str | None = None, limit: int = METRICS_PAGE_POINTS, next_token: str | None = None
    ) -> dict[str, Any]:
        """A page of a job's metric points, `metric` by `metric` in step order; follow NextToken.

        A job logging every step can hold hundreds of thousands of points: one answer with
        all of them is tens of megabytes to build and encode, so REST clients page. Raises
        NotFound, and Invalid for a limit out of range or a next_token this API did not return."""
        if not 1 <= limit <= MAX_METRICS_PAGE_POINTS:
            raise Invalid(f"'limit' must be between 1 and {MAX_METRICS_PAGE_POINTS}, got {limit}.", field="limit")
        after = _decode_points_token(next_token) if next_token else None
        job = self.get(name)
        out: dict[str, list[dict[str, Any]]] = {}
        rows: list[tuple[str, int, float, float, int]] = []
        more = False
        if job.run_id:
            with self.db.read() as conn:
                rows = metrics_store.points_page(conn, job.run_id, key=metric, after=after, limit=limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            for key, step, value, ts, _ in rows:
                out.setdefault(key, []).append({"step": step, "value": json_number(value), "timestamp": ts})
        token = _encode_points_token(rows[-1]) if more else None
        return {"TrainingJobName": name, "metrics": [{"name": k, "points": v} for k, v in out.items()], "NextToken": token}

    def logs(self, name: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK, host: str | None = None) -> dict[str, Any]:
        """Text from a byte offset; `next_offset` always lands on a whole UTF-8 character.

        `host` (algo-k) keeps only that host's lines of a multi-host job (offsets still count
        the whole log, so following works the same). Raises NotFound, and Invalid for a
        negative offset, one beyond the end of the log, or a host the job does not have.
        """
        job = self.get(name)
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
            raise Invalid(f"'offset' {offset} is beyond the end of the log ({self.NOUN.lower()} {name!r} has no log yet); start at 0.", field="offset")
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
        return {
            "text": shown.decode("utf-8", "replace"),
            "next_offset": next_offset,
            "complete": job.is_terminal and next_offset >= size,
        }

    def _log_in_store(self, job: Job) -> bool:
        """Whether this machine reads a job's log from the store rather than from its file:
        a remote backend's job, or a local job of another machine sharing the store (its
        supervisor ships the log there; the file is on that machine). A SQLite store is one
        machine's: its jobs' logs are files."""
        if job.backend != "local":
            return True
        return not self.db.is_sqlite and owned_elsewhere(job.machine, self.settings)

    ARTIFACT_KINDS = ("model", "output", "log")

    def artifact(self, name: str, kind: str) -> str:
        """The URI of a job's model or output archive, or of its log: only what the job owns.

        Raises NotFound (no such job, kind or archive yet) and Gone when the archive was
        deleted with the job's run.
        """
        job = self.get(name)
        if kind not in self.ARTIFACT_KINDS:
            raise NotFound(f"Training jobs have no artifact {kind!r}; ask for one of {', '.join(self.ARTIFACT_KINDS)}.")
        if kind == "log":
            if self._log_in_store(job):
                return self._remote_log(job)
            path = self.layout(name).log_file
            if not path.exists():
                raise NotFound(f"Training job {name!r} has no log yet.")
            return str(path)
        uri = job.model_artifact if kind == "model" else job.output_artifact
        if not uri:
            raise NotFound(f"Training job {name!r} has no {kind} archive (it is {job.status}; archives are packed when a job completes or stops).")
        if not artifact_exists(uri):
            with self.db.read() as conn:
                run_gone = not runs_store.run_exists(conn, job.run_id) if job.run_id else False
            why = (
                "was deleted together with the job's run (the run or its experiment was deleted)"
                if run_gone
                else f"no longer exists in the artifact store ({uri})"
            )
            raise Gone(
                f"Training job {name!r}'s {kind} archive {why}; the job's record remains but its files are gone. "
                "Train the job again to get a new archive.",
                field="kind",
            )
        return uri

    def _remote_log(self, job: Job) -> str:
        """A job that ran elsewhere has no log file on this machine: the copy its supervisor
        stored in the artifact store once it ended (one host's file, so single-host jobs only),
        else the store's copy of the log written to this machine's job folder."""
        from ..artifacts import ArtifactStore

        if job.is_terminal and int(job.spec.get("instance_count") or 1) == 1:
            store = ArtifactStore(self.settings.artifact_uri)
            stored = store.uri_for(f"jobs/{job.name}/output.log")
            if not store.local and artifact_exists(stored):
                return stored
        with self.db.read() as conn:
            size = logs_store.size(conn, job.name)
            if size == 0:
                raise NotFound(f"{self.NOUN} {job.name!r} has no log yet.")
            data = logs_store.read(conn, job.name, 0, size)
        path = self.layout(job.name).log_file
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}")
        partial.write_bytes(data)
        os.replace(partial, path)
        return str(path)

    # -- control ------------------------------------------------------------------

    def stop(self, name: str) -> dict[str, Any]:
        """Ask a running job to stop (SIGTERM, SIGKILL after the grace). A job another machine
        runs gets only the stop flag in the store, which its supervisor polls and carries out
        within a couple of seconds. Raises NotFound, and Conflict when the job already ended."""
        job = self.get(name)
        if job.is_terminal:
            raise Conflict(f"{self.NOUN} {name!r} is already {job.status}; only running jobs can be stopped.")
        if job.status != "Stopping":
            now = time.time()
            stopping = f"Stopping the {self.NOUN.lower()}"

            def body(conn):  # type: ignore[no-untyped-def]
                current = jobs_store.get_job(conn, name, with_transitions=False)
                if current is None or current.is_terminal:
                    return
                jobs_store.add_transition(conn, name, "Stopping", now, stopping)
                jobs_store.update_job(
                    conn, name, status="Stopping", secondary_status="Stopping", status_message=stopping, stop_requested_time=now
                )
                events_store.append(
                    conn, "job.status", {"name": name, "status": "Stopping", "secondary_status": "Stopping", "message": stopping}
                )

            self.db.run_write(body)
        get_backend(job.backend, self.settings).stop(self.get(name), self.layout(name))
        return self.describe(name)

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.25) -> dict[str, Any]:
        """Block until the job ends (noticing a dead supervisor) and describe it. Raises NotFound,
        and TimeoutError when `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        check = self.liveness_check(name)
        while True:
            job = self.get(name)
            if job.is_terminal:
                return self.describe(name)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"{self.NOUN} {name!r} is still {job.status} after {timeout} s.")
            if check():
                continue
            time.sleep(poll)

    def reconcile(self) -> builtins.list[str]:
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
        with self.db.read() as conn:  # any kind: one reconciler serves the whole engine
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
                status="Failed", secondary="Failed", message=f"{KIND_NOUNS.get(fresh.kind, 'Job')} failed", failure_reason=reason
            )
        )

    def delete_files(self, name: str) -> None:
        """Remove a finished job's folder (used when its experiment is deleted).

        Raises NotFound, and Conflict while the job still runs.
        """
        job = self.get(name)
        if not job.is_terminal:
            raise Conflict(f"{self.NOUN} {name!r} is {job.status}; stop it before deleting its files.")
        shutil.rmtree(self.layout(name).job_dir, ignore_errors=True)

