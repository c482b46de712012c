"""TransformService: submit, list and describe batch transform jobs; the rest is the job engine's.

A transform job is a row of the jobs table with kind "transform", run by the same backend
and supervisor as training jobs (transform/supervisor.py): stop, logs, wait, liveness checks
and reconciliation are JobService's. What it runs is transform/runner.py, which serves the
model with the endpoints' handler contract.
"""
from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Invalid, NotFound
from ..jobs.launch import write_plan
from ..jobs.layout import Layout
from ..jobs.service import JobService
from ..serving.requirements import transform_plan_entry
from ..store import jobs as jobs_store
from ..store.db import Connection
from ..store.entities import Job
from .describe import describe, read_progress, summary
from .files import CONFIG_FILE
from .spec import TransformSpec, parse_transform_spec

ENCODABLE = ("text/csv", "application/json", "application/jsonlines", "application/x-npy")


def default_accept(spec: TransformSpec) -> str:
    """Accept when none was given: the content type when the default output_fn can write it
    (CSV in, CSV out), else JSON, the default handlers' own default."""
    if spec.accept:
        return spec.accept
    kind = (spec.content_type or "").split(";", 1)[0].strip().lower()
    return kind if kind in ENCODABLE else "application/json"


class TransformService(JobService):
    KIND = "transform"
    NOUN = "Transform job"
    TAKEN = "A job"
    SUMMARIES = "TransformJobSummaries"

    # -- submit -------------------------------------------------------------------

    def _resolve_model(self, spec: TransformSpec, base_dir: Path | None, root_dir: Path | None) -> Any:
        """The model as endpoints resolve it: a Completed training job, or an archive/folder/file."""
        from ..paths import confine
        from ..serving import sources

        def job_lookup(name: str) -> Job:
            return JobService(self.settings, self.db).get(name)

        def code_dir_of(name: str) -> Path:
            return JobService(self.settings, self.db).code_dir(name)

        model = spec.model
        base = base_dir or root_dir or Path.cwd()
        if "://" not in model:
            candidate = Path(model).expanduser()
            candidate = candidate if candidate.is_absolute() else base / candidate
            if candidate.exists() or "/" in model or candidate.suffix:  # a path, not a job's name
                model = str(confine(candidate.resolve(), "model", [root_dir] if root_dir else None, spec.model))
        try:
            return sources.resolve(model, job_lookup, code_dir_of, base_dir=base)
        except (Invalid, NotFound) as exc:
            raise Invalid(exc.message.replace("be deployed", "be used for a batch transform"), field="model") from None

    def submit(  # type: ignore[override]  # a transform request, not a training JobSpec
        self,
        request: Mapping[str, Any] | TransformSpec,
        *,
        base_dir: Path | None = None,
        root_dir: Path | None = None,
    ) -> dict[str, Any]:
        """Validate, snapshot the model, record and launch; nothing is left when validation fails.

        Raises Invalid (the message names the field and the fix) and NameTaken when a job of
        that name (of any kind) exists. A backend that cannot start it records it Failed."""
        from ..serving import sources

        spec = request if isinstance(request, TransformSpec) else parse_transform_spec(request, base_dir=base_dir, root_dir=root_dir)
        self._check_name_free(spec.name)
        source = self._resolve_model(spec, base_dir, root_dir)
        if root_dir is not None:
            # A link out of the Jupyter root would be read (and, joined, copied into the output)
            # or run: refused in everything the job reads, as endpoint snapshots refuse it.
            if source.kind in ("folder", "file"):
                sources.check_links(Path(source.location), [root_dir], "model")
            if spec.source_dir:
                sources.check_links(Path(spec.source_dir), [root_dir], "source_dir")
            if "://" not in spec.input_path:
                sources.check_links(Path(spec.input_path), [root_dir], "input")
        layout = self.layout(spec.name)
        now = time.time()

        def fill() -> None:
            try:
                model_dir, code_dir, entry = sources.prepare(
                    source, layout.base, spec.source_dir, spec.entry_point, allow_absolute=root_dir is None
                )
            except Invalid as exc:
                field = {"Source": "model", "SourceDir": "source_dir", "EntryPoint": "entry_point"}.get(exc.field or "", exc.field)
                raise Invalid(exc.message, field=field) from None
            (layout.output).mkdir(parents=True, exist_ok=True)
            config = dict(spec.to_dict(), model_dir=model_dir, code_dir=code_dir, entry_point=entry, accept=default_accept(spec))
            (layout.job_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2))
            plan = self._transform_plan(spec, layout, code_dir, now)
            # the code's requirements.txt, pip-installed before the runner as for an endpoint (serving/requirements.py)
            plan["requirements"] = transform_plan_entry(spec.install_requirements, code_dir, model_dir, self.settings.home)
            write_plan(str(layout.job_dir), plan)
            self.db.run_write(self._insert_transform, spec, layout, now)

        return self._create_and_launch(spec.name, spec.backend, layout, None, fill)

    def _transform_plan(self, spec: TransformSpec, layout: Layout, code_dir: str | None, now: float) -> dict[str, Any]:
        """The launch plan (jobs/launch.py): the engine's keys; the script is the transform runner."""
        env = dict(os.environ)
        env.update(self.settings.as_env())
        env.update(spec.environment)
        env.update({"LABSTUDIO_JOB_NAME": spec.name, "TRANSFORM_JOB_NAME": spec.name, "PYTHONUNBUFFERED": "1"})
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding `labstudio`
        existing = env.get("PYTHONPATH")
        env["PYTHONPATH"] = package_root + (os.pathsep + existing if existing else "")
        return {
            **self._engine_plan(layout, None, now, None),
            "argv": [sys.executable, "-m", "labstudio.transform.runner", str(layout.job_dir)],
            "cwd": code_dir or str(layout.base),
            "env": env,
            "channels": [],
            "metric_definitions": [],
        }

    def _insert_transform(self, conn: Connection, spec: TransformSpec, layout: Layout, now: float) -> None:
        if jobs_store.job_exists(conn, spec.name):
            raise self._name_taken(spec.name)
        self._insert_row(conn, spec, layout, None, now, None)

    # -- read ---------------------------------------------------------------------

    def describe(self, name: str) -> dict[str, Any]:
        """DescribeTransformJob's shape, with the records done so far. Raises NotFound."""
        job = self.get(name)
        return describe(job, TransformSpec.from_dict(job.spec), read_progress(self.layout(name).job_dir))

    def _summaries(self, jobs: list[Job]) -> list[dict[str, Any]]:
        return [summary(j, read_progress(Path(j.job_dir))) for j in jobs]

    def artifact(self, name: str, kind: str) -> str:
        """Only the log: a transform job's outputs are the .out files in its output path."""
        if kind != "log":
            raise NotFound(f"Transform jobs have no artifact {kind!r}; their outputs are in TransformOutput.S3OutputPath.")
        return super().artifact(name, kind)
