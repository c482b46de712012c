"""``labstudio.async_inference.async_inference_response``: stands where SageMaker's module of that name stands."""
from ..sdk.async_inference import AsyncInferenceResponse

__all__ = ["AsyncInferenceResponse"]
