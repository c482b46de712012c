"""``labstudio.workflow.execution_variables``: stands where ``sagemaker.workflow.execution_variables`` stands."""
from ..sdk.workflow.execution_variables import ExecutionVariable, ExecutionVariables

__all__ = ["ExecutionVariable", "ExecutionVariables"]
