"""``labstudio.pytorch``: what ``sagemaker.pytorch`` offers, running locally."""
from ..sdk.frameworks import PyTorch, PyTorchModel, PyTorchPredictor

__all__ = ["PyTorch", "PyTorchModel", "PyTorchPredictor"]
