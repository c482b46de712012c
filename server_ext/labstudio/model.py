"""``labstudio.model``: stands where ``sagemaker.model`` stands."""
from .sdk.model import FrameworkModel, Model
from .sdk.model_package import ModelPackage

__all__ = ["Model", "FrameworkModel", "ModelPackage"]
