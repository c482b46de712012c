"""ModelStep: creates a model (``model.create()``) or registers a model package version
(``model.register()``) in a pipeline. Its one step is named ``<name>-CreateModel`` or
``<name>-RegisterModel``, as SageMaker names them; its properties are that step's."""
from __future__ import annotations

from typing import Any

from .entities import RequestType
from .pipeline_context import PipelineSession, _ModelStepArguments
from .properties import Properties
from .retry import RetryPolicy, SageMakerJobStepRetryPolicy
from .step_collections import StepCollection
from .steps import ConfigurableRetryStep, CreateModelStep, StepTypeEnum

_REGISTER = "RegisterModel"
_CREATE = "CreateModel"


class _RegisterModelStep(ConfigurableRetryStep):
    """Registers a model package version (SageMaker's CreateModelPackage)."""

    def __init__(self, name: str, step_args: _ModelStepArguments, display_name: str | None = None, description: str | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None) -> None:
        super().__init__(name, StepTypeEnum.REGISTER_MODEL, display_name, description, depends_on, retry_policies)
        self.step_args = step_args
        self._properties = Properties(step_name=name, shape_name="DescribeModelPackageOutput", step=self)

    @property
    def arguments(self) -> RequestType:
        return self.step_args.args

    @property
    def properties(self) -> Properties:
        return self._properties


class ModelStep(StepCollection):
    def __init__(self, name: str, step_args: _ModelStepArguments, depends_on: list[Any] | None = None,
                 retry_policies: list[RetryPolicy] | dict[str, list[RetryPolicy]] | None = None, display_name: str | None = None,
                 description: str | None = None, repack_model_step_settings: dict[str, Any] | None = None) -> None:
        if not isinstance(step_args, _ModelStepArguments):
            raise ValueError("The step_args of ModelStep must be obtained from model.create() or model.register() under a "
                             f"PipelineSession, got {type(step_args).__name__}")
        if not isinstance(step_args.model.sagemaker_session, PipelineSession):
            raise TypeError("To configure a ModelStep, the sagemaker_session of the model must be a PipelineSession (or LocalPipelineSession).")
        super().__init__(name=name, depends_on=depends_on)
        self.step_args = step_args
        self.display_name = display_name
        self.description = description
        if isinstance(retry_policies, dict):
            create_policies = retry_policies.get("create_model_retry_policies")
            register_policies = retry_policies.get("register_model_retry_policies")
        else:
            create_policies = register_policies = retry_policies
        for policy in list(create_policies or []) + list(register_policies or []):
            if isinstance(policy, SageMakerJobStepRetryPolicy):
                raise ValueError("SageMakerJobStepRetryPolicy is not allowed for a create/register model step; use StepRetryPolicy instead")
        if step_args.caller_name == "create_model_package_from_containers":
            step: ConfigurableRetryStep = _RegisterModelStep(f"{name}-{_REGISTER}", step_args, display_name, description, depends_on,
                                                             register_policies)
        else:
            step = CreateModelStep(f"{name}-{_CREATE}", step_args=step_args, depends_on=depends_on, retry_policies=create_policies,
                                   display_name=display_name, description=description)
        self.steps = [step]


__all__ = ["ModelStep"]
