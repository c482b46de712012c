"""``labstudio.huggingface.model``: stands where ``sagemaker.huggingface.model`` stands."""
from ..sdk.frameworks import HuggingFaceModel, HuggingFacePredictor

__all__ = ["HuggingFaceModel", "HuggingFacePredictor"]
