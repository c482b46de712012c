"""``labstudio.local``: stands where ``sagemaker.local`` stands in local-mode drivers."""
from .sdk.session import LocalSession

__all__ = ["LocalSession"]
