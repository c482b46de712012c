"""AutoMLService: SageMaker Autopilot's API over the store: create (every check, the data's
included, before anything is recorded), describe, list, candidates, stop, wait. No tornado.

The work of a job happens in its runner (automl/runner.py), a detached coordinator holding the
store lease `automl:<name>`; whoever looks (`check`, `wait`, the server's `reconcile`) starts a
new runner for an unfinished job whose runner died, and the new one resumes from the store,
exactly as tuning jobs' tuners and pipeline executions' runners are judged.
"""
from __future__ import annotations

import builtins
import math
import shutil
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import procs as procutil
from ..config import Settings
from ..errors import Conflict, Invalid, NameTaken, NotFound
from ..jobs import forkserver
from ..jobs.layout import END_FILE, sleep_until_ended
from ..machines import silence
from ..pages import decode_token, encode_token, page_size
from ..store import Database
from ..store import automl as store
from ..store import events as events_store
from ..store import leases as leases_store
from ..store import metrics as metrics_store
from ..store.automl import AutoMLJob, Candidate
from ..store.leases import Lease
from . import data as datamod
from .describe import candidate as candidate_shape
from .describe import describe, summary
from .problem import ACTIVE, DEFAULT_OBJECTIVE, METRICS, STATUSES, STOPPED, STOPPING
from .spec import NAME_RE, AutoMLSpec, parse_request

if TYPE_CHECKING:
    from ..core import Core

START_GRACE_SECONDS = 30.0  # a runner just started has this long to take its lease
LIVENESS_INTERVAL = 1.0
SORT_CANDIDATES = ("CreationTime", "Status", "FinalObjectiveMetricValue")
SORT_JOBS = ("Name", "CreationTime", "Status")


def job_dir(settings: Settings, name: str) -> Path:
    """The job's folder: its data split, the runner's log, the end marker."""
    return settings.home / "automl" / name


def lease_name(name: str) -> str:
    return f"automl:{name}"


