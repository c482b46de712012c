"""``labstudio.lineage.action``: stands where ``sagemaker.lineage.action`` stands."""
from ..sdk.lineage.action import (
    Action,
    ActionSummary,
    ModelPackageApprovalAction,
)

__all__ = ["ActionSummary", "Action", "ModelPackageApprovalAction"]
