"""``labstudio.lineage.query``: stands where ``sagemaker.lineage.query`` stands."""
from ..sdk.lineage.query import (
    Edge,
    LineageEntityEnum,
    LineageFilter,
    LineageQuery,
    LineageQueryDirectionEnum,
    LineageQueryResult,
    LineageSourceEnum,
    Vertex,
)

__all__ = ["LineageEntityEnum", "LineageSourceEnum", "LineageQueryDirectionEnum", "Edge", "Vertex", "LineageQueryResult", "LineageFilter", "LineageQuery"]
