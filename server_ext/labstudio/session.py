"""``labstudio.session``: stands where ``sagemaker.session`` stands (Session, get_execution_role)."""
from .sdk.session import LocalSession, Session, get_execution_role

__all__ = ["Session", "LocalSession", "get_execution_role"]
