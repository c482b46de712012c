"""The registry's answers, in the shapes boto3 returns (DescribeModelPackage and its kin), plus
labstudio's additions (see shapes/registry.py)."""
from __future__ import annotations

from typing import Any

from .. import arns
from ..store.entities import MetricSummary
from ..store.registry import Activity, ModelPackage, PackageGroup, PackageSummary
from ..store.util import iso, json_number

SUBMIT_DIRECTORY = "SAGEMAKER_SUBMIT_DIRECTORY"
PROGRAM = "SAGEMAKER_PROGRAM"


def group_summary(group: PackageGroup) -> dict[str, Any]:
    return {
        "ModelPackageGroupName": group.name,
        "ModelPackageGroupArn": arns.model_package_group_arn(group.name),
        "ModelPackageGroupDescription": group.description,
        "CreationTime": iso(group.creation_time),
        "ModelPackageGroupStatus": "Completed",
        "LatestVersion": group.latest_version,
        "LatestApprovedVersion": group.latest_approved_version,
        "PendingApprovalCount": group.pending_count,
        "VersionCount": group.version_count,
    }


def group_describe(group: PackageGroup) -> dict[str, Any]:
    return {
        **group_summary(group),
        "CreatedBy": {"UserProfileName": group.created_by},
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(group.tags.items())],
    }


def package_summary(package: ModelPackage | PackageSummary) -> dict[str, Any]:
    return {
        "ModelPackageName": package.group_name,  # SageMaker names a versioned package after its group
        "ModelPackageGroupName": package.group_name,
        "ModelPackageVersion": package.version,
        "ModelPackageArn": arns.model_package_arn(package.group_name, package.version),
        "ModelPackageDescription": package.description,
        "CreationTime": iso(package.creation_time),
        "ModelPackageStatus": "Completed",
        "ModelApprovalStatus": package.approval_status,
        "TrainingJobName": package.training_job,
        "MetricValues": {k: json_number(v) for k, v in package.metric_values.items()},
    }


def container(package: ModelPackage) -> dict[str, Any]:
    """Containers[0] as SageMaker shows it: the model archive, and the inference code and script
    in the environment variables SageMaker's framework containers read."""
    out = {k: v for k, v in package.container.items() if k != "Environment"}
    env = dict(package.container.get("Environment") or {})
    if package.code_uri:
        env[SUBMIT_DIRECTORY] = package.code_uri
    if package.entry_point:
        env[PROGRAM] = package.entry_point
    out.update({"ModelDataUrl": package.model_data, "Environment": env})
    out.setdefault("Image", None)
    return out


def package_describe(package: ModelPackage, final_metrics: dict[str, MetricSummary] | None = None) -> dict[str, Any]:
    inference = package.inference
    spec: dict[str, Any] = {
        "Containers": [container(package)],
        "SupportedContentTypes": list(inference.get("SupportedContentTypes") or []),
        "SupportedResponseMIMETypes": list(inference.get("SupportedResponseMIMETypes") or []),
    }
    for key in ("SupportedRealtimeInferenceInstanceTypes", "SupportedTransformInstanceTypes"):
        if inference.get(key) is not None:
            spec[key] = list(inference[key])
    return {
        **package_summary(package),
        **package.extra,
        "InferenceSpecification": spec,
        "ModelPackageStatusDetails": {"ValidationStatuses": [], "ImageScanStatuses": []},
        "CertifyForMarketplace": bool(package.extra.get("CertifyForMarketplace", False)),
        "ApprovalDescription": package.approval_description,
        "CreatedBy": {"UserProfileName": package.created_by},
        "LastModifiedTime": iso(package.last_modified_time),
        "LastModifiedBy": {"UserProfileName": package.last_modified_by},
        "ModelMetrics": package.model_metrics,
        "CustomerMetadataProperties": dict(package.customer_metadata),
        "TuningJobName": package.tuning_job,
        "PipelineExecutionArn": package.pipeline_execution_arn,
        "DerivedFromModelPackageArn": package.derived_from,
        "FinalMetricDataList": [
            {"MetricName": name, "Value": json_number(summary.last)} for name, summary in sorted((final_metrics or {}).items())
        ],
    }


def activity_entry(entry: Activity) -> dict[str, Any]:
    return {
        "Time": iso(entry.time),
        "ModelPackageGroupName": entry.group_name,
        "ModelPackageVersion": entry.version,
        "ModelPackageArn": arns.model_package_arn(entry.group_name, entry.version) if entry.version is not None else None,
        "Action": entry.action,
        "Actor": entry.actor,
        "FromStatus": entry.from_status,
        "ToStatus": entry.to_status,
        "Comment": entry.comment,
        "Details": entry.details,
    }
