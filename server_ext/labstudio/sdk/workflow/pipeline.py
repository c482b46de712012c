"""``Pipeline``: SageMaker's pipeline object, run by labstudio's pipeline service.

``definition()`` writes SageMaker's JSON definition (checked as the service checks it, so a
cycle, a reference to a step the pipeline does not have or an unknown parameter is a
ValueError naming the step and the field, before anything runs); ``create``, ``update``,
``upsert``, ``describe``, ``delete``, ``list_executions`` and ``start`` go through the
session's ``sagemaker_client`` (boto3's shapes and errors). ``start()`` returns an execution
(``describe``, ``list_steps``, ``wait``, ``stop``): with a LocalPipelineSession once the
execution ended, as SageMaker's local mode does; otherwise at once, the execution running detached.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from ..session import Session
from .entities import interpolate
from .execution_variables import ExecutionVariables
from .parallelism_config import ParallelismConfiguration
from .parameters import Parameter
from .pipeline_context import PipelineSession, runs_locally
from .pipeline_definition_config import PipelineDefinitionConfig
from .pipeline_experiment_config import PipelineExperimentConfig
from .step_collections import StepCollection
from .steps import Step

_DEFAULT_EXPERIMENT_CFG = PipelineExperimentConfig(ExecutionVariables.PIPELINE_NAME, ExecutionVariables.PIPELINE_EXECUTION_ID)
_DEFAULT_DEFINITION_CFG = PipelineDefinitionConfig(use_custom_job_prefix=False)
VERSION = "2020-12-01"


def _flatten(steps: Sequence[Any]) -> list[Step]:
    out: list[Step] = []
    for step in steps:
        if isinstance(step, StepCollection):
            out.extend(step.steps)
        elif isinstance(step, Step):
            out.append(step)
        else:
            raise ValueError(f"a pipeline's steps must be Step or StepCollection objects, got {type(step).__name__}")
    return out


class Pipeline:
    def __init__(self, name: str = "", parameters: Sequence[Parameter] | None = None,
                 pipeline_experiment_config: PipelineExperimentConfig | None = _DEFAULT_EXPERIMENT_CFG, steps: Sequence[Any] | None = None,
                 sagemaker_session: Any = None, pipeline_definition_config: PipelineDefinitionConfig | None = _DEFAULT_DEFINITION_CFG) -> None:
        self.name = name
        self.parameters = list(parameters or [])
        self.pipeline_experiment_config = pipeline_experiment_config
        self.steps = list(steps or [])
        self.sagemaker_session = sagemaker_session if sagemaker_session is not None else PipelineSession()
        self.pipeline_definition_config = pipeline_definition_config
        self._version = VERSION
        self._metadata: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Pipeline(name={self.name!r}, steps={[getattr(s, 'name', s) for s in self.steps]!r})"

    @property
    def _client(self) -> Any:
        session = self.sagemaker_session
        if not isinstance(session, Session):
            from ..session import get_core  # noqa: F401 - any other session: the environment's store

            session = PipelineSession()
        return session.sagemaker_client

    # -- the definition -------------------------------------------------------------------

    def definition(self) -> str:
        """SageMaker's JSON definition. Raises ValueError naming the step and field of a mistake
        that can be seen now (a duplicate step name, a reference to a step the pipeline does not
        have, an unknown parameter, a cycle, a condition comparing a string with a number)."""
        if not self.name:
            raise ValueError("the pipeline needs a name")
        names = [p.name for p in self.parameters]
        if len(set(names)) != len(names):
            raise ValueError(f"the pipeline's parameters repeat a name: {names}")
        request = {
            "Version": self._version,
            "Metadata": self._metadata,
            "Parameters": [p.to_request() for p in self.parameters],
            "PipelineExperimentConfig": interpolate(self.pipeline_experiment_config.to_request()) if self.pipeline_experiment_config else None,
            "Steps": [step.to_request() for step in _flatten(self.steps)],
        }
        text = json.dumps(request)
        from ...errors import Invalid
        from ...workflow.definition import parse

        try:
            parse(text)
        except Invalid as exc:
            raise ValueError(f"{exc.message} (field: {exc.field})" if exc.field else exc.message) from None
        return text

    # -- the pipeline in the service --------------------------------------------------------

    def create(self, role_arn: str | None = None, description: str | None = None, tags: Any = None,
               parallelism_config: ParallelismConfiguration | None = None) -> dict[str, Any]:
        return self._client.create_pipeline(**_args(PipelineName=self.name, PipelineDefinition=self.definition(), RoleArn=role_arn,
                                                    PipelineDescription=description, Tags=_tags(tags),
                                                    ParallelismConfiguration=parallelism_config.to_request() if parallelism_config else None))

    def update(self, role_arn: str | None = None, description: str | None = None,
               parallelism_config: ParallelismConfiguration | None = None) -> dict[str, Any]:
        return self._client.update_pipeline(**_args(PipelineName=self.name, PipelineDefinition=self.definition(), RoleArn=role_arn,
                                                    PipelineDescription=description,
                                                    ParallelismConfiguration=parallelism_config.to_request() if parallelism_config else None))

    def upsert(self, role_arn: str | None = None, description: str | None = None, tags: Any = None,
               parallelism_config: ParallelismConfiguration | None = None) -> dict[str, Any]:
        """Create the pipeline, or update it when it exists."""
        try:
            return self.create(role_arn, description, tags, parallelism_config)
        except ValueError as exc:
            response = getattr(exc, "response", None) or {}
            if "already exists" not in str((response.get("Error") or {}).get("Message", exc)):
                raise
        return self.update(role_arn, description, parallelism_config=parallelism_config)

    def describe(self, pipeline_version_id: int | None = None) -> dict[str, Any]:
        return self._client.describe_pipeline(PipelineName=self.name)

    def delete(self) -> dict[str, Any]:
        return self._client.delete_pipeline(PipelineName=self.name)

    def list_executions(self, sort_by: str | None = None, sort_order: str | None = None, max_results: int | None = None,
                        next_token: str | None = None) -> dict[str, Any]:
        response = self._client.list_pipeline_executions(**_args(PipelineName=self.name, SortBy=sort_by, SortOrder=sort_order,
                                                                 MaxResults=max_results, NextToken=next_token))
        return {k: response[k] for k in ("PipelineExecutionSummaries", "NextToken") if k in response}

    def start(self, parameters: dict[str, Any] | None = None, execution_display_name: str | None = None,
              execution_description: str | None = None, parallelism_config: ParallelismConfiguration | None = None,
              selective_execution_config: Any = None, pipeline_version_id: int | None = None) -> PipelineExecution:
        """Start an execution. With a LocalPipelineSession it runs here and this returns when it
        ended; otherwise it runs detached and this returns at once."""
        if selective_execution_config is not None:
            raise ValueError("selective_execution_config is not supported: start the whole pipeline (cached steps are reused)")
        client = self._client
        if not runs_locally(self.sagemaker_session):
            response = client.start_pipeline_execution(**_args(
                PipelineName=self.name, PipelineParameters=_parameter_list(parameters), PipelineExecutionDisplayName=execution_display_name,
                PipelineExecutionDescription=execution_description,
                ParallelismConfiguration=parallelism_config.to_request() if parallelism_config else None,
            ))
            return PipelineExecution(arn=response["PipelineExecutionArn"], sagemaker_session=self.sagemaker_session)
        from ...errors import LabstudioError
        from ..boto_errors import client_error

        core = self.sagemaker_session.core
        try:
            described = core.pipelines.start(self.name, parameters, display_name=execution_display_name, description=execution_description,
                                             parallelism=parallelism_config.to_request() if parallelism_config else None, detach=False)
        except LabstudioError as exc:
            from ..boto_errors import _code

            raise client_error("StartPipelineExecution", _code(exc), exc.message) from None
        execution = PipelineExecution(arn=described["PipelineExecutionArn"], sagemaker_session=self.sagemaker_session, pipeline=self)
        core.pipelines.run_here(described["PipelineExecutionArn"])
        return execution

    def build_parameters_from_execution(self, pipeline_execution_arn: str, parameter_value_overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """An execution's parameters, with some values replaced."""
        found = {p["Name"]: p["Value"] for p in self._client.list_pipeline_parameters_for_execution(
            PipelineExecutionArn=pipeline_execution_arn)["PipelineParameters"]}
        if parameter_value_overrides:
            unknown = set(parameter_value_overrides) - set(found)
            if unknown:
                raise ValueError(f"The following parameter overrides provided: {unknown} are not present in the pipeline execution: "
                                 f"{pipeline_execution_arn}")
            found.update(parameter_value_overrides)
        return found


