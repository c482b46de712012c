"""``labstudio.pytorch.estimator``: stands where ``sagemaker.pytorch.estimator`` stands."""
from ..sdk.frameworks import PyTorch

__all__ = ["PyTorch"]
