"""SageMaker's ``Transformer``: batch transform of local files as a supervised local job.

``estimator.transformer(...)`` and ``Model.transformer(...)`` build one; ``transform(data, ...)``
starts a transform job (the model served by the endpoints' handler contract, in the job's
own process tree) and, by default, waits for it, as SageMaker's SDK does. ``data`` is a
local file or folder (or a file:// URI); the outputs are ``<output_path>/<file>.out``.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .compat import check_instance_type, split_kwargs, warn_ignored
from .inputs import file_uri_path
from .kindjob import KindJobHandle
from .session import core_of

DATA_TYPES = ("S3Prefix", "ManifestFile")


def _local(value: str | os.PathLike[str], what: str) -> str:
    """A local path from a path or file:// URI; an s3:// URL is kept (the job copies it, checked at submit)."""
    text = os.fspath(value)
    return text if "://" in text and not text.startswith("file:") else file_uri_path(text)


class TransformJob(KindJobHandle):
    """SageMaker's ``_TransformJob``: ``.describe()``, ``.wait()``, ``.stop()``, ``.logs()``."""

    KIND = "transform"
    STOP_HINT = "transformer.stop_transform_job()"

    def __init__(self, name: str, sagemaker_session: Any = None) -> None:
        self.name = name
        self.job_name = name
        self.sagemaker_session = sagemaker_session

    def _summary(self, described: Mapping[str, Any]) -> str:
        from ..cli.transform import transform_summary

        return transform_summary(described)

    def wait(self, logs: Any = True) -> dict[str, Any]:
        """Block until the job ends (printing its log unless ``logs=False``); raises
        UnexpectedStatusException when it Failed. Interrupting leaves the job running."""
        return self._wait(logs)


