"""The model registry's and lineage's calls of ``session.sagemaker_client``, in boto3's shape.

`LocalSagemakerClient` (sdk/session.py) inherits these; each answers what boto3's call
answers, from the local store. Parameters are checked as boto3 checks them (a missing,
unknown or mistyped one raises ``ParamValidationError``); a refused value raises
``ClientError`` whose message names the parameter.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Invalid
from .boto_errors import operation

if TYPE_CHECKING:
    from ..core import Core

_PAGE = {"MaxResults": "int", "NextToken": "str", "SortBy": "str", "SortOrder": "str", "CreationTimeAfter": "time",
         "CreationTimeBefore": "time"}
_LINEAGE_PAGE = {"CreatedAfter": "time", "CreatedBefore": "time", "SortBy": "str", "SortOrder": "str", "MaxResults": "int",
                 "NextToken": "str"}


class RegistryClientMethods:
    """Mixed into LocalSagemakerClient; `_core()` is the store the session points at."""

    def _core(self) -> Core:
        raise NotImplementedError

    # -- model package groups ---------------------------------------------------------------------

    @operation("CreateModelPackageGroup", {"ModelPackageGroupName": "str", "ModelPackageGroupDescription": "str", "Tags": "list"},
               required=("ModelPackageGroupName",))
    def create_model_package_group(self, **kw: Any) -> dict[str, Any]:
        return self._core().registry.create_group(kw["ModelPackageGroupName"], kw.get("ModelPackageGroupDescription") or "", kw.get("Tags"))

    @operation("DescribeModelPackageGroup", {"ModelPackageGroupName": "str"}, required=("ModelPackageGroupName",))
    def describe_model_package_group(self, **kw: Any) -> dict[str, Any]:
        return self._core().registry.describe_group(kw["ModelPackageGroupName"])

    @operation("ListModelPackageGroups", {**_PAGE, "NameContains": "str", "CrossAccountFilterOption": "str"})
    def list_model_package_groups(self, **kw: Any) -> dict[str, Any]:
        return self._core().registry.list_groups(
            name_contains=kw.get("NameContains"), sort_by=kw.get("SortBy"), sort_order=kw.get("SortOrder"),
            created_after=kw.get("CreationTimeAfter"), created_before=kw.get("CreationTimeBefore"),
            max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"),
        )

    @operation("DeleteModelPackageGroup", {"ModelPackageGroupName": "str"}, required=("ModelPackageGroupName",))
    def delete_model_package_group(self, **kw: Any) -> dict[str, Any]:
        self._core().registry.delete_group(kw["ModelPackageGroupName"])
        return {}

    # -- model packages ----------------------------------------------------------------------------

    @operation("CreateModelPackage", {
        "ModelPackageName": "str", "ModelPackageGroupName": "str", "ModelPackageDescription": "str", "InferenceSpecification": "dict",
        "ModelApprovalStatus": "str", "ModelMetrics": "dict", "CustomerMetadataProperties": "dict", "CertifyForMarketplace": "bool",
        "MetadataProperties": "dict", "Domain": "str", "Task": "str", "SamplePayloadUrl": "str", "SourceUri": "str", "ClientToken": "str",
        "Tags": "list",
    })
    def create_model_package(self, **kw: Any) -> dict[str, Any]:
        if kw.get("ModelPackageName") and not kw.get("ModelPackageGroupName"):
            raise Invalid("labstudio keeps versioned model packages only: give ModelPackageGroupName (the package becomes its next version) "
                          "instead of ModelPackageName.", field="ModelPackageGroupName")
        if not kw.get("ModelPackageGroupName"):
            raise Invalid("ModelPackageGroupName is required: the group the package becomes the next version of.", field="ModelPackageGroupName")
        body = {k: v for k, v in kw.items() if k != "ModelPackageName" and v is not None}
        described = self._core().registry.create_package(body, base_dir=Path.cwd())
        return {"ModelPackageArn": described["ModelPackageArn"]}

    @operation("DescribeModelPackage", {"ModelPackageName": "str"}, required=("ModelPackageName",))
    def describe_model_package(self, **kw: Any) -> dict[str, Any]:
        return self._core().registry.describe_package(kw["ModelPackageName"])

    @operation("ListModelPackages", {**_PAGE, "NameContains": "str", "ModelApprovalStatus": "str", "ModelPackageGroupName": "str",
                                     "ModelPackageType": "str"})
    def list_model_packages(self, **kw: Any) -> dict[str, Any]:
        kind = kw.get("ModelPackageType")
        if kind not in (None, "Versioned", "Unversioned", "Both"):
            raise Invalid(f"ModelPackageType must be one of Versioned, Unversioned, Both, got {kind!r}.", field="ModelPackageType")
        if kind == "Unversioned":  # labstudio keeps versioned packages only
            return {"ModelPackageSummaryList": [], "NextToken": None}
        return self._core().registry.list_packages(
            group=kw.get("ModelPackageGroupName"), approval_status=kw.get("ModelApprovalStatus"), name_contains=kw.get("NameContains"),
            sort_by=kw.get("SortBy"), sort_order=kw.get("SortOrder"), created_after=kw.get("CreationTimeAfter"),
            created_before=kw.get("CreationTimeBefore"), max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"),
        )

    @operation("UpdateModelPackage", {"ModelPackageArn": "str", "ModelApprovalStatus": "str", "ApprovalDescription": "str",
                                      "CustomerMetadataProperties": "dict", "CustomerMetadataPropertiesToRemove": "list"},
               required=("ModelPackageArn",))
    def update_model_package(self, **kw: Any) -> dict[str, Any]:
        body = {k: v for k, v in kw.items() if k != "ModelPackageArn" and v is not None}
        described = self._core().registry.update_package(kw["ModelPackageArn"], body)
        return {"ModelPackageArn": described["ModelPackageArn"]}

    @operation("DeleteModelPackage", {"ModelPackageName": "str"}, required=("ModelPackageName",))
    def delete_model_package(self, **kw: Any) -> dict[str, Any]:
        self._core().registry.delete_package(kw["ModelPackageName"])
        return {}

    # -- lineage ---------------------------------------------------------------------------------------

    @operation("QueryLineage", {"StartArns": "list", "Direction": "str", "IncludeEdges": "bool", "Filters": "dict", "MaxDepth": "int",
                                "MaxResults": "int", "NextToken": "str"}, required=("StartArns",))
    def query_lineage(self, **kw: Any) -> dict[str, Any]:
        result = self._core().lineage.query(
            list(kw["StartArns"]), direction=kw.get("Direction") or "Both", include_edges=kw.get("IncludeEdges", True) is not False,
            filters=kw.get("Filters"), max_depth=kw["MaxDepth"] if kw.get("MaxDepth") is not None else 10,
        )
        return {**result, "NextToken": None}

    def _list(self, entity: str, key: str, kw: dict[str, Any], type_key: str | None) -> dict[str, Any]:
        from ..lineage.service import summaries

        found, token = self._core().lineage.list_entities(
            entity, source_uri=kw.get("SourceUri"), type_=kw.get(type_key) if type_key else None,
            created_after=kw.get("CreatedAfter"), created_before=kw.get("CreatedBefore"), sort_order=kw.get("SortOrder"),
            max_results=kw.get("MaxResults"), next_token=kw.get("NextToken"),
        )
        return {key: summaries(found), "NextToken": token}

    @operation("ListArtifacts", {**_LINEAGE_PAGE, "SourceUri": "str", "ArtifactType": "str"})
    def list_artifacts(self, **kw: Any) -> dict[str, Any]:
        return self._list("Artifact", "ArtifactSummaries", kw, "ArtifactType")

    @operation("DescribeArtifact", {"ArtifactArn": "str"}, required=("ArtifactArn",))
    def describe_artifact(self, **kw: Any) -> dict[str, Any]:
        return self._core().lineage.describe(kw["ArtifactArn"], "Artifact", "ArtifactArn")

    @operation("CreateArtifact", {"ArtifactName": "str", "Source": "dict", "ArtifactType": "str", "Properties": "dict",
                                  "MetadataProperties": "dict", "Tags": "list"}, required=("Source", "ArtifactType"))
    def create_artifact(self, **kw: Any) -> dict[str, Any]:
        source = kw["Source"]
        arn = self._core().lineage.create("Artifact", kw.get("ArtifactName") or "", kw["ArtifactType"], source_uri=source.get("SourceUri"),
                                          properties=kw.get("Properties"))
        return {"ArtifactArn": arn}

    @operation("ListContexts", {**_LINEAGE_PAGE, "SourceUri": "str", "ContextType": "str"})
    def list_contexts(self, **kw: Any) -> dict[str, Any]:
        return self._list("Context", "ContextSummaries", kw, "ContextType")

    @operation("DescribeContext", {"ContextName": "str"}, required=("ContextName",))
    def describe_context(self, **kw: Any) -> dict[str, Any]:
        lineage = self._core().lineage
        return lineage.describe(lineage.arn_of_name("context", kw["ContextName"]), "Context", "ContextName")

    @operation("CreateContext", {"ContextName": "str", "Source": "dict", "ContextType": "str", "Description": "str", "Properties": "dict",
                                 "Tags": "list"}, required=("ContextName", "ContextType"))
    def create_context(self, **kw: Any) -> dict[str, Any]:
        source = kw.get("Source") or {}
        arn = self._core().lineage.create("Context", kw["ContextName"], kw["ContextType"], source_uri=source.get("SourceUri"),
                                          source_type=source.get("SourceType"), properties=kw.get("Properties"))
        return {"ContextArn": arn}

    @operation("ListActions", {**_LINEAGE_PAGE, "SourceUri": "str", "ActionType": "str"})
    def list_actions(self, **kw: Any) -> dict[str, Any]:
        return self._list("Action", "ActionSummaries", kw, "ActionType")

    @operation("DescribeAction", {"ActionName": "str"}, required=("ActionName",))
    def describe_action(self, **kw: Any) -> dict[str, Any]:
        lineage = self._core().lineage
        return lineage.describe(lineage.arn_of_name("action", kw["ActionName"]), "Action", "ActionName")

    @operation("CreateAction", {"ActionName": "str", "Source": "dict", "ActionType": "str", "Description": "str", "Status": "str",
                                "Properties": "dict", "Tags": "list"}, required=("ActionName", "Source", "ActionType"))
    def create_action(self, **kw: Any) -> dict[str, Any]:
        source = kw["Source"]
        arn = self._core().lineage.create("Action", kw["ActionName"], kw["ActionType"], source_uri=source.get("SourceUri"),
                                          source_type=source.get("SourceType"), properties=kw.get("Properties"))
        return {"ActionArn": arn}

    @operation("ListAssociations", {**_LINEAGE_PAGE, "SourceArn": "str", "DestinationArn": "str", "SourceType": "str",
                                    "DestinationType": "str", "AssociationType": "str"})
    def list_associations(self, **kw: Any) -> dict[str, Any]:
        return self._core().lineage.list_associations(
            source_arn=kw.get("SourceArn"), destination_arn=kw.get("DestinationArn"), source_type=kw.get("SourceType"),
            destination_type=kw.get("DestinationType"), association_type=kw.get("AssociationType"), created_after=kw.get("CreatedAfter"),
            created_before=kw.get("CreatedBefore"), sort_order=kw.get("SortOrder"), max_results=kw.get("MaxResults"),
            next_token=kw.get("NextToken"),
        )

    @operation("AddAssociation", {"SourceArn": "str", "DestinationArn": "str", "AssociationType": "str"},
               required=("SourceArn", "DestinationArn"))
    def add_association(self, **kw: Any) -> dict[str, Any]:
        return self._core().lineage.associate(kw["SourceArn"], kw["DestinationArn"], kw.get("AssociationType") or "AssociatedWith")

    @operation("DeleteAssociation", {"SourceArn": "str", "DestinationArn": "str"}, required=("SourceArn", "DestinationArn"))
    def delete_association(self, **kw: Any) -> dict[str, Any]:
        return self._core().lineage.disassociate(kw["SourceArn"], kw["DestinationArn"])

    @operation("DescribeTrialComponent", {"TrialComponentName": "str"}, required=("TrialComponentName",))
    def describe_trial_component(self, **kw: Any) -> dict[str, Any]:
        return self._core().lineage.trial_component(kw["TrialComponentName"])

    @operation("ListTrialComponents", {"SourceArn": "str", "ExperimentName": "str", "TrialName": "str", **_PAGE, "CreatedAfter": "time",
                                       "CreatedBefore": "time"})
    def list_trial_components(self, **kw: Any) -> dict[str, Any]:
        if not kw.get("SourceArn"):
            raise Invalid("labstudio lists trial components by SourceArn (a job's ARN).", field="SourceArn")
        return self._core().lineage.trial_components_of(kw["SourceArn"])
