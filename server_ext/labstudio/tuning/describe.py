"""SageMaker's DescribeHyperParameterTuningJob / ListTrainingJobsForHyperParameterTuningJob
answers, built from a stored tuning job and its trials (plain dicts, PascalCase)."""
from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from ..jobs.contract import encode_hyperparameters
from ..jobs.spec import JobSpec
from ..status import JobStatus
from ..store.tuning import TrialRecord, TuningJob
from ..store.util import iso, json_number
from .ranges import ParameterRange
from .spec import TuningSpec


def trial_status(t: TrialRecord) -> str:
    """A trial recorded but not submitted yet is InProgress, as SageMaker shows a pending trial."""
    return t.job_status or JobStatus.IN_PROGRESS


def objective_status(t: TrialRecord) -> str:
    if t.state != "Finished":
        return "Pending"
    return "Succeeded" if t.objective is not None and not math.isnan(t.objective) else "Failed"


def trial_summary(t: TrialRecord, spec: TuningSpec) -> dict[str, Any]:
    objective = None
    if objective_status(t) == "Succeeded":
        assert t.objective is not None
        objective = {"MetricName": spec.objective_metric_name, "Value": json_number(t.objective), "Type": spec.objective_type}
    return {
        "TrainingJobName": t.training_job_name,
        "TrainingJobStatus": trial_status(t),
        "CreationTime": iso(t.job_creation_time or t.created_time),
        "TrainingStartTime": iso(t.training_start_time),
        "TrainingEndTime": iso(t.training_end_time),
        "TunedHyperParameters": {k: ParameterRange.text(v) for k, v in t.params.items()},
        "FinalHyperParameterTuningJobObjectiveMetric": objective,
        "ObjectiveStatus": objective_status(t),
        "FailureReason": t.failure_reason,
        "EarlyStopped": t.early_stopped,
        "RunId": t.run_id,
        "TrialNumber": t.number,
    }


def best_trial(trials: Sequence[TrialRecord], spec: TuningSpec) -> TrialRecord | None:
    """The completed trial with the best objective (the earliest of equals)."""
    done = [t for t in trials if t.job_status == JobStatus.COMPLETED and objective_status(t) == "Succeeded"]
    if not done:
        return None
    sign = 1.0 if spec.minimize else -1.0
    return min(done, key=lambda t: (sign * float(t.objective or 0.0), t.number))


def counters(trials: Sequence[TrialRecord]) -> tuple[dict[str, int], dict[str, int]]:
    status = {"Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
    objective = {"Succeeded": 0, "Pending": 0, "Failed": 0}
    for t in trials:
        s = trial_status(t)
        status["NonRetryableError" if s == JobStatus.FAILED else "InProgress" if s in JobStatus.active() else s] += 1
        objective[objective_status(t)] += 1
    return status, objective


def _ranges(spec: TuningSpec) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {"IntegerParameterRanges": [], "ContinuousParameterRanges": [], "CategoricalParameterRanges": []}
    for r in spec.ranges:
        if r.type == "Categorical":
            out["CategoricalParameterRanges"].append({"Name": r.name, "Values": [ParameterRange.text(v) for v in r.values or ()]})
        else:
            key = "IntegerParameterRanges" if r.type == "Integer" else "ContinuousParameterRanges"
            out[key].append(
                {"Name": r.name, "MinValue": ParameterRange.text(r.min_value), "MaxValue": ParameterRange.text(r.max_value), "ScalingType": r.scaling_type}
            )
    return out


def resource_limits(spec: TuningSpec) -> dict[str, Any]:
    return {
        "MaxNumberOfTrainingJobs": spec.max_jobs,
        "MaxParallelTrainingJobs": spec.max_parallel_jobs,
        "MaxRuntimeInSeconds": spec.max_runtime_in_seconds,
    }


def job_summary(job: TuningJob, trials: Sequence[TrialRecord]) -> dict[str, Any]:
    """A row of ListHyperParameterTuningJobs (plus BestObjectiveValue and ExperimentName)."""
    spec = TuningSpec.from_dict(job.spec)
    status, objective = counters(trials)
    best = best_trial(trials, spec)
    return {
        "HyperParameterTuningJobName": job.name,
        "HyperParameterTuningJobArn": None,
        "HyperParameterTuningJobStatus": job.status,
        "Strategy": spec.strategy,
        "CreationTime": iso(job.creation_time),
        "HyperParameterTuningEndTime": iso(job.end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "TrainingJobStatusCounters": status,
        "ObjectiveStatusCounters": objective,
        "ResourceLimits": resource_limits(spec),
        "BestObjectiveValue": json_number(best.objective) if best is not None and best.objective is not None else None,
        "ExperimentName": job.experiment_name,
    }


def describe(job: TuningJob, trials: Sequence[TrialRecord]) -> dict[str, Any]:
    spec = TuningSpec.from_dict(job.spec)
    template = JobSpec.from_dict(spec.training)
    status, objective = counters(trials)
    best = best_trial(trials, spec)
    return {
        "HyperParameterTuningJobName": job.name,
        "HyperParameterTuningJobArn": None,
        "HyperParameterTuningJobStatus": job.status,
        "HyperParameterTuningJobConfig": {
            "Strategy": spec.strategy,
            "HyperParameterTuningJobObjective": {"Type": spec.objective_type, "MetricName": spec.objective_metric_name},
            "ResourceLimits": resource_limits(spec),
            "ParameterRanges": _ranges(spec),
            "TrainingJobEarlyStoppingType": spec.early_stopping_type,
            "RandomSeed": spec.random_seed,
        },
        "TrainingJobDefinition": {
            "StaticHyperParameters": encode_hyperparameters(template.user_hyperparameters),
            "AlgorithmSpecification": {"TrainingInputMode": "File", "MetricDefinitions": template.metric_definitions},
            "EntryPoint": template.entry_point,
            "SourceDir": None if template.source_is_single_file else template.source_dir,
            "Channels": {name: path if "://" in path else f"file://{path}" for name, path in sorted(template.channels.items())},
            "Environment": template.environment,
            "MaxRuntimeInSeconds": template.max_runtime_seconds,
            "EstimatorClass": spec.estimator_class,
        },
        "WarmStartConfig": (
            {
                "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in spec.warm_start_parents],
                "WarmStartType": spec.warm_start_type,
            }
            if spec.warm_start_parents
            else None
        ),
        "CreationTime": iso(job.creation_time),
        "HyperParameterTuningEndTime": iso(job.end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "TrainingJobStatusCounters": status,
        "ObjectiveStatusCounters": objective,
        "BestTrainingJob": trial_summary(best, spec) if best is not None else None,
        "FailureReason": job.failure_reason,
        "ExperimentName": job.experiment_name,
        "Tags": [{"Key": k, "Value": v} for k, v in sorted(spec.tags.items())],
    }
