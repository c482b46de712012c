"""``labstudio.lineage.context``: stands where ``sagemaker.lineage.context`` stands."""
from ..sdk.lineage.context import (
    Context,
    ContextSummary,
    EndpointContext,
    ModelPackageGroup,
)

__all__ = ["ContextSummary", "Context", "EndpointContext", "ModelPackageGroup"]
