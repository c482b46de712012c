"""The model registry, in SageMaker's PascalCase: CreateModelPackageGroup / ListModelPackageGroups /
DescribeModelPackageGroup, CreateModelPackage / ListModelPackages / DescribeModelPackage /
UpdateModelPackage, so a body copied from a boto3 call works and boto3-shaped code reads
the answers unchanged. labstudio adds (never renames): a group's latest approved version and
how many versions await approval, a package's training job and the numbers of its metrics,
the activity history, approve/reject and reproduce."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, StrictBool, field_validator

from .common import JsonNumber, Request, ResourceName, Response

ApprovalStatus = Literal["Approved", "Rejected", "PendingManualApproval"]
PackageStatus = Literal["Pending", "InProgress", "Completed", "Failed", "Deleting"]
DESCRIPTION_LIMIT = 1024


class ResourceTag(Request):
    Key: str = Field(min_length=1, max_length=128)
    Value: str = Field(max_length=256)


class MetricsSource(Request):
    """One document: its content type and where it is (a path, file:// or s3:// URI)."""

    ContentType: str = Field(min_length=1, max_length=256)
    S3Uri: str = Field(min_length=1, max_length=1024)
    ContentDigest: str | None = Field(default=None, max_length=72)


class QualityMetrics(Request):
    Statistics: MetricsSource | None = None
    Constraints: MetricsSource | None = None


class BiasMetrics(Request):
    Report: MetricsSource | None = None
    PreTrainingReport: MetricsSource | None = None
    PostTrainingReport: MetricsSource | None = None


class ExplainabilityMetrics(Request):
    Report: MetricsSource | None = None


class ModelMetricsRequest(Request):
    """SageMaker's ModelMetrics: references to the documents that judge the model. The numbers
    of ModelQuality.Statistics are read at registration and shown with the package."""

    ModelQuality: QualityMetrics | None = None
    ModelDataQuality: QualityMetrics | None = None
    Bias: BiasMetrics | None = None
    Explainability: ExplainabilityMetrics | None = None


class ModelPackageContainer(Request):
    """SageMaker's container definition. labstudio serves ModelDataUrl with the inference code of
    Environment.SAGEMAKER_SUBMIT_DIRECTORY (a folder, or a sourcedir.tar.gz) and the script
    Environment.SAGEMAKER_PROGRAM; Image and the framework fields are kept and shown."""

    Image: str | None = Field(default=None, max_length=255)
    ModelDataUrl: str = Field(min_length=1, max_length=1024, description="The model archive (.tar.gz), a model folder or file.")
    Environment: dict[str, str] | None = None
    ContainerHostname: str | None = None
    ImageDigest: str | None = None
    Framework: str | None = None
    FrameworkVersion: str | None = None
    NearestModelName: str | None = None
    ProductId: str | None = None


class InferenceSpecificationRequest(Request):
    Containers: list[ModelPackageContainer] = Field(min_length=1, max_length=1, description="One container (labstudio serves one model per package).")
    SupportedContentTypes: list[str] = Field(default_factory=list)
    SupportedResponseMIMETypes: list[str] = Field(default_factory=list)
    SupportedRealtimeInferenceInstanceTypes: list[str] | None = None
    SupportedTransformInstanceTypes: list[str] | None = None


def _check_metadata(value: dict[str, str] | None) -> dict[str, str] | None:
    if value is None:
        return None
    if len(value) > 50:
        raise ValueError("holds more than 50 properties")
    for key, item in value.items():
        if not 1 <= len(key) <= 128:
            raise ValueError(f"key {key[:40]!r} must have 1 to 128 characters")
        if len(item) > 256:
            raise ValueError(f"value of {key!r} must have at most 256 characters")
    return value


class CreateModelPackageGroupRequest(Request):
    ModelPackageGroupName: ResourceName
    ModelPackageGroupDescription: str = Field(default="", max_length=DESCRIPTION_LIMIT)
    Tags: list[ResourceTag] | None = None


class CreateModelPackageRequest(Request):
    """CreateModelPackage for a versioned package (ModelPackageGroupName). Give
    InferenceSpecification, or TrainingJobName (labstudio's addition) to register a Completed
    training job's model archive with its code snapshot and entry point; both: the
    specification's fields win."""

    ModelPackageGroupName: str = Field(min_length=1, max_length=170, description="The group's name or ARN.")
    TrainingJobName: ResourceName | None = Field(default=None, description="labstudio: register this Completed training job's model and code.")
    InferenceSpecification: InferenceSpecificationRequest | None = None
    ModelApprovalStatus: ApprovalStatus = "PendingManualApproval"
    ModelPackageDescription: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    ModelMetrics: ModelMetricsRequest | None = None
    CustomerMetadataProperties: dict[str, str] | None = None
    CreateGroup: StrictBool = Field(default=False, description="labstudio: create the group when it does not exist (as the SDK's register() does).")
    # Accepted as SageMaker takes them, kept and shown back:
    CertifyForMarketplace: StrictBool = False
    MetadataProperties: dict[str, str] | None = None
    Domain: str | None = None
    Task: str | None = None
    SamplePayloadUrl: str | None = None
    SourceUri: str | None = None
    ClientToken: str | None = None
    Tags: list[ResourceTag] | None = None

    _metadata = field_validator("CustomerMetadataProperties")(_check_metadata)


class UpdateModelPackageRequest(Request):
    """UpdateModelPackage: approval, its description, and the package's metadata properties."""

    ModelApprovalStatus: ApprovalStatus | None = None
    ApprovalDescription: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)
    CustomerMetadataProperties: dict[str, str] | None = None
    CustomerMetadataPropertiesToRemove: list[str] | None = None

    _metadata = field_validator("CustomerMetadataProperties")(_check_metadata)