def _args(**kwargs: Any) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if v is not None}


def _tags(tags: Any) -> list[dict[str, str]] | None:
    if not tags:
        return None
    if isinstance(tags, dict):
        return [{"Key": str(k), "Value": str(v)} for k, v in tags.items()]
    return list(tags)


def _parameter_list(parameters: dict[str, Any] | None) -> list[dict[str, str]] | None:
    """SageMaker's start request: every value a string (true/false for booleans)."""
    if parameters is None:
        return None
    return [{"Name": name, "Value": ("true" if v else "false") if isinstance(v, bool) else str(v)} for name, v in parameters.items()]


def _local_mode_order(pipeline: Pipeline) -> dict[str, int]:
    """The order SageMaker's local mode lists an execution's steps in: the pipeline's steps in
    order, a condition's direct branch steps right after it, a step collection's steps last."""
    from .condition_step import ConditionStep

    seen: dict[str, Any] = {}

    def collect(steps: Sequence[Any]) -> None:
        for step in steps:
            seen[step.name] = step
            if isinstance(step, ConditionStep):
                collect(step.if_steps + step.else_steps)
            if isinstance(step, StepCollection):
                collect(step.steps)

    collect(pipeline.steps)
    order: dict[str, int] = {}

    def place(steps: Sequence[Any]) -> None:
        for step in steps:
            if isinstance(step, Step):
                order.setdefault(step.name, len(order))
                if isinstance(step, ConditionStep):
                    place(step.if_steps + step.else_steps)

    place(list(seen.values()))
    return order


