"""Hyperparameter tuning jobs. The create request is ours (snake_case, like POST /jobs, whose
request is reused as the trial template); the describe and list answers are SageMaker's
DescribeHyperParameterTuningJob / ListHyperParameterTuningJobs /
ListTrainingJobsForHyperParameterTuningJob (PascalCase), so code written against boto3 reads
them unchanged."""
from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from .common import (
    MAX_TAGS,
    MAX_TUNING_RUNTIME_SECONDS,
    MIN_TUNING_RUNTIME_SECONDS,
    TAGS_DESCRIPTION,
    Int,
    JsonNumber,
    Request,
    ResourceName,
    Response,
    StrictInt,
    TagKey,
    TagValue,
)
from .jobs import AlgorithmSpecificationShape, CreateTrainingJobRequest

TuningJobStatus = Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]
TuningStrategy = Literal["Bayesian", "Random", "Grid", "Hyperband"]
ObjectiveType = Literal["Minimize", "Maximize"]
ScalingType = Literal["Auto", "Linear", "Logarithmic", "ReverseLogarithmic"]
ObjectiveStatus = Literal["Succeeded", "Pending", "Failed"]

# SageMaker caps tuning job names at 32 characters, so a trial's name
# (<tuning-name>-<NNN>-<8 hex>) still fits the 63 of a training job.
MAX_TUNING_NAME = 32
TuningJobName = Annotated[ResourceName, Field(max_length=MAX_TUNING_NAME)]



MAX_TRIALS = 10_000  # per tuning job
# SageMaker's CategoricalParameterRange: at most 30 values (ParameterValues), names and values of
# at most 256 characters (ParameterKey, ParameterValue).
MAX_CATEGORICAL_VALUES = 30
MAX_PARAMETER_CHARS = 256
CategoricalValue = Annotated[str, StringConstraints(max_length=MAX_PARAMETER_CHARS)]
ParameterName = Annotated[str, StringConstraints(min_length=1, max_length=MAX_PARAMETER_CHARS)]

class ParameterRange(Request):
    """One tuned hyperparameter. Integer and Continuous ranges take min_value/max_value,
    Categorical ones take values. Checked here, so every client (REST, SDK, CLI) hears of an
    empty or inverted range before a single trial starts, with the range's name as `field`."""

    type: Literal["Integer", "Continuous", "Categorical"]
    min_value: Int | float | None = None
    max_value: Int | float | None = None
    values: list[CategoricalValue | Int | float] | None = Field(
        default=None, max_length=MAX_CATEGORICAL_VALUES,
        description=f"The choices of a Categorical range: at most {MAX_CATEGORICAL_VALUES}, each at most {MAX_PARAMETER_CHARS} "
        "characters (SageMaker's limits).",
    )
    scaling_type: ScalingType = "Auto"

    @model_validator(mode="after")
    def _check(self) -> ParameterRange:
        if self.type == "Categorical":
            if self.min_value is not None or self.max_value is not None:
                raise ValueError("is Categorical: give its choices in 'values', not min_value/max_value")
            if not self.values:
                raise ValueError("is an empty Categorical range: give at least one value in 'values'")
            if len({str(v) for v in self.values}) != len(self.values):
                raise ValueError("repeats a value: list each choice once")
            return self
        if self.values is not None:
            raise ValueError(f"is {self.type}: give min_value and max_value, not 'values'")
        if self.min_value is None or self.max_value is None:
            raise ValueError(f"is {self.type}: it needs both min_value and max_value")
        for bound in (self.min_value, self.max_value):
            if isinstance(bound, float) and not math.isfinite(bound):
                raise ValueError("needs finite min_value and max_value")
        if self.type == "Integer" and not all(float(b).is_integer() for b in (self.min_value, self.max_value)):
            raise ValueError("is Integer: min_value and max_value must be whole numbers")
        if self.min_value > self.max_value:
            raise ValueError(f"is inverted: min_value {self.min_value} is above max_value {self.max_value}; swap them")
        if self.type == "Continuous" and self.min_value == self.max_value:
            raise ValueError(f"is empty: min_value and max_value are both {self.min_value}; widen it or make it a static hyperparameter")
        if self.scaling_type == "Logarithmic" and self.min_value <= 0:
            raise ValueError(f"has Logarithmic scaling, which needs min_value > 0 (got {self.min_value}); raise min_value or use Linear")
        if self.scaling_type == "ReverseLogarithmic" and not (0 <= self.min_value and self.max_value < 1):
            raise ValueError("has ReverseLogarithmic scaling, which needs 0 <= min_value and max_value < 1")
        return self


