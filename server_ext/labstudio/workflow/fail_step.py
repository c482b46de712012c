"""``labstudio.workflow.fail_step``: stands where ``sagemaker.workflow.fail_step`` stands."""
from ..sdk.workflow.fail_step import FailStep

__all__ = ["FailStep"]
