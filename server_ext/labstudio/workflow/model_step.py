"""``labstudio.workflow.model_step``: stands where ``sagemaker.workflow.model_step`` stands."""
from ..sdk.workflow.model_step import ModelStep

__all__ = ["ModelStep"]