class WarmStartRequest(Request):
    parents: list[ResourceName] = Field(min_length=1, description="Completed (or stopped) tuning jobs whose trials seed the search.")
    type: Literal["IdenticalDataAndAlgorithm", "TransferLearning"] = "IdenticalDataAndAlgorithm"


class CreateTuningJobRequest(Request):
    """The body of POST /tuning-jobs (and what the SDK's HyperparameterTuner, the CLI's
    `labstudio tune` and the %tune magic build)."""

    field_depth = 2  # `hyperparameter_ranges.eta`, `training.entry_point`: the range or option at fault

    name: TuningJobName | None = Field(default=None, description="At most 32 characters. Default: the entry point's stem and a timestamp.")
    training: CreateTrainingJobRequest = Field(
        description="The trial template: entry point, code, static hyperparameters, channels, environment, metric "
        "definitions. Leave name, experiment_name and trial_name unset: the tuning job names its trials."
    )
    objective_metric_name: str = Field(min_length=1, description="One of training.metric_definitions' Name.")
    objective_type: ObjectiveType = "Maximize"
    hyperparameter_ranges: dict[ParameterName, ParameterRange] = Field(min_length=1)
    strategy: TuningStrategy = "Bayesian"
    # Upper bounds: a number past them is a typo, not a sweep (and would not fit the store's integers).
    max_jobs: Int | None = Field(default=None, ge=1, le=MAX_TRIALS, description="Number of trials. Required except for Grid (default: the grid's size).")
    max_parallel_jobs: Int = Field(default=1, ge=1, le=MAX_TRIALS, description="Trials running at once; at most max_jobs.")
    early_stopping_type: Literal["Off", "Auto"] = "Off"
    random_seed: Int | None = None
    max_runtime_in_seconds: StrictInt | None = Field(
        default=None, ge=MIN_TUNING_RUNTIME_SECONDS, le=MAX_TUNING_RUNTIME_SECONDS,
        description=f"For the whole tuning job: no new trial after it, running ones are stopped. {MIN_TUNING_RUNTIME_SECONDS} to "
        f"{MAX_TUNING_RUNTIME_SECONDS} (SageMaker's ResourceLimits.MaxRuntimeInSeconds).",
    )
    warm_start: WarmStartRequest | None = None
    experiment_name: str | None = Field(default=None, description="Default: the tuning job's name; every trial is a run in it.")
    tags: dict[TagKey, TagValue] | None = Field(default=None, max_length=MAX_TAGS, description=TAGS_DESCRIPTION)
    estimator_class: str | None = Field(
        default=None, max_length=200,
        description="The SDK estimator class that built the request (`module.Class`), so that HyperparameterTuner.attach "
        "rebuilds the same kind of estimator (and its deploy() the same kind of predictor), as SageMaker's does from the image.",
    )


# ---- answers (SageMaker's shapes) ----------------------------------------------------


class TuningJobObjective(Response):
    Type: ObjectiveType
    MetricName: str


class ResourceLimits(Response):
    MaxNumberOfTrainingJobs: int | None
    MaxParallelTrainingJobs: int
    MaxRuntimeInSeconds: int | None = None


class NumericParameterRange(Response):
    Name: str
    MinValue: str
    MaxValue: str
    ScalingType: ScalingType


class CategoricalParameterRange(Response):
    Name: str
    Values: list[str]


class ParameterRanges(Response):
    IntegerParameterRanges: list[NumericParameterRange]
    ContinuousParameterRanges: list[NumericParameterRange]
    CategoricalParameterRanges: list[CategoricalParameterRange]


class TuningJobConfig(Response):
    Strategy: TuningStrategy
    HyperParameterTuningJobObjective: TuningJobObjective
    ResourceLimits: ResourceLimits
    ParameterRanges: ParameterRanges
    TrainingJobEarlyStoppingType: Literal["Off", "Auto"]
    RandomSeed: int | None = None