class AutoMLService:
    def __init__(self, settings: Settings, db: Database, core: Core) -> None:
        self.settings = settings
        self.db = db
        self.core = core

    @property
    def default_output(self) -> str:
        return f"{self.settings.artifact_uri.rstrip('/')}/automl"

    # -- create -------------------------------------------------------------------------------

    def create(self, request: Mapping[str, Any], *, base_dir: Path | None = None, root_dir: Path | None = None,
               detach: bool = True) -> dict[str, Any]:
        """CreateAutoMLJob: the request and the data checked (header row, target present and not
        constant, more than one class, CSV or Parquet, a budget for at least one candidate),
        the job recorded and its runner started. Raises Invalid and NameTaken before anything
        is created. Returns {"AutoMLJobArn"}."""
        spec = parse_request(request, base_dir=base_dir, root_dir=root_dir, default_output=self.default_output)
        with self.db.read() as conn:
            if store.job_exists(conn, spec.name):
                raise NameTaken(f"An AutoML job named {spec.name!r} already exists; choose another AutoMLJobName.", field="AutoMLJobName")
        table = datamod.read_table(spec.input)
        problem_type = datamod.check(table, spec.target, spec.problem_type)
        if spec.objective is not None and problem_type not in METRICS[spec.objective].problem_types:
            raise Invalid(f"AutoMLJobObjective.MetricName {spec.objective} does not fit this data's problem type, {problem_type}; "
                          f"it fits {', '.join(METRICS[spec.objective].problem_types)}.", field="AutoMLJobObjective.MetricName")
        self._check_budget(spec, len(table), table.shape[1])
        folder = job_dir(self.settings, spec.name)
        folder.parent.mkdir(parents=True, exist_ok=True)
        try:
            folder.mkdir()
        except FileExistsError:
            raise NameTaken(f"An AutoML job named {spec.name!r} already exists; choose another AutoMLJobName.", field="AutoMLJobName") from None
        now = time.time()

        def body(conn: Any) -> None:
            if store.job_exists(conn, spec.name):
                raise NameTaken(f"An AutoML job named {spec.name!r} already exists; choose another AutoMLJobName.", field="AutoMLJobName")
            store.insert_job(conn, {
                "name": spec.name, "status": "InProgress", "secondary_status": "Starting", "failure_reason": None, "request": spec.to_dict(),
                "problem_type": None, "objective": None, "mode": None, "best_candidate": None, "creation_time": now,
                "last_modified_time": now, "end_time": None, "stop_requested_time": None, "runner_pid": None, "runner_start_ticks": None,
                "runner_spawn_time": now, "runner_machine": self.settings.host_id,
            })
            events_store.append(conn, "automl.status", {"name": spec.name, "status": "InProgress", "secondary_status": "Starting"})

        try:
            self.db.run_write(body)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        if detach:
            self._spawn(spec.name)
        return {"AutoMLJobArn": describe(self.get(spec.name), None)["AutoMLJobArn"]}

    @staticmethod
    def _check_budget(spec: AutoMLSpec, rows: int, columns: int) -> None:
        """A budget too small for one candidate: its cross-validation needs time in proportion to the data."""
        estimate = 3.0 + rows * columns / 200_000.0  # seconds for one linear candidate's folds, generously low
        per_job = spec.max_runtime_per_training_job
        if per_job is not None and per_job < estimate:
            raise Invalid(f"AutoMLJobConfig.CompletionCriteria.MaxRuntimePerTrainingJobInSeconds is {per_job} s, too little for one "
                          f"candidate on {rows} rows x {columns} columns (about {math.ceil(estimate)} s); give more.",
                          field="AutoMLJobConfig.CompletionCriteria.MaxRuntimePerTrainingJobInSeconds")
        total = spec.max_total_runtime
        if total is not None and total < 10 + 2 * estimate:
            raise Invalid(f"AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds is {total} s, too little to analyse "
                          f"{rows} rows and train one candidate (about {math.ceil(10 + 2 * estimate)} s); give more.",
                          field="AutoMLJobConfig.CompletionCriteria.MaxAutoMLJobRuntimeInSeconds")

    # -- read ---------------------------------------------------------------------------------

    def get(self, name: str) -> AutoMLJob:
        """The stored job (by name or ARN). Raises NotFound."""
        if isinstance(name, str) and name.startswith("arn:"):
            name = name.rsplit("/", 1)[-1]
        job = None
        if isinstance(name, str) and NAME_RE.match(name):
            with self.db.read() as conn:
                job = store.get_job(conn, name)
        if job is None:
            raise NotFound(f"AutoML job {name!r} does not exist.", field="AutoMLJobName")
        return job

    def candidates(self, name: str) -> builtins.list[Candidate]:
        with self.db.read() as conn:
            return store.list_candidates(conn, name)

    def _shapes(self, job: AutoMLJob, rows: builtins.list[Candidate]) -> builtins.list[dict[str, Any]]:
        with self.db.read() as conn:
            metrics = metrics_store.summaries(conn, [c.run_id for c in rows if c.run_id])
        return [candidate_shape(c, job, metrics.get(c.run_id or "")) for c in rows]

    def best(self, name: str) -> dict[str, Any] | None:
        """The best candidate (the runner's pick once it ended; the best so far while it runs)."""
        job = self.get(name)
        rows = self.candidates(job.name)
        chosen = [c for c in rows if c.candidate_name == job.best_candidate] if job.best_candidate else []
        if not chosen:
            chosen = _ranked(rows, job)[:1]
        return self._shapes(job, chosen)[0] if chosen else None

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeAutoMLJob. Raises NotFound."""
        job = self.get(name)
        return describe(job, self.best(job.name))

    def list(self, *, status: str | None = None, name_contains: str | None = None, sort_by: str | None = None,
             sort_order: str | None = None, max_results: int | None = None, next_token: str | None = None) -> dict[str, Any]:
        """ListAutoMLJobs, newest first."""
        if status is not None and status not in STATUSES:
            raise Invalid(f"StatusEquals must be one of {', '.join(STATUSES)}, got {status!r}.", field="StatusEquals")
        if sort_by not in (None, *SORT_JOBS):
            raise Invalid(f"SortBy must be one of {', '.join(SORT_JOBS)}, got {sort_by!r}.", field="SortBy")
        if sort_order not in (None, "Ascending", "Descending"):
            raise Invalid(f"SortOrder must be Ascending or Descending, got {sort_order!r}.", field="SortOrder")
        limit = page_size(max_results)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        with self.db.read() as conn:
            rows = store.list_jobs(conn, statuses=[status] if status else [], name_contains=name_contains, sort_by=sort_by or "CreationTime",
                                   ascending=sort_order == "Ascending", limit=limit + 1, offset=offset)
        return {"AutoMLJobSummaries": [summary(j) for j in rows[:limit]],
                "NextToken": encode_token([offset + limit]) if len(rows) > limit else None}

    def list_candidates(self, name: str, *, status: str | None = None, candidate_name: str | None = None, sort_by: str | None = None,
                        sort_order: str | None = None, max_results: int | None = None, next_token: str | None = None) -> dict[str, Any]:
        """ListCandidatesForAutoMLJob. By FinalObjectiveMetricValue the best come first (Descending,
        the default for it), whichever way the metric is better; candidates without one come last."""
        job = self.get(name)
        if status is not None and status not in STATUSES:
            raise Invalid(f"StatusEquals must be one of {', '.join(STATUSES)}, got {status!r}.", field="StatusEquals")
        if sort_by not in (None, *SORT_CANDIDATES):
            raise Invalid(f"SortBy must be one of {', '.join(SORT_CANDIDATES)}, got {sort_by!r}.", field="SortBy")
        if sort_order not in (None, "Ascending", "Descending"):
            raise Invalid(f"SortOrder must be Ascending or Descending, got {sort_order!r}.", field="SortOrder")
        limit = page_size(max_results, top=100)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        rows = self.candidates(job.name)
        if candidate_name:
            rows = [c for c in rows if c.candidate_name == candidate_name]
        shapes = self._shapes(job, rows)
        if status:
            shapes = [s for s in shapes if s["CandidateStatus"] == status]
        descending = sort_order != "Ascending"
        if sort_by == "FinalObjectiveMetricValue":
            minimize = job.objective in METRICS and METRICS[job.objective].minimize
            scored = [s for s in shapes if "FinalAutoMLJobObjectiveMetric" in s]
            rest = [s for s in shapes if "FinalAutoMLJobObjectiveMetric" not in s]
            scored.sort(key=lambda s: float(s["FinalAutoMLJobObjectiveMetric"]["Value"]), reverse=descending != minimize)
            shapes = scored + rest
        elif sort_by == "Status":
            shapes.sort(key=lambda s: (s["CandidateStatus"], s["CreationTime"]), reverse=descending)
        else:
            shapes.sort(key=lambda s: s["CreationTime"], reverse=descending if sort_by else False)
        page = shapes[offset:offset + limit]
        return {"Candidates": page, "NextToken": encode_token([offset + limit]) if offset + limit < len(shapes) else None}

    # -- control ------------------------------------------------------------------------------

    def stop(self, name: str) -> dict[str, Any]:
        """StopAutoMLJob: running candidates are stopped, nothing new starts, the job ends Stopped.
        Raises NotFound, and Conflict when it already ended."""
        job = self.get(name)
        if job.is_terminal:
            raise Conflict(f"AutoML job {job.name!r} is already {job.status}; only a running job can be stopped.", field="AutoMLJobName")
        now = time.time()

        def body(conn: Any) -> None:
            if store.set_status_if(conn, job.name, ("InProgress",), status=STOPPING, secondary_status="Stopping", stop_requested_time=now,
                                   last_modified_time=now):
                events_store.append(conn, "automl.status", {"name": job.name, "status": STOPPING, "secondary_status": "Stopping"})

        self.db.run_write(body)
        for c in self.candidates(job.name):
            if c.job_status in ("InProgress", "Stopping"):
                try:
                    self.core.jobs.stop(c.candidate_name)
                except (Conflict, NotFound):
                    pass  # it ended meanwhile
        self.check(job.name)  # a dead runner is replaced, to carry the stop out
        return {}

    def wait(self, name: str, timeout: float | None = None, poll: float = 0.25) -> dict[str, Any]:
        """Block until the job ends (resuming a dead runner on the way); describe it. Raises
        NotFound, and TimeoutError when `timeout` seconds pass first."""
        job = self.get(name)
        deadline = None if timeout is None else time.monotonic() + timeout
        next_check = time.monotonic()  # at once: a follower polling with short timeouts still resumes a dead runner
        while True:
            current = self.get(job.name)
            if current.is_terminal:
                return self.describe(job.name)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"AutoML job {job.name!r} is still {current.status} ({current.secondary_status}) after {timeout} s.")
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + LIVENESS_INTERVAL
                if self.check(job.name):
                    continue
            sleep_until_ended(job_dir(self.settings, job.name) / END_FILE, poll)

    def deploy(self, name: str, *, candidate: str | None = None, endpoint_name: str | None = None,
               inference_response_keys: builtins.list[str] | None = None, wait: bool = True) -> dict[str, Any]:
        """Serve a candidate (the best when None) as an endpoint answering `inference_response_keys`
        (the CLI's and the panel's Deploy; the SDK's AutoML.deploy builds the same model). Raises
        NotFound, and Invalid for a candidate without a model or a key it does not answer."""
        job = self.get(name)
        if candidate is None:
            chosen = self.best(job.name)
        else:
            rows = [c for c in self.candidates(job.name) if c.candidate_name == candidate]
            chosen = self._shapes(job, rows)[0] if rows else None
            if chosen is None:
                raise NotFound(f"AutoML job {job.name!r} has no candidate {candidate!r}.", field="CandidateName")
        if chosen is None or not chosen["InferenceContainers"]:
            what = "no completed candidate" if chosen is None else f"candidate {chosen['CandidateName']} has no model ({chosen['CandidateStatus']})"
            raise Invalid(f"AutoML job {job.name!r}: {what} to deploy.", field="CandidateName")
        container = chosen["InferenceContainers"][-1]
        env = dict(container["Environment"])
        supported = env.pop("SAGEMAKER_INFERENCE_SUPPORTED", "").split(",")
        keys = inference_response_keys or ["predicted_label"]
        bad = [k for k in keys if k not in supported]
        if bad:
            raise Invalid(f"inference_response_keys {', '.join(bad)} are not answered by this candidate; it answers {', '.join(supported)}.",
                          field="inference_response_keys")
        env["SAGEMAKER_INFERENCE_OUTPUT"] = ",".join(keys)
        entry_point = env.pop("SAGEMAKER_PROGRAM")
        source_dir = env.pop("SAGEMAKER_SUBMIT_DIRECTORY")
        return dict(self.core.endpoints.deploy(str(container["ModelDataUrl"]), name=endpoint_name, entry_point=entry_point,
                                               source_dir=source_dir, environment=env, install_requirements=False, wait=wait))

    # -- the runner process -------------------------------------------------------------------

    def _spawn(self, name: str, replacing: str | None = None) -> None:
        """Start `python -m labstudio.automl.runner JOB_DIR` (it detaches itself at once)."""
        self.db.run_write(lambda conn: store.update_job(conn, name, runner_spawn_time=time.time()))
        args = [str(job_dir(self.settings, name)), *(["--replacing", replacing] if replacing else [])]
        env = self.settings.child_env()
        if not forkserver.hand_off(args, env, module="labstudio.automl.runner"):
            procutil.spawn_detached("labstudio.automl.runner", *args, env=env)
            forkserver.ensure_started(env)

    def _runner(self, job: AutoMLJob) -> tuple[str, Lease | None]:
        """alive, replace (held by a dead process of this machine), start, or silent (only the
        machine whose runner went silent holds the job's data)."""
        with self.db.read() as conn:
            lease = leases_store.get(conn, lease_name(job.name))
        now = time.time()
        if job.runner_spawn_time is not None and now - job.runner_spawn_time < START_GRACE_SECONDS:
            return "alive", lease
        if lease is not None and lease.machine == self.settings.host_id:
            return ("alive" if procutil.is_alive(lease.pid, lease.start_ticks) else "replace"), lease
        if lease is not None and not lease.expired(now):
            return "alive", lease
        return ("start" if job_dir(self.settings, job.name).is_dir() else "silent"), lease

    def check(self, name: str) -> bool:
        """One liveness check: an unfinished job whose runner is gone gets a new one (which
        resumes from the store). True when a runner was started or the job failed."""
        job = self.get(name)
        if job.is_terminal:
            return False
        state, lease = self._runner(job)
        if state == "alive":
            return False
        if state == "silent":
            return self._fail_silent(job, lease)
        self._spawn(job.name, replacing=lease.holder if state == "replace" and lease is not None else None)
        return True

    def _fail_silent(self, job: AutoMLJob, lease: Lease | None) -> bool:
        now = time.time()
        machine = lease.machine if lease is not None else job.runner_machine
        said = silence(machine or "?", lease.renewed_time if lease is not None else None, job.runner_spawn_time or job.creation_time, now,
                       self.settings.heartbeat_limit_seconds)
        reason = (f"InternalServerError: the runner of AutoML job {job.name} on {said}; its data split is on that machine, "
                  "so no other machine can resume it. Create the job again.")

        def body(conn: Any) -> bool:
            done = store.set_status_if(conn, job.name, ACTIVE, status="Failed", secondary_status="Failed", failure_reason=reason,
                                       end_time=now, last_modified_time=now)
            if done:
                events_store.append(conn, "automl.status", {"name": job.name, "status": "Failed", "secondary_status": "Failed"})
            return done

        return bool(self.db.run_write(body))

    def reconcile(self) -> builtins.list[str]:
        """check() every unfinished job (the server's periodic loop)."""
        with self.db.read() as conn:
            active = store.active_jobs(conn)
        return [j.name for j in active if self.check(j.name)]


def _ranked(rows: builtins.list[Candidate], job: AutoMLJob) -> builtins.list[Candidate]:
    """Completed candidates with an objective, best first."""
    minimize = job.objective in METRICS and METRICS[job.objective].minimize
    done = [c for c in rows if c.job_status == "Completed" and c.objective is not None and not math.isnan(c.objective)]
    return sorted(done, key=lambda c: (c.objective if minimize else -(c.objective or 0.0), c.number))


def resolved_objective(spec: AutoMLSpec, problem_type: str) -> str:
    return spec.objective or DEFAULT_OBJECTIVE[problem_type]


__all__ = ["STOPPED", "AutoMLService", "job_dir", "lease_name", "resolved_objective"]