class Transformer:
    """Batch transform with a model: a Completed training job's name, or a model archive,
    folder or file (``model_data``, with ``entry_point``/``source_dir`` for its inference script)."""

    def __init__(
        self,
        model_name: str | None = None,
        instance_count: int | None = 1,
        instance_type: str | None = "local",
        strategy: str | None = None,
        assemble_with: str | None = None,
        output_path: str | os.PathLike[str] | None = None,
        accept: str | None = None,
        max_concurrent_transforms: int | None = None,
        max_payload: int | None = None,
        tags: Any = None,
        env: Mapping[str, str] | None = None,
        base_transform_job_name: str | None = None,
        sagemaker_session: Any = None,
        model_data: str | os.PathLike[str] | None = None,
        entry_point: str | None = None,
        source_dir: str | None = None,
        install_requirements: bool = True,
        **kwargs: Any,
    ) -> None:
        split_kwargs(type(self).__name__, {"sagemaker_session": sagemaker_session, **kwargs})
        if model_name is None and model_data is None:
            raise ValueError("Transformer needs model_name: a Completed training job's name (or a model archive or folder)")
        if output_path is None:
            raise ValueError("Transformer needs output_path: the local folder receiving '<input file>.out' files")
        from .workflow.pipeline_context import in_pipeline

        self._pipeline = in_pipeline(sagemaker_session)
        # A pipeline step runs on this machine's backend whatever instance type it names; its model
        # is usually another step's property (ModelStep's properties.ModelName), known when it runs.
        self.instance_type = instance_type if self._pipeline else check_instance_type(instance_type)
        self.model_name: Any = model_name if self._pipeline or model_name is None else str(model_name)
        self.model_data = os.fspath(model_data) if model_data is not None else None
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.install_requirements = bool(install_requirements)  # pip install the code's requirements.txt first
        self.instance_count = 1 if instance_count is None else int(instance_count)
        self.strategy = strategy
        self.assemble_with = assemble_with
        self.output_path: Any = output_path if self._pipeline else _local(output_path, "output_path")
        self.accept = accept
        self.max_concurrent_transforms = max_concurrent_transforms
        self.max_payload = max_payload
        self.env = dict(env or {})
        self.tags = _tags(tags)
        self.base_transform_job_name = base_transform_job_name
        self.sagemaker_session = sagemaker_session
        self.latest_transform_job: TransformJob | None = None
        self._current_job_name: str | None = None

    def __repr__(self) -> str:
        return f"Transformer(model_name={self.model_name or self.model_data!r}, output_path={self.output_path!r})"

    def transform(
        self,
        data: str | os.PathLike[str],
        data_type: str = "S3Prefix",
        content_type: str | None = None,
        compression_type: str | None = None,
        split_type: str | None = None,
        job_name: str | None = None,
        input_filter: str | None = None,
        output_filter: str | None = None,
        join_source: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
        model_client_config: Mapping[str, Any] | None = None,
        batch_data_capture_config: Any = None,
        wait: bool = True,
        logs: Any = True,
        **kwargs: Any,
    ) -> Any:
        """Start a transform job over ``data`` (a file, or a folder: every file under it).

        Waits for it by default (``wait=False`` returns at once; then call ``wait()``).
        Bad arguments raise ValueError naming the argument, before anything starts."""
        split_kwargs(f"{type(self).__name__}.transform", kwargs)
        ignored = [k for k, v in (("experiment_config", experiment_config), ("model_client_config", model_client_config),
                                  ("batch_data_capture_config", batch_data_capture_config)) if v is not None]
        warn_ignored(f"{type(self).__name__}.transform", ignored)
        if data_type not in DATA_TYPES or data_type == "ManifestFile":
            raise ValueError(f"data_type {data_type!r} is not supported: give a file or folder (data_type='S3Prefix')")
        if self._pipeline:  # a pipeline step's arguments (CreateTransformJob's), built with the definition
            from .workflow.pipeline_context import _JobStepArguments
            from .workflow.requests import transform_args

            return _JobStepArguments("transform", lambda: transform_args(
                self, data, content_type, compression_type, split_type, input_filter, output_filter, join_source), self)
        core = core_of(self.sagemaker_session)
        request: dict[str, Any] = {
            "model": self.model_data or self.model_name,
            "model_name": self.model_name or self.model_data,
            "input": _local(data, "data"),
            "output_path": self.output_path,
            "environment": self.env,
            "tags": self.tags,
            "instance_type": self.instance_type,
            "instance_count": self.instance_count,
        }
        if not self.install_requirements:
            request["install_requirements"] = False
        name = job_name or (_stamp(self.base_transform_job_name) if self.base_transform_job_name else None)
        for key, value in (
            ("name", name),
            ("entry_point", self.entry_point),
            ("source_dir", self.source_dir),
            ("content_type", content_type),
            ("compression_type", compression_type),
            ("split_type", split_type),
            ("accept", self.accept),
            ("assemble_with", self.assemble_with),
            ("strategy", self.strategy),
            ("max_payload", self.max_payload),
            ("max_concurrent_transforms", self.max_concurrent_transforms),
            ("input_filter", input_filter),
            ("output_filter", output_filter),
            ("join_source", join_source),
        ):
            if value is not None:
                request[key] = value
        described = core.transforms.submit(request, base_dir=Path.cwd())
        self._current_job_name = described.TransformJobName
        self.latest_transform_job = TransformJob(self._current_job_name, self.sagemaker_session)
        if wait:
            self.latest_transform_job.wait(logs=logs)

    def _require_job(self) -> TransformJob:
        if self.latest_transform_job is None:
            raise ValueError("No transform job yet: call transform() first")
        return self.latest_transform_job

    def wait(self, logs: Any = True) -> None:
        """Block until the latest transform job ends; raises UnexpectedStatusException if it Failed."""
        self._require_job().wait(logs=logs)

    def describe(self) -> dict[str, Any]:
        return self._require_job().describe()

    def stop_transform_job(self, wait: bool = True) -> None:
        job = self._require_job()
        job.stop()
        if wait:
            job.core.transforms.wait(job.name, poll=0.25)

    @classmethod
    def attach(cls, transform_job_name: str, sagemaker_session: Any = None) -> Transformer:
        """A Transformer for an existing transform job, with its settings."""
        d = core_of(sagemaker_session).transforms.describe(transform_job_name)
        transformer = cls(
            model_name=d.ModelName,
            instance_count=d.TransformResources.InstanceCount,
            instance_type=d.TransformResources.InstanceType,
            strategy=d.BatchStrategy,
            assemble_with=d.TransformOutput.AssembleWith,
            output_path=d.TransformOutput.S3OutputPath,
            accept=d.TransformOutput.Accept,
            max_concurrent_transforms=d.MaxConcurrentTransforms,
            max_payload=d.MaxPayloadInMB,
            env=d.Environment,
            sagemaker_session=sagemaker_session,
        )
        transformer._current_job_name = transform_job_name
        transformer.latest_transform_job = TransformJob(transform_job_name, sagemaker_session)
        return transformer


def _tags(tags: Any) -> dict[str, str]:
    if not tags:
        return {}
    if isinstance(tags, Mapping):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t["Key"]): str(t["Value"]) for t in tags}


def _stamp(base: str) -> str:
    from ..transform.spec import generate_name

    return generate_name(base)


def transformer_for(model: str, *, model_name: str | None = None, entry_point: str | None = None, source_dir: str | None = None,
                    sagemaker_session: Any = None, **options: Any) -> Transformer:
    """What ``estimator.transformer()`` and ``Model.transformer()`` build."""
    return Transformer(
        model_name=model_name or model,
        model_data=model,
        entry_point=entry_point,
        source_dir=source_dir,
        **({"sagemaker_session": sagemaker_session} if sagemaker_session is not None else {}),
        **options,
    )


__all__ = ["TransformJob", "Transformer", "transformer_for"]
