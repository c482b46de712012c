"""``labstudio.model``: stands where ``sagemaker.model`` stands."""
from .sdk.model import FrameworkModel, Model

__all__ = ["Model", "FrameworkModel"]
