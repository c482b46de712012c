"""``labstudio.local``: stands where ``sagemaker.local`` stands in local-mode drivers."""
from .sdk.session import LocalNoS3Session, LocalSagemakerClient, LocalSagemakerRuntimeClient, LocalSession

__all__ = ["LocalSession", "LocalNoS3Session", "LocalSagemakerClient", "LocalSagemakerRuntimeClient"]
