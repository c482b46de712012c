"""SageMaker's lineage ``Action``: a step that is not a job: deploying a model, approving a package."""
from __future__ import annotations

import builtins
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ._base import ApiObject, Record, client, listing
from .query import LineageEntityEnum, LineageQueryDirectionEnum, LineageSourceEnum, query_objects


class ActionSummary(ApiObject):
    """action_arn, action_name, source (source_uri), action_type, status, creation_time, last_modified_time."""

    action_arn: str
    action_name: str
    action_type: str
    source: Any


class Action(Record):
    action_arn: str
    action_name: str
    action_type: str
    properties: dict[str, str]

    @classmethod
    def load(cls, action_name: str, sagemaker_session: Any = None) -> Any:
        return cls._load("describe_action", sagemaker_session, ActionName=action_name)

    @classmethod
    def create(cls, action_name: str, source_uri: str, source_type: str | None = None, action_type: str | None = None,
               description: str | None = None, status: str | None = None, properties: dict[str, str] | None = None,
               metadata_properties: Any = None, tags: Any = None, sagemaker_session: Any = None) -> Any:
        client(sagemaker_session).create_action(
            ActionName=action_name, Source={"SourceUri": source_uri, "SourceType": source_type}, ActionType=action_type or "",
            **({"Properties": properties} if properties else {}),
        )
        return cls.load(action_name, sagemaker_session)

    @classmethod
    def list(cls, source_uri: str | None = None, action_type: str | None = None, created_after: datetime | None = None,
             created_before: datetime | None = None, sort_by: str | None = None, sort_order: str | None = None,
             max_results: int | None = None, next_token: str | None = None, sagemaker_session: Any = None) -> Iterator[ActionSummary]:
        """Actions, newest first (ListActions), optionally those of one source URI or type."""
        return listing(
            sagemaker_session, "list_actions", "ActionSummaries", ActionSummary, max_results, next_token,
            SourceUri=source_uri, ActionType=action_type, CreatedAfter=created_after, CreatedBefore=created_before,
            SortBy=sort_by, SortOrder=sort_order,
        )

    def artifacts(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.BOTH) -> builtins.list[Any]:
        return query_objects(self.sagemaker_session, self.action_arn, direction, LineageEntityEnum.ARTIFACT)


class ModelPackageApprovalAction(Action):
    """An approval decision on a model package (its properties say from, to, by whom, and why)."""

    def datasets(self, direction: LineageQueryDirectionEnum = LineageQueryDirectionEnum.ASCENDANTS) -> builtins.list[Any]:
        return query_objects(self.sagemaker_session, self.action_arn, direction, LineageEntityEnum.ARTIFACT, [LineageSourceEnum.DATASET])

    def model_package(self) -> dict[str, Any]:
        """DescribeModelPackage of the package this decision was about."""
        return dict(client(self.sagemaker_session).describe_model_package(ModelPackageName=self.source.source_uri))
