"""``labstudio.serverless.serverless_inference_config``: stands where SageMaker's module of that name stands."""
from ..sdk.serverless import ServerlessInferenceConfig

__all__ = ["ServerlessInferenceConfig"]
