"""``labstudio.workflow.retry``: stands where ``sagemaker.workflow.retry`` stands."""
from ..sdk.workflow.retry import RetryPolicy, SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy

__all__ = ["RetryPolicy", "SageMakerJobExceptionTypeEnum", "SageMakerJobStepRetryPolicy", "StepExceptionTypeEnum", "StepRetryPolicy"]
