"""SageMaker Autopilot: requests and answers in SageMaker's shapes (CreateAutoMLJob,
DescribeAutoMLJob, ListAutoMLJobs, ListCandidatesForAutoMLJob), plus what labstudio adds for
the panel (each candidate's algorithm and hyperparameters, the data analysis' warnings, the
best candidate's feature importance)."""
from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from .common import Int, Request, Response

AutoMLJobStatus = Literal["InProgress", "Stopping", "Stopped", "Failed", "Completed"]
ProblemTypeWord = Literal["BinaryClassification", "MulticlassClassification", "Regression"]
MetricWord = Literal["Accuracy", "BalancedAccuracy", "F1", "F1macro", "AUC", "LogLoss", "MSE", "RMSE", "MAE", "R2"]
ModeWord = Literal["AUTO", "ENSEMBLING", "HYPERPARAMETER_TUNING"]


class S3DataSourceRequest(Request):
    S3DataType: Literal["S3Prefix", "ManifestFile", "AugmentedManifestFile"] | None = None
    S3Uri: str = Field(min_length=1, max_length=1024, description="The data: a CSV file with a header row, a Parquet file, or a folder of them.")


class DataSourceRequest(Request):
    S3DataSource: S3DataSourceRequest


class AutoMLChannelRequest(Request):
    DataSource: DataSourceRequest
    TargetAttributeName: str = Field(min_length=1, max_length=256, description="The column to predict.")
    CompressionType: Literal["None", "Gzip"] | None = None
    ContentType: str | None = Field(default=None, max_length=256)
    ChannelType: Literal["training", "validation"] | None = None
    SampleWeightAttributeName: str | None = Field(default=None, max_length=256)


class OutputDataConfigRequest(Request):
    S3OutputPath: str = Field(min_length=1, max_length=1024, description="Where the notebooks and the candidates' archives go.")
    KmsKeyId: str | None = None


class ObjectiveRequest(Request):
    MetricName: MetricWord


class CompletionCriteriaRequest(Request):
    MaxCandidates: Int | None = Field(default=None, ge=1, le=1000)
    MaxRuntimePerTrainingJobInSeconds: Int | None = Field(default=None, ge=1)
    MaxAutoMLJobRuntimeInSeconds: Int | None = Field(default=None, ge=1)


class DataSplitConfigRequest(Request):
    ValidationFraction: float | None = Field(default=None, ge=0.0, le=1.0)


class AutoMLJobConfigRequest(Request):
    CompletionCriteria: CompletionCriteriaRequest | None = None
    DataSplitConfig: DataSplitConfigRequest | None = None
    Mode: ModeWord | None = None
    SecurityConfig: dict[str, Any] | None = Field(default=None, description="Accepted; nothing local is encrypted.")
    CandidateGenerationConfig: dict[str, Any] | None = None


class AutoMLTag(Request):
    Key: str = Field(min_length=1, max_length=128)
    Value: str = Field(max_length=256)


class CreateAutoMLJobRequest(Request):
    """POST /automl-jobs: SageMaker's CreateAutoMLJob. The data are checked before anything runs."""

    AutoMLJobName: str = Field(min_length=1, max_length=32, description="1 to 32 letters, digits and hyphens.")
    InputDataConfig: list[AutoMLChannelRequest] = Field(min_length=1, max_length=1)
    OutputDataConfig: OutputDataConfigRequest | None = None
    ProblemType: ProblemTypeWord | None = Field(default=None, description="Inferred from the target when left out.")
    AutoMLJobObjective: ObjectiveRequest | None = None
    AutoMLJobConfig: AutoMLJobConfigRequest | None = None
    RoleArn: str | None = Field(default=None, max_length=2048, description="Accepted and shown back; local jobs need no role.")
    GenerateCandidateDefinitionsOnly: bool | None = None
    Tags: list[AutoMLTag] | None = Field(default=None, max_length=50)


class CreateAutoMLJobResponse(Response):
    AutoMLJobArn: str


class StopAutoMLJobResponse(Response):
    pass


class ObjectiveMetric(Response):
    Type: Literal["Maximize", "Minimize"]
    MetricName: str
    Value: float
    StandardMetricName: str


