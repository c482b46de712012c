"""`python -m labstudio.workflow.runner EXECUTION_ID`: the runner of one pipeline execution.

It starts every step whose dependencies succeeded (within ParallelismConfiguration's
MaxParallelExecutionSteps; the job slots queue what the machine cannot run at once), follows
the steps' jobs, retries per RetryPolicy, serves cached steps, evaluates conditions, and
ends the execution. It may die at any instruction: everything it knows is in the store, and
a new runner (started by `PipelineService.check`, whoever looks) continues from there:

- a step's row, naming the job of its current attempt, is written BEFORE the job is
  submitted (in a transaction that renews the lease): a resumed runner finds the job, or
  submits it under that very name if its predecessor died first (a job already recorded is
  never submitted twice: its name is taken), and starts a recorded job whose supervisor
  never started (`JobService.ensure_started`);
- a step is run only if the execution's own definition has it: rows for anything else are
  never acted on, so a resumed runner never runs more steps than the definition has;
- steps that do not run a job (a condition, a fail step, a model, a registration) write their
  result in the one transaction that records them.

One runner per execution, wherever it runs: the store lease `pipeline:<execution id>`
(store/leases.py), taken at start, renewed while the runner works, released at the end. A
runner that finds it lost the lease stops at once.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
import time
import traceback
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import arns
from .. import coordinator_lease as coordinator
from ..config import Settings
from ..coordinator_lease import CoordinatorLease, LeaseLost
from ..errors import Invalid, NameTaken, NotFound
from ..jobs import forkserver
from ..jobs.layout import sleep_until_ended
from ..lineage import record as lineage_record
from ..store import events as events_store
from ..store import pipelines as store
from ..store.pipelines import StepRow
from . import expressions as ex
from .definition import Definition, RetryPolicy, StepDef, parse
from .stepjobs import StepJobs, job_name

log = logging.getLogger("labstudio.pipelines")

POLL_SECONDS = 0.05  # between passes while steps run (a pass is a few indexed reads)
IDLE_POLL_SECONDS = 0.2  # while only retries are waiting
LIVENESS_INTERVAL = 1.0  # how often running steps' supervisors are checked
DEFAULT_PARALLELISM = 50  # SageMaker's MaxParallelExecutionSteps when none is given
EXECUTION_TAG = "labstudio:pipeline-execution"
STEP_TAG = "labstudio:pipeline-step"


def lease_name(execution_id: str) -> str:
    return f"pipeline:{execution_id}"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat()


def failure_type(reason: str | None) -> str | None:
    """The retry policies' exception type of a job's failure (None: not retryable, the script's or the request's own error)."""
    text = reason or ""
    if text.startswith("InternalServerError"):
        return "SageMaker.JOB_INTERNAL_ERROR"
    if text.startswith("CapacityError") or "node" in text.lower() and "lost" in text.lower():
        return "SageMaker.CAPACITY_ERROR"
    if text.startswith(("ResourceLimitExceeded", "DiskFull")) or "disk is full" in text.lower():
        return "SageMaker.RESOURCE_LIMIT"
    return None


def cache_key(step: StepDef, args: Mapping[str, Any]) -> str:
    """SageMaker's cache key: the step's type and arguments, here with the content fingerprints
    of every local input it reads (data, code, models), so that changed data is a miss."""
    from ..lineage.fingerprint import fingerprint

    inputs: list[tuple[str, str]] = []
    for uri in sorted(_input_uris(step.type, args)):
        fp = fingerprint(uri)
        inputs.append((uri, fp.value or fp.method))
    raw = json.dumps({"type": step.type, "arguments": args, "inputs": inputs}, sort_keys=True, default=str)
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _input_uris(kind: str, args: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()

    def add(value: Any) -> None:
        if isinstance(value, str) and value:
            found.add(value[len("file://"):] if value.startswith("file://") else value)

    for channel in args.get("InputDataConfig") or []:
        add(((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
    definition = args.get("TrainingJobDefinition") or {}
    for channel in definition.get("InputDataConfig") or []:
        add(((channel.get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
    for hps in (args.get("HyperParameters") or {}, definition.get("StaticHyperParameters") or {}):
        submit = hps.get("sagemaker_submit_directory")
        if isinstance(submit, str):
            try:
                add(json.loads(submit))
            except ValueError:
                add(submit)
    for item in args.get("ProcessingInputs") or []:
        add((item.get("S3Input") or {}).get("S3Uri"))
    add((((args.get("TransformInput") or {}).get("DataSource") or {}).get("S3DataSource") or {}).get("S3Uri"))
    add((args.get("PrimaryContainer") or {}).get("ModelDataUrl"))
    for container in (args.get("InferenceSpecification") or {}).get("Containers") or []:
        add(container.get("ModelDataUrl"))
    return found


class Runner:
    def __init__(self, settings: Settings, execution_id: str, replacing: str | None = None) -> None:
        from ..core import Core

        self.id = execution_id
        self.machine = settings.host_id
        self.lease = CoordinatorLease(settings, lease_name(execution_id), replacing, what="runner")
        self.core = Core(settings)
        self.db = self.core.db
        self.jobs = StepJobs(self.core)
        execution = self._execution()
        if execution is None:
            raise NotFound(f"Pipeline execution {execution_id!r} does not exist.")
        self.pipeline = execution.pipeline_name
        self.arn = arns.pipeline_execution_arn(self.pipeline, execution_id)
        self.definition: Definition = parse(execution.definition)
        self.parameters = execution.parameters
        self.experiment = execution.experiment_name
        self.trial = execution.trial_name
        self.parallelism = execution.parallelism or DEFAULT_PARALLELISM
        self.created = execution.creation_time
        self.adopted: set[str] = set()  # steps whose jobs this runner checked it can follow
        self.running: dict[str, str] = {}  # the steps' jobs running now (job name -> kind), as of the last pass
        self.markers: dict[str, Path | None] = {}  # their end markers (jobs.layout.END_FILE), found once each
        self.stop_sent: set[str] = set()
        self.next_liveness = 0.0
        self.failed_now = False  # a step failed in this pass: start nothing more

    # -- store --------------------------------------------------------------------------------

    def _execution(self) -> store.Execution | None:
        with self.db.read() as conn:
            return store.get_execution(conn, self.id)

    def _rows(self) -> dict[str, StepRow]:
        with self.db.read() as conn:
            rows = store.list_steps(conn, self.id)
        # Only the definition's steps count: a row for anything else is never acted on.
        return {r.name: r for r in rows if r.name in self.definition.steps}

    def _event(self, conn: Any, step: str, status: str) -> None:
        events_store.append(conn, "pipeline.step", {"execution_id": self.id, "pipeline": self.pipeline, "step": step, "status": status})

    # -- the lease ----------------------------------------------------------------------------

    def _acquire(self) -> bool:
        def record(conn: Any, pid: int, ticks: int | None) -> None:
            store.update_execution(conn, self.id, runner_pid=pid, runner_start_ticks=ticks, runner_spawn_time=None, runner_machine=self.machine)

        return self.lease.acquire(self.db, record)

    def _renew(self, conn: Any) -> None:
        self.lease.renew(conn)

    def _keep_lease(self) -> None:
        self.lease.keep(self.db)

    # -- the loop -----------------------------------------------------------------------------

    def run(self) -> int:
        if not self._acquire():
            log.info("another runner holds %s: leaving the execution to it", lease_name(self.id))
            return 0
        # The warm server for the steps' supervisors: every step after it skips an interpreter
        # start and the store's import (a step on another backend does not use it).
        forkserver.ensure_started(self.core.settings.child_env())
        try:
            while True:
                waiting = self._pass()
                if waiting is None:
                    break
                if waiting > 0:  # woken early by a running step's end (its supervisor's marker)
                    sleep_until_ended(self._end_markers(), waiting)
        except LeaseLost as exc:
            log.warning("stopping: %s (another runner took the execution over)", exc)
            return 0
        except Exception as exc:  # a runner that cannot go on fails the execution once, instead of dying in a restart loop
            log.error("runner failed:\n%s", traceback.format_exc())
            try:
                self._end("Failed", f"InternalServerError: the runner of pipeline execution {self.id} failed: {exc}")
            except LeaseLost:
                return 0
            return 1
        finally:
            try:
                self.lease.release(self.db)
            except Exception:
                log.warning("releasing the lease failed:\n%s", traceback.format_exc())
        return 0

    def _pass(self) -> float | None:
        """One pass; the seconds to wait before the next, or None when the execution is over."""
        self._keep_lease()
        execution = self._execution()
        if execution is None or execution.is_terminal:
            return None
        rows = self._rows()
        now = time.time()
        check = now >= self.next_liveness
        if check:
            self.next_liveness = now + LIVENESS_INTERVAL
        for row in rows.values():
            if not row.is_terminal:
                self._follow(row, stopping=execution.status == "Stopping", check=check)
        rows = self._rows()
        active = [r for r in rows.values() if not r.is_terminal]
        self.running = {r.job_name: r.job_kind for r in active if r.job_name and r.job_kind}
        if execution.status == "Stopping":
            if not active:
                self._end("Stopped", None, allowed=("Stopping",))
                return None
            return POLL_SECONDS
        failed = [r for r in rows.values() if r.status == "Failed"]
        if failed:
            if not active:
                self._end("Failed", self._failure_reason(failed))
                return None
            return POLL_SECONDS
        started = self._schedule(rows, len(active))
        if started:
            return 0.0
        if not active:
            if self._blocked(rows):
                return POLL_SECONDS
            self._end("Succeeded", None)
            return None
        waiting_retry = all(r.job_name is None and r.retry_time is not None for r in active)
        return IDLE_POLL_SECONDS if waiting_retry else POLL_SECONDS

    def _end_markers(self) -> list[Path]:
        """The end markers of the steps' jobs that run now: a step's end wakes the runner at
        once, so the next step starts then rather than at the next poll."""
        markers = []
        for name, kind in self.running.items():
            marker = self.markers.get(name)
            if marker is None:
                marker = self.markers[name] = self.jobs.end_marker(kind, name)
            if marker is not None:
                markers.append(marker)
        return markers

    def _failure_reason(self, failed: list[StepRow]) -> str:
        first = min(failed, key=lambda r: (r.end_time or 0, r.name))
        if first.type == "Fail":
            return first.failure_reason or ""
        return f"Step {first.name!r} failed: {first.failure_reason or 'no reason given'}"

    # -- which steps run ----------------------------------------------------------------------

    def _state(self, name: str, rows: Mapping[str, StepRow], memo: dict[str, str]) -> str:
        """done, failed, stopped, running, skipped, ready or waiting."""
        if name in memo:
            return memo[name]
        memo[name] = "waiting"  # cycles are refused at parse time; this guards recursion anyway
        row = rows.get(name)
        if row is not None:
            state = {"Succeeded": "done", "Failed": "failed", "Stopped": "stopped"}.get(row.status, "running")
            memo[name] = state
            return state
        step = self.definition.steps[name]
        if step.parent is not None:
            parent = rows.get(step.parent)
            if parent is not None and parent.status == "Succeeded":
                taken = "IfSteps" if parent.properties.get("Outcome") == "True" else "ElseSteps"
                if taken != step.branch:
                    memo[name] = "skipped"
                    return "skipped"
        states = [self._state(dep, rows, memo) for dep in step.deps]
        if any(s == "skipped" for s in states):
            state = "skipped"
        elif all(s == "done" for s in states):
            state = "ready"
        else:
            state = "waiting"
        memo[name] = state
        return state

    def _schedule(self, rows: dict[str, StepRow], running: int) -> bool:
        memo: dict[str, str] = {}
        ready = [s for s in sorted(self.definition.steps.values(), key=lambda s: s.order) if self._state(s.name, rows, memo) == "ready"]
        started = False
        self.failed_now = False
        for step in ready:
            if running >= self.parallelism or self.failed_now:
                break
            if self._start(step):
                started = True
                if self.jobs_kind(step) is not None:
                    running += 1
        return started

    def _blocked(self, rows: dict[str, StepRow]) -> bool:
        """Steps are waiting for something that is not running (only while a condition's outcome is being written)."""
        memo: dict[str, str] = {}
        return any(self._state(s, rows, memo) in ("ready",) for s in self.definition.steps)

    @staticmethod
    def jobs_kind(step: StepDef) -> str | None:
        return step.job_kind

    # -- evaluation ---------------------------------------------------------------------------

    def _context(self, step: StepDef, job: str | None = None) -> ex.Context:
        rows_cache: dict[str, StepRow] = {}

        def row_of(name: str) -> StepRow | None:
            if name not in rows_cache:
                with self.db.read() as conn:
                    found = store.get_step(conn, self.id, name)
                if found is None:
                    return None
                rows_cache[name] = found
            return rows_cache[name]

        def properties(name: str) -> Mapping[str, Any] | None:
            row = row_of(name)
            return row.properties if row is not None and row.status == "Succeeded" else None

        def property_file(name: str, file: str) -> Any:
            row = row_of(name)
            if row is None or row.status != "Succeeded":
                raise ex.ExpressionError(f"JsonGet: step {name!r} has not succeeded, so its property file {file!r} is not available")
            document = (row.properties.get("PropertyFiles") or {}).get(file)
            if document is None:
                raise ex.ExpressionError(f"JsonGet: step {name!r} wrote no property file {file!r}")
            if isinstance(document, dict) and "__error__" in document:
                raise ex.ExpressionError(f"JsonGet: the property file {file!r} of step {name!r}: {document['__error__']}")
            return document

        now = time.time()
        execution = {
            "PipelineExecutionId": self.id,
            "PipelineExecutionArn": self.arn,
            "PipelineName": self.pipeline,
            "PipelineArn": arns.pipeline_arn(self.pipeline),
            "StartDateTime": iso(self.created),
            "CurrentDateTime": iso(now),
            "PipelineExperimentConfig.ExperimentName": self.experiment or "",
            "PipelineExperimentConfig.TrialName": self.trial or "",
        }
        if job is not None and step.type == "Training":
            execution["TrainingJobName"] = job
        if job is not None and step.type == "Processing":
            execution["ProcessingJobName"] = job
        return ex.Context(self.parameters, execution, properties, property_file)

    # -- starting a step ----------------------------------------------------------------------

    def _start(self, step: StepDef, attempt: int = 1, row: StepRow | None = None) -> bool:
        """Start a ready step (or a job step's next attempt). True when it started or ended at once."""
        kind = step.job_kind
        job = job_name(step.name, self.id, attempt, kind) if kind else None
        ctx = self._context(step, job)
        source = step.arguments if step.type != "Condition" else {}
        try:
            args = ex.evaluate(source, ctx, "Arguments") if step.type not in ("Condition", "Fail") else source
        except ex.ExpressionError as exc:
            self._record_end(step, "Failed", reason=f"ClientError: {exc.message} (field {step.name}.{exc.field})", attempt=attempt, row=row)
            return True
        if step.type == "Condition":
            return self._run_condition(step, ctx)
        if step.type == "Fail":
            return self._run_fail(step, ctx)
        key = None
        if step.cache_enabled and attempt == 1:
            key = cache_key(step, args)
            if self._cache_hit(step, key):
                return True
        if step.type == "Model":
            return self._run_model(step, args, key)
        if step.type == "RegisterModel":
            return self._run_register(step, args, key, row)
        assert kind is not None and job is not None
        tags = {EXECUTION_TAG: self.id, STEP_TAG: step.name}
        try:
            request = self.jobs.request(kind, args, job, experiment=self.experiment, trial=self.trial, tags=tags)
        except (Invalid, KeyError, TypeError, ValueError) as exc:
            message = exc.message if isinstance(exc, Invalid) else f"{type(exc).__name__}: {exc}"
            self._record_end(step, "Failed", reason=f"ClientError: {message}", attempt=attempt, row=row, arguments=args)
            return True
        now = time.time()

        def record(conn: Any) -> None:
            self._renew(conn)  # a runner that lost the lease starts nothing
            values: dict[str, Any] = {"status": "Starting", "job_kind": kind, "job_name": job, "attempt": attempt, "arguments": args,
                                      "cache_key": key, "retry_time": None}
            if row is None:
                store.insert_step(conn, {"execution_id": self.id, "name": step.name, "type": step.type, "start_time": now, **values})
            else:
                store.update_step(conn, self.id, step.name, **values)
            self._event(conn, step.name, "Starting")

        self.db.run_write(record)
        self._submit(step, kind, job, request)
        return True

    def _submit(self, step: StepDef, kind: str, job: str, request: dict[str, Any]) -> None:
        """Submit a recorded step's job; then it is Executing. A job already there (the dead
        runner submitted it) is adopted as it is."""
        self.jobs.clear_leftover(kind, job)
        try:
            self.jobs.submit(kind, request)
        except NameTaken:
            pass  # submitted after all
        except Invalid as exc:
            where = f" (field {exc.field})" if exc.field else ""
            self._job_failed(step, f"ClientError: {exc.message}{where}", None)
            return
        except Exception as exc:  # the engine could not take the job: retryable as Step.SERVICE_FAULT
            log.error("submitting %s failed:\n%s", job, traceback.format_exc())
            self._job_failed(step, f"InternalServerError: could not start the step's job {job}: {exc}", "Step.SERVICE_FAULT")
            return
        now = time.time()

        def body(conn: Any) -> None:
            if store.update_step(conn, self.id, step.name, only_if=("Starting",), status="Executing", metadata=self.jobs.metadata(kind, job)):
                self._event(conn, step.name, "Executing")
            lineage_record.pipeline_step_job(conn, self.arn, kind, job, now)

        self.db.run_write(body)
        self.adopted.add(job)

    # -- following a running step -------------------------------------------------------------

    def _follow(self, row: StepRow, *, stopping: bool, check: bool) -> None:
        step = self.definition.steps[row.name]
        kind = row.job_kind
        if kind is None:
            if row.type == "RegisterModel" and row.status == "Starting":
                if stopping:
                    self._record_end(step, "Stopped", row=row)
                else:
                    self._start(step, row.attempt, row)  # the dead runner recorded it and died before registering
            return
        if row.job_name is None:  # waiting to retry
            if stopping:
                self._record_end(step, "Stopped", reason=row.failure_reason, row=row)
            elif row.retry_time is not None and time.time() >= row.retry_time:
                self._start(step, row.attempt + 1, row)
            return
        state = self.jobs.state(kind, row.job_name)
        if state is None:
            # Recorded, never submitted: the dead runner died in between. Submit it now, as recorded.
            if stopping:
                self._record_end(step, "Stopped", row=row)
                return
            try:
                request = self.jobs.request(kind, row.arguments, row.job_name, experiment=self.experiment, trial=self.trial,
                                            tags={EXECUTION_TAG: self.id, STEP_TAG: step.name})
            except Invalid as exc:
                self._job_failed(step, f"ClientError: {exc.message}", None)
                return
            self._submit(step, kind, row.job_name, request)
            return
        status, reason = state
        if row.job_name not in self.adopted:
            self.adopted.add(row.job_name)
            self.jobs.ensure_started(kind, row.job_name)  # recorded by a dead runner that never started its supervisor
            if row.status == "Starting":
                def body(conn: Any) -> None:
                    if store.update_step(conn, self.id, row.name, only_if=("Starting",), status="Executing",
                                         metadata=self.jobs.metadata(kind, row.job_name or "")):
                        self._event(conn, row.name, "Executing")
                    lineage_record.pipeline_step_job(conn, self.arn, kind, row.job_name or "", time.time())

                self.db.run_write(body)
        if status in ("InProgress", "Stopping"):
            if stopping and row.job_name not in self.stop_sent:
                self.stop_sent.add(row.job_name)
                self.jobs.stop(kind, row.job_name)

                def stopping_step(conn: Any) -> None:
                    if store.update_step(conn, self.id, row.name, only_if=("Starting", "Executing"), status="Stopping"):
                        self._event(conn, row.name, "Stopping")

                self.db.run_write(stopping_step)
            elif check:
                self.jobs.check(kind, row.job_name)
            return
        if status == "Completed":
            try:
                properties = self.jobs.properties(kind, row.job_name, step.property_files)
            except NotFound:
                properties = {}
            self._record_end(step, "Succeeded", properties=properties, row=row)
        elif status == "Stopped":
            self._record_end(step, "Stopped", reason=reason, row=row)
        else:
            self._job_failed(step, reason or "the job failed without a reason", failure_type(reason), row)

    def _job_failed(self, step: StepDef, reason: str, exception: str | None, row: StepRow | None = None) -> None:
        """A failed attempt: retried when a policy of the step covers its exception type, else the step failed."""
        row = row or self._row(step.name)
        policy = self._policy(step, exception)
        now = time.time()
        if row is not None and policy is not None and self._retry_allowed(policy, row, now):
            delay = policy.interval_seconds * (policy.backoff_rate ** (row.attempt - 1))

            attempt = row.attempt

            def body(conn: Any) -> None:
                self._renew(conn)
                store.update_step(conn, self.id, step.name, status="Executing", job_name=None, retry_time=now + delay,
                                  failure_reason=f"{reason} (attempt {attempt}; retrying per its RetryPolicy)")
                self._event(conn, step.name, "Executing")

            self.db.run_write(body)
            return
        self._record_end(step, "Failed", reason=reason, row=row)

    @staticmethod
    def _policy(step: StepDef, exception: str | None) -> RetryPolicy | None:
        if exception is None:
            return None
        return next((p for p in step.retry_policies if exception in p.exception_types), None)

    @staticmethod
    def _retry_allowed(policy: RetryPolicy, row: StepRow, now: float) -> bool:
        if policy.max_attempts is not None:
            return row.attempt <= policy.max_attempts  # MaxAttempts retries after the first attempt
        return policy.expire_after_min is not None and now < row.start_time + policy.expire_after_min * 60

    def _row(self, name: str) -> StepRow | None:
        with self.db.read() as conn:
            return store.get_step(conn, self.id, name)

    # -- steps that run no job ----------------------------------------------------------------

    def _record_end(self, step: StepDef, status: str, *, reason: str | None = None, properties: dict[str, Any] | None = None,
                    metadata: dict[str, Any] | None = None, attempt: int = 1, row: StepRow | None = None,
                    arguments: Any = None, cache_source: str | None = None, extra: Any = None) -> None:
        """Write a step's end (inserting its row when it ends as it starts: a condition, a cache hit, an error)."""
        now = time.time()

        def body(conn: Any) -> None:
            self._renew(conn)
            values: dict[str, Any] = {"status": status, "end_time": now, "failure_reason": reason}
            if properties is not None:
                values["properties"] = properties
            if metadata is not None:
                values["metadata"] = metadata
            if cache_source is not None:
                values["cache_source"] = cache_source
            if arguments is not None:
                values["arguments"] = arguments
            if (row or store.get_step(conn, self.id, step.name)) is None:
                store.insert_step(conn, {"execution_id": self.id, "name": step.name, "type": step.type, "start_time": now, "attempt": attempt,
                                         **values})
            else:
                store.update_step(conn, self.id, step.name, **values)
            if extra is not None:
                extra(conn, now)
            self._event(conn, step.name, status)

        self.db.run_write(body)
        if status == "Failed":
            self.failed_now = True

    def _run_condition(self, step: StepDef, ctx: ex.Context) -> bool:
        record: list[dict[str, Any]] = []
        try:
            outcome = all(
                ex.evaluate_condition(c, ctx, f"Arguments.Conditions[{i}]", record) for i, c in enumerate(step.arguments.get("Conditions") or [])
            )
        except ex.ExpressionError as exc:
            self._record_end(step, "Failed", reason=f"ClientError: {exc.message} (field {step.name}.{exc.field})")
            return True
        word = "True" if outcome else "False"
        self._record_end(step, "Succeeded", properties={"Outcome": word, "EvaluatedConditions": record},
                         metadata={"Condition": {"Outcome": word}})
        return True

    def _run_fail(self, step: StepDef, ctx: ex.Context) -> bool:
        try:
            message = ex.to_text(ex.evaluate(step.arguments.get("ErrorMessage", ""), ctx, "Arguments.ErrorMessage"))
        except ex.ExpressionError as exc:
            message = f"{exc.message} (field {step.name}.{exc.field})"
        self._record_end(step, "Failed", reason=message, properties={"ErrorMessage": message}, metadata={"Fail": {"ErrorMessage": message}})
        return True

    def _run_model(self, step: StepDef, args: dict[str, Any], key: str | None) -> bool:
        try:
            container = self.jobs.model_container(args, "Arguments")
        except Invalid as exc:
            self._record_end(step, "Failed", reason=f"ClientError: {exc.message}", arguments=args)
            return True
        name = job_name(step.name, self.id, 1, "model")
        now = time.time()
        properties = {
            "ModelName": name,
            "ModelArn": arns.model_arn(name),
            "PrimaryContainer": container,
            "ExecutionRoleArn": args.get("ExecutionRoleArn"),
            "CreationTime": iso(now),
        }

        def create(conn: Any, at: float) -> None:
            if store.get_model(conn, name) is None:
                store.insert_model(conn, {"name": name, "primary_container": container, "execution_role_arn": args.get("ExecutionRoleArn"),
                                          "pipeline_execution_arn": self.arn, "creation_time": at})
            lineage_record.pipeline_model(conn, self.arn, name, str(container.get("ModelDataUrl")), at)

        self._record_end(step, "Succeeded", properties=properties, metadata={"Model": {"Arn": arns.model_arn(name)}},
                         arguments=args, extra=create)
        if key is not None:
            self.db.run_write(lambda conn: store.update_step(conn, self.id, step.name, cache_key=key))
        return True

    def _run_register(self, step: StepDef, args: dict[str, Any], key: str | None, row: StepRow | None) -> bool:
        now = time.time()
        if row is None:
            def record(conn: Any) -> None:
                self._renew(conn)
                store.insert_step(conn, {"execution_id": self.id, "name": step.name, "type": step.type, "start_time": now,
                                         "status": "Starting", "arguments": args, "cache_key": key})
                self._event(conn, step.name, "Starting")

            self.db.run_write(record)
        try:
            body = self.jobs.package_request(args, "Arguments")
        except Invalid as exc:
            self._record_end(step, "Failed", reason=f"ClientError: {exc.message}")
            return True

        def succeeded(conn: Any, group: str, version: int) -> None:
            self._renew(conn)
            arn = arns.model_package_arn(group, version)
            store.update_step(conn, self.id, step.name, status="Succeeded", end_time=time.time(),
                              metadata={"RegisterModel": {"Arn": arn}}, properties={"ModelPackageArn": arn})
            self._event(conn, step.name, "Succeeded")

        try:
            described = self.core.registry.create_package(body, pipeline_execution_arn=self.arn, also=succeeded)
        except (Invalid, NotFound) as exc:
            where = f" (field {exc.field})" if exc.field else ""
            self._record_end(step, "Failed", reason=f"ClientError: {exc.message}{where}")
            return True
        self.db.run_write(lambda conn: store.update_step(conn, self.id, step.name, properties=dict(described)))
        return True

    def _cache_hit(self, step: StepDef, key: str) -> bool:
        """A Succeeded run of this step with the same key within ExpireAfter: its results, reused."""
        not_before = time.time() - (step.cache_expire_seconds or 0)
        with self.db.read() as conn:
            found = store.cached_step(conn, self.pipeline, step.name, key, not_before)
        if found is None:
            return False
        source, execution_id = found
        with self.db.read() as conn:
            execution = store.get_execution(conn, execution_id)
        origin = source.cache_source or arns.pipeline_execution_arn(execution.pipeline_name if execution else self.pipeline, execution_id)
        self._record_end(step, "Succeeded", properties=source.properties, metadata=source.metadata, arguments=source.arguments,
                         cache_source=origin, extra=lambda conn, at: store.update_step(conn, self.id, step.name, cache_key=key,
                                                                                          job_kind=source.job_kind, job_name=source.job_name))
        return True

    # -- the end ------------------------------------------------------------------------------

    def _end(self, status: str, reason: str | None, allowed: tuple[str, ...] = ("Executing", "Stopping")) -> None:
        now = time.time()

        def body(conn: Any) -> None:
            self._renew(conn)
            if store.set_execution_status_if(conn, self.id, allowed, status=status, failure_reason=reason, end_time=now, last_modified_time=now):
                lineage_record.pipeline_execution_ended(conn, self.arn, status, now)
                events_store.append(conn, "pipeline.execution", {"execution_id": self.id, "pipeline": self.pipeline, "status": status})

        self.db.run_write(body)


def main(argv: list[str]) -> int:
    args = coordinator.parse_args(argv, "labstudio.workflow.runner", "EXECUTION_ID")
    if args is None:
        return 2
    from .service import execution_dir

    execution_id = args.target
    settings = Settings.from_env()
    folder = execution_dir(settings, execution_id)
    if not execution_id.isalnum() or not folder.is_dir():
        print(f"labstudio.workflow.runner: no pipeline execution {execution_id!r} under {folder.parent}", file=sys.stderr)
        return 2
    coordinator.start(args, str(folder / "runner.log"))
    return Runner(settings, execution_id, replacing=args.replacing).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
