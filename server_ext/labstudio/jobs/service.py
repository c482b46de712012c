"""JobService: the one place jobs are submitted, listed, described, stopped and followed.

No tornado here: the REST handlers, the CLI and the SDK all call these methods.
"""
from __future__ import annotations

import base64
import builtins  # `list` below names JobService.list inside the class body
import json
import os
import shutil
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from ..artifacts import exists as artifact_exists
from ..config import Settings
from ..errors import Conflict, Gone, Invalid, NameTaken, NotFound
from ..store import Database
from ..store import events as events_store
from ..store import jobs as jobs_store
from ..store import metrics as metrics_store
from ..store import runs as runs_store
from ..store.entities import Job
from ..store.util import json_number, new_id
from .backends import get_backend
from .contract import Layout, channel_links, command, environment, prepare_tree
from .describe import describe, summary
from .launch import write_plan
from .recorder import JobRecorder
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


def _name_taken(name: str) -> NameTaken:
    return NameTaken(f"A training job named {name!r} already exists; choose another 'name'.", field="name")


class JobService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- paths --------------------------------------------------------------------

    def layout(self, name: str) -> Layout:
        """The paths of a job's tree. Raises NotFound for a name that cannot be a job's."""
        if not NAME_RE.match(name):  # names are the only thing that becomes a path here
            raise NotFound(f"Training job {name!r} does not exist.")
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
        spec = request if isinstance(request, JobSpec) else parse_spec(request, base_dir=base_dir, root_dir=root_dir)
        with self.db.read() as conn:
            if jobs_store.job_exists(conn, spec.name):
                raise _name_taken(spec.name)
        layout = self.layout(spec.name)
        now = time.time()
        run_id = new_id()
        plan = self._plan(spec, layout, run_id, now)
        check_exec_size(spec, plan["argv"], plan["env"])  # the OS would refuse to start it (E2BIG)
        try:
            layout.job_dir.mkdir(parents=True, exist_ok=False)
        except FileExistsError:
            raise _name_taken(spec.name) from None
        try:
            prepare_tree(spec, layout)
            write_plan(str(layout.job_dir), plan)
            self.db.run_write(self._insert, spec, layout, run_id, now)
        except BaseException:
            shutil.rmtree(layout.job_dir, ignore_errors=True)
            raise
        job = self.get(spec.name)
        try:
            get_backend(spec.backend, self.settings).submit(job, layout)
        except Exception as exc:
            JobRecorder(self.db, spec.name, run_id).finish(
                status="Failed",
                secondary="Failed",
                message="Training job failed",
                failure_reason=f"InternalServerError: could not start the job's supervisor: {exc}",
            )
        return self.describe(spec.name)

    def _plan(self, spec: JobSpec, layout: Layout, run_id: str, now: float) -> dict[str, Any]:
        base_env = dict(os.environ)
        base_env.update(self.settings.as_env())
        return {
            "argv": command(spec, layout),
            "cwd": str(layout.code),
            "env": environment(spec, layout, run_id=run_id, base_env=base_env),
            "channels": channel_links(spec, layout),
            "log_file": str(layout.log_file),
            "slots_dir": str(self.settings.slots_dir),
            "max_slots": self.settings.max_concurrent_jobs,
            "stop_grace_seconds": self.settings.stop_grace_seconds,
            "created": now,
            "run_id": run_id,
            "metric_definitions": spec.metric_definitions,
            "max_runtime_seconds": spec.max_runtime_seconds,
        }

    def _insert(self, conn, spec: JobSpec, layout: Layout, run_id: str, now: float) -> None:  # type: ignore[no-untyped-def]
        if jobs_store.job_exists(conn, spec.name):
            raise _name_taken(spec.name)
        experiment = spec.experiment_name or runs_store.DEFAULT_EXPERIMENT
        runs_store.create_run(
            conn,
            experiment_name=experiment,
            name=spec.name,
            trial_name=spec.trial_name,
            status="InProgress",
            source_type="TrainingJob",
            source_name=spec.name,
            tags=spec.tags,
            run_id=run_id,
        )
        runs_store.set_params(conn, run_id, spec.user_hyperparameters)
        for channel, path in spec.channels.items():
            runs_store.add_artifact(conn, run_id, channel, f"file://{path}", is_output=False)
        jobs_store.insert_job(
            conn,
            {
                "name": spec.name,
                "run_id": run_id,
                "backend": spec.backend,
                "status": "InProgress",
                "secondary_status": "Starting",
                "status_message": "Launching the training job",
                "failure_reason": None,
                "spec": spec.to_dict(),
                "job_dir": str(layout.job_dir),
                "experiment_name": experiment,
                "creation_time": now,
            },
        )
        jobs_store.add_transition(conn, spec.name, "Starting", now, "Launching the training job")
        events_store.append(conn, "job.created", {"name": spec.name, "run_id": run_id, "experiment": experiment})
        events_store.append(conn, "run.created", {"run_id": run_id, "experiment": experiment, "name": spec.name})

    # -- read ---------------------------------------------------------------------

    def get(self, name: str) -> Job:
        """The stored job. Raises NotFound."""
        self.layout(name)
        with self.db.read() as conn:
            job = jobs_store.get_job(conn, name)
        if job is None:
            raise NotFound(f"Training job {name!r} does not exist.")
        return job

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeTrainingJob's shape, final metrics included. Raises NotFound."""
        job = self.get(name)
        with self.db.read() as conn:
            metrics = metrics_store.summaries(conn, [job.run_id]).get(job.run_id, {}) if job.run_id else {}
            run_gone = not runs_store.run_exists(conn, job.run_id) if job.run_id else False
        return describe(job, metrics, self._deleted_archives(job) if run_gone else frozenset())

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
        """ListTrainingJobs' shape, newest first. Raises Invalid for an unknown status, a limit
        outside 1..1000 or a next_token this API did not return."""
        statuses = [status] if isinstance(status, str) else list(status or [])
        for s in statuses:
            if s not in STATUSES:
                raise Invalid(f"'status' must be one of {', '.join(STATUSES)}, got {s!r}.", field="status")
        if not 1 <= limit <= 1000:
            raise Invalid(f"'limit' must be between 1 and 1000, got {limit}.", field="limit")
        after = _decode_token(next_token) if next_token else None
        with self.db.read() as conn:
            jobs = jobs_store.list_jobs(conn, statuses=statuses, name_contains=name_contains, limit=limit + 1, after=after)
        more = len(jobs) > limit
        jobs = jobs[:limit]
        return {
            "TrainingJobSummaries": [summary(j) for j in jobs],
            "NextToken": _encode_token(jobs[-1]) if more and jobs else None,
        }

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

    def logs(self, name: str, offset: int = 0, max_bytes: int = MAX_LOG_CHUNK) -> dict[str, Any]:
        """Text from a byte offset; `next_offset` always lands on a whole UTF-8 character.

        Raises NotFound, and Invalid for a negative offset or one beyond the end of the log.
        """
        job = self.get(name)
        if offset < 0:
            raise Invalid("'offset' must be 0 or more.", field="offset")
        path = self.layout(name).log_file
        data = b""
        if path.exists():
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
            raise Invalid(f"'offset' {offset} is beyond the end of the log (training job {name!r} has no log yet); start at 0.", field="offset")
        cut = len(data)
        if cut and cut == max_bytes:
            while cut > 0 and (data[cut - 1] & 0xC0) == 0x80:
                cut -= 1
            if cut > 0 and data[cut - 1] >= 0xC0:
                cut -= 1
            cut = cut or len(data)
        next_offset = offset + cut
        size = path.stat().st_size if path.exists() else 0
        return {
            "text": data[:cut].decode("utf-8", "replace"),
            "next_offset": next_offset,
            "complete": job.is_terminal and next_offset >= size,
        }

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

    # -- control ------------------------------------------------------------------

    def stop(self, name: str) -> dict[str, Any]:
        """Ask a running job to stop (SIGTERM, SIGKILL after the grace). Raises NotFound, and
        Conflict when the job already ended."""
        job = self.get(name)
        if job.is_terminal:
            raise Conflict(f"Training job {name!r} is already {job.status}; only running jobs can be stopped.")
        if job.status != "Stopping":
            now = time.time()

            def body(conn):  # type: ignore[no-untyped-def]
                current = jobs_store.get_job(conn, name, with_transitions=False)
                if current is None or current.is_terminal:
                    return
                jobs_store.add_transition(conn, name, "Stopping", now, "Stopping the training job")
                jobs_store.update_job(
                    conn, name, status="Stopping", secondary_status="Stopping", status_message="Stopping the training job", stop_requested_time=now
                )
                events_store.append(
                    conn, "job.status", {"name": name, "status": "Stopping", "secondary_status": "Stopping", "message": "Stopping the training job"}
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
                raise TimeoutError(f"Training job {name!r} is still {job.status} after {timeout} s.")
            if check():
                continue
            time.sleep(poll)

    def reconcile(self) -> builtins.list[str]:
        """Mark jobs whose supervisor is gone as Failed, with a reason, and kill their leftovers."""
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
        fresh = self.get(job.name)
        if fresh.is_terminal:
            return False
        backend.cleanup_dead(fresh, layout)
        where = fresh.secondary_status
        pid = backend.runner_pid(fresh, layout)
        reason = (
            f"InternalServerError: the labstudio supervisor (pid {pid}) ended unexpectedly while the job was "
            f"{where}; the training process was stopped. Check {layout.supervisor_log} and submit the job again."
            if pid
            else "InternalServerError: the labstudio supervisor never started; check "
            f"{layout.supervisor_log} and submit the job again."
        )
        return bool(
            JobRecorder(self.db, job.name, job.run_id).finish(
                status="Failed", secondary="Failed", message="Training job failed", failure_reason=reason
            )
        )

    def delete_files(self, name: str) -> None:
        """Remove a finished job's folder (used when its experiment is deleted).

        Raises NotFound, and Conflict while the job still runs.
        """
        job = self.get(name)
        if not job.is_terminal:
            raise Conflict(f"Training job {name!r} is {job.status}; stop it before deleting its files.")
        shutil.rmtree(self.layout(name).job_dir, ignore_errors=True)

