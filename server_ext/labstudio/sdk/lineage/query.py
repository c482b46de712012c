"""SageMaker's lineage query: walk the trail from some entities, up (Ascendants), down
(Descendants) or both, keeping the entities a filter selects."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from ...arns import resource_name
from ._base import client


class LineageEntityEnum(Enum):
    ACTION = "Action"
    ARTIFACT = "Artifact"
    CONTEXT = "Context"
    TRIAL_COMPONENT = "TrialComponent"


class LineageSourceEnum(Enum):
    CHECKPOINT = "Checkpoint"
    DATASET = "DataSet"
    ENDPOINT = "Endpoint"
    IMAGE = "Image"
    MODEL = "Model"
    MODEL_DATA = "ModelData"
    MODEL_DEPLOYMENT = "ModelDeployment"
    MODEL_GROUP = "ModelGroup"
    MODEL_REPLACE = "ModelReplaced"
    TENSORBOARD = "TensorBoard"
    TRAINING_JOB = "TrainingJob"
    APPROVAL = "Approval"
    PROCESSING_JOB = "ProcessingJob"
    TRANSFORM_JOB = "TransformJob"
    # labstudio records these too
    CODE = "Code"
    MODEL_PACKAGE = "ModelPackage"
    TUNING_JOB = "TuningJob"
    EXPERIMENT = "Experiment"
    PIPELINE_EXECUTION = "PipelineExecution"


class LineageQueryDirectionEnum(Enum):
    BOTH = "Both"
    ASCENDANTS = "Ascendants"
    DESCENDANTS = "Descendants"


class Edge:
    """An association walked by a query: from `source_arn` (upstream) to `destination_arn`."""

    def __init__(self, source_arn: str, destination_arn: str, association_type: str | None) -> None:
        self.source_arn = source_arn
        self.destination_arn = destination_arn
        self.association_type = association_type

    def _key(self) -> tuple[str, str, str | None]:
        return (self.source_arn, self.destination_arn, self.association_type)

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Edge) and self._key() == other._key()

    def __repr__(self) -> str:
        return f"Edge(source_arn={self.source_arn!r}, destination_arn={self.destination_arn!r}, association_type={self.association_type!r})"


class Vertex:
    """An entity a query reached: its ARN, what it is (`lineage_entity`: Artifact, Action, Context,
    TrialComponent) and its type (`lineage_source`: DataSet, Model, TrainingJob, Endpoint...)."""

    def __init__(self, arn: str, lineage_entity: str, lineage_source: str, sagemaker_session: Any) -> None:
        self.arn = arn
        self.lineage_entity = lineage_entity
        self.lineage_source = lineage_source
        self._session = sagemaker_session

    def _key(self) -> tuple[str, str, str]:
        return (self.arn, self.lineage_entity, self.lineage_source)

    def __hash__(self) -> int:
        return hash(self._key())

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Vertex) and self._key() == other._key()

    def __repr__(self) -> str:
        return f"Vertex(arn={self.arn!r}, lineage_entity={self.lineage_entity!r}, lineage_source={self.lineage_source!r})"

    def to_lineage_object(self) -> Any:
        """The Artifact, Context, Action or LineageTrialComponent this vertex stands for (the
        specialised class where there is one: ModelArtifact, DatasetArtifact, EndpointContext...)."""
        from .action import Action
        from .artifact import Artifact, DatasetArtifact, ModelArtifact
        from .context import Context, EndpointContext, ModelPackageGroup
        from .lineage_trial_component import LineageTrialComponent

        name = resource_name(self.arn)
        if self.lineage_entity == LineageEntityEnum.CONTEXT.value:
            cls = {"Endpoint": EndpointContext, "ModelGroup": ModelPackageGroup}.get(self.lineage_source, Context)
            return cls.load(context_name=name, sagemaker_session=self._session)
        if self.lineage_entity == LineageEntityEnum.ARTIFACT.value:
            kind = {"Model": ModelArtifact, "DataSet": DatasetArtifact}.get(self.lineage_source, Artifact)
            return kind.load(artifact_arn=self.arn, sagemaker_session=self._session)
        if self.lineage_entity == LineageEntityEnum.ACTION.value:
            return Action.load(action_name=name, sagemaker_session=self._session)
        if self.lineage_entity == LineageEntityEnum.TRIAL_COMPONENT.value:
            return LineageTrialComponent.load(trial_component_name=name, sagemaker_session=self._session)
        raise ValueError(f"Vertex {self.arn} cannot be converted to a lineage object.")


class LineageQueryResult:
    def __init__(self, edges: list[Edge] | None = None, vertices: list[Vertex] | None = None) -> None:
        self.edges = list(edges or [])
        self.vertices = list(vertices or [])

    def __repr__(self) -> str:
        return f"LineageQueryResult(vertices={len(self.vertices)}, edges={len(self.edges)})"


def _word(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


class LineageFilter:
    """Which reached entities a query returns: by entity (`entities`), type (`sources`), times, properties."""

    def __init__(self, entities: list[Any] | None = None, sources: list[Any] | None = None, created_before: datetime | None = None,
                 created_after: datetime | None = None, modified_before: datetime | None = None,
                 modified_after: datetime | None = None, properties: dict[str, str] | None = None) -> None:
        self.entities = entities
        self.sources = sources
        self.created_before = created_before
        self.created_after = created_after
        self.modified_before = modified_before
        self.modified_after = modified_after
        self.properties = properties

    def _to_request_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sources:
            out["Types"] = [_word(s) for s in self.sources]
        if self.entities:
            out["LineageTypes"] = [_word(e) for e in self.entities]
        for key, value in (("CreatedBefore", self.created_before), ("CreatedAfter", self.created_after),
                           ("ModifiedBefore", self.modified_before), ("ModifiedAfter", self.modified_after)):
            if value is not None:
                out[key] = value
        if self.properties:
            out["Properties"] = dict(self.properties)
        return out


class LineageQuery:
    def __init__(self, sagemaker_session: Any) -> None:
        self._session = sagemaker_session

    def query(self, start_arns: list[str], direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.BOTH,
              include_edges: bool = True, query_filter: LineageFilter | None = None, max_depth: int = 10) -> LineageQueryResult:
        """The entities reached from `start_arns` within `max_depth` hops (and the edges walked)."""
        if not isinstance(direction, LineageQueryDirectionEnum):
            raise ValueError(f"direction must be a LineageQueryDirectionEnum (ASCENDANTS, DESCENDANTS, BOTH), got {direction!r}")
        answer = client(self._session).query_lineage(
            StartArns=list(start_arns), Direction=direction.value, IncludeEdges=include_edges,
            Filters=query_filter._to_request_dict() if query_filter else {}, MaxDepth=max_depth,
        )
        edges = list(dict.fromkeys(Edge(e["SourceArn"], e["DestinationArn"], e.get("AssociationType")) for e in answer["Edges"]))
        vertices = list(dict.fromkeys(Vertex(v["Arn"], v["LineageType"], v["Type"], self._session) for v in answer["Vertices"]))
        return LineageQueryResult(edges=edges, vertices=vertices)


def query_objects(session: Any, start_arn: str, direction: LineageQueryDirectionEnum, entity: LineageEntityEnum,
                  sources: list[LineageSourceEnum] | None = None) -> list[Any]:
    """The lineage objects of one kind reached from an entity (what the helpers of the record classes return)."""
    result = LineageQuery(session).query([start_arn], direction=direction, include_edges=False,
                                         query_filter=LineageFilter(entities=[entity], sources=sources))
    return [v.to_lineage_object() for v in result.vertices]


def query_vertices(session: Any, start_arn: str, direction: LineageQueryDirectionEnum, entity: LineageEntityEnum,
                   sources: list[LineageSourceEnum] | None = None) -> list[Vertex]:
    result = LineageQuery(session).query([start_arn], direction=direction, include_edges=False,
                                         query_filter=LineageFilter(entities=[entity], sources=sources))
    return result.vertices
