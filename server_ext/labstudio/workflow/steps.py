"""``labstudio.workflow.steps``: stands where ``sagemaker.workflow.steps`` stands."""
from ..sdk.workflow.steps import (
    CacheConfig,
    ConfigurableRetryStep,
    CreateModelStep,
    ProcessingStep,
    Step,
    StepTypeEnum,
    TrainingStep,
    TransformStep,
    TuningStep,
)

__all__ = ["CacheConfig", "ConfigurableRetryStep", "CreateModelStep", "ProcessingStep", "Step", "StepTypeEnum", "TrainingStep", "TransformStep", "TuningStep"]
