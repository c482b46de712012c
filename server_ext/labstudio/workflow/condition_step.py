"""``labstudio.workflow.condition_step``: stands where ``sagemaker.workflow.condition_step`` stands."""
from ..sdk.workflow.condition_step import ConditionStep

__all__ = ["ConditionStep"]
