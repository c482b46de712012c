"""SageMaker's lineage ``Context`` (and ``EndpointContext``, ``ModelPackageGroup``): what groups a
trail: an endpoint, a model package group, a tuning job, an experiment."""
from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ._base import ApiObject, Record, client, listing
from .association import Association, AssociationSummary
from .query import LineageEntityEnum, LineageQueryDirectionEnum, LineageSourceEnum, query_objects, query_vertices


class ContextSummary(ApiObject):
    """context_arn, context_name, source (source_uri), context_type, creation_time, last_modified_time."""

    context_arn: str
    context_name: str
    context_type: str
    source: Any


class Context(Record):
    context_arn: str
    context_name: str
    context_type: str
    properties: dict[str, str]

    @classmethod
    def load(cls, context_name: str, sagemaker_session: Any = None) -> Any:
        return cls._load("describe_context", sagemaker_session, ContextName=context_name)

    @classmethod
    def create(cls, context_name: str, source_uri: str | None = None, source_type: str | None = None, context_type: str | None = None,
               description: str | None = None, properties: dict[str, str] | None = None, tags: Any = None,
               sagemaker_session: Any = None) -> Any:
        client(sagemaker_session).create_context(
            ContextName=context_name, Source={"SourceUri": source_uri, "SourceType": source_type}, ContextType=context_type or "",
            **({"Properties": properties} if properties else {}),
        )
        return cls.load(context_name, sagemaker_session)

    @classmethod
    def list(cls, source_uri: str | None = None, context_type: str | None = None, created_after: datetime | None = None,
             created_before: datetime | None = None, sort_by: str | None = None, sort_order: str | None = None,
             max_results: int | None = None, next_token: str | None = None, sagemaker_session: Any = None) -> Iterator[ContextSummary]:
        """Contexts, newest first (ListContexts), optionally those of one source URI or type."""
        return listing(
            sagemaker_session, "list_contexts", "ContextSummaries", ContextSummary, max_results, next_token,
            SourceUri=source_uri, ContextType=context_type, CreatedAfter=created_after, CreatedBefore=created_before,
            SortBy=sort_by, SortOrder=sort_order,
        )

    def actions(self, direction: LineageQueryDirectionEnum) -> builtins.list[Any]:
        return query_objects(self.sagemaker_session, self.context_arn, direction, LineageEntityEnum.ACTION)

    def _query(self, direction: LineageQueryDirectionEnum, entity: LineageEntityEnum, sources: builtins.list[LineageSourceEnum] | None = None) -> builtins.list[Any]:
        return query_objects(self.sagemaker_session, self.context_arn, direction, entity, sources)

    def pipeline_execution_arn(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> str | None:
        """The pipeline execution this trail comes from, if a pipeline made it (None otherwise)."""
        found = self._query(direction, LineageEntityEnum.CONTEXT, [LineageSourceEnum.PIPELINE_EXECUTION])
        return found[0].source.source_uri if found else None


class EndpointContext(Context):
    """An endpoint's trail: the data sets, jobs and models it came from."""

    def models(self) -> builtins.list[AssociationSummary]:
        """The models deployed to this endpoint: for each deployment, the association from its
        model (a Model artifact, or a ModelPackage) to the ModelDeployment action."""
        out: builtins.list[AssociationSummary] = []
        for deployment in Association.list(destination_arn=self.context_arn, source_type="ModelDeployment",
                                           sagemaker_session=self.sagemaker_session):
            out.extend(a for a in Association.list(destination_arn=deployment.source_arn, sagemaker_session=self.sagemaker_session)
                       if a.source_type in ("Model", "ModelPackage"))
        return out

    def models_v2(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.MODEL])

    def dataset_artifacts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.DATASET])

    def training_job_arns(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[str]:
        api = client(self.sagemaker_session)
        vertices = query_vertices(self.sagemaker_session, self.context_arn, direction, LineageEntityEnum.TRIAL_COMPONENT,
                                  [LineageSourceEnum.TRAINING_JOB])
        return [api.describe_trial_component(TrialComponentName=v.arn.rsplit("/", 1)[-1])["Source"]["SourceArn"] for v in vertices]

    def processing_jobs(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.TRIAL_COMPONENT, [LineageSourceEnum.PROCESSING_JOB])

    def transform_jobs(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.TRIAL_COMPONENT, [LineageSourceEnum.TRANSFORM_JOB])

    def trial_components(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return self._query(direction, LineageEntityEnum.TRIAL_COMPONENT)


class ModelPackageGroup(Context):
    """A model package group's context: the packages registered in it."""

    def pipeline_execution_arn(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> str | None:
        return super().pipeline_execution_arn(direction)
