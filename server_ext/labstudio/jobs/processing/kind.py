"""Processing jobs as a kind of the job engine: SageMaker's processing container contract.

The request is CreateProcessingJobRequest (spec.py checks it); the job's tree is a
processing container's /opt/ml with processingjobconfig.json and the code snapshot
(contract.py); inputs are copied in and outputs copied out by its supervisor
(supervisor.py); the run records the inputs; the answers are SageMaker's
DescribeProcessingJob and ListProcessingJobs.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...artifacts import ArtifactStore
from ...errors import Invalid
from ...shapes.processing import CreateProcessingJobRequest, DescribeProcessingJobResponse, ListProcessingJobsResponse, ProcessingJobSummary
from ...store.entities import Job
from ..engine import JobEngine, KindDefinition, KindLaunch, RunRecord
from ..layout import Layout
from ..requirements import plan_entry as requirements_plan
from ..spec import MAX_ARG_STRLEN
from .contract import command, environment, job_config, prepare_tree
from .describe import describe, summary
from .layout import ProcessingLayout
from .spec import ProcessingSpec, parse_processing_spec

ARTIFACT_PREFIX = "processing"


def output_key(name: str, output_name: str) -> str:
    """Where an output without a destination goes in the artifact store."""
    return f"{ARTIFACT_PREFIX}/{name}/output/{output_name}"


def output_uris(artifact_uri: str, spec: ProcessingSpec) -> list[str]:
    """Where each output is copied when the job completes: its destination, or the artifact store."""
    store: ArtifactStore | None = None
    uris: list[str] = []
    for item in spec.outputs:
        if item["destination"]:
            uris.append(str(item["destination"]))
            continue
        store = store or ArtifactStore(artifact_uri)
        uris.append(store.uri_for(output_key(spec.name, str(item["name"]))))
    return uris


class ProcessingDefinition(KindDefinition[ProcessingSpec, DescribeProcessingJobResponse, ProcessingJobSummary]):
    spec_type = ProcessingSpec
    request = CreateProcessingJobRequest
    describe_model = DescribeProcessingJobResponse
    summary_model = ProcessingJobSummary
    list_model = ListProcessingJobsResponse
    layout_class = ProcessingLayout
    artifacts = ("log",)
    artifacts_elsewhere = "their outputs are in ProcessingOutputConfig"

    def parse(self, engine: JobEngine, request: Mapping[str, Any], *, base_dir: Path | None, root_dir: Path | None) -> ProcessingSpec:
        return parse_processing_spec(request, base_dir=base_dir, root_dir=root_dir, default_backend=engine.settings.job_backend)

    def run(self, spec: ProcessingSpec) -> RunRecord:
        return RunRecord(
            experiment_name=spec.experiment_name,
            trial_name=spec.trial_name,
            tags=spec.tags,
            inputs=[(item["name"], item["source"]) for item in spec.inputs],
        )

    def plan(
        self, engine: JobEngine, spec: ProcessingSpec, layout: Layout, run_id: str | None, *, base_dir: Path | None, root_dir: Path | None
    ) -> KindLaunch:
        """The plan: the script (or entrypoint) with the processing environment, the inputs the
        supervisor copies in and the outputs it copies out; the tree with the config files."""
        assert isinstance(layout, ProcessingLayout)
        plan: dict[str, Any] = {
            "max_runtime_seconds": spec.max_runtime_seconds,
            "argv": command(spec, layout),
            "cwd": str(layout.code if spec.code is not None else layout.base),
            # a source dir's requirements.txt is pip-installed first, as for training (jobs/requirements.py)
            "requirements": requirements_plan(spec, layout.code, engine.settings.home) if spec.code is not None else None,
            "env": environment(spec, layout, run_id=run_id, base_env=engine.base_env()),
            "channels": [],
            "metric_definitions": [],
            "inputs": [[item["source"], str(layout.to_tree(item["destination"])), item["name"]] for item in spec.inputs],
            "outputs": [
                [str(layout.to_tree(str(item["source"]))), item["destination"], item["name"], output_key(spec.name, str(item["name"]))]
                for item in spec.outputs
            ],
        }
        _check_exec_size(spec, plan["argv"], plan["env"])
        config = job_config(spec, output_uris(engine.settings.artifact_uri, spec))

        def materialise() -> dict[str, Any]:
            prepare_tree(spec, layout, config)
            return {}

        return KindLaunch(plan, materialise)

    def describe(self, engine: JobEngine, job: Job) -> DescribeProcessingJobResponse:
        """DescribeProcessingJob: the request as processingjobconfig.json holds it, and the job's state."""
        spec = ProcessingSpec.from_dict(job.spec)
        return describe(job, spec, output_uris(engine.settings.artifact_uri, spec), _exit_message(engine, job))

    def summaries(self, engine: JobEngine, jobs: list[Job]) -> list[ProcessingJobSummary]:
        return [summary(job, _exit_message(engine, job)) for job in jobs]


def _exit_message(engine: JobEngine, job: Job) -> str | None:
    """What the script wrote to /opt/ml/output/message (kept by the supervisor), once it ended."""
    if not job.is_terminal:
        return None
    try:
        return ProcessingLayout(engine.settings.jobs_dir / job.name).exit_message_file.read_text(errors="replace")
    except OSError:
        return None


def _check_exec_size(spec: ProcessingSpec, argv: list[str], env: Mapping[str, str]) -> None:
    """Refuse at submit what the OS would refuse to start (E2BIG), naming the field."""
    for key, value in env.items():
        size = len(os.fsencode(key)) + len(os.fsencode(value)) + 2
        if size > MAX_ARG_STRLEN:
            field = "environment" if key in spec.environment else None
            raise Invalid(
                f"environment variable {key!r} would be {size} bytes; Linux starts no process with a single "
                f"environment variable over {MAX_ARG_STRLEN} bytes. Pass large values in a file given as an input.",
                field=field,
            )
    for arg in argv[1:]:
        size = len(os.fsencode(arg)) + 1
        if size > MAX_ARG_STRLEN:
            raise Invalid(
                f"an argument would be {size} bytes; Linux starts no process with a single argument over "
                f"{MAX_ARG_STRLEN} bytes. Pass large values in a file given as an input.",
                field="arguments",
            )


PROCESSING = ProcessingDefinition()

__all__ = ["PROCESSING", "ProcessingDefinition", "output_key", "output_uris"]
