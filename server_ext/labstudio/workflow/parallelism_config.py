"""``labstudio.workflow.parallelism_config``: stands where ``sagemaker.workflow.parallelism_config`` stands."""
from ..sdk.workflow.parallelism_config import ParallelismConfiguration

__all__ = ["ParallelismConfiguration"]
