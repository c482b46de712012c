"""``labstudio.async_inference.async_inference_config``: stands where SageMaker's module of that name stands."""
from ..sdk.async_inference import AsyncInferenceConfig

__all__ = ["AsyncInferenceConfig"]
