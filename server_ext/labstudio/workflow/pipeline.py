"""``labstudio.workflow.pipeline``: stands where ``sagemaker.workflow.pipeline`` stands."""
from ..sdk.workflow.pipeline import Pipeline, PipelineExecution, _PipelineExecution

__all__ = ["Pipeline", "PipelineExecution", "_PipelineExecution"]
