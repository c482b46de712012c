"""DescribeTransformJob- and ListTransformJobs-shaped JSON from a stored transform job.

Progress comes from the runner's ``progress.json`` (records done and total), read at each
describe: the panel polls describe for its progress bar and throughput.
"""
from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from ..shapes.transform import (
    DataProcessingShape,
    DescribeTransformJobResponse,
    LocalDataSource,
    TransformDataSource,
    TransformInputShape,
    TransformJobSummary,
    TransformOutputShape,
    TransformResourcesShape,
)
from ..store.entities import Job
from ..store.util import iso
from .files import PROGRESS_FILE, input_files
from .spec import TransformSpec


def read_progress(job_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((job_dir / PROGRESS_FILE).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _rate(progress: dict[str, Any], job: Job) -> float | None:
    started, done = progress.get("Started"), progress.get("RecordsProcessed") or 0
    if not started or not done:
        return None
    end = progress.get("Updated") if job.is_terminal else max(progress.get("Updated") or 0, time.time())
    elapsed = (end or time.time()) - started
    return round(done / elapsed, 1) if elapsed > 0 else None


def summary(job: Job, progress: dict[str, Any]) -> TransformJobSummary:
    return TransformJobSummary(**_summary_fields(job, progress))


def _summary_fields(job: Job, progress: dict[str, Any]) -> dict[str, Any]:
    return {
        "TransformJobName": job.name,
        "TransformJobStatus": job.status,
        "CreationTime": iso(job.creation_time),
        "TransformEndTime": iso(job.training_end_time),
        "LastModifiedTime": iso(job.last_modified_time),
        "FailureReason": job.failure_reason,
        "RecordsProcessed": int(progress.get("RecordsProcessed") or 0),
        "RecordsTotal": progress.get("RecordsTotal"),
    }


def output_files(spec: TransformSpec) -> list[str]:
    """The .out file each input file gives, whether written yet or not (in input order)."""
    if "://" in spec.input_path or "://" in spec.output_path:  # s3://: the runner lists them once copied in
        return []
    source, out = Path(spec.input_path), Path(spec.output_path)
    try:
        files = input_files(source) if source.exists() else []
    except OSError:
        files = []
    return [str(out / (f.name if source.is_file() else str(f.relative_to(source)))) + ".out" for f in files]


def describe(job: Job, spec: TransformSpec, progress: dict[str, Any]) -> DescribeTransformJobResponse:
    return DescribeTransformJobResponse(
        **_summary_fields(job, progress),
        TransformJobArn=f"arn:labstudio:local:transform-job/{job.name}",
        ModelName=spec.model_name,
        MaxConcurrentTransforms=spec.max_concurrent,
        MaxPayloadInMB=spec.max_payload_mb,
        BatchStrategy=spec.strategy,
        Environment=spec.environment,
        TransformInput=TransformInputShape(
            DataSource=TransformDataSource(
                S3DataSource=LocalDataSource(
                    S3DataType="S3Prefix", S3Uri=spec.input_path if "://" in spec.input_path else f"file://{spec.input_path}"
                )
            ),
            ContentType=spec.content_type,
            CompressionType=spec.compression_type,
            SplitType=spec.split_type,
        ),
        TransformOutput=TransformOutputShape(S3OutputPath=spec.output_path, Accept=spec.accept, AssembleWith=spec.assemble_with),
        TransformResources=TransformResourcesShape(InstanceType=spec.instance_type, InstanceCount=spec.instance_count),
        DataProcessing=DataProcessingShape(InputFilter=spec.input_filter, OutputFilter=spec.output_filter, JoinSource=spec.join_source),
        TransformStartTime=iso(job.training_start_time),
        RecordsPerSecond=_rate(progress, job),
        OutputFiles=output_files(spec),
        LogUri=f"{job.job_dir}/output.log",
        ExitCode=job.exit_code,
        Tags=spec.tags,
    )
