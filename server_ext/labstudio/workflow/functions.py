"""``labstudio.workflow.functions``: stands where ``sagemaker.workflow.functions`` stands."""
from ..sdk.workflow.functions import Join, JsonGet

__all__ = ["Join", "JsonGet"]
