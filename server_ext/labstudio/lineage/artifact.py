"""``labstudio.lineage.artifact``: stands where ``sagemaker.lineage.artifact`` stands."""
from ..sdk.lineage.artifact import (
    Artifact,
    ArtifactSummary,
    DatasetArtifact,
    ModelArtifact,
)

__all__ = ["ArtifactSummary", "Artifact", "ModelArtifact", "DatasetArtifact"]