class TrainingJobDefinition(Response):
    StaticHyperParameters: dict[str, str]
    AlgorithmSpecification: AlgorithmSpecificationShape
    EntryPoint: str
    SourceDir: str | None = None
    Channels: dict[str, str] | None = None
    EstimatorClass: str | None = None


class ParentTuningJob(Response):
    HyperParameterTuningJobName: str


class WarmStartConfigShape(Response):
    ParentHyperParameterTuningJobs: list[ParentTuningJob]
    WarmStartType: Literal["IdenticalDataAndAlgorithm", "TransferLearning"]


class TrainingJobStatusCounters(Response):
    Completed: int
    InProgress: int
    RetryableError: int
    NonRetryableError: int
    Stopped: int


class ObjectiveStatusCounters(Response):
    Succeeded: int
    Pending: int
    Failed: int


class FinalObjectiveMetric(Response):
    MetricName: str
    Value: JsonNumber | None
    Type: ObjectiveType | None = None


class TuningTrainingJobSummary(Response):
    """One trial, as SageMaker's HyperParameterTrainingJobSummary (plus EarlyStopped, RunId)."""

    TrainingJobName: str
    TrainingJobStatus: Literal["InProgress", "Completed", "Failed", "Stopping", "Stopped"]
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    TrainingStartTime: str | None = None
    TrainingEndTime: str | None = None
    TunedHyperParameters: dict[str, str]
    FinalHyperParameterTuningJobObjectiveMetric: FinalObjectiveMetric | None = None
    ObjectiveStatus: ObjectiveStatus
    FailureReason: str | None = None
    EarlyStopped: bool = Field(default=False, description="Stopped by the early-stopping rule (labstudio's addition).")
    RunId: str | None = None


class DescribeTuningJobResponse(Response):
    """SageMaker's DescribeHyperParameterTuningJob, plus labstudio's ExperimentName."""

    HyperParameterTuningJobName: str
    HyperParameterTuningJobArn: str | None = None
    HyperParameterTuningJobStatus: TuningJobStatus
    HyperParameterTuningJobConfig: TuningJobConfig
    TrainingJobDefinition: TrainingJobDefinition
    WarmStartConfig: WarmStartConfigShape | None = None
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    HyperParameterTuningEndTime: str | None = None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    TrainingJobStatusCounters: TrainingJobStatusCounters
    ObjectiveStatusCounters: ObjectiveStatusCounters
    BestTrainingJob: TuningTrainingJobSummary | None = None
    FailureReason: str | None = None
    ExperimentName: str | None = None


class TuningJobSummary(Response):
    """One row of ListHyperParameterTuningJobs."""

    HyperParameterTuningJobName: str
    HyperParameterTuningJobArn: str | None = None
    HyperParameterTuningJobStatus: TuningJobStatus
    Strategy: TuningStrategy
    CreationTime: str = Field(json_schema_extra={"format": "date-time"})
    HyperParameterTuningEndTime: str | None = None
    LastModifiedTime: str = Field(json_schema_extra={"format": "date-time"})
    TrainingJobStatusCounters: TrainingJobStatusCounters
    ObjectiveStatusCounters: ObjectiveStatusCounters
    ResourceLimits: ResourceLimits
    BestObjectiveValue: JsonNumber | None = Field(default=None, description="labstudio's addition: the best trial's objective so far.")
    ExperimentName: str | None = None


class ListTuningJobsResponse(Response):
    HyperParameterTuningJobSummaries: list[TuningJobSummary]
    NextToken: str | None


class ListTuningTrainingJobsResponse(Response):
    TrainingJobSummaries: list[TuningTrainingJobSummary]
    NextToken: str | None


# The names SageMaker gives these shapes, for code that reads them from here.
DescribeHyperParameterTuningJob = DescribeTuningJobResponse
ListHyperParameterTuningJobs = ListTuningJobsResponse
ListTrainingJobsForHyperParameterTuningJob = ListTuningTrainingJobsResponse
HyperParameterTrainingJobSummary = TuningTrainingJobSummary
HyperParameterTuningJobSummary = TuningJobSummary
