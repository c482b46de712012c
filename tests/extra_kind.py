"""A small job kind that labstudio does not ship: "echo" jobs print a text and end.

It is what the job-kind registry's guide (labstudio/jobs/kinds.py) says a new kind is —
shapes, a spec, a definition — and nothing else: no engine subclass, no handler, CLI or SDK
code, and the engine's own Supervisor. tests/test_jobs_kinds.py registers it in-process and
runs jobs of it through the engine, REST, the CLI and the SDK's handle.
"""
from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field

from labstudio.jobs.engine import JobEngine, KindDefinition, KindLaunch, RunRecord
from labstudio.jobs.kinds import JobKind
from labstudio.jobs.layout import Layout
from labstudio.shapes import parse
from labstudio.shapes.common import Request, ResourceName, Response
from labstudio.status import JobStatus
from labstudio.store.entities import Job
from labstudio.store.util import iso

# -- shapes -------------------------------------------------------------------------------


class CreateEchoJobRequest(Request):
    """The body of POST /echo-jobs: what to print."""

    text: str = Field(min_length=1, max_length=200, description="What the job prints.")
    seconds: float = Field(default=0, ge=0, le=600, description="How long it waits after printing.")
    name: ResourceName | None = None
    experiment_name: str | None = None


class EchoJobSummary(Response):
    EchoJobName: str
    EchoJobStatus: JobStatus
    CreationTime: str
    EchoEndTime: str | None
    FailureReason: str | None


class DescribeEchoJobResponse(EchoJobSummary):
    Text: str
    StatusMessage: str
    ExitCode: int | None = None
    LogUri: str
    RunId: str | None


class ListEchoJobsResponse(Response):
    EchoJobSummaries: list[EchoJobSummary]
    NextToken: str | None


# -- the spec and the definition ---------------------------------------------------------------


@dataclass(frozen=True)
class EchoSpec:
    name: str
    text: str
    seconds: float = 0
    experiment_name: str | None = None
    backend: Literal["local"] = "local"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class EchoDefinition(KindDefinition[EchoSpec, DescribeEchoJobResponse, EchoJobSummary]):
    spec_type = EchoSpec
    request = CreateEchoJobRequest
    describe_model = DescribeEchoJobResponse
    summary_model = EchoJobSummary
    list_model = ListEchoJobsResponse

    def parse(self, engine: JobEngine, request: Mapping[str, Any], *, base_dir: Path | None, root_dir: Path | None) -> EchoSpec:
        req = parse(CreateEchoJobRequest, request)
        name = req.name or f"echo-{int(time.time() * 1000)}"
        return EchoSpec(name=name, text=req.text, seconds=req.seconds, experiment_name=req.experiment_name)

    def run(self, spec: EchoSpec) -> RunRecord:
        return RunRecord(experiment_name=spec.experiment_name, trial_name=None, tags={}, params={"text": spec.text})

    def plan(self, engine: JobEngine, spec: EchoSpec, layout: Layout, run_id: str | None, *, base_dir: Path | None, root_dir: Path | None) -> KindLaunch:
        def materialise() -> dict[str, Any]:
            for folder in (layout.base, layout.model, layout.output_data):  # the tree the Supervisor packs
                folder.mkdir(parents=True, exist_ok=True)
            return {}

        plan = {
            "argv": [sys.executable, "-c", f"import time; print({spec.text!r}, flush=True); time.sleep({spec.seconds})"],
            "cwd": str(layout.base),
            "env": {**engine.base_env(), "LABSTUDIO_JOB_NAME": spec.name},
            "channels": [],
            "metric_definitions": [],
        }
        return KindLaunch(plan, materialise)

    def describe(self, engine: JobEngine, job: Job) -> DescribeEchoJobResponse:
        return DescribeEchoJobResponse(
            **self._summary(job).model_dump(),
            Text=job.spec["text"],
            StatusMessage=job.status_message,
            ExitCode=job.exit_code,
            LogUri=f"{job.job_dir}/output.log",
            RunId=job.run_id,
        )

    def summaries(self, engine: JobEngine, jobs: list[Job]) -> list[EchoJobSummary]:
        return [self._summary(job) for job in jobs]

    @staticmethod
    def _summary(job: Job) -> EchoJobSummary:
        return EchoJobSummary(
            EchoJobName=job.name,
            EchoJobStatus=job.status,
            CreationTime=iso(job.creation_time),
            EchoEndTime=iso(job.training_end_time),
            FailureReason=job.failure_reason,
        )


ECHO = EchoDefinition()

# The registry entry: all a new kind adds.
KIND = JobKind(
    name="echo",
    stem="EchoJob",
    noun="Echo job",
    collection="echo-jobs",
    group="echo",
    definition_path="extra_kind:ECHO",
)
