"""SageMaker's lineage ``Artifact`` (and ``ModelArtifact``, ``DatasetArtifact``): something with a
URI that a job used or made: a data set, a code snapshot, a model archive, a model package."""
from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ._base import ApiObject, Record, client, listing
from .association import Association, AssociationSummary
from .query import LineageEntityEnum, LineageQueryDirectionEnum, LineageSourceEnum, query_objects, query_vertices


class ArtifactSummary(ApiObject):
    """artifact_arn, artifact_name, source (source_uri), artifact_type, creation_time, last_modified_time."""

    artifact_arn: str
    artifact_name: str
    artifact_type: str
    source: Any


class Artifact(Record):
    artifact_arn: str
    artifact_name: str
    artifact_type: str
    properties: dict[str, str]

    @classmethod
    def load(cls, artifact_arn: str, sagemaker_session: Any = None) -> Any:
        return cls._load("describe_artifact", sagemaker_session, ArtifactArn=artifact_arn)

    @classmethod
    def create(cls, artifact_name: str | None = None, source_uri: str | None = None, source_types: builtins.list[Any] | None = None,
               artifact_type: str | None = None, properties: dict[str, str] | None = None, tags: Any = None,
               sagemaker_session: Any = None) -> Any:
        """Record an artifact by hand (CreateArtifact); the same type and URI give the same artifact."""
        answer = client(sagemaker_session).create_artifact(
            ArtifactName=artifact_name or "", Source={"SourceUri": source_uri, "SourceTypes": source_types or []},
            ArtifactType=artifact_type or "", **({"Properties": properties} if properties else {}),
        )
        return cls.load(answer["ArtifactArn"], sagemaker_session)

    @classmethod
    def list(cls, source_uri: str | None = None, artifact_type: str | None = None, created_before: datetime | None = None,
             created_after: datetime | None = None, sort_by: str | None = None, sort_order: str | None = None,
             max_results: int | None = None, next_token: str | None = None, sagemaker_session: Any = None) -> Iterator[ArtifactSummary]:
        """Artifacts, newest first (ListArtifacts), optionally those of one URI or type."""
        return listing(
            sagemaker_session, "list_artifacts", "ArtifactSummaries", ArtifactSummary, max_results, next_token,
            SourceUri=source_uri, ArtifactType=artifact_type, CreatedBefore=created_before, CreatedAfter=created_after,
            SortBy=sort_by, SortOrder=sort_order,
        )

    def s3_uri_artifacts(self, s3_uri: str) -> dict[str, Any]:
        return dict(client(self.sagemaker_session).list_artifacts(SourceUri=s3_uri))

    def _query(self, direction: LineageQueryDirectionEnum, entity: LineageEntityEnum, sources: builtins.list[LineageSourceEnum] | None) -> builtins.list[Any]:
        return query_objects(self.sagemaker_session, self.artifact_arn, direction, entity, sources)

    def _training_job_arns(self, direction: LineageQueryDirectionEnum) -> builtins.list[str]:
        api = client(self.sagemaker_session)
        vertices = query_vertices(self.sagemaker_session, self.artifact_arn, direction, LineageEntityEnum.TRIAL_COMPONENT,
                                  [LineageSourceEnum.TRAINING_JOB])
        return [api.describe_trial_component(TrialComponentName=v.arn.rsplit("/", 1)[-1])["Source"]["SourceArn"] for v in vertices]

    def _pipeline_execution_arn(self, direction: LineageQueryDirectionEnum) -> str | None:
        found = self._query(direction, LineageEntityEnum.CONTEXT, [LineageSourceEnum.PIPELINE_EXECUTION])
        return found[0].source.source_uri if found else None


class ModelArtifact(Artifact):
    """A model archive: where it was trained from, and where it is deployed."""

    def endpoints(self) -> builtins.list[AssociationSummary]:
        """The deployments of this model (associations from it to ModelDeployment actions)."""
        return list(Association.list(source_arn=self.artifact_arn, destination_type="ModelDeployment", sagemaker_session=self.sagemaker_session))

    def endpoint_contexts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.DESCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.CONTEXT, [LineageSourceEnum.ENDPOINT])

    def dataset_artifacts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.DATASET])

    def training_job_arns(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[str]:
        return self._training_job_arns(direction)

    def pipeline_execution_arn(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> str | None:
        return self._pipeline_execution_arn(direction)


class DatasetArtifact(Artifact):
    """A data set: the models trained on it and the endpoints serving them."""

    def trained_models(self) -> builtins.list[AssociationSummary]:
        """The models of the jobs that read this data set (each job's Produced association)."""
        out: builtins.list[AssociationSummary] = []
        for used in Association.list(source_arn=self.artifact_arn, sagemaker_session=self.sagemaker_session):
            out.extend(a for a in Association.list(source_arn=used.destination_arn, destination_type="Model",
                                                   sagemaker_session=self.sagemaker_session))
        return out

    def endpoint_contexts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.DESCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.CONTEXT, [LineageSourceEnum.ENDPOINT])

    def upstream_datasets(self) -> builtins.list[Any]:
        return self._query(LineageQueryDirectionEnum.ASCENDANTS, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.DATASET])

    def downstream_datasets(self) -> builtins.list[Any]:
        return self._query(LineageQueryDirectionEnum.DESCENDANTS, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.DATASET])
