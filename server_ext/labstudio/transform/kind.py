"""Batch transform jobs as a kind of the job engine.

A transform job is a row of the jobs table with kind "transform", run by the engine's
backend and supervisor (transform/supervisor.py). What it runs is transform/runner.py, which
serves the model with the endpoints' handler contract: the job's folder holds the model's
snapshot (resolved as endpoints resolve theirs: a Completed training job, or an archive,
folder or file) and the runner's config. It records no experiment run.
"""
from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import Invalid, NotFound
from ..jobs import kinds
from ..jobs.engine import JobEngine, KindDefinition, KindLaunch
from ..jobs.layout import Layout
from ..paths import confine
from ..serving import sources
from ..serving.requirements import transform_plan_entry
from ..shapes.transform import CreateTransformJobRequest, DescribeTransformJobResponse, ListTransformJobsResponse, TransformJobSummary
from ..store.entities import Job
from .describe import describe, read_progress, summary
from .files import CONFIG_FILE
from .spec import TransformSpec, parse_transform_spec

ENCODABLE = ("text/csv", "application/json", "application/jsonlines", "application/x-npy")
PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding `labstudio`


def default_accept(spec: TransformSpec) -> str:
    """Accept when none was given: the content type when the default output_fn can write it
    (CSV in, CSV out), else JSON, the default handlers' own default."""
    if spec.accept:
        return spec.accept
    kind = (spec.content_type or "").split(";", 1)[0].strip().lower()
    return kind if kind in ENCODABLE else "application/json"


class TransformDefinition(KindDefinition[TransformSpec, DescribeTransformJobResponse, TransformJobSummary]):
    spec_type = TransformSpec
    request = CreateTransformJobRequest
    describe_model = DescribeTransformJobResponse
    summary_model = TransformJobSummary
    list_model = ListTransformJobsResponse
    artifacts = ("log",)
    artifacts_elsewhere = "their outputs are in TransformOutput.S3OutputPath"

    def parse(self, engine: JobEngine, request: Mapping[str, Any], *, base_dir: Path | None, root_dir: Path | None) -> TransformSpec:
        return parse_transform_spec(request, base_dir=base_dir, root_dir=root_dir, default_backend=engine.settings.job_backend)

    def plan(
        self, engine: JobEngine, spec: TransformSpec, layout: Layout, run_id: str | None, *, base_dir: Path | None, root_dir: Path | None
    ) -> KindLaunch:
        """The runner's plan; the model is resolved and checked now, snapshotted into the job's
        folder once it is claimed (with the runner's config and the code's requirements)."""
        root = root_dir.resolve() if root_dir is not None else None  # links are compared resolved
        source = _resolve_model(engine, spec, base_dir, root)
        if root is not None:
            # A link out of the Jupyter root would be read (and, joined, copied into the output)
            # or run: refused in everything the job reads, as endpoint snapshots refuse it.
            if source.kind in ("folder", "file"):
                sources.check_links(Path(source.location), [root], "model")
            if spec.source_dir:
                sources.check_links(Path(spec.source_dir), [root], "source_dir")
            if "://" not in spec.input_path:
                sources.check_links(Path(spec.input_path), [root], "input")
        env = engine.base_env()
        env.update(spec.environment)
        env.update({"LABSTUDIO_JOB_NAME": spec.name, "TRANSFORM_JOB_NAME": spec.name, "PYTHONUNBUFFERED": "1"})
        existing = env.get("PYTHONPATH")
        env["PYTHONPATH"] = PACKAGE_ROOT + (os.pathsep + existing if existing else "")
        plan: dict[str, Any] = {
            "argv": [sys.executable, "-m", "labstudio.transform.runner", str(layout.job_dir)],
            "env": env,
            "channels": [],
            "metric_definitions": [],
            # The input a backend on other machines must ship: the config's input_path (jobs/backends/ray.py).
            "config_paths": [[CONFIG_FILE, "input_path", "input", "input"]],
        }

        def materialise() -> dict[str, Any]:
            try:
                model_dir, code_dir, entry = sources.prepare(source, layout.base, spec.source_dir, spec.entry_point, allow_absolute=root is None)
            except Invalid as exc:
                field = {"Source": "model", "SourceDir": "source_dir", "EntryPoint": "entry_point"}.get(exc.field or "", exc.field)
                raise Invalid(exc.message, field=field) from None
            layout.output.mkdir(parents=True, exist_ok=True)
            config = dict(spec.to_dict(), model_dir=model_dir, code_dir=code_dir, entry_point=entry, accept=default_accept(spec))
            (layout.job_dir / CONFIG_FILE).write_text(json.dumps(config, indent=2))
            return {
                "cwd": code_dir or str(layout.base),
                # the code's requirements.txt, pip-installed before the runner as for an endpoint (serving/requirements.py)
                "requirements": transform_plan_entry(spec.install_requirements, code_dir, model_dir, engine.settings.home),
            }

        return KindLaunch(plan, materialise)

    def describe(self, engine: JobEngine, job: Job) -> DescribeTransformJobResponse:
        """DescribeTransformJob, with the records done so far."""
        return describe(job, TransformSpec.from_dict(job.spec), read_progress(engine.settings.jobs_dir / job.name))

    def summaries(self, engine: JobEngine, jobs: list[Job]) -> list[TransformJobSummary]:
        return [summary(job, read_progress(Path(job.job_dir))) for job in jobs]


def _resolve_model(engine: JobEngine, spec: TransformSpec, base_dir: Path | None, root_dir: Path | None) -> Any:
    """The model as endpoints resolve it: a Completed training job, or an archive/folder/file."""
    def job_lookup(name: str) -> Job:
        return engine.get(name, kinds.TRAINING)

    def code_dir_of(name: str) -> Path:
        return engine.layout(name, kinds.TRAINING).code

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


TRANSFORM = TransformDefinition()

__all__ = ["TRANSFORM", "TransformDefinition", "default_accept"]
