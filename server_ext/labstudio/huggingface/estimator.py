"""``labstudio.huggingface.estimator``: stands where ``sagemaker.huggingface.estimator`` stands."""
from ..sdk.frameworks import HuggingFace

__all__ = ["HuggingFace"]
