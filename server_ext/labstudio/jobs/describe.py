"""DescribeTrainingJob- and ListTrainingJobs-shaped JSON from a stored job."""
from __future__ import annotations

from typing import Any

from ..store.entities import Job, JobHost, MetricSummary
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


def describe(
    job: Job, metrics: dict[str, MetricSummary], deleted: frozenset[str] = frozenset(), hosts: list[JobHost] | None = None
) -> dict[str, Any]:
    """`deleted` names the archives ("model", "output") deleted with the job's run: they are
    shown as null with `Deleted: true`, so no client offers a download or a deploy of them.
    `hosts` are the job's job_hosts rows (algo-1..algo-N)."""
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
                    "DataSource": {"FileDataSource": {"FileUri": path if "://" in path else f"file://{path}"}},
                    "InputMode": "File",
                    **({"ContentType": (spec.content_types or {})[name]} if name in (spec.content_types or {}) else {}),
                }
                for name, path in sorted(spec.channels.items())
            ],
            "OutputDataConfig": {"S3OutputPath": spec.output_path or f"{job.job_dir}/opt/ml/output"},
            "ModelArtifacts": _archive("S3ModelArtifacts", job.model_artifact, "model" in deleted),
            "OutputArtifacts": _archive("S3OutputArtifacts", job.output_artifact, "output" in deleted),
            "ResourceConfig": {"InstanceType": "local", "InstanceCount": spec.instance_count},
            "Hosts": _hosts(job, spec.instance_count, hosts or []),
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


def _hosts(job: Job, count: int, rows: list[JobHost]) -> list[dict[str, Any]]:
    """Each host: where it ran and how it ended. A single-host job's one host ended as the job
    did (its row records only where it ran); a host still running when its job was ended by
    someone else (a lost leader) shows the job's end."""
    by_host = {r.host: r for r in rows}
    out = []
    for k in range(1, count + 1):
        name = f"algo-{k}"
        row = by_host.get(name)
        status = row.status if row is not None else "Pending"
        exit_code = row.exit_code if row is not None else None
        reason = row.failure_reason if row is not None else None
        if job.is_terminal and (count == 1 or status in ("Pending", "InProgress")):
            status, exit_code = job.status, job.exit_code if count == 1 else exit_code
            reason = job.failure_reason if count == 1 else reason
        elif count == 1 and status == "Pending" and job.training_start_time is not None:
            status = "InProgress"
        out.append({"Host": name, "Node": row.node if row is not None else None, "Status": status, "ExitCode": exit_code, "FailureReason": reason})
    return out


def _archive(key: str, uri: str | None, deleted: bool) -> dict[str, Any]:
    return {key: None, "Deleted": True} if deleted else {key: uri}


def _elapsed(job: Job) -> int | None:
    if job.training_start_time is None:
        return None
    import time

    end = job.training_end_time or time.time()
    return max(0, int(round(end - job.training_start_time)))
