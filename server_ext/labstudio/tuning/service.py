"""TuningService: submit, describe, list, stop and follow hyperparameter tuning jobs.

The work of a tuning job happens in its detached tuner process (`runner.py`); this service
validates and records the job, snapshots its code once, starts the tuner, and, whenever
someone looks (`check`, `wait`, the server's `reconcile`), starts a new tuner for an
unfinished job whose tuner died: the new one resumes from the store. No tornado here.

Whether a tuner lives is read from its store lease (`tuner:NAME`), whichever machine sharing
the store runs it: a lease held by a process of this machine is judged by this machine's
process table, one held by another machine only by its expiry (the holder renews it every
limit/6 seconds). A machine never starts a second tuner beside a live one, and resumes a job
only where its code snapshot is (the machine that created it, or a shared home).
"""
from __future__ import annotations

import base64
import builtins  # `list` below names TuningService.list inside the class body
import json
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import procs as procutil
from ..config import Settings
from ..errors import Conflict, Invalid, NameTaken, NotFound
from ..jobs import forkserver
from ..jobs.contract import SNAPSHOT_IGNORE
from ..jobs.layout import END_FILE, sleep_until_ended
from ..jobs.service import JobService
from ..jobs.spec import JobSpec
from ..machines import silence
from ..shapes import NAME_RE
from ..shapes.tuning import (
    MAX_RESULTS,
    CreateTuningJobRequest,
    DescribeTuningJobResponse,
    ListTuningJobsResponse,
    ListTuningTrainingJobsResponse,
)
from ..status import JobStatus
from ..store import Database
from ..store import events as events_store
from ..store import leases as leases_store
from ..store import tuning as store
from ..store.db import Connection
from ..store.leases import Lease
from ..store.tuning import TrialRecord, TuningJob
from .describe import describe, job_summary, trial_summary
from .spec import TuningSpec, parse_tuning_request

SORT_KEYS = ("Name", "CreationTime", "Status", "FinalObjectiveMetricValue")
START_GRACE_SECONDS = 30.0  # a tuner just started has this long to record its pid
LIVENESS_INTERVAL = 1.0


def tuning_dir(settings: Settings, name: str) -> Path:
    return settings.home / "tuning" / name


def code_dir(settings: Settings, name: str) -> Path:
    """The tuning job's one code snapshot: every trial trains from it."""
    return tuning_dir(settings, name) / "code"


