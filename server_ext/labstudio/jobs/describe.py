"""DescribeTrainingJob and ListTrainingJobs answers from a stored job."""
from __future__ import annotations

import time
from typing import Any

from ..artifacts import exists as artifact_exists
from ..shapes.jobs import (
    AlgorithmSpecificationShape,
    DataSourceShape,
    DescribeTrainingJobResponse,
    ExperimentConfigShape,
    FileDataSourceShape,
    FinalMetric,
    InputChannel,
    JobHostShape,
    MetricDefinition,
    ModelArtifactsShape,
    OutputArtifactsShape,
    OutputDataConfigShape,
    ResourceConfigShape,
    SecondaryStatusTransition,
    StoppingConditionShape,
    Tag,
    TrainingJobSummary,
)
from ..status import HostStatus
from ..store.entities import Job, JobHost, MetricSummary
from ..store.util import iso, json_number
from .contract import all_hyperparameters, encode_hyperparameters
from .spec import JobSpec

DEFAULT_EXPERIMENT = "Default"


def tuning_job_of(job: Job) -> str | None:
    """The tuning job that ran this job as a trial: its labstudio:tuning-job tag."""
    tag: str | None = (job.spec.get("tags") or {}).get("labstudio:tuning-job")
    return tag


def _summary_fields(job: Job) -> dict[str, Any]:
    """What a list's summary and a describe both say of a job (every field given, so both
    answers carry each key even when it is null)."""
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
        "ExperimentName": job.experiment_name or DEFAULT_EXPERIMENT,
        "RunId": job.run_id,
        # Trials of a tuning job carry its tag: the panel shows them as trials.
        "TuningJobName": tuning_job_of(job),
    }


def summary(job: Job) -> TrainingJobSummary:
    return TrainingJobSummary(**_summary_fields(job))


def deleted_archives(job: Job) -> frozenset[str]:
    """The archives of a job whose run was deleted that are gone too (a served model is kept)."""
    pairs = (("model", job.model_artifact), ("output", job.output_artifact))
    return frozenset(kind for kind, uri in pairs if uri and not artifact_exists(uri))


def describe(
    job: Job, metrics: dict[str, MetricSummary], deleted: frozenset[str] = frozenset(), hosts: list[JobHost] | None = None
) -> DescribeTrainingJobResponse:
    """`deleted` names the archives ("model", "output") deleted with the job's run: they are
    shown as null with `Deleted: true`, so no client offers a download or a deploy of them.
    `hosts` are the job's job_hosts rows (algo-1..algo-N)."""
    spec = JobSpec.from_dict(job.spec)
    definitions = [MetricDefinition(Name=m["Name"], Regex=m["Regex"]) for m in spec.metric_definitions]
    model_deleted, output_deleted = "model" in deleted, "output" in deleted
    return DescribeTrainingJobResponse(
        **_summary_fields(job),
        TrainingJobArn=f"arn:labstudio:local:training-job/{job.name}",
        SecondaryStatusTransitions=[
            SecondaryStatusTransition(Status=t.status, StartTime=iso(t.start_time), EndTime=iso(t.end_time), StatusMessage=t.message)
            for t in job.transitions
        ],
        HyperParameters=encode_hyperparameters(all_hyperparameters(spec)),
        AlgorithmSpecification=AlgorithmSpecificationShape(TrainingInputMode="File", MetricDefinitions=definitions),
        InputDataConfig=[
            InputChannel(
                ChannelName=name,
                DataSource=DataSourceShape(FileDataSource=FileDataSourceShape(FileUri=path if "://" in path else f"file://{path}")),
                InputMode="File",
                **({"ContentType": (spec.content_types or {})[name]} if name in (spec.content_types or {}) else {}),
            )
            for name, path in sorted(spec.channels.items())
        ],
        OutputDataConfig=OutputDataConfigShape(S3OutputPath=spec.output_path or f"{job.job_dir}/opt/ml/output"),
        ModelArtifacts=(
            ModelArtifactsShape(S3ModelArtifacts=None, Deleted=True) if model_deleted else ModelArtifactsShape(S3ModelArtifacts=job.model_artifact)
        ),
        OutputArtifacts=(
            OutputArtifactsShape(S3OutputArtifacts=None, Deleted=True)
            if output_deleted
            else OutputArtifactsShape(S3OutputArtifacts=job.output_artifact)
        ),
        ResourceConfig=ResourceConfigShape(InstanceType="local", InstanceCount=spec.instance_count),
        Hosts=_hosts(job, spec.instance_count, hosts or []),
        StoppingCondition=StoppingConditionShape(MaxRuntimeInSeconds=spec.max_runtime_seconds),
        FinalMetricDataList=[
            FinalMetric(MetricName=m.name, Value=json_number(m.last), Timestamp=iso(m.last_timestamp) or "")
            for m in sorted(metrics.values(), key=lambda m: m.name)
        ],
        Environment=spec.environment,
        Tags=[Tag(Key=k, Value=v) for k, v in sorted(spec.tags.items())],
        ExperimentConfig=ExperimentConfigShape(ExperimentName=job.experiment_name or DEFAULT_EXPERIMENT, TrialName=spec.trial_name),
        EntryPoint=spec.entry_point,
        SourceDir=spec.source_dir_given or spec.source_dir,
        MetricDefinitions=definitions,
        Backend=job.backend,
        ExitCode=job.exit_code,
        TrainingTimeInSeconds=_elapsed(job),
        LogUri=f"{job.job_dir}/output.log",
    )


def _hosts(job: Job, count: int, rows: list[JobHost]) -> list[JobHostShape]:
    """Each host: where it ran and how it ended. A single-host job's one host ended as the job
    did (its row records only where it ran); a host still running when its job was ended by
    someone else (a lost leader) shows the job's end."""
    by_host = {r.host: r for r in rows}
    out = []
    for k in range(1, count + 1):
        name = f"algo-{k}"
        row = by_host.get(name)
        status = HostStatus(row.status) if row is not None else HostStatus.PENDING
        exit_code = row.exit_code if row is not None else None
        reason = row.failure_reason if row is not None else None
        if job.is_terminal and (count == 1 or not status.is_terminal()):
            status, exit_code = HostStatus(job.status), job.exit_code if count == 1 else exit_code
            reason = job.failure_reason if count == 1 else reason
        elif count == 1 and status == HostStatus.PENDING and job.training_start_time is not None:
            status = HostStatus.IN_PROGRESS
        out.append(JobHostShape(Host=name, Node=row.node if row is not None else None, Status=status, ExitCode=exit_code, FailureReason=reason))
    return out


def _elapsed(job: Job) -> int | None:
    if job.training_start_time is None:
        return None
    end = job.training_end_time or time.time()
    return max(0, int(round(end - job.training_start_time)))


__all__ = ["deleted_archives", "describe", "summary", "tuning_job_of"]
