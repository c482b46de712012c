"""ProcessingService: submit, list and describe processing jobs; the rest is the job engine's.

Stop, logs, wait, liveness checks and deletion are JobService's, restricted to this kind's
rows (`KIND`); reconciliation is the engine's (JobService.reconcile sees every kind).
"""
from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...errors import Invalid, NotFound
from ...store import events as events_store
from ...store import jobs as jobs_store
from ...store import runs as runs_store
from ...store.db import Connection
from ...store.entities import Job
from ...store.util import new_id
from ..launch import write_plan
from ..requirements import plan_entry as requirements_plan
from ..service import JobService
from ..spec import MAX_ARG_STRLEN
from .contract import command, environment, job_config, prepare_tree
from .describe import describe, summary
from .layout import ProcessingLayout
from .spec import ProcessingSpec, parse_processing_spec

ARTIFACT_PREFIX = "processing"


class ProcessingService(JobService):
    KIND = "processing"
    NOUN = "Processing job"
    TAKEN = "A job"
    SUMMARIES = "ProcessingJobSummaries"

    def layout(self, name: str) -> ProcessingLayout:
        return ProcessingLayout(super().layout(name).job_dir)

    def output_key(self, name: str, output_name: str) -> str:
        """Where an output without a destination goes in the artifact store."""
        return f"{ARTIFACT_PREFIX}/{name}/output/{output_name}"

    def output_uris(self, spec: ProcessingSpec) -> list[str]:
        from ...artifacts import ArtifactStore

        store: ArtifactStore | None = None
        uris: list[str] = []
        for item in spec.outputs:
            if item["destination"]:
                uris.append(str(item["destination"]))
                continue
            store = store or ArtifactStore(self.settings.artifact_uri)
            uris.append(store.uri_for(self.output_key(spec.name, str(item["name"]))))
        return uris

    # -- submit -------------------------------------------------------------------

    def submit(  # type: ignore[override]  # a processing request, not a training JobSpec
        self,
        request: Mapping[str, Any] | ProcessingSpec,
        *,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> dict[str, Any]:
        """Validate, snapshot, record and launch; nothing is created when validation fails.

        Raises Invalid (the message names the field and the fix) and NameTaken when a job of
        that name (of any kind) exists. A backend that cannot start it records it Failed."""
        spec = request if isinstance(request, ProcessingSpec) else parse_processing_spec(request, base_dir=base_dir, root_dir=root_dir)
        self._check_name_free(spec.name)
        layout = self.layout(spec.name)
        now = time.time()
        run_id = new_id()
        config = job_config(spec, self.output_uris(spec))
        plan = self._processing_plan(spec, layout, run_id, now)
        _check_exec_size(spec, plan["argv"], plan["env"])

        def fill() -> None:
            prepare_tree(spec, layout, config)
            write_plan(str(layout.job_dir), plan)
            self.db.run_write(self._insert_processing, spec, layout, run_id, now)

        return self._create_and_launch(spec.name, spec.backend, layout, run_id, fill)

    def _processing_plan(self, spec: ProcessingSpec, layout: ProcessingLayout, run_id: str, now: float) -> dict[str, Any]:
        """The launch plan (jobs/launch.py) of a processing job: the engine's keys plus its copies."""
        base_env = self._base_env()
        return {
            **self._engine_plan(layout, run_id, now, spec.max_runtime_seconds),
            "argv": command(spec, layout),
            "cwd": str(layout.code if spec.code is not None else layout.base),
            # a source dir's requirements.txt is pip-installed first, as for training (jobs/requirements.py)
            "requirements": requirements_plan(spec, layout.code, self.settings.home) if spec.code is not None else None,
            "env": environment(spec, layout, run_id=run_id, base_env=base_env),
            "channels": [],
            "metric_definitions": [],
            "inputs": [[item["source"], str(layout.to_tree(item["destination"])), item["name"]] for item in spec.inputs],
            "outputs": [
                [str(layout.to_tree(str(item["source"]))), item["destination"], item["name"], self.output_key(spec.name, str(item["name"]))]
                for item in spec.outputs
            ],
        }

    def _insert_processing(self, conn: Connection, spec: ProcessingSpec, layout: ProcessingLayout, run_id: str, now: float) -> None:
        if jobs_store.job_exists(conn, spec.name):
            raise self._name_taken(spec.name)
        experiment = self._create_run(conn, spec, run_id, "ProcessingJob")
        for item in spec.inputs:
            runs_store.add_artifact(conn, run_id, item["name"], item["source"] if "://" in item["source"] else f"file://{item['source']}", is_output=False)
        self._insert_row(conn, spec, layout, run_id, now, experiment)
        events_store.append(conn, "run.created", {"run_id": run_id, "experiment": experiment, "name": spec.name})

    # -- read ---------------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeProcessingJob's shape. Raises NotFound."""
        job = self.get(name)
        spec = ProcessingSpec.from_dict(job.spec)
        return describe(job, spec, self.output_uris(spec), _read_exit_message(self.layout(name), job.is_terminal))

    def _summaries(self, jobs: list[Job]) -> list[dict[str, Any]]:
        return [summary(j, _read_exit_message(self.layout(j.name), j.is_terminal)) for j in jobs]

    def artifact(self, name: str, kind: str) -> str:
        """Only the log: a processing job's outputs are folders copied to their destinations."""
        if kind != "log":
            raise NotFound(f"Processing jobs have no artifact {kind!r}; their outputs are in ProcessingOutputConfig.")
        return super().artifact(name, kind)


def _read_exit_message(layout: ProcessingLayout, terminal: bool) -> str | None:
    if not terminal:
        return None
    try:
        return layout.exit_message_file.read_text(errors="replace")
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


__all__ = ["ProcessingService"]
