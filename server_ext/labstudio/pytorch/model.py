"""``labstudio.pytorch.model``: stands where ``sagemaker.pytorch.model`` stands."""
from ..sdk.frameworks import PyTorchModel, PyTorchPredictor

__all__ = ["PyTorchModel", "PyTorchPredictor"]
