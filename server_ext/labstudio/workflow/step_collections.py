"""``labstudio.workflow.step_collections``: stands where ``sagemaker.workflow.step_collections`` stands."""
from ..sdk.workflow.step_collections import StepCollection

__all__ = ["StepCollection"]