class WaiterError(Exception):
    """botocore's WaiterError when botocore is installed (so `except WaiterError` works as with SageMaker)."""


try:
    from botocore.exceptions import WaiterError as _BotoWaiterError

    class _WaiterError(_BotoWaiterError, WaiterError):
        pass

except ImportError:  # pragma: no cover - labstudio does not require botocore
    _WaiterError = WaiterError  # type: ignore[misc,assignment]


def _waiter_error(reason: str, last: dict[str, Any]) -> Exception:
    try:
        return _WaiterError(name="PipelineExecutionComplete", reason=reason, last_response=last)  # type: ignore[call-arg]
    except TypeError:
        return WaiterError(f"Waiter PipelineExecutionComplete failed: {reason}")


class PipelineExecution:
    """SageMaker's ``_PipelineExecution``: one execution of a pipeline."""

    def __init__(self, arn: str, sagemaker_session: Any = None, pipeline: Pipeline | None = None) -> None:
        self.arn = arn
        self.sagemaker_session = sagemaker_session if sagemaker_session is not None else PipelineSession()
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"_PipelineExecution(arn={self.arn!r})"

    @property
    def _client(self) -> Any:
        session = self.sagemaker_session if isinstance(self.sagemaker_session, Session) else PipelineSession()
        return session.sagemaker_client

    def stop(self) -> dict[str, Any]:
        return self._client.stop_pipeline_execution(PipelineExecutionArn=self.arn)

    def describe(self) -> dict[str, Any]:
        return self._client.describe_pipeline_execution(PipelineExecutionArn=self.arn)

    def list_steps(self) -> Any:
        """The steps that ran: SageMaker's PipelineExecutionSteps (newest first). An execution a
        LocalPipelineSession ran answers as SageMaker's local mode does: the response dict, its
        steps in the pipeline's order."""
        steps: list[dict[str, Any]] = []
        token = None
        while True:
            page = self._client.list_pipeline_execution_steps(**_args(PipelineExecutionArn=self.arn, NextToken=token))
            steps.extend(page["PipelineExecutionSteps"])
            token = page.get("NextToken")
            if not token:
                break
        if runs_locally(self.sagemaker_session):
            order = _local_mode_order(self._pipeline) if self._pipeline is not None else {}
            steps.sort(key=lambda s: (order.get(s["StepName"], len(order)), s.get("StartTime") or ""))
            return {"PipelineExecutionSteps": steps}
        return steps

    def list_parameters(self, max_results: int | None = None, next_token: str | None = None) -> dict[str, Any]:
        return self._client.list_pipeline_parameters_for_execution(**_args(PipelineExecutionArn=self.arn, MaxResults=max_results,
                                                                           NextToken=next_token))

    def wait(self, delay: int = 30, max_attempts: int = 60) -> None:
        """Until the execution Succeeded; raises WaiterError when it Failed or Stopped, or when
        delay x max_attempts seconds pass first (the service is polled more often than `delay`)."""
        deadline = time.monotonic() + max(1, delay) * max(1, max_attempts)
        pipelines = self.sagemaker_session.core.pipelines if isinstance(self.sagemaker_session, Session) else None
        next_check = time.monotonic()
        while True:
            described = self.describe()
            status = described["PipelineExecutionStatus"]
            if status == "Succeeded":
                return
            if status in ("Failed", "Stopped"):
                raise _waiter_error("Waiter encountered a terminal failure state: "
                                    f"For expression \"PipelineExecutionStatus\" we matched expected path: \"{status}\"", described)
            if time.monotonic() >= deadline:
                raise _waiter_error("Max attempts exceeded", described)
            if pipelines is not None and time.monotonic() >= next_check:
                next_check = time.monotonic() + 1.0
                pipelines.check(self.arn)  # a runner that died is resumed by whoever waits
            time.sleep(min(0.2, max(delay, 0.05)))

    def result(self, step_name: str) -> Any:
        raise ValueError("result() reads a @step function's output; labstudio runs no @step functions. Read the step's job instead "
                         "(its Metadata in list_steps() names it).")


_PipelineExecution = PipelineExecution

__all__ = ["Pipeline", "PipelineExecution", "_PipelineExecution"]