class CandidateStep(Response):
    CandidateStepType: str
    CandidateStepArn: str
    CandidateStepName: str


class InferenceContainer(Response):
    Image: str
    ModelDataUrl: str | None
    Environment: dict[str, str]


class CandidateMetric(Response):
    MetricName: str
    Value: float
    Set: Literal["Train", "Validation", "Test"]
    StandardMetricName: str


class CandidatePropertiesShape(Response):
    CandidateMetrics: list[CandidateMetric] | None = None
    CandidateArtifactLocations: dict[str, str] | None = None


class AutoMLCandidate(Response):
    CandidateName: str
    CandidateStatus: AutoMLJobStatus
    ObjectiveStatus: Literal["Succeeded", "Pending", "Failed"]
    FinalAutoMLJobObjectiveMetric: ObjectiveMetric | None = None
    CandidateSteps: list[CandidateStep]
    InferenceContainers: list[InferenceContainer]
    CreationTime: str
    EndTime: str | None
    LastModifiedTime: str | None
    FailureReason: str | None
    CandidateProperties: CandidatePropertiesShape | None = None
    Algorithm: str = Field(description="labstudio: the candidate's algorithm (HistGradientBoosting, RandomForest, StackedEnsemble...).")
    HyperParameters: dict[str, Any] = Field(description="labstudio: its hyperparameters (an ensemble: its members).")
    EarlyStopped: bool = Field(description="labstudio: stopped by early stopping (its folds scored below the median).")


class FeatureImportanceShape(Response):
    FeatureName: str
    Importance: float
    Std: float


class ExplainabilityShape(Response):
    """labstudio: the best candidate's permutation feature importance on the held-out split."""

    Method: str | None = None
    CandidateName: str | None = None
    MetricName: str | None = None
    Dataset: str | None = None
    Rows: int | None = None
    Repeats: int | None = None
    FeatureImportance: list[FeatureImportanceShape] | None = None
    Error: str | None = None


class AutoMLJobArtifactsShape(Response):
    CandidateDefinitionNotebookLocation: str | None = None
    DataExplorationNotebookLocation: str | None = None


class DataAnalysisShape(Response):
    rows: int | None = None
    warnings: list[str] | None = None
    target: dict[str, Any] | None = None


class DescribeAutoMLJobResponse(Response):
    AutoMLJobName: str
    AutoMLJobArn: str
    InputDataConfig: list[dict[str, Any]]
    OutputDataConfig: dict[str, Any]
    RoleArn: str | None
    AutoMLJobObjective: dict[str, Any] | None
    ProblemType: ProblemTypeWord | None
    AutoMLJobConfig: dict[str, Any]
    CreationTime: str
    EndTime: str | None
    LastModifiedTime: str
    FailureReason: str | None
    AutoMLJobStatus: AutoMLJobStatus
    AutoMLJobSecondaryStatus: str
    GenerateCandidateDefinitionsOnly: bool
    ResolvedAttributes: dict[str, Any]
    AutoMLJobArtifacts: AutoMLJobArtifactsShape | None = None
    BestCandidate: AutoMLCandidate | None = None
    Explainability: ExplainabilityShape | None = Field(default=None, description="labstudio: the best candidate's feature importance.")
    DataAnalysis: DataAnalysisShape | None = Field(default=None, description="labstudio: the data analysis' rows, target and warnings.")


class AutoMLJobSummary(Response):
    AutoMLJobName: str
    AutoMLJobArn: str
    AutoMLJobStatus: AutoMLJobStatus
    AutoMLJobSecondaryStatus: str
    CreationTime: str
    EndTime: str | None
    LastModifiedTime: str
    FailureReason: str | None
    ProblemType: str | None = Field(description="labstudio: the problem type, once resolved.")
    BestCandidateName: str | None = Field(description="labstudio: the best candidate, once picked.")


class ListAutoMLJobsResponse(Response):
    AutoMLJobSummaries: list[AutoMLJobSummary]
    NextToken: str | None


class ListCandidatesForAutoMLJobResponse(Response):
    Candidates: list[AutoMLCandidate]
    NextToken: str | None
