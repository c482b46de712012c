"""SageMaker's processing classes (``sagemaker.processing``), running as local processing jobs.

``Processor`` runs a command, ``ScriptProcessor`` a script with a command (``["python3"]``),
``FrameworkProcessor`` a script from a ``source_dir``. Each ``run`` submits through the core's
ProcessingService: the job is the same row the panel, the CLI and the REST API show, and it
outlives the kernel. AWS-only arguments (role, image, volumes, KMS, network) are accepted and
ignored with one warning, as the Estimator does.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..store.util import tag_dict
from .compat import check_instance_type, user_stacklevel, warn_ignored
from .estimator import name_from_base
from .job import normalize_logs
from .kindjob import KindJobHandle, check_end
from .session import core_of
from .staging import staged_source

EXPERIMENT_KEYS = ("ExperimentName", "TrialName", "TrialComponentDisplayName", "RunName")


def _is_variable(value: Any) -> bool:
    from .workflow.entities import PipelineVariable

    return isinstance(value, PipelineVariable)


class ProcessingInput:
    """``sagemaker.processing.ProcessingInput``: ``source`` (a local file or folder) is copied to
    ``destination`` (under /opt/ml/processing/) before the script starts."""

    def __init__(
        self,
        source: str | os.PathLike[str] | None = None,
        destination: str | None = None,
        input_name: str | None = None,
        s3_data_type: str = "S3Prefix",
        s3_input_mode: str = "File",
        s3_data_distribution_type: str = "FullyReplicated",
        s3_compression_type: str = "None",
        s3_input: Any = None,
        dataset_definition: Any = None,
        app_managed: bool = False,
    ) -> None:
        if dataset_definition is not None:
            raise ValueError("dataset_definition (Athena/Redshift) is not available locally; export the data to a file and give it as source")
        if s3_input_mode != "File":
            raise ValueError(f"s3_input_mode={s3_input_mode!r}: local processing jobs copy their inputs (File mode); use 'File'")
        if s3_compression_type not in ("None", None):
            raise ValueError(f"s3_compression_type={s3_compression_type!r}: local inputs are copied as they are; use 'None'")
        if source is None or destination is None:
            raise ValueError("ProcessingInput needs a source (a local path) and a destination (a folder under /opt/ml/processing/)")
        self.source = source if _is_variable(source) else os.fspath(source)
        self.destination = destination
        self.input_name = input_name
        self.s3_data_type = s3_data_type
        self.s3_input_mode = s3_input_mode
        self.s3_data_distribution_type = s3_data_distribution_type
        self.s3_compression_type = s3_compression_type
        self.app_managed = app_managed

    def __repr__(self) -> str:
        return f"ProcessingInput(source={self.source!r}, destination={self.destination!r}, input_name={self.input_name!r})"

    def to_request(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source, "destination": self.destination}
        if self.input_name is not None:
            out["input_name"] = self.input_name
        return out


class ProcessingOutput:
    """``sagemaker.processing.ProcessingOutput``: ``source`` (under /opt/ml/processing/) is copied
    to ``destination`` (a local folder; default: the artifact store) when the script succeeds."""

    def __init__(
        self,
        source: str | None = None,
        destination: str | os.PathLike[str] | None = None,
        output_name: str | None = None,
        s3_upload_mode: str = "EndOfJob",
        app_managed: bool = False,
        feature_store_output: Any = None,
    ) -> None:
        if feature_store_output is not None:
            raise ValueError("feature_store_output is not available locally; write the features to a folder and give it as destination")
        if s3_upload_mode not in ("EndOfJob", "Continuous"):
            raise ValueError(f"s3_upload_mode must be 'EndOfJob' or 'Continuous', got {s3_upload_mode!r}")
        if s3_upload_mode == "Continuous":
            warnings.warn(
                "s3_upload_mode='Continuous': local processing jobs copy outputs once, when the script ends (EndOfJob).",
                UserWarning,
                stacklevel=user_stacklevel(),
            )
        if source is None:
            raise ValueError("ProcessingOutput needs a source: the folder under /opt/ml/processing/ the script writes")
        self.source = source
        self.destination = destination if destination is None or _is_variable(destination) else os.fspath(destination)
        self.output_name = output_name
        self.s3_upload_mode = s3_upload_mode
        self.app_managed = app_managed

    def __repr__(self) -> str:
        return f"ProcessingOutput(source={self.source!r}, destination={self.destination!r}, output_name={self.output_name!r})"

    def to_request(self) -> dict[str, Any]:
        out: dict[str, Any] = {"source": self.source}
        if self.destination is not None:
            out["destination"] = self.destination
        if self.output_name is not None:
            out["output_name"] = self.output_name
        return out


class ProcessingJob(KindJobHandle):
    """``sagemaker.processing.ProcessingJob``: ``describe()``, ``wait()``, ``stop()``, ``logs()``."""

    KIND = "processing"
    STOP_HINT = "processor.latest_job.stop()"
    WAIT_POLL = 0.5

    def __init__(self, sagemaker_session: Any = None, job_name: str | None = None, inputs: Any = None, outputs: Any = None,
                 output_kms_key: str | None = None) -> None:
        if not job_name:
            raise ValueError("ProcessingJob needs the job_name")
        self.sagemaker_session = sagemaker_session
        self.job_name = job_name
        self.inputs = list(inputs or [])
        self.outputs = list(outputs or [])

    @classmethod
    def from_processing_name(cls, sagemaker_session: Any, processing_job_name: str) -> ProcessingJob:
        """A handle on an existing job, its inputs and outputs read back from its description."""
        job = cls(sagemaker_session, processing_job_name)
        described = job.describe()
        job.inputs = [
            ProcessingInput(source=i["S3Input"]["S3Uri"], destination=i["S3Input"]["LocalPath"], input_name=i["InputName"])
            for i in described["ProcessingInputs"]
        ]
        job.outputs = [
            ProcessingOutput(source=o["S3Output"]["LocalPath"], destination=o["S3Output"]["S3Uri"], output_name=o["OutputName"])
            for o in described["ProcessingOutputConfig"]["Outputs"]
        ]
        return job

    @property
    def name(self) -> str:
        return self.job_name

    def _summary(self, described: Mapping[str, Any]) -> str:
        from ..cli.processing import processing_summary

        return processing_summary(described)

    def wait(self, logs: Any = True) -> None:
        """Block until the job ends, printing its log (unless ``logs=False``).

        Raises UnexpectedStatusException when it Failed (Stopped is accepted, as in SageMaker).
        Interrupting the wait leaves the job running and says how to stop it."""
        self._wait(logs)


def check_status(described: Mapping[str, Any]) -> None:
    check_end(described, "ProcessingJob", "processing")


def _experiment(config: Mapping[str, str] | None) -> dict[str, Any]:
    if not config:
        return {}
    if not isinstance(config, Mapping):
        raise ValueError("experiment_config must be a dict with ExperimentName (and optionally TrialName)")
    unknown = sorted(set(config) - set(EXPERIMENT_KEYS))
    if unknown:
        raise ValueError(f"experiment_config has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(EXPERIMENT_KEYS)}")
    out: dict[str, Any] = {}
    if config.get("ExperimentName"):
        out["experiment_name"] = config["ExperimentName"]
    if config.get("TrialName"):
        out["trial_name"] = str(config["TrialName"])
    return out


def _requests(items: Sequence[Any] | None, cls: type[ProcessingInput] | type[ProcessingOutput], what: str) -> list[dict[str, Any]]:
    """The request entries of `inputs`/`outputs`, each checked to be a `cls`."""
    out = []
    for i, item in enumerate(items or []):
        if not isinstance(item, cls):
            raise ValueError(f"{what}[{i}] must be a {cls.__name__}, got {type(item).__name__}")
        out.append(item.to_request())
    return out


class Processor:
    """``sagemaker.processing.Processor``: runs ``entrypoint`` (SageMaker's ContainerEntrypoint)
    with the run's arguments, as a local processing job."""

    _default_base = "processing"

    def __init__(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        instance_count: int | None = 1,
        instance_type: str | None = "local",
        entrypoint: Sequence[str] | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: Mapping[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
        _ignored: Sequence[str] = (),
    ) -> None:
        ignored = list(_ignored)  # a subclass's own ignored arguments: one warning for all of them
        ignored += [k for k, v in (("role", role), ("image_uri", image_uri), ("volume_kms_key", volume_kms_key),
                                  ("output_kms_key", output_kms_key), ("network_config", network_config)) if v is not None]
        if volume_size_in_gb != 30:
            ignored.append("volume_size_in_gb")
        warn_ignored(type(self).__name__, ignored)
        from .workflow.pipeline_context import in_pipeline

        # A pipeline step runs on this machine's backend whatever instance type it names.
        self.instance_type = instance_type if in_pipeline(sagemaker_session) else check_instance_type(instance_type)
        if instance_count not in (None, 1):
            raise ValueError(f"instance_count={instance_count!r}: local processing jobs run on one host; use instance_count=1")
        self.instance_count = 1
        self.role = role
        self.image_uri = image_uri
        self.entrypoint = list(entrypoint) if entrypoint is not None else None
        self.max_runtime_in_seconds = max_runtime_in_seconds
        self.base_job_name = base_job_name
        self.sagemaker_session = sagemaker_session
        self.env = dict(env or {})
        self.tags = tag_dict(tags)
        self.jobs: list[ProcessingJob] = []
        self.latest_job: ProcessingJob | None = None
        self._current_job_name: str | None = None

    def __repr__(self) -> str:
        job = f", latest_job={self._current_job_name!r}" if self._current_job_name else ""
        return f"{type(self).__name__}(instance_type={self.instance_type!r}{job})"

    def run(
        self,
        inputs: Sequence[ProcessingInput] | None = None,
        outputs: Sequence[ProcessingOutput] | None = None,
        arguments: Sequence[str] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
        kms_key: str | None = None,
    ) -> Any:
        """Run ``entrypoint`` with ``arguments``; with ``wait``, block until it ends."""
        if not self.entrypoint:
            raise ValueError("Processor needs an entrypoint (the command to run, e.g. ['python3', 'script.py']); use ScriptProcessor to run a script")
        warn_ignored(type(self).__name__ + ".run", ["kms_key"] if kms_key else [])
        if self._in_pipeline():
            return self._step_args(inputs, outputs, arguments)
        self._submit({"entrypoint": self.entrypoint}, inputs, outputs, arguments, wait, logs, job_name, experiment_config, Path(self.entrypoint[-1]).stem)
        return None

    def _in_pipeline(self) -> bool:
        from .workflow.pipeline_context import in_pipeline

        return in_pipeline(self.sagemaker_session)

    def _step_args(self, inputs: Any, outputs: Any, arguments: Any, code: str | None = None, source_dir: str | None = None,
                   dependencies: Sequence[str] = ()) -> Any:
        """Under a pipeline session: the step's arguments (CreateProcessingJob's), built with the definition."""
        from .workflow.pipeline_context import _JobStepArguments
        from .workflow.requests import processing_args

        _requests(inputs, ProcessingInput, "inputs")
        _requests(outputs, ProcessingOutput, "outputs")
        return _JobStepArguments("run", lambda: processing_args(self, inputs, outputs, arguments, code, source_dir, dependencies), self)

    def _submit(
        self, code_request: dict[str, Any], inputs: Any, outputs: Any, arguments: Any, wait: bool, logs: Any,
        job_name: str | None, experiment_config: Mapping[str, str] | None, stem: str,
    ) -> None:
        mode = normalize_logs(logs)
        request: dict[str, Any] = {
            **code_request,
            "inputs": _requests(inputs, ProcessingInput, "inputs"),
            "outputs": _requests(outputs, ProcessingOutput, "outputs"),
            "arguments": [str(a) for a in (arguments or [])],
            "environment": dict(self.env),
            "tags": dict(self.tags),
            **_experiment(experiment_config),
        }
        name = job_name or name_from_base(self.base_job_name or stem or self._default_base)
        request["name"] = name
        if self.max_runtime_in_seconds is not None:
            request["max_runtime_seconds"] = self.max_runtime_in_seconds
        described = core_of(self.sagemaker_session).processing.submit(request, base_dir=Path.cwd())
        self._current_job_name = described.ProcessingJobName
        job = ProcessingJob(self.sagemaker_session, self._current_job_name, list(inputs or []), list(outputs or []))
        self.latest_job = job
        self.jobs.append(job)
        if wait:
            job.wait(logs=mode != "None")


class ScriptProcessor(Processor):
    """``sagemaker.processing.ScriptProcessor``: runs ``code`` with ``command`` (default ``["python3"]``,
    this Python environment's interpreter). The script lands in /opt/ml/processing/input/code/."""

    install_requirements = True  # FrameworkProcessor's switch; a lone script has no requirements.txt

    def __init__(
        self,
        role: str | None = None,
        image_uri: str | None = None,
        command: Sequence[str] | None = None,
        instance_count: int | None = 1,
        instance_type: str | None = "local",
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: Mapping[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
        _ignored: Sequence[str] = (),
    ) -> None:
        super().__init__(role=role, image_uri=image_uri, instance_count=instance_count, instance_type=instance_type,
                         volume_size_in_gb=volume_size_in_gb, volume_kms_key=volume_kms_key, output_kms_key=output_kms_key,
                         max_runtime_in_seconds=max_runtime_in_seconds, base_job_name=base_job_name,
                         sagemaker_session=sagemaker_session, env=env, tags=tags, network_config=network_config,
                         _ignored=_ignored)
        self.command = list(command) if command else ["python3"]

    def run(  # type: ignore[override]  # SageMaker's ScriptProcessor.run takes the script first
        self,
        code: str | os.PathLike[str],
        inputs: Sequence[ProcessingInput] | None = None,
        outputs: Sequence[ProcessingOutput] | None = None,
        arguments: Sequence[str] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
        kms_key: str | None = None,
    ) -> Any:
        """Run the script ``code`` (a local file); with ``wait``, block until it ends."""
        return self._run_code(code, None, inputs, outputs, arguments, wait, logs, job_name, experiment_config, kms_key)

    def _run_code(
        self, code: str | os.PathLike[str], source_dir: str | os.PathLike[str] | None, inputs: Any, outputs: Any, arguments: Any,
        wait: bool, logs: Any, job_name: str | None, experiment_config: Mapping[str, str] | None, kms_key: str | None,
    ) -> Any:
        warn_ignored(type(self).__name__ + ".run", ["kms_key"] if kms_key else [])
        local = _local_code(code)
        if self._in_pipeline():
            return self._step_args(inputs, outputs, arguments, local, os.fspath(source_dir) if source_dir is not None else None)
        request: dict[str, Any] = {"code": local, "command": self.command}
        if source_dir is not None:
            request["source_dir"] = os.fspath(source_dir)
        if not self.install_requirements:
            request["install_requirements"] = False
        self._submit(request, inputs, outputs, arguments, wait, logs, job_name, experiment_config, Path(local).stem)
        return None


def _local_code(code: Any) -> str:
    text = os.fspath(code)
    if "://" in text and not text.startswith("file://"):
        raise ValueError(f"code {text!r}: give a local script path (remote code is not fetched by local jobs)")
    return text


class FrameworkProcessor(ScriptProcessor):
    """``sagemaker.processing.FrameworkProcessor``: runs ``code`` from ``source_dir`` (snapshotted
    with it, ``dependencies`` copied next to it), as the framework's images do, in this Python
    environment; a ``requirements.txt`` at the code's root is pip-installed first, as for training."""

    def __init__(
        self,
        estimator_cls: Any = None,
        framework_version: str | None = None,
        role: str | None = None,
        instance_count: int | None = 1,
        instance_type: str | None = "local",
        py_version: str = "py3",
        image_uri: str | None = None,
        command: Sequence[str] | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        code_location: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: Mapping[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
        install_requirements: bool = True,
    ) -> None:
        ignored = [k for k, v in (("framework_version", framework_version), ("code_location", code_location)) if v is not None]
        if py_version not in ("py3", None):
            ignored.append("py_version")
        super().__init__(role=role, image_uri=image_uri, command=command, instance_count=instance_count,
                         instance_type=instance_type, volume_size_in_gb=volume_size_in_gb, volume_kms_key=volume_kms_key,
                         output_kms_key=output_kms_key, max_runtime_in_seconds=max_runtime_in_seconds,
                         base_job_name=base_job_name, sagemaker_session=sagemaker_session, env=env, tags=tags,
                         network_config=network_config, _ignored=ignored)
        self.estimator_cls = estimator_cls
        self.framework_version = framework_version
        self.install_requirements = bool(install_requirements)  # pip install source_dir/requirements.txt first (--no-requirements)
        self.py_version = py_version

    def run(  # type: ignore[override]  # FrameworkProcessor.run adds source_dir and dependencies
        self,
        code: str | os.PathLike[str],
        source_dir: str | os.PathLike[str] | None = None,
        dependencies: Sequence[str] | None = None,
        git_config: Mapping[str, str] | None = None,
        inputs: Sequence[ProcessingInput] | None = None,
        outputs: Sequence[ProcessingOutput] | None = None,
        arguments: Sequence[str] | None = None,
        wait: bool = True,
        logs: bool = True,
        job_name: str | None = None,
        experiment_config: Mapping[str, str] | None = None,
        kms_key: str | None = None,
    ) -> Any:
        """Run ``code`` (relative to ``source_dir`` when given); with ``wait``, block until it ends."""
        if git_config is not None:
            raise ValueError("git_config is not supported: clone the repository yourself and pass its folder as source_dir")
        deps = [os.fspath(d) for d in (dependencies or [])]
        if self._in_pipeline():
            return self._step_args(inputs, outputs, arguments, _local_code(code), os.fspath(source_dir) if source_dir is not None else None, deps)
        local = _local_code(code).removeprefix("file://") if deps else code
        src = os.fspath(source_dir) if source_dir is not None else None
        # SageMaker's packing: each dependency lands by name next to the code (a requirements.txt
        # among them is installed first); the job snapshots the staged copy at submit.
        with staged_source(src, os.fspath(local), deps) as (staged_dir, staged_code):
            return self._run_code(staged_code, staged_dir, inputs, outputs, arguments, wait, logs, job_name, experiment_config, kms_key)


__all__ = ["FrameworkProcessor", "ProcessingInput", "ProcessingJob", "ProcessingOutput", "Processor", "ScriptProcessor", "check_status"]
