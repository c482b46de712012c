"""DescribeProcessingJob- and ListProcessingJobs-shaped JSON from a stored job."""
from __future__ import annotations

from typing import Any

from ...store.entities import Job
from ...store.util import iso
from .contract import arn, job_config
from .spec import ProcessingSpec


def summary(job: Job, exit_message: str | None) -> dict[str, Any]:
    return {
        "ProcessingJobName": job.name,
        "ProcessingJobArn": arn(job.name),
        "ProcessingJobStatus": job.status,
        "CreationTime": iso(job.creation_time),
        "ProcessingEndTime": iso(job.training_end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "FailureReason": job.failure_reason,
        "ExitMessage": exit_message,
        "ExperimentName": job.experiment_name or "Default",
        "RunId": job.run_id,
    }


def describe(job: Job, spec: ProcessingSpec, output_uris: list[str], exit_message: str | None) -> dict[str, Any]:
    """The request as processingjobconfig.json holds it, and the job's state."""
    out = job_config(spec, output_uris)
    out.pop("RoleArn", None)
    out.update(summary(job, exit_message))
    out.update(
        {
            "ProcessingStartTime": iso(job.training_start_time),
            "StatusMessage": job.status_message,
            "SecondaryStatus": job.secondary_status,
            "ExperimentConfig": {"ExperimentName": job.experiment_name or "Default", "TrialName": spec.trial_name},
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(spec.tags.items())],
            "ExitCode": job.exit_code,
            "LogUri": f"{job.job_dir}/output.log",
            "Code": spec.code,
            "SourceDir": spec.source_dir,
        }
    )
    return out
