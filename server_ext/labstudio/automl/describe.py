"""SageMaker's answers for AutoML jobs: DescribeAutoMLJob, an AutoMLJobSummary and an
AutoMLCandidate, from the store's rows (plus labstudio's additions: the analysis, the
feature importance, each candidate's algorithm and hyperparameters)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import arns
from ..store.automl import AutoMLJob, Candidate
from ..store.util import iso
from .candidates import ENSEMBLE, label_of
from .problem import METRICS, REPORTED, response_keys

IMAGE = "labstudio-automl"  # the inference container's "image": the built-in inference script
CONTAINER_DIR = Path(__file__).resolve().parent / "container"
INFERENCE_SCRIPT = "inference.py"


def objective_metric_name(metric: str) -> str:
    """How a candidate's objective is named (Autopilot's `validation:<metric>`)."""
    return f"validation:{metric.lower()}"


def candidate_status(c: Candidate) -> str:
    if c.job_status is None:
        return "InProgress"
    return c.job_status


def inference_container(c: Candidate, problem_type: str | None) -> dict[str, Any]:
    keys = response_keys(problem_type or "")
    return {
        "Image": IMAGE,
        "ModelDataUrl": c.model_artifact,
        "Environment": {
            "SAGEMAKER_PROGRAM": INFERENCE_SCRIPT,
            "SAGEMAKER_SUBMIT_DIRECTORY": str(CONTAINER_DIR),
            "SAGEMAKER_INFERENCE_SUPPORTED": ",".join(keys),
            "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label",
            "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "text/csv",  # as Autopilot's containers: CSV unless JSON is asked for
        },
    }


def candidate(c: Candidate, job: AutoMLJob, metrics: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An AutoMLCandidate: status, objective, its steps (its training job), its inference container."""
    objective = job.objective or ""
    status = candidate_status(c)
    finished = c.objective is not None and not math.isnan(c.objective)
    described: dict[str, Any] = {
        "CandidateName": c.candidate_name,
        "CandidateStatus": status,
        # The runner reads the objective once the job ended ("Finished"): Pending until then.
        "ObjectiveStatus": "Succeeded" if finished else ("Failed" if c.state == "Finished" else "Pending"),
        "CandidateSteps": [{"CandidateStepType": "AWS::SageMaker::TrainingJob", "CandidateStepArn": arns.job_arn("training", c.candidate_name),
                            "CandidateStepName": c.candidate_name}],
        "InferenceContainers": [inference_container(c, job.problem_type)] if status == "Completed" and c.model_artifact else [],
        "CreationTime": iso(c.creation_time),
        "EndTime": iso(c.job_end_time or c.finished_time),
        "LastModifiedTime": iso(c.finished_time or c.creation_time),
        "FailureReason": c.failure_reason,
        "Algorithm": label_of(c.algorithm),
        "HyperParameters": dict(c.params) if c.algorithm != ENSEMBLE else {"Members": list(c.params.get("member_names") or [])},
        "EarlyStopped": c.early_stopped,
    }
    if finished and objective in METRICS:
        described["FinalAutoMLJobObjectiveMetric"] = {"Type": METRICS[objective].direction, "MetricName": objective_metric_name(objective),
                                                      "Value": c.objective, "StandardMetricName": objective}
    if metrics:
        found = []
        for metric in REPORTED.get(job.problem_type or "", ()):
            for prefix, dataset in (("validation", "Validation"), ("test", "Test")):
                summary = metrics.get(f"{prefix}:{metric.lower()}")
                value = getattr(summary, "last", None)
                if value is not None and not math.isnan(value):
                    found.append({"MetricName": metric, "Value": value, "Set": dataset, "StandardMetricName": metric})
        if found:
            described["CandidateProperties"] = {"CandidateMetrics": found}
    return described


def completion_criteria(spec: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"MaxCandidates": spec.get("max_candidates")}
    if spec.get("max_runtime_per_training_job") is not None:
        out["MaxRuntimePerTrainingJobInSeconds"] = spec["max_runtime_per_training_job"]
    if spec.get("max_total_runtime") is not None:
        out["MaxAutoMLJobRuntimeInSeconds"] = spec["max_total_runtime"]
    return out


def describe(job: AutoMLJob, best: dict[str, Any] | None) -> dict[str, Any]:
    """DescribeAutoMLJob's answer."""
    spec = job.request
    objective = job.objective or spec.get("objective")
    described: dict[str, Any] = {
        "AutoMLJobName": job.name,
        "AutoMLJobArn": arns.automl_job_arn(job.name),
        "InputDataConfig": [{
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": spec.get("input")}},
            "TargetAttributeName": spec.get("target"),
            "ContentType": "text/csv;header=present",
            "ChannelType": "training",
        }],
        "OutputDataConfig": {"S3OutputPath": spec.get("output_path")},
        "RoleArn": spec.get("role"),
        "AutoMLJobObjective": {"MetricName": objective} if objective else None,
        "ProblemType": spec.get("problem_type"),
        "AutoMLJobConfig": {
            "CompletionCriteria": completion_criteria(spec),
            "DataSplitConfig": {"ValidationFraction": spec.get("validation_fraction")},
            "Mode": spec.get("mode"),
        },
        "CreationTime": iso(job.creation_time),
        "EndTime": iso(job.end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "FailureReason": job.failure_reason,
        "AutoMLJobStatus": job.status,
        "AutoMLJobSecondaryStatus": job.secondary_status,
        "GenerateCandidateDefinitionsOnly": bool(spec.get("generate_candidate_definitions_only")),
        "ResolvedAttributes": {
            "AutoMLJobObjective": {"MetricName": job.objective} if job.objective else None,
            "ProblemType": job.problem_type,
            "CompletionCriteria": completion_criteria(spec),
            "Mode": job.mode,
        },
    }
    if job.artifacts:
        described["AutoMLJobArtifacts"] = dict(job.artifacts)
    if best is not None:
        described["BestCandidate"] = best
    if job.explanation:
        described["Explainability"] = dict(job.explanation)
    if job.analysis:
        described["DataAnalysis"] = {k: job.analysis.get(k) for k in ("rows", "warnings", "target")}
    return described


def summary(job: AutoMLJob) -> dict[str, Any]:
    """An AutoMLJobSummary (ListAutoMLJobs)."""
    return {
        "AutoMLJobName": job.name,
        "AutoMLJobArn": arns.automl_job_arn(job.name),
        "AutoMLJobStatus": job.status,
        "AutoMLJobSecondaryStatus": job.secondary_status,
        "CreationTime": iso(job.creation_time),
        "EndTime": iso(job.end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "FailureReason": job.failure_reason,
        "ProblemType": job.problem_type,
        "BestCandidateName": job.best_candidate,
    }


__all__ = ["CONTAINER_DIR", "IMAGE", "INFERENCE_SCRIPT", "candidate", "describe", "objective_metric_name", "summary"]
