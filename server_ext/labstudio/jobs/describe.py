"""DescribeTrainingJob- and ListTrainingJobs-shaped JSON from a stored job."""
from __future__ import annotations

from typing import Any

from ..store.entities import Job, MetricSummary
from ..store.util import iso, json_number
from .contract import all_hyperparameters, encode_hyperparameters
from .spec import JobSpec


def summary(job: Job) -> dict[str, Any]:
    return {
        "TrainingJobName": job.name,
        "TrainingJobStatus": job.status,
        "SecondaryStatus": job.secondary_status,
        "StatusMessage": job.status_message,
        "CreationTime": iso(job.creation_time),
        "TrainingStartTime": iso(job.training_start_time),
        "TrainingEndTime": iso(job.training_end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "FailureReason": job.failure_reason,
        "ExperimentName": job.experiment_name or "Default",
        "RunId": job.run_id,
        # Trials of a tuning job carry its tag: the panel shows them as trials.
        "TuningJobName": (job.spec.get("tags") or {}).get("labstudio:tuning-job"),
    }


def describe(job: Job, metrics: dict[str, MetricSummary], deleted: frozenset[str] = frozenset()) -> dict[str, Any]:
    """`deleted` names the archives ("model", "output") deleted with the job's run: they are
    shown as null with `Deleted: true`, so no client offers a download or a deploy of them."""
    spec = JobSpec.from_dict(job.spec)
    out = summary(job)
    out.update(
        {
            "TrainingJobArn": f"arn:labstudio:local:training-job/{job.name}",
            "SecondaryStatusTransitions": [
                {
                    "Status": t.status,
                    "StartTime": iso(t.start_time),
                    "EndTime": iso(t.end_time),
                    "StatusMessage": t.message,
                }
                for t in job.transitions
            ],
            "HyperParameters": encode_hyperparameters(all_hyperparameters(spec)),
            "AlgorithmSpecification": {"TrainingInputMode": "File", "MetricDefinitions": spec.metric_definitions},
            "InputDataConfig": [
                {
                    "ChannelName": name,
                    "DataSource": {"FileDataSource": {"FileUri": f"file://{path}"}},
                    "InputMode": "File",
                }
                for name, path in sorted(spec.channels.items())
            ],
            "OutputDataConfig": {"S3OutputPath": f"{job.job_dir}/opt/ml/output"},
            "ModelArtifacts": _archive("S3ModelArtifacts", job.model_artifact, "model" in deleted),
            "OutputArtifacts": _archive("S3OutputArtifacts", job.output_artifact, "output" in deleted),
            "ResourceConfig": {"InstanceType": "local", "InstanceCount": 1},
            "StoppingCondition": {"MaxRuntimeInSeconds": spec.max_runtime_seconds},
            "FinalMetricDataList": [
                {"MetricName": m.name, "Value": json_number(m.last), "Timestamp": iso(m.last_timestamp)}
                for m in sorted(metrics.values(), key=lambda m: m.name)
            ],
            "Environment": spec.environment,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(spec.tags.items())],
            "ExperimentConfig": {"ExperimentName": job.experiment_name or "Default", "TrialName": spec.trial_name},
            "EntryPoint": spec.entry_point,
            "SourceDir": spec.source_dir_given or spec.source_dir,
            "MetricDefinitions": spec.metric_definitions,
            "Backend": job.backend,
            "ExitCode": job.exit_code,
            "TrainingTimeInSeconds": _elapsed(job),
            "LogUri": f"{job.job_dir}/output.log",
        }
    )
    return out


def _archive(key: str, uri: str | None, deleted: bool) -> dict[str, Any]:
    return {key: None, "Deleted": True} if deleted else {key: uri}


def _elapsed(job: Job) -> int | None:
    if job.training_start_time is None:
        return None
    import time

    end = job.training_end_time or time.time()
    return max(0, int(round(end - job.training_start_time)))