class ApprovalRequest(Request):
    """POST .../approve and .../reject: the comment goes to ApprovalDescription and the history."""

    ApprovalDescription: str | None = Field(default=None, max_length=DESCRIPTION_LIMIT)


class ReproduceRequest(Request):
    AllowChangedInputs: StrictBool = Field(default=False, description="Re-train even when an input's content changed since.")
    TrainingJobName: ResourceName | None = Field(default=None, description="The new job's name (default: the old one's with -repro and a timestamp).")


# -- answers ----------------------------------------------------------------------------------


class UserContext(Response):
    UserProfileName: str | None = None


class CreateModelPackageGroupResponse(Response):
    ModelPackageGroupArn: str


class ModelPackageGroupSummary(Response):
    ModelPackageGroupName: str
    ModelPackageGroupArn: str
    ModelPackageGroupDescription: str
    CreationTime: str
    ModelPackageGroupStatus: Literal["Pending", "InProgress", "Completed", "Failed", "Deleting", "DeleteFailed"]
    LatestVersion: int | None = Field(description="labstudio: the newest version's number.")
    LatestApprovedVersion: int | None = Field(description="labstudio: the newest Approved version's number.")
    PendingApprovalCount: int = Field(description="labstudio: versions in PendingManualApproval.")
    VersionCount: int = Field(description="labstudio: how many versions the group holds.")


class ListModelPackageGroupsResponse(Response):
    ModelPackageGroupSummaryList: list[ModelPackageGroupSummary]
    NextToken: str | None


class DescribeModelPackageGroupResponse(ModelPackageGroupSummary):
    CreatedBy: UserContext
    Tags: list[dict[str, str]]


class ModelPackageSummary(Response):
    ModelPackageName: str
    ModelPackageGroupName: str
    ModelPackageVersion: int
    ModelPackageArn: str
    ModelPackageDescription: str
    CreationTime: str
    ModelPackageStatus: PackageStatus
    ModelApprovalStatus: ApprovalStatus
    TrainingJobName: str | None = Field(description="labstudio: the training job the model came from.")
    MetricValues: dict[str, JsonNumber] = Field(description="labstudio: the numbers of ModelMetrics.ModelQuality.Statistics.")


class ListModelPackagesResponse(Response):
    ModelPackageSummaryList: list[ModelPackageSummary]
    NextToken: str | None


class DescribedContainer(Response):
    Image: str | None = None
    ModelDataUrl: str
    Environment: dict[str, str]


class DescribedInferenceSpecification(Response):
    Containers: list[DescribedContainer]
    SupportedContentTypes: list[str]
    SupportedResponseMIMETypes: list[str]
    SupportedRealtimeInferenceInstanceTypes: list[str] | None = None
    SupportedTransformInstanceTypes: list[str] | None = None


class TrainingMetric(Response):
    MetricName: str
    Value: JsonNumber


class DescribeModelPackageResponse(ModelPackageSummary):
    InferenceSpecification: DescribedInferenceSpecification
    ModelPackageStatusDetails: dict[str, Any]
    CertifyForMarketplace: bool
    ApprovalDescription: str | None
    CreatedBy: UserContext
    LastModifiedTime: str
    LastModifiedBy: UserContext
    ModelMetrics: dict[str, Any] = Field(description="SageMaker's ModelMetrics, e.g. ModelQuality.Statistics.S3Uri.")
    CustomerMetadataProperties: dict[str, str]
    TuningJobName: str | None = Field(description="labstudio: the tuning job whose trial the training job was.")
    PipelineExecutionArn: str | None
    DerivedFromModelPackageArn: str | None = Field(description="labstudio: the package this one reproduces.")
    FinalMetricDataList: list[TrainingMetric] = Field(description="labstudio: the training job's final metrics.")


class ActivityEntry(Response):
    Time: str
    ModelPackageGroupName: str
    ModelPackageVersion: int | None
    ModelPackageArn: str | None
    Action: Literal["GroupCreated", "Registered", "ApprovalChanged", "MetadataChanged"]
    Actor: str | None
    FromStatus: str | None
    ToStatus: str | None
    Comment: str | None
    Details: dict[str, Any]


class ListActivityResponse(Response):
    Activity: list[ActivityEntry]


class MetricsDocument(Response):
    ContentType: str | None
    S3Uri: str | None
    Document: Any = Field(description="The document: parsed JSON, else its text; null with Error when it cannot be read.")
    Error: str | None


class ModelMetricsDocumentsResponse(Response):
    ModelPackageArn: str
    Documents: dict[str, dict[str, MetricsDocument]] = Field(description="Section (ModelQuality...) -> document (Statistics...) -> its content.")


class InputCheck(Response):
    Name: str
    Uri: str
    RecordedFingerprint: str | None
    CurrentFingerprint: str | None
    Status: Literal["Unchanged", "Changed", "Missing", "Unverified"]


class ReproduceResponse(Response):
    TrainingJobName: str
    ReproducesModelPackageArn: str
    SourceTrainingJobName: str
    Inputs: list[InputCheck]


class PackageEventPayload(Response):
    """model_package.created / model_package.status / model_package.deleted events."""

    group: str
    version: int
    arn: str
    approval_status: ApprovalStatus | None = None
    previous: ApprovalStatus | None = None


class PackageGroupEventPayload(Response):
    """model_package_group.created / model_package_group.deleted events."""

    group: str

