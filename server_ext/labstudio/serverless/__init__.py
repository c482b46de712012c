"""``labstudio.serverless``: stands where ``sagemaker.serverless`` stands."""
from ..sdk.serverless import ServerlessInferenceConfig

__all__ = ["ServerlessInferenceConfig"]
