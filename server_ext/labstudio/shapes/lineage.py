"""Lineage as the panel draws it: GET /lineage answers nodes and edges (snake_case, labstudio's
own shape). SageMaker's QueryLineage shape (Vertices, Edges) is what the SDK's boto-shaped
client answers; the nodes here say more (name, source, properties, the resource to open)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from .common import Response

LineageEntity = Literal["Artifact", "Action", "Context", "TrialComponent"]
AssociationType = Literal["ContributedTo", "AssociatedWith", "DerivedFrom", "Produced"]
Direction = Literal["Ascendants", "Descendants", "Both"]


class LineageResource(Response):
    """The labstudio resource a node stands for, so the panel can open its own view."""

    kind: Literal["training-job", "processing-job", "transform-job", "tuning-job", "model-package", "model-package-group",
                  "endpoint", "experiment", "file"]
    name: str


class LineageNode(Response):
    arn: str
    entity: LineageEntity
    type: str = Field(description="DataSet, Code, Model, ModelPackage, TrainingJob, ProcessingJob, TransformJob, Endpoint, "
                                  "ModelGroup, TuningJob, Experiment, ModelDeployment, Approval...")
    name: str
    source_uri: str | None
    properties: dict[str, str] = Field(description="e.g. an input's fingerprint, an approval's author and comment.")
    creation_time: str
    depth: int = Field(description="Hops from the starting point.")
    resource: LineageResource | None


class LineageEdge(Response):
    source: str = Field(description="The upstream entity's ARN.")
    destination: str = Field(description="The downstream entity's ARN.")
    type: AssociationType


class LineageGraphResponse(Response):
    start: str = Field(description="The ARN of the lineage entity the walk started from.")
    direction: Direction
    nodes: list[LineageNode]
    edges: list[LineageEdge]
    truncated: bool = Field(description="True when more entities were reached than the graph shows.")
