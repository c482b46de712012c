"""``labstudio.async_inference``: stands where ``sagemaker.async_inference`` stands."""
from ..sdk.async_inference import AsyncInferenceConfig, AsyncInferenceResponse, WaiterConfig

__all__ = ["AsyncInferenceConfig", "AsyncInferenceResponse", "WaiterConfig"]
