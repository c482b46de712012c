"""PipelineService: SageMaker Pipelines' API over the store: pipelines (create, update,
describe, list, delete), their executions (start, describe, list, steps, stop, wait) and the
models their ModelSteps create. No tornado here.

An execution runs in its runner (workflow/runner.py): started detached by `start`, or in the
calling process by `run_here` (what a LocalPipelineSession's `start()` does: it returns when
the execution ends, as SageMaker's local mode does). Whether a runner lives is read from its
store lease `pipeline:<execution id>`, whichever machine runs it, exactly as tuning jobs'
tuners are judged (tuning/service.py); whoever looks (`check`, `wait`, the server's
`reconcile`) starts a new runner for an unfinished execution whose runner died, and the new
one resumes from the store.
"""
from __future__ import annotations

import builtins
import re
import secrets
import string
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import arns
from .. import procs as procutil
from ..config import Settings
from ..errors import Conflict, Invalid, NotFound
from ..jobs import forkserver
from ..lineage import record as lineage_record
from ..machines import silence
from ..pages import decode_token, encode_token, page_size, time_filter
from ..store import Database
from ..store import events as events_store
from ..store import leases as leases_store
from ..store import pipelines as store
from ..store.leases import Lease
from ..store.pipelines import Execution
from ..store.util import iso
from . import describe as shape
from . import expressions as ex
from .definition import PIPELINE_NAME_RE, Definition, load, parse, resolve_parameters
from .runner import Runner, lease_name

if TYPE_CHECKING:
    from ..core import Core

START_GRACE_SECONDS = 30.0  # a runner just started has this long to take its lease
LIVENESS_INTERVAL = 1.0
DISPLAY_NAME_RE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,81}\Z")
EXECUTION_STATUSES = ("Executing", "Stopping", "Stopped", "Failed", "Succeeded")
_ID_CHARS = string.ascii_lowercase + string.digits


def execution_dir(settings: Settings, execution_id: str) -> Path:
    """The execution's folder: the runner's log."""
    return settings.home / "pipelines" / "executions" / execution_id


def new_execution_id() -> str:
    """12 characters, as SageMaker's execution ids: a letter, then letters and digits."""
    return secrets.choice(string.ascii_lowercase) + "".join(secrets.choice(_ID_CHARS) for _ in range(11))


def _check_name(name: Any, field: str = "PipelineName") -> str:
    if not isinstance(name, str) or not PIPELINE_NAME_RE.match(name):
        raise Invalid(f"{field} {name!r} is not valid: use 1 to 256 letters, digits and hyphens, starting and ending with a letter or digit.",
                      field=field)
    return name


def _parallelism(value: Any, field: str = "ParallelismConfiguration") -> int | None:
    if value is None:
        return None
    steps = value.get("MaxParallelExecutionSteps") if isinstance(value, Mapping) else value
    if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 1000:
        raise Invalid(f"{field}.MaxParallelExecutionSteps must be a whole number from 1 to 1000, got {steps!r}.",
                      field=f"{field}.MaxParallelExecutionSteps")
    return steps


