"""DescribeProcessingJob and ListProcessingJobs answers from a stored job."""
from __future__ import annotations

from ...shapes.jobs import StoppingConditionShape, Tag
from ...shapes.processing import (
    AppSpecificationShape,
    ClusterConfigShape,
    DescribeProcessingJobResponse,
    ProcessingExperimentConfig,
    ProcessingInputShape,
    ProcessingJobSummary,
    ProcessingOutputConfigShape,
    ProcessingOutputShape,
    ProcessingResourcesShape,
    S3InputShape,
    S3OutputShape,
)
from ...store.entities import Job
from ...store.util import iso
from .contract import IMAGE_URI, arn
from .spec import ProcessingSpec

DEFAULT_EXPERIMENT = "Default"


def summary(job: Job, exit_message: str | None) -> ProcessingJobSummary:
    return ProcessingJobSummary(
        ProcessingJobName=job.name,
        ProcessingJobArn=arn(job.name),
        ProcessingJobStatus=job.status,
        CreationTime=iso(job.creation_time),
        ProcessingEndTime=iso(job.training_end_time),
        LastModifiedTime=iso(job.last_modified_time),
        FailureReason=job.failure_reason,
        ExitMessage=exit_message,
        ExperimentName=job.experiment_name or DEFAULT_EXPERIMENT,
        RunId=job.run_id,
    )


def describe(job: Job, spec: ProcessingSpec, output_uris: list[str], exit_message: str | None) -> DescribeProcessingJobResponse:
    """The request as processingjobconfig.json holds it (contract.job_config, without RoleArn),
    and the job's state. `output_uris[i]` is where output i is copied when the job completes."""
    return DescribeProcessingJobResponse(
        ProcessingJobName=job.name,
        ProcessingJobArn=arn(job.name),
        ProcessingJobStatus=job.status,
        AppSpecification=AppSpecificationShape(
            ImageUri=IMAGE_URI, ContainerEntrypoint=spec.container_entrypoint, ContainerArguments=list(spec.arguments)
        ),
        Environment=dict(spec.environment),
        ProcessingInputs=[
            ProcessingInputShape(
                InputName=item["name"],
                AppManaged=False,
                S3Input=S3InputShape(
                    S3Uri=item["source"] if "://" in item["source"] else f"file://{item['source']}",
                    LocalPath=item["destination"],
                    S3DataType="S3Prefix",
                    S3InputMode="File",
                    S3DataDistributionType="FullyReplicated",
                    S3CompressionType="None",
                ),
            )
            for item in spec.inputs
        ],
        ProcessingOutputConfig=ProcessingOutputConfigShape(
            Outputs=[
                ProcessingOutputShape(
                    OutputName=str(item["name"]),
                    AppManaged=False,
                    S3Output=S3OutputShape(S3Uri=uri, LocalPath=str(item["source"]), S3UploadMode="EndOfJob"),
                )
                for item, uri in zip(spec.outputs, output_uris)
            ]
        ),
        ProcessingResources=ProcessingResourcesShape(ClusterConfig=ClusterConfigShape(InstanceCount=1, InstanceType="local", VolumeSizeInGB=0)),
        StoppingCondition=StoppingConditionShape(MaxRuntimeInSeconds=spec.max_runtime_seconds),
        CreationTime=iso(job.creation_time),
        ProcessingStartTime=iso(job.training_start_time),
        ProcessingEndTime=iso(job.training_end_time),
        LastModifiedTime=iso(job.last_modified_time),
        FailureReason=job.failure_reason,
        ExitMessage=exit_message,
        StatusMessage=job.status_message,
        SecondaryStatus=job.secondary_status,
        ExperimentConfig=ProcessingExperimentConfig(ExperimentName=job.experiment_name or DEFAULT_EXPERIMENT, TrialName=spec.trial_name),
        Tags=[Tag(Key=k, Value=v) for k, v in sorted(spec.tags.items())],
        ExperimentName=job.experiment_name or DEFAULT_EXPERIMENT,
        RunId=job.run_id,
        ExitCode=job.exit_code,
        LogUri=f"{job.job_dir}/output.log",
        Code=spec.code,
        SourceDir=spec.source_dir,
    )
