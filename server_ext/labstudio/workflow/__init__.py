"""``labstudio.workflow``: SageMaker Pipelines (``sagemaker.workflow``), run by labstudio.

The SDK's module tree (``pipeline``, ``steps``, ``parameters``, ``conditions``...) re-exports
``labstudio.sdk.workflow``; the service that keeps pipelines and runs their executions is
``workflow.service`` and ``workflow.runner`` (definitions checked in ``workflow.definition``,
expressions evaluated in ``workflow.expressions``, job steps made jobs in ``workflow.stepjobs``).
"""
from __future__ import annotations

from typing import Any


def is_pipeline_variable(var: Any) -> bool:
    """Whether ``var`` is a pipeline variable (a parameter, a property, Join, JsonGet, an execution variable)."""
    from ..sdk.workflow.entities import PipelineVariable

    return isinstance(var, PipelineVariable)


def is_pipeline_parameter_string(var: Any) -> bool:
    from ..sdk.workflow.parameters import ParameterString

    return isinstance(var, ParameterString)


__all__ = ["is_pipeline_parameter_string", "is_pipeline_variable"]
