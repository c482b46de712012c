"""``labstudio.workflow.pipeline_context``: stands where ``sagemaker.workflow.pipeline_context`` stands."""
from ..sdk.workflow.pipeline_context import LocalPipelineSession, PipelineSession, _JobStepArguments, _ModelStepArguments, _StepArguments, in_pipeline

__all__ = ["LocalPipelineSession", "PipelineSession", "in_pipeline", "_JobStepArguments", "_ModelStepArguments", "_StepArguments"]
