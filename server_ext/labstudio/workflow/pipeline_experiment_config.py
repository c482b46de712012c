"""``labstudio.workflow.pipeline_experiment_config``: stands where ``sagemaker.workflow.pipeline_experiment_config`` stands."""
from ..sdk.workflow.pipeline_experiment_config import PipelineExperimentConfig, PipelineExperimentConfigProperties, PipelineExperimentConfigProperty

__all__ = ["PipelineExperimentConfig", "PipelineExperimentConfigProperties", "PipelineExperimentConfigProperty"]
