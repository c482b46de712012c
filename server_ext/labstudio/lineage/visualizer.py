"""``labstudio.lineage.visualizer``: stands where ``sagemaker.lineage.visualizer`` stands."""
from ..sdk.lineage.visualizer import (
    LineageTableVisualizer,
)

__all__ = ["LineageTableVisualizer"]
