"""``labstudio.workflow.pipeline_definition_config``: stands where ``sagemaker.workflow.pipeline_definition_config`` stands."""
from ..sdk.workflow.pipeline_definition_config import PipelineDefinitionConfig

__all__ = ["PipelineDefinitionConfig"]
