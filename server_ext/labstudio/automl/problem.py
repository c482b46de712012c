"""The words of an AutoML job, as SageMaker Autopilot spells them: problem types, objective
metrics (which problem types each fits, and which way is better), modes, statuses, and the
inference response keys a candidate's endpoint answers with.

Pure data: imported by the service, the runner, the SDK and the built-in training script alike.
"""
from __future__ import annotations

from dataclasses import dataclass

BINARY = "BinaryClassification"
MULTICLASS = "MulticlassClassification"
REGRESSION = "Regression"
PROBLEM_TYPES = (BINARY, MULTICLASS, REGRESSION)
CLASSIFICATION = (BINARY, MULTICLASS)

ENSEMBLING = "ENSEMBLING"
HYPERPARAMETER_TUNING = "HYPERPARAMETER_TUNING"
AUTO = "AUTO"
MODES = (AUTO, ENSEMBLING, HYPERPARAMETER_TUNING)
# SageMaker's AUTO picks ENSEMBLING for data sets under 100 MB, HYPERPARAMETER_TUNING above.
AUTO_ENSEMBLING_MAX_BYTES = 100 * 1024 * 1024

# AutoMLJobStatus and CandidateStatus.
IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED = "InProgress", "Completed", "Failed", "Stopping", "Stopped"
STATUSES = (IN_PROGRESS, COMPLETED, FAILED, STOPPING, STOPPED)
ACTIVE = (IN_PROGRESS, STOPPING)
TERMINAL = (COMPLETED, FAILED, STOPPED)
# AutoMLJobSecondaryStatus, the words this implementation passes through.
SECONDARY_STATUSES = (
    "Starting", "AnalyzingData", "FeatureEngineering", "ModelTuning", "TrainingModels", "GeneratingExplainabilityReport",
    "MaxCandidatesReached", "MaxAutoMLJobRuntimeReached", "Completed", "Failed", "Stopping", "Stopped", "CandidateDefinitionsGenerated",
)

# The inference response keys (SageMaker's SAGEMAKER_INFERENCE_SUPPORTED / _OUTPUT).
CLASSIFICATION_KEYS = ("predicted_label", "probability", "probabilities", "labels")
REGRESSION_KEYS = ("predicted_label",)

# Defaults, as Autopilot's: at most 250 candidates (ENSEMBLING's base models are far fewer).
DEFAULT_MAX_CANDIDATES = 250
DEFAULT_VALIDATION_FRACTION = 0.2
MIN_TRAINING_JOB_SECONDS = 5  # below this not one candidate can start and be scored
MIN_JOB_SECONDS = 20  # analysis, notebooks and one candidate
CV_FOLDS = 5
MIN_ROWS = 10


@dataclass(frozen=True)
class Metric:
    """An objective metric: its SageMaker name, the problem types it fits and its direction."""

    name: str
    problem_types: tuple[str, ...]
    minimize: bool = False

    @property
    def direction(self) -> str:
        return "Minimize" if self.minimize else "Maximize"


METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("Accuracy", CLASSIFICATION),
    Metric("BalancedAccuracy", CLASSIFICATION),
    Metric("F1", (BINARY,)),
    Metric("F1macro", CLASSIFICATION),
    Metric("AUC", (BINARY,)),
    Metric("LogLoss", CLASSIFICATION, minimize=True),
    Metric("MSE", (REGRESSION,), minimize=True),
    Metric("RMSE", (REGRESSION,), minimize=True),
    Metric("MAE", (REGRESSION,), minimize=True),
    Metric("R2", (REGRESSION,)),
)}
# The objective when none is given (Autopilot's defaults).
DEFAULT_OBJECTIVE = {BINARY: "F1", MULTICLASS: "Accuracy", REGRESSION: "MSE"}
# Every metric a candidate reports on its validation split, per problem type.
REPORTED = {
    BINARY: ("Accuracy", "BalancedAccuracy", "F1", "AUC", "LogLoss"),
    MULTICLASS: ("Accuracy", "BalancedAccuracy", "F1macro", "LogLoss"),
    REGRESSION: ("MSE", "RMSE", "MAE", "R2"),
}


def response_keys(problem_type: str) -> tuple[str, ...]:
    return CLASSIFICATION_KEYS if problem_type in CLASSIFICATION else REGRESSION_KEYS


__all__ = [
    "ACTIVE", "AUTO", "BINARY", "CLASSIFICATION", "COMPLETED", "CV_FOLDS", "DEFAULT_MAX_CANDIDATES", "DEFAULT_OBJECTIVE",
    "DEFAULT_VALIDATION_FRACTION", "ENSEMBLING", "FAILED", "HYPERPARAMETER_TUNING", "IN_PROGRESS", "METRICS", "MODES", "MULTICLASS",
    "Metric", "PROBLEM_TYPES", "REGRESSION", "REPORTED", "STATUSES", "STOPPED", "STOPPING", "TERMINAL", "response_keys",
]