class PipelineService:
    def __init__(self, settings: Settings, db: Database, core: Core) -> None:
        self.settings = settings
        self.db = db
        self.core = core

    # -- pipelines ----------------------------------------------------------------------------

    def create(self, name: str, definition: str | Mapping[str, Any], *, description: str | None = None, display_name: str | None = None,
               role_arn: str | None = None, parallelism: Any = None, tags: Any = None) -> dict[str, Any]:
        """CreatePipeline: the definition is checked in full first. Raises Invalid, and Conflict when the name is taken."""
        _check_name(name)
        text = shape.definition_text(load(definition))
        parse(text)
        steps = _parallelism(parallelism)
        now = time.time()

        def body(conn: Any) -> None:
            if store.get_pipeline(conn, name) is not None:
                raise Conflict(f"Pipeline {name!r} already exists; update it (upsert) or choose another PipelineName.", field="PipelineName")
            store.insert_pipeline(conn, {
                "name": name, "display_name": display_name, "description": description, "definition": text, "role_arn": role_arn,
                "parallelism": steps, "tags": _tags(tags), "creation_time": now, "last_modified_time": now, "last_execution_time": None,
            })
            events_store.append(conn, "pipeline.created", {"pipeline": name})

        self.db.run_write(body)
        return {"PipelineArn": arns.pipeline_arn(name)}

    def update(self, name: str, *, definition: str | Mapping[str, Any] | None = None, description: str | None = None,
               display_name: str | None = None, role_arn: str | None = None, parallelism: Any = None) -> dict[str, Any]:
        """UpdatePipeline: running executions keep the definition they started with. Raises NotFound, Invalid."""
        values: dict[str, Any] = {"last_modified_time": time.time()}
        if definition is not None:
            text = shape.definition_text(load(definition))
            parse(text)
            values["definition"] = text
        for key, value in (("description", description), ("display_name", display_name), ("role_arn", role_arn)):
            if value is not None:
                values[key] = value
        if parallelism is not None:
            values["parallelism"] = _parallelism(parallelism)

        def body(conn: Any) -> None:
            if not store.update_pipeline(conn, name, **values):
                raise NotFound(f"Pipeline {name!r} does not exist.", field="PipelineName")
            events_store.append(conn, "pipeline.updated", {"pipeline": name})

        self.db.run_write(body)
        return {"PipelineArn": arns.pipeline_arn(name)}

    def upsert(self, name: str, definition: str | Mapping[str, Any], **kwargs: Any) -> dict[str, Any]:
        """Create the pipeline, or update it when it exists."""
        try:
            return self.create(name, definition, **kwargs)
        except Conflict:
            kwargs.pop("tags", None)
            return self.update(name, definition=definition, **kwargs)

    def get(self, name: str) -> store.Pipeline:
        name = _name_of(name)
        with self.db.read() as conn:
            pipeline = store.get_pipeline(conn, name) if PIPELINE_NAME_RE.match(name or "") else None
        if pipeline is None:
            raise NotFound(f"Pipeline {name!r} does not exist.", field="PipelineName")
        return pipeline

    def describe(self, name: str) -> dict[str, Any]:
        pipeline = self.get(name)
        with self.db.read() as conn:
            last = store.last_executions(conn, [pipeline.name]).get(pipeline.name)
        return shape.describe_pipeline(pipeline, last)

    def definition(self, name: str) -> Definition:
        return parse(self.get(name).definition)

    def list(self, *, prefix: str | None = None, created_after: Any = None, created_before: Any = None, sort_by: str | None = None,
             sort_order: str | None = None, max_results: int | None = None, next_token: str | None = None) -> dict[str, Any]:
        """ListPipelines, newest first (or by name), each with its last execution."""
        if sort_by not in (None, "Name", "CreationTime"):
            raise Invalid(f"SortBy must be Name or CreationTime, got {sort_by!r}.", field="SortBy")
        if sort_order not in (None, "Ascending", "Descending"):
            raise Invalid(f"SortOrder must be Ascending or Descending, got {sort_order!r}.", field="SortOrder")
        limit = page_size(max_results)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        with self.db.read() as conn:
            rows = store.list_pipelines(conn, prefix=prefix, created_after=time_filter(created_after, "CreatedAfter"),
                                        created_before=time_filter(created_before, "CreatedBefore"), sort_by=sort_by or "CreationTime",
                                        ascending=sort_order == "Ascending", limit=limit + 1, offset=offset)
            page = rows[:limit]
            last = store.last_executions(conn, [p.name for p in page])
        return {
            "PipelineSummaries": [shape.pipeline_summary(p, last.get(p.name)) for p in page],
            "NextToken": encode_token([offset + limit]) if len(rows) > limit else None,
        }

    def delete(self, name: str) -> dict[str, Any]:
        """DeletePipeline (with its executions' records; their jobs, models and lineage stay).
        Raises NotFound, and Conflict while one of its executions runs."""
        pipeline = self.get(name)

        def body(conn: Any) -> None:
            running = store.list_executions(conn, pipeline.name, statuses=("Executing", "Stopping"), limit=1)
            if running:
                raise Conflict(f"Pipeline {pipeline.name!r} has a running execution ({running[0].id}); stop it before deleting the pipeline.",
                               field="PipelineName")
            store.delete_pipeline(conn, pipeline.name)
            events_store.append(conn, "pipeline.deleted", {"pipeline": pipeline.name})

        self.db.run_write(body)
        return {"PipelineArn": arns.pipeline_arn(pipeline.name)}

    # -- executions ---------------------------------------------------------------------------

    def start(self, name: str, parameters: Any = None, *, display_name: str | None = None, description: str | None = None,
              parallelism: Any = None, detach: bool = True) -> dict[str, Any]:
        """StartPipelineExecution: parameters checked (unknown, wrong type, missing), the
        execution recorded with the pipeline's definition of now, its runner started (unless
        `detach` is False: the caller runs it, `run_here`). Raises NotFound, Invalid."""
        pipeline = self.get(name)
        definition = parse(pipeline.definition)
        values = resolve_parameters(definition, parameters)
        if display_name is not None and not DISPLAY_NAME_RE.match(str(display_name)):
            raise Invalid(f"PipelineExecutionDisplayName {display_name!r} is not valid: use 1 to 82 letters, digits and hyphens.",
                          field="PipelineExecutionDisplayName")
        steps = _parallelism(parallelism) or pipeline.parallelism
        execution_id = new_execution_id()
        experiment, trial = self._experiment(definition, pipeline.name, execution_id, values)
        now = time.time()
        folder = execution_dir(self.settings, execution_id)
        folder.mkdir(parents=True, exist_ok=True)
        arn = arns.pipeline_execution_arn(pipeline.name, execution_id)

        def body(conn: Any) -> None:
            if store.get_pipeline(conn, pipeline.name) is None:
                raise NotFound(f"Pipeline {pipeline.name!r} does not exist.", field="PipelineName")
            store.insert_execution(conn, {
                "id": execution_id, "pipeline_name": pipeline.name, "display_name": display_name, "description": description,
                "status": "Executing", "failure_reason": None, "definition": pipeline.definition, "parameters": values,
                "parallelism": steps, "experiment_name": experiment, "trial_name": trial, "creation_time": now, "end_time": None,
                "stop_requested_time": None, "runner_pid": None, "runner_start_ticks": None, "runner_spawn_time": now,
                "runner_machine": self.settings.host_id,
            })
            lineage_record.pipeline_execution_started(conn, arn, now)
            events_store.append(conn, "pipeline.execution", {"execution_id": execution_id, "pipeline": pipeline.name, "status": "Executing"})

        self.db.run_write(body)
        if detach:
            self._spawn(execution_id)
        return self.describe_execution(execution_id)

    def run_here(self, ref: str) -> dict[str, Any]:
        """Run an execution's runner in this process until it ends (LocalPipelineSession). An
        interrupt hands it over to a detached runner (the execution goes on) and re-raises."""
        execution = self.get_execution(ref)
        try:
            Runner(self.settings, execution.id).run()
        except KeyboardInterrupt:
            if not self.get_execution(execution.id).is_terminal:
                self._spawn(execution.id)
            raise
        return self.describe_execution(execution.id)

    @staticmethod
    def _experiment(definition: Definition, pipeline: str, execution_id: str, values: Mapping[str, Any]) -> tuple[str | None, str | None]:
        """The experiment and trial (run group) the execution's jobs record into."""
        config = definition.experiment_config
        if not config:
            return None, None
        ctx = ex.Context(values, {"PipelineName": pipeline, "PipelineExecutionId": execution_id,
                                  "PipelineArn": arns.pipeline_arn(pipeline),
                                  "PipelineExecutionArn": arns.pipeline_execution_arn(pipeline, execution_id)},
                         lambda _: None, lambda *_: None)
        try:
            experiment = ex.to_text(ex.evaluate(config.get("ExperimentName"), ctx, "PipelineExperimentConfig.ExperimentName"))
            trial = ex.to_text(ex.evaluate(config.get("TrialName"), ctx, "PipelineExperimentConfig.TrialName"))
        except ex.ExpressionError as exc:
            raise Invalid(f"PipelineExperimentConfig: {exc.message}.", field=exc.field) from None
        return (experiment[:120] or None), (trial[:120] or None)

    def get_execution(self, ref: str) -> Execution:
        """An execution by id or ARN. Raises NotFound."""
        execution_id = arns.execution_id_of(ref) if isinstance(ref, str) else None
        execution = None
        if execution_id and execution_id.isalnum():
            with self.db.read() as conn:
                execution = store.get_execution(conn, execution_id)
        if execution is None:
            raise NotFound(f"Pipeline execution {ref!r} does not exist.", field="PipelineExecutionArn")
        return execution

    def describe_execution(self, ref: str, *, with_graph: bool = True) -> dict[str, Any]:
        execution = self.get_execution(ref)
        return shape.describe_execution(execution, with_graph=with_graph)

    def list_executions(self, name: str, *, sort_by: str | None = None, sort_order: str | None = None, max_results: int | None = None,
                        next_token: str | None = None, created_after: Any = None, created_before: Any = None) -> dict[str, Any]:
        """ListPipelineExecutions: newest first unless SortOrder is Ascending. Raises NotFound, Invalid."""
        pipeline = self.get(name)
        if sort_by not in (None, "CreationTime", "PipelineExecutionArn"):
            raise Invalid(f"SortBy must be CreationTime or PipelineExecutionArn, got {sort_by!r}.", field="SortBy")
        if sort_order not in (None, "Ascending", "Descending"):
            raise Invalid(f"SortOrder must be Ascending or Descending, got {sort_order!r}.", field="SortOrder")
        limit = page_size(max_results)
        after = None
        if next_token:
            raw = decode_token(next_token, 2)
            if not isinstance(raw[0], (int, float)) or not isinstance(raw[1], str):
                raise Invalid("NextToken is not a token this API returned; start again without it.", field="NextToken")
            after = (float(raw[0]), raw[1])
        with self.db.read() as conn:
            rows = store.list_executions(conn, pipeline.name, created_after=time_filter(created_after, "CreatedAfter"),
                                         created_before=time_filter(created_before, "CreatedBefore"), ascending=sort_order == "Ascending",
                                         limit=limit + 1, after=after)
        page = rows[:limit]
        return {
            "PipelineExecutionSummaries": [shape.execution_summary(e) for e in page],
            "NextToken": encode_token([page[-1].creation_time, page[-1].id]) if len(rows) > limit and page else None,
        }

    def list_steps(self, ref: str, *, sort_order: str | None = None, max_results: int | None = None,
                   next_token: str | None = None) -> dict[str, Any]:
        """ListPipelineExecutionSteps: the steps that started, newest first (SageMaker's default order)."""
        if sort_order not in (None, "Ascending", "Descending"):
            raise Invalid(f"SortOrder must be Ascending or Descending, got {sort_order!r}.", field="SortOrder")
        execution = self.get_execution(ref)
        limit = page_size(max_results)
        offset = int(decode_token(next_token, 1)[0]) if next_token else 0
        with self.db.read() as conn:
            rows = store.list_steps(conn, execution.id)
        definition = parse(execution.definition)
        rows = [r for r in rows if r.name in definition.steps]  # a row the definition does not have is not a step of it
        order = {name: s.order for name, s in definition.steps.items()}
        rows.sort(key=lambda r: (r.start_time, order.get(r.name, 0)), reverse=sort_order != "Ascending")
        page = rows[offset:offset + limit]
        return {
            "PipelineExecutionSteps": [shape.step(r, definition) for r in page],
            "NextToken": encode_token([offset + limit]) if offset + limit < len(rows) else None,
        }

    def list_parameters(self, ref: str) -> dict[str, Any]:
        """ListPipelineParametersForExecution."""
        execution = self.get_execution(ref)
        return {"PipelineParameters": shape.describe_execution(execution, with_graph=False)["PipelineParameters"], "NextToken": None}

    def stop(self, ref: str) -> dict[str, Any]:
        """StopPipelineExecution: running steps' jobs are stopped, nothing new starts, and the
        execution ends Stopped once they did. Raises NotFound, and Conflict when it already ended."""
        execution = self.get_execution(ref)
        if execution.is_terminal:
            raise Conflict(f"Pipeline execution {execution.id} is already {execution.status}; only a running execution can be stopped.",
                           field="PipelineExecutionArn")
        now = time.time()

        def body(conn: Any) -> None:
            if store.set_execution_status_if(conn, execution.id, ("Executing",), status="Stopping", stop_requested_time=now,
                                             last_modified_time=now):
                events_store.append(conn, "pipeline.execution", {"execution_id": execution.id, "pipeline": execution.pipeline_name,
                                                                 "status": "Stopping"})

        self.db.run_write(body)
        self.check(execution.id)  # a dead runner is replaced, to carry the stop out
        return {"PipelineExecutionArn": arns.pipeline_execution_arn(execution.pipeline_name, execution.id)}

    def wait(self, ref: str, timeout: float | None = None, poll: float = 0.1) -> dict[str, Any]:
        """Block until the execution ends, resuming a dead runner on the way; describe it.
        Raises NotFound, and TimeoutError when `timeout` seconds pass first."""
        execution = self.get_execution(ref)
        deadline = None if timeout is None else time.monotonic() + timeout
        next_check = time.monotonic() + LIVENESS_INTERVAL
        while True:
            current = self.get_execution(execution.id)
            if current.is_terminal:
                return self.describe_execution(execution.id)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"Pipeline execution {execution.id} is still {current.status} after {timeout} s.")
            if time.monotonic() >= next_check:
                next_check = time.monotonic() + LIVENESS_INTERVAL
                if self.check(execution.id):
                    continue
            time.sleep(poll)

    # -- the runner process -------------------------------------------------------------------

    def _spawn(self, execution_id: str, replacing: str | None = None) -> None:
        """Start `python -m labstudio.workflow.runner ID` (it detaches itself at once)."""
        self.db.run_write(lambda conn: store.update_execution(conn, execution_id, runner_spawn_time=time.time()))
        execution_dir(self.settings, execution_id).mkdir(parents=True, exist_ok=True)
        args = [execution_id, *(["--replacing", replacing] if replacing else [])]
        env = self.settings.child_env()
        # Forked by this process's warm server when there is one (jobs/forkserver.py: no
        # interpreter start, no store import before the first step), else started cold.
        if not forkserver.hand_off(args, env, module="labstudio.workflow.runner"):
            procutil.spawn_detached("labstudio.workflow.runner", *args, env=env)
            forkserver.ensure_started(env)

    def _runner(self, execution: Execution) -> tuple[str, Lease | None]:
        """alive, replace (held by a dead process of this machine), start, or silent (only the
        machine whose runner went silent holds what the execution needs)."""
        with self.db.read() as conn:
            lease = leases_store.get(conn, lease_name(execution.id))
        now = time.time()
        if execution.runner_spawn_time is not None and now - execution.runner_spawn_time < START_GRACE_SECONDS:
            return "alive", lease
        if lease is not None and lease.machine == self.settings.host_id:
            return ("alive" if procutil.is_alive(lease.pid, lease.start_ticks) else "replace"), lease
        if lease is not None and not lease.expired(now):
            return "alive", lease
        if execution.runner_machine in (None, self.settings.host_id) or execution_dir(self.settings, execution.id).is_dir():
            return "start", lease
        return "silent", lease

    def check(self, ref: str) -> bool:
        """One liveness check: an unfinished execution whose runner is gone gets a new one (which
        resumes from the store). True when a runner was started or the execution failed."""
        execution = self.get_execution(ref)
        if execution.is_terminal:
            return False
        state, lease = self._runner(execution)
        if state == "alive":
            return False
        if state == "silent":
            return self._fail_silent(execution, lease)
        self._spawn(execution.id, replacing=lease.holder if state == "replace" and lease is not None else None)
        return True

    def _fail_silent(self, execution: Execution, lease: Lease | None) -> bool:
        now = time.time()
        machine = lease.machine if lease is not None else execution.runner_machine
        said = silence(machine or "?", lease.renewed_time if lease is not None else None,
                       execution.runner_spawn_time or execution.creation_time, now, self.settings.heartbeat_limit_seconds)
        reason = (f"InternalServerError: the runner of pipeline execution {execution.id} on {said}; its steps' code is on that machine, "
                  "so no other machine can resume it. Start the pipeline again.")

        def body(conn: Any) -> bool:
            done = store.set_execution_status_if(conn, execution.id, ("Executing", "Stopping"), status="Failed", failure_reason=reason,
                                                 end_time=now, last_modified_time=now)
            if done:
                events_store.append(conn, "pipeline.execution", {"execution_id": execution.id, "pipeline": execution.pipeline_name,
                                                                 "status": "Failed"})
            return done

        return bool(self.db.run_write(body))

    def reconcile(self) -> builtins.list[str]:
        """check() every unfinished execution (the server's periodic loop)."""
        with self.db.read() as conn:
            active = store.active_executions(conn)
        return [e.id for e in active if self.check(e.id)]

    # -- models (CreateModel) -----------------------------------------------------------------

    def describe_model(self, ref: str) -> dict[str, Any]:
        """DescribeModel of a model a ModelStep created (by name or ARN). Raises NotFound."""
        name = arns.resource_name(ref) if isinstance(ref, str) and ref.startswith("arn:") else ref
        with self.db.read() as conn:
            model = store.get_model(conn, name) if isinstance(name, str) else None
        if model is None:
            raise NotFound(f"Model {ref!r} does not exist.", field="ModelName")
        return {
            "ModelName": model.name,
            "ModelArn": arns.model_arn(model.name),
            "PrimaryContainer": model.primary_container,
            "ExecutionRoleArn": model.execution_role_arn,
            "CreationTime": iso(model.creation_time),
            "PipelineExecutionArn": model.pipeline_execution_arn,
        }

    def record_model(self, name: str, args: Mapping[str, Any]) -> dict[str, Any]:
        """CreateModel outside a pipeline (Model.create()): the model, recorded. Raises Invalid, Conflict."""
        from ..shapes import NAME_RE
        from .stepjobs import StepJobs

        if not isinstance(name, str) or not NAME_RE.match(name):
            raise Invalid(f"ModelName {name!r} is not valid: use 1 to 63 letters, digits and hyphens.", field="ModelName")
        container = StepJobs(self.core).model_container(args, "CreateModel")
        now = time.time()

        def body(conn: Any) -> None:
            if store.get_model(conn, name) is not None:
                raise Conflict(f"A model named {name!r} already exists; choose another name.", field="ModelName")
            store.insert_model(conn, {"name": name, "primary_container": container, "execution_role_arn": args.get("ExecutionRoleArn"),
                                      "pipeline_execution_arn": None, "creation_time": now})

        self.db.run_write(body)
        return self.describe_model(name)

    def step_of_job(self, job_name: str) -> dict[str, Any] | None:
        """The pipeline step a job belongs to: {PipelineName, PipelineExecutionArn, StepName}, or None."""
        with self.db.read() as conn:
            row = store.step_of_job(conn, job_name)
            execution = store.get_execution(conn, row.execution_id) if row is not None else None
        if row is None or execution is None:
            return None
        return {"PipelineName": execution.pipeline_name, "PipelineExecutionArn": arns.pipeline_execution_arn(execution.pipeline_name, execution.id),
                "StepName": row.name}


def _name_of(ref: str) -> str:
    """A pipeline by name or ARN."""
    if isinstance(ref, str) and ref.startswith("arn:"):
        parsed = arns.parse(ref)
        if parsed is not None and parsed[0] == "pipeline":
            return parsed[1].split("/execution/", 1)[0]
    return ref


def _tags(tags: Any) -> dict[str, str]:
    from ..store.util import tag_dict

    return tag_dict(tags) if tags else {}
