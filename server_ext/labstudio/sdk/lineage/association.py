"""SageMaker's ``Association``: a typed edge between two lineage entities."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from ._base import ApiObject, Record, client, listing


class AssociationSummary(ApiObject):
    """source_arn, source_name, source_type, destination_arn, destination_name, destination_type,
    association_type (ContributedTo, AssociatedWith, DerivedFrom, Produced), creation_time."""

    source_arn: str
    destination_arn: str
    source_type: str | None
    destination_type: str | None
    association_type: str
    source_name: str | None
    destination_name: str | None


class Association(Record):
    source_arn: str
    destination_arn: str
    association_type: str | None = None

    @classmethod
    def create(cls, source_arn: str, destination_arn: str, association_type: str | None = None,
               sagemaker_session: Any = None) -> Association:
        """Link two entities (AddAssociation)."""
        client(sagemaker_session).add_association(
            SourceArn=source_arn, DestinationArn=destination_arn, **({"AssociationType": association_type} if association_type else {}))
        return cls.from_boto({"SourceArn": source_arn, "DestinationArn": destination_arn, "AssociationType": association_type},
                             sagemaker_session=sagemaker_session)

    def delete(self) -> None:
        client(self.sagemaker_session).delete_association(SourceArn=self.source_arn, DestinationArn=self.destination_arn)

    @classmethod
    def list(cls, source_arn: str | None = None, source_type: str | None = None, destination_arn: str | None = None,
             destination_type: str | None = None, association_type: str | None = None, created_after: datetime | None = None,
             created_before: datetime | None = None, sort_by: str | None = None, sort_order: str | None = None,
             max_results: int | None = None, next_token: str | None = None, sagemaker_session: Any = None) -> Iterator[AssociationSummary]:
        """Associations from and/or to an entity, newest first (ListAssociations)."""
        return listing(
            sagemaker_session, "list_associations", "AssociationSummaries", AssociationSummary, max_results, next_token,
            SourceArn=source_arn, SourceType=source_type, DestinationArn=destination_arn, DestinationType=destination_type,
            AssociationType=association_type, CreatedAfter=created_after, CreatedBefore=created_before, SortBy=sort_by,
            SortOrder=sort_order,
        )