def _encode(payload: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")


def _decode(token: str) -> Any:
    try:
        return json.loads(base64.urlsafe_b64decode((token + "=" * (-len(token) % 4)).encode()))
    except Exception:
        raise Invalid("'next_token' is not a token this API returned; start again without it.", field="next_token") from None


def lease_name(name: str) -> str:
    """The store lease a tuning job's one tuner holds (tuning/runner.py takes it)."""
    return f"tuner:{name}"


def _name_taken(name: str) -> NameTaken:
    return NameTaken(f"A tuning job named {name!r} already exists; choose another 'name'.", field="name")


class TuningService:
    def __init__(self, settings: Settings, db: Database, jobs: JobService) -> None:
        self.settings = settings
        self.db = db
        self.jobs = jobs

    # -- submit -----------------------------------------------------------------------

    def submit(
        self,
        request: Mapping[str, Any] | CreateTuningJobRequest,
        *,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> DescribeTuningJobResponse:
        """Validate, snapshot the code once, record, start the tuner; returns describe(name).

        Raises Invalid (naming the field) and NameTaken (409) before anything is created."""
        spec = parse_tuning_request(request, base_dir=base_dir, root_dir=root_dir)
        with self.db.read() as conn:
            if store.tuning_job_exists(conn, spec.name):
                raise _name_taken(spec.name)
            self._check_parents(conn, spec)
        folder = tuning_dir(self.settings, spec.name)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir()
        except FileExistsError:
            raise _name_taken(spec.name) from None
        try:
            self._snapshot(spec.template, code_dir(self.settings, spec.name))
            self.db.run_write(self._insert, spec, time.time())
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._spawn(spec.name)
        return self.describe(spec.name)

    @staticmethod
    def _snapshot(template: JobSpec, target: Path) -> None:
        """Copy the code now, so editing the script during the sweep changes no trial."""
        if template.source_is_single_file:
            target.mkdir(parents=True)
            shutil.copy2(Path(template.source_dir) / template.entry_point, target / template.entry_point)
        else:
            shutil.copytree(template.source_dir, target, ignore=SNAPSHOT_IGNORE, symlinks=True)

    def _check_parents(self, conn: Connection, spec: TuningSpec) -> None:
        """Warm-start parents exist, are finished, and searched a compatible objective and space."""
        for parent in spec.warm_start_parents:
            job = store.get_tuning_job(conn, parent)
            if job is None:
                raise Invalid(f"warm-start parent {parent!r} is not a tuning job; name an existing one.", field="warm_start.parents")
            if not job.is_terminal:
                raise Invalid(
                    f"warm-start parent {parent!r} is still {job.status}; wait for it to finish (or stop it) first.", field="warm_start.parents"
                )
            pspec = TuningSpec.from_dict(job.spec)
            if (pspec.objective_metric_name, pspec.objective_type) != (spec.objective_metric_name, spec.objective_type):
                raise Invalid(
                    f"warm-start parent {parent!r} {pspec.objective_type.lower()}s {pspec.objective_metric_name!r}; this job "
                    f"{spec.objective_type.lower()}s {spec.objective_metric_name!r}. Parents must share the objective.",
                    field="warm_start.parents",
                )
            if spec.warm_start_type == "IdenticalDataAndAlgorithm" and [r.to_dict() for r in pspec.ranges] != [r.to_dict() for r in spec.ranges]:
                raise Invalid(
                    f"IdenticalDataAndAlgorithm needs the same hyperparameter ranges as parent {parent!r}; "
                    "use TransferLearning to search different ranges (parents' points that fit them are kept).",
                    field="warm_start.parents",
                )

    def _insert(self, conn: Connection, spec: TuningSpec, now: float) -> None:
        if store.tuning_job_exists(conn, spec.name):
            raise _name_taken(spec.name)
        store.insert_tuning_job(
            conn,
            {
                "name": spec.name,
                "status": JobStatus.IN_PROGRESS,
                "failure_reason": None,
                "spec": spec.to_dict(),
                "experiment_name": spec.experiment_name,
                "creation_time": now,
                "end_time": None,
                "tuner_pid": None,
                "tuner_start_ticks": None,
                "tuner_spawn_time": now,
                "stop_requested_time": None,
                "tuner_machine": self.settings.host_id,  # where the code snapshot is (the tuner says where it runs)
            },
        )
        events_store.append(conn, "tuning.created", {"name": spec.name})

    # -- the tuner process ------------------------------------------------------------------

    def _spawn(self, name: str, replacing: str | None = None) -> None:
        """Start `python -m labstudio.tuning.runner NAME` (it detaches itself at once);
        `replacing`: the dead holder of the job's lease, which the new tuner takes over."""
        self.db.run_write(lambda conn: store.update_tuning_job(conn, name, tuner_spawn_time=time.time()))
        args = [str(tuning_dir(self.settings, name)), *(["--replacing", replacing] if replacing else [])]
        env = self.settings.child_env()
        # Forked by this process's warm server when there is one (jobs/forkserver.py: no
        # interpreter start, no store import before the first trial), else started cold.
        if not forkserver.hand_off(args, env, module="labstudio.tuning.runner"):
            procutil.spawn_detached("labstudio.tuning.runner", *args, env=env)
            forkserver.ensure_started(env)

    def _tuner(self, job: TuningJob) -> tuple[str, Lease | None]:
        """What its lease says of a tuning job's tuner, and the lease:

        - "alive": a tuner was started moments ago (it is taking the lease), or the lease is
          held by a live process of this machine, or by another machine and not expired;
        - "replace": held by a process of this machine that is gone: start one that takes it over;
        - "start": free or expired, and the job's code snapshot is on this machine;
        - "silent": free or expired, and the code snapshot is on the machine whose tuner went
          silent: no machine can resume it here (the job is failed, naming that machine).
        """
        with self.db.read() as conn:
            lease = leases_store.get(conn, lease_name(job.name))
        now = time.time()
        if job.tuner_spawn_time is not None and now - job.tuner_spawn_time < START_GRACE_SECONDS:
            return "alive", lease  # started moments ago: it has not taken the lease yet
        if lease is not None and lease.machine == self.settings.host_id:
            return ("alive" if procutil.is_alive(lease.pid, lease.start_ticks) else "replace"), lease
        if lease is not None and not lease.expired(now):
            return "alive", lease
        return ("start" if code_dir(self.settings, job.name).is_dir() else "silent"), lease

    def check(self, name: str) -> bool:
        """One liveness check: an unfinished job whose tuner is gone gets a new one (which
        resumes from the store), or, when only a silent machine could resume it, is failed
        with the reason. True when a tuner was started or the job failed. Raises NotFound."""
        job = self.get(name)
        if job.is_terminal:
            return False
        state, lease = self._tuner(job)
        if state == "alive":
            return False
        if state == "silent":
            return self._fail_silent(job, lease)
        self._spawn(name, replacing=lease.holder if state == "replace" and lease is not None else None)
        return True

    def _fail_silent(self, job: TuningJob, lease: Lease | None) -> bool:
        """Fail a tuning job whose tuner went silent on another machine, which alone holds its
        code snapshot; its running trials are asked to stop (their owner carries that out)."""
        now = time.time()
        machine = lease.machine if lease is not None else job.tuner_machine
        if machine and machine != self.settings.host_id:
            last = lease.renewed_time if lease is not None else None
            said = silence(machine, last, job.tuner_spawn_time or job.creation_time, now, self.settings.heartbeat_limit_seconds)
            reason = (
                f"InternalServerError: the tuner of {job.name!r} on {said}. Its code snapshot is on that machine, so no "
                "other machine can resume it; create the tuning job again."
            )
        else:
            reason = (
                f"InternalServerError: the tuner of {job.name!r} is gone and its code snapshot "
                f"{code_dir(self.settings, job.name)} is missing, so it cannot be resumed; create the tuning job again."
            )

        def body(conn: Connection) -> bool:
            done = store.set_status_if(conn, job.name, JobStatus.active(), status=JobStatus.FAILED, failure_reason=reason, end_time=now)
            if done:
                events_store.append(conn, "tuning.status", {"name": job.name, "status": JobStatus.FAILED})
            return bool(done)

        if not self.db.run_write(body):
            return False
        for trial in self._trials(job.name):
            if trial.job_status in JobStatus.active():
                try:
                    self.jobs.stop(trial.training_job_name)
                except (Conflict, NotFound):
                    pass  # it ended meanwhile
        return True

    def reconcile(self) -> builtins.list[str]:
        """check() every unfinished tuning job (the server's periodic loop)."""
        with self.db.read() as conn:
            active = store.active_tuning_jobs(conn)
        return [job.name for job in active if self.check(job.name)]

    # -- read ---------------------------------------------------------------------------

    def get(self, name: str) -> TuningJob:
        if not NAME_RE.match(name or ""):
            raise NotFound(f"Tuning job {name!r} does not exist.")
        with self.db.read() as conn:
            job = store.get_tuning_job(conn, name)
        if job is None:
            raise NotFound(f"Tuning job {name!r} does not exist.")
        return job

    def _trials(self, name: str) -> builtins.list[TrialRecord]:
        with self.db.read() as conn:
            return store.list_trials(conn, name)

    def describe(self, name: str) -> DescribeTuningJobResponse:
        """DescribeHyperParameterTuningJob's shape. Raises NotFound."""
        job = self.get(name)
        return DescribeTuningJobResponse.model_validate(describe(job, self._trials(name)))

    def list(
        self, *, status: str | None = None, max_results: int = 100, next_token: str | None = None, name_contains: str | None = None
    ) -> ListTuningJobsResponse:
        """ListHyperParameterTuningJobs, newest first. Raises Invalid for an unknown status,
        max_results outside 1..MAX_RESULTS or a next_token this API did not return."""
        if status is not None and status not in tuple(JobStatus):
            raise Invalid(f"'status' must be one of {', '.join(JobStatus)}, got {status!r}.", field="status")
        if not 1 <= max_results <= MAX_RESULTS:
            raise Invalid(f"'max_results' must be between 1 and {MAX_RESULTS}, got {max_results}.", field="max_results")
        after = None
        if next_token:
            raw = _decode(next_token)
            if not (isinstance(raw, list) and len(raw) == 2 and isinstance(raw[0], (int, float)) and isinstance(raw[1], str)):
                raise Invalid("'next_token' is not a token this API returned; start again without it.", field="next_token")
            after = (float(raw[0]), raw[1])
        with self.db.read() as conn:
            jobs = store.list_tuning_jobs(conn, statuses=[status] if status else [], name_contains=name_contains, limit=max_results + 1, after=after)
            more = len(jobs) > max_results
            jobs = jobs[:max_results]
            trials = store.list_trials(conn, [j.name for j in jobs])
        by_job: dict[str, builtins.list[TrialRecord]] = {}
        for t in trials:
            by_job.setdefault(t.tuning_job_name, []).append(t)
        return ListTuningJobsResponse.model_validate(
            {
                "HyperParameterTuningJobSummaries": [job_summary(j, by_job.get(j.name, [])) for j in jobs],
                "NextToken": _encode([jobs[-1].creation_time, jobs[-1].name]) if more and jobs else None,
            }
        )

    def training_jobs(
        self,
        name: str,
        *,
        status: str | None = None,
        sort_by: str = "CreationTime",
        sort_order: str = "Descending",
        max_results: int = 100,
        next_token: str | None = None,
    ) -> ListTuningTrainingJobsResponse:
        """ListTrainingJobsForHyperParameterTuningJob. Trials without an objective sort last
        by FinalObjectiveMetricValue. Raises NotFound and Invalid (status, sort_by, sort_order,
        max_results, next_token)."""
        if status is not None and status not in tuple(JobStatus):
            raise Invalid(f"'status' must be one of {', '.join(JobStatus)}, got {status!r}.", field="status")
        if sort_by not in SORT_KEYS:
            raise Invalid(f"'sort_by' must be one of {', '.join(SORT_KEYS)}, got {sort_by!r}.", field="sort_by")
        if sort_order not in ("Ascending", "Descending"):
            raise Invalid(f"'sort_order' must be Ascending or Descending, got {sort_order!r}.", field="sort_order")
        if not 1 <= max_results <= MAX_RESULTS:
            raise Invalid(f"'max_results' must be between 1 and {MAX_RESULTS}, got {max_results}.", field="max_results")
        offset = 0
        if next_token:
            raw = _decode(next_token)
            if not (isinstance(raw, int) and not isinstance(raw, bool) and raw >= 0):
                raise Invalid("'next_token' is not a token this API returned; start again without it.", field="next_token")
            offset = raw
        job = self.get(name)
        spec = TuningSpec.from_dict(job.spec)
        rows = [trial_summary(t, spec) for t in self._trials(name)]
        if status is not None:
            rows = [r for r in rows if r["TrainingJobStatus"] == status]
        reverse = sort_order == "Descending"
        if sort_by == "FinalObjectiveMetricValue":
            scored = [r for r in rows if r["FinalHyperParameterTuningJobObjectiveMetric"]]
            unscored = [r for r in rows if not r["FinalHyperParameterTuningJobObjectiveMetric"]]
            scored.sort(key=lambda r: float(r["FinalHyperParameterTuningJobObjectiveMetric"]["Value"]), reverse=reverse)
            rows = scored + unscored
        else:
            key = {"Name": "TrainingJobName", "CreationTime": "TrialNumber", "Status": "TrainingJobStatus"}[sort_by]
            rows.sort(key=lambda r: (r[key], r["TrialNumber"]), reverse=reverse)
        page = rows[offset : offset + max_results]
        more = offset + max_results < len(rows)
        return ListTuningTrainingJobsResponse.model_validate({"TrainingJobSummaries": page, "NextToken": _encode(offset + max_results) if more else None})

    # -- control --------------------------------------------------------------------------

    def stop(self, name: str) -> DescribeTuningJobResponse:
        """Stop every running trial; the tuner ends the job Stopped once they all ended.
        Raises NotFound, and Conflict when the tuning job already ended."""
        job = self.get(name)
        if job.is_terminal:
            raise Conflict(f"Tuning job {name!r} is already {job.status}; only running tuning jobs can be stopped.")
        now = time.time()

        def body(conn: Connection) -> None:
            if store.set_status_if(conn, name, (JobStatus.IN_PROGRESS,), status=JobStatus.STOPPING, stop_requested_time=now):
                events_store.append(conn, "tuning.status", {"name": name, "status": JobStatus.STOPPING})

        self.db.run_write(body)
        for trial in self._trials(name):
            if trial.job_status in JobStatus.active():
                try:
                    self.jobs.stop(trial.training_job_name)
                except (Conflict, NotFound):
                    pass  # it ended meanwhile
        self.check(name)  # a dead tuner is restarted to finish the stop
        return self.describe(name)

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.1) -> DescribeTuningJobResponse:
        """Block until the tuning job ends, restarting a dead tuner on the way; describe it.
        Raises NotFound, and TimeoutError when `timeout` seconds pass first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        next_check = time.monotonic()
        while True:
            job = self.get(name)
            if job.is_terminal:
                return self.describe(name)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Tuning job {name!r} is still {job.status} after {timeout} s.")
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + LIVENESS_INTERVAL
                if self.check(name):
                    continue
            sleep_until_ended(tuning_dir(self.settings, name) / END_FILE, poll)  # woken by the tuner's end marker
