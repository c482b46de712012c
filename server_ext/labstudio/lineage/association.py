"""``labstudio.lineage.association``: stands where ``sagemaker.lineage.association`` stands."""
from ..sdk.lineage.association import (
    Association,
    AssociationSummary,
)

__all__ = ["AssociationSummary", "Association"]
