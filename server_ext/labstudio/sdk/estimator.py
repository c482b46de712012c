"""``Estimator``: SageMaker's script-mode estimator, running the script as a local supervised job.

Names and semantics follow the SageMaker Python SDK (``fit``, ``latest_training_job``,
``model_data``, ``training_job_analytics``, ``attach``, ``deploy``) so a local-mode driver
only changes its imports. The job is submitted through the core's JobService: it is the
same row the panel and the CLI show, and it outlives the kernel.
"""
from __future__ import annotations

import json
import os
import re
import time
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..status import JobStatus
from ..store.util import tag_dict
from .analytics import TrainingJobAnalytics
from .compat import SageMakerArgumentWarning, check_instance_type, gpu_environment, split_kwargs, user_stacklevel
from .inputs import channels, content_types
from .job import TrainingJob, normalize_logs
from .model import Model, deploy_endpoint, make_predictor, with_framework
from .predictor import Predictor
from .session import core_of
from .staging import staged_source

if TYPE_CHECKING:
    from ..jobs.spec import JobSpec

EXPERIMENT_KEYS = ("ExperimentName", "TrialName", "TrialComponentDisplayName", "RunName")
_JOB_STAMP = re.compile(r"-\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2}-\d{3}$")  # what name_from_base appends


def name_from_base(base: str, now: float | None = None) -> str:
    """SageMaker's ``<base>-YYYY-MM-DD-HH-MM-SS-mmm`` (base cleaned to letters, digits, hyphens)."""
    now = time.time() if now is None else now
    stamp = time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    clean = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-") or "job"
    return f"{clean[: 63 - len(stamp) - 1].rstrip('-')}-{stamp}"


def _hosts(instance_count: Any, distribution: Any) -> tuple[int, dict[str, Any] | None]:
    """instance_count (hosts algo-1..algo-N) and SageMaker's distribution dict, checked as a
    job submit checks them, but at construction (a ValueError, as the SageMaker SDK raises)."""
    from ..errors import Invalid
    from ..jobs.spec import MAX_INSTANCES, parse_distribution, unused_distribution

    count = 1 if instance_count is None else instance_count
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_INSTANCES:
        raise ValueError(f"instance_count must be a whole number from 1 to {MAX_INSTANCES} (hosts algo-1..algo-N), got {instance_count!r}")
    if distribution is not None and not isinstance(distribution, Mapping):
        raise ValueError(f"distribution must be a dict such as {{'torch_distributed': {{'enabled': True}}}}, got {distribution!r}")
    try:
        parsed = parse_distribution(distribution, count)
    except Invalid as exc:
        raise ValueError(str(exc)) from None
    note = unused_distribution(distribution)
    if note:
        warnings.warn(note, SageMakerArgumentWarning, stacklevel=user_stacklevel())
    return count, parsed


class Estimator:
    """Run ``entry_point`` (SageMaker script mode) as a local training job.

    SageMaker-only arguments (``role``, ``framework_version``, ``image_uri``, ...) are accepted
    and ignored with one warning; ``instance_type`` is ``"local"`` or ``"local_gpu"``.
    """

    _predictor_cls: type[Predictor] = Predictor
    _serving_framework: str | None = None  # whose container's default handlers serve its model (model.with_framework)

    def __init__(
        self,
        entry_point: str | os.PathLike[str] | None = None,
        source_dir: str | os.PathLike[str] | None = None,
        hyperparameters: Mapping[str, Any] | None = None,
        instance_type: str | None = "local",
        instance_count: int | None = 1,
        metric_definitions: Sequence[Mapping[str, str]] | None = None,
        environment: Mapping[str, str] | None = None,
        max_run: int | None = None,
        base_job_name: str | None = None,
        output_path: str | None = None,
        dependencies: Sequence[str | os.PathLike[str]] | None = None,
        tags: Any = None,
        install_requirements: bool = True,
        distribution: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        from ..algorithms import algorithm_of, trainer
        from ..algorithms import metric_definitions as builtin_metrics
        from .workflow.pipeline_context import in_pipeline

        image_uri = kwargs.get("image_uri")
        # No entry point and a built-in algorithm's image: SageMaker's algorithm mode (algorithms/).
        self._algorithm = algorithm_of(image_uri) if entry_point is None and source_dir is None else None
        self.image_uri = image_uri
        self.role = kwargs.get("role")
        pipeline = in_pipeline(kwargs.get("sagemaker_session"))
        renamed = split_kwargs(type(self).__name__, {k: v for k, v in kwargs.items() if not (k == "image_uri" and self._algorithm)})
        instance_type = renamed.get("instance_type", instance_type)
        instance_count = renamed.get("instance_count", instance_count)
        max_run = renamed.get("max_run", max_run)
        if self._algorithm is not None:
            source_dir, entry_point = trainer(self._algorithm)
            install_requirements = False
            self._serving_framework = self._algorithm  # its model is served by the built-in container's defaults
        if entry_point is None:
            raise ValueError(
                "entry_point is required: labstudio runs a training script (SageMaker script mode), or SageMaker's built-in "
                "XGBoost algorithm when image_uri is image_uris.retrieve('xgboost', ...) and no entry_point is given"
            )
        # A pipeline step runs on this machine's backend whatever instance type it names (a parameter, too).
        self.instance_type = instance_type if pipeline else check_instance_type(instance_type)
        self.instance_count, self.distribution = _hosts(instance_count, distribution)
        self.entry_point = os.fspath(entry_point)
        self.source_dir = os.fspath(source_dir) if source_dir is not None else None
        self._hyperparameters: dict[str, Any] = dict(hyperparameters or {})
        self.metric_definitions = [dict(m) for m in (metric_definitions or [])]
        if self._algorithm is not None:
            given = {m["Name"] for m in self.metric_definitions}
            self.metric_definitions += [m for m in builtin_metrics(self._algorithm) if m["Name"] not in given]
        self.environment = dict(environment or {})
        self.max_run = max_run
        self.base_job_name = base_job_name
        self.output_path = output_path
        self.dependencies = [os.fspath(d) for d in (dependencies or [])]
        self.tags = tag_dict(tags)
        self.install_requirements = bool(install_requirements)  # pip install source_dir/requirements.txt first
        self.sagemaker_session = kwargs.get("sagemaker_session")
        self.latest_training_job: TrainingJob | None = None
        self._current_job_name: str | None = None

    def __repr__(self) -> str:
        job = f", latest_training_job={self._current_job_name!r}" if self._current_job_name else ""
        return f"{type(self).__name__}(entry_point={self.entry_point!r}{job})"

    # -- hyperparameters ---------------------------------------------------------------

    def hyperparameters(self) -> dict[str, Any]:
        return dict(self._hyperparameters)

    def set_hyperparameters(self, **kwargs: Any) -> None:
        self._hyperparameters.update(kwargs)

    # -- training ---------------------------------------------------------------------

    def fit(self, inputs: Any = None, wait: bool = True, logs: Any = "All", job_name: str | None = None,
            experiment_config: Mapping[str, str] | None = None) -> Any:
        """Submit the job; with ``wait`` block until it ends (live widget in a notebook, log text elsewhere).

        Interrupting the wait leaves the job running and says how to stop it.
        """
        from .workflow.pipeline_context import _JobStepArguments, in_pipeline

        if in_pipeline(self.sagemaker_session):  # a pipeline step's arguments, built with the definition
            from .workflow.requests import training_args

            return _JobStepArguments("fit", lambda: training_args(self, inputs), self)
        mode = normalize_logs(logs)
        experiment = self._experiment(experiment_config)
        core = core_of(self.sagemaker_session)
        with self._staged_source() as (source_dir, entry_point):
            request = self._training_request(inputs, source_dir, entry_point)
            request["tags"] = {**self.tags, **experiment["tags"]}
            name = job_name or (name_from_base(self.base_job_name) if self.base_job_name else None)
            if name:
                request["name"] = name
            if experiment["name"]:
                request["experiment_name"] = experiment["name"]
            if experiment["trial"]:
                request["trial_name"] = experiment["trial"]
            described = core.jobs.submit(self._with_given_source(request), base_dir=Path.cwd())
        self._current_job_name = described.TrainingJobName
        self.latest_training_job = TrainingJob(self._current_job_name, self.sagemaker_session, self.output_path)
        if experiment["run_name"] and described.RunId:
            core.experiments.update_run(described.RunId, name=experiment["run_name"])
        if wait:
            self.latest_training_job.wait(logs=mode)

    def _training_request(self, inputs: Any, source_dir: str | None, entry_point: str) -> dict[str, Any]:
        """The job request fit() submits, without name and experiment: the HyperparameterTuner
        sends the same dict as its trial template, so a tuned trial runs what fit() would."""
        hyperparameters = self._hyperparameters
        if self._algorithm is not None:  # the built-in algorithm takes its hyperparameters as strings
            hyperparameters = {k: v if isinstance(v, str) else json.dumps(v) for k, v in hyperparameters.items()}
        request: dict[str, Any] = {
            "entry_point": entry_point,
            "hyperparameters": hyperparameters,
            "channels": channels(inputs),
            "environment": {**gpu_environment(str(self.instance_type)), **self.environment},
            "metric_definitions": self.metric_definitions,
            "tags": dict(self.tags),
        }
        if source_dir is not None:
            request["source_dir"] = source_dir
        types = content_types(inputs)
        if types:
            request["content_types"] = types
        if self.max_run is not None:
            request["max_runtime_seconds"] = self.max_run
        if not self.install_requirements:
            request["install_requirements"] = False
        if self.instance_count != 1:
            request["instance_count"] = self.instance_count
        if self.distribution:
            request["distribution"] = self.distribution
        if self.output_path and "://" in self.output_path and not self.output_path.startswith("file:"):
            request["output_path"] = self.output_path  # the job uploads there itself (a local folder: _export copies)
        return request

    @staticmethod
    def _experiment(config: Mapping[str, str] | None) -> dict[str, Any]:
        """SageMaker's experiment_config: ExperimentName is the experiment, the display name names the run."""
        out: dict[str, Any] = {"name": None, "run_name": None, "trial": None, "tags": {}}
        if not config:
            return out
        if not isinstance(config, Mapping):
            raise ValueError("experiment_config must be a dict with ExperimentName (and optionally TrialName, TrialComponentDisplayName, RunName)")
        unknown = sorted(set(config) - set(EXPERIMENT_KEYS))
        if unknown:
            raise ValueError(f"experiment_config has unknown key(s) {', '.join(unknown)}; allowed: {', '.join(EXPERIMENT_KEYS)}")
        out["name"] = config.get("ExperimentName")
        out["run_name"] = config.get("TrialComponentDisplayName") or config.get("RunName")
        if config.get("TrialName"):
            out["trial"] = str(config["TrialName"])
        return out

    @contextmanager
    def _staged_source(self) -> Iterator[tuple[str | None, str]]:
        """With ``dependencies``, a temporary copy of the source plus each dependency at its root
        (SageMaker's layout, see staging.py); the job service snapshots it, so it is removed right after submit."""
        with staged_source(self.source_dir, self.entry_point, self.dependencies) as staged:
            yield staged

    def _with_given_source(self, request: dict[str, Any]) -> dict[str, Any] | JobSpec:
        """With ``dependencies`` the job's code is a staged copy, deleted after submit: the spec
        records the user's own folder (their source_dir, or the script's folder) for describe."""
        if not self.dependencies:
            return request
        from dataclasses import replace

        from ..jobs.spec import parse_spec

        given = Path(self.source_dir).expanduser() if self.source_dir is not None else Path(self.entry_point).expanduser().parent
        spec = parse_spec(request, base_dir=Path.cwd())
        return replace(spec, source_dir_given=str((Path.cwd() / given).resolve()))

    def _require_job(self) -> TrainingJob:
        if self.latest_training_job is None:
            raise ValueError("Estimator is not associated with a training job: call fit() first (or Estimator.attach(job_name))")
        return self.latest_training_job

    @property
    def model_data(self) -> str | None:
        """The model archive of the latest job (under output_path when given); None until it completed."""
        job = self._require_job()
        data = job.model_data
        if data is None:
            import warnings

            warnings.warn(f"training job {job.name} is {job.status}: it has no model archive (yet)", stacklevel=2)
        return data

    @property
    def training_job_analytics(self) -> TrainingJobAnalytics:
        job = self._require_job()
        return TrainingJobAnalytics(job.name, sagemaker_session=self.sagemaker_session)

    def describe(self) -> dict[str, Any]:
        return self._require_job().describe()

    def logs(self) -> None:
        """Print the latest job's log, following it until the job ends."""
        from ..cli.jobs import follow_logs

        follow_logs(core_of(self.sagemaker_session), self._require_job().name)

    @classmethod
    def attach(cls, training_job_name: str, sagemaker_session: Any = None, model_channel_name: str = "model") -> Estimator:
        """An estimator for an existing job (its script, hyperparameters, metrics), waiting for it as SageMaker does."""
        from ..jobs.spec import JobSpec

        core = core_of(sagemaker_session)
        job = core.jobs.get(training_job_name)
        spec = JobSpec.from_dict(job.spec)
        env = {k: v for k, v in spec.environment.items() if k != "SM_NUM_GPUS"}
        estimator = cls(
            entry_point=spec.entry_point,
            source_dir=str(core.jobs.code_dir(training_job_name)),
            hyperparameters=spec.user_hyperparameters,
            metric_definitions=spec.metric_definitions,
            environment=env,
            max_run=spec.max_runtime_seconds,
            tags=spec.tags,
            **({"sagemaker_session": sagemaker_session} if sagemaker_session is not None else {}),
        )
        estimator._current_job_name = training_job_name
        estimator.latest_training_job = TrainingJob(training_job_name, sagemaker_session)
        estimator.latest_training_job.wait(logs="None")
        return estimator

    # -- hosting ----------------------------------------------------------------------

    def _completed_job(self, action: str) -> TrainingJob:
        """The latest job, when Completed; else a ValueError saying what needs it (`action`:
        "be deployed", "run a batch transform", "make a Model"), since only then is there a model."""
        job = self._require_job()
        status = job.status
        if status != JobStatus.COMPLETED:
            raise ValueError(
                f"training job {job.name} is {status}: only a Completed job can {action}"
                + (" (wait for it with estimator.latest_training_job.wait())" if status in JobStatus.active() else "")
            )
        return job

    def create_model(self, entry_point: str | None = None, source_dir: str | None = None, env: Mapping[str, str] | None = None,
                     predictor_cls: type[Predictor] | None = None, **kwargs: Any) -> Model:
        """A Model of the latest job's archive, served by its code snapshot unless told otherwise."""
        split_kwargs(f"{type(self).__name__}.create_model", kwargs)
        job = self._completed_job("make a Model (create_model)")
        core = core_of(self.sagemaker_session)
        from ..jobs.spec import JobSpec

        spec = JobSpec.from_dict(core.jobs.get(job.name).spec)
        model = Model(
            model_data=job.model_data,
            entry_point=entry_point or (None if source_dir else spec.entry_point),
            source_dir=source_dir or str(core.jobs.code_dir(job.name)),
            predictor_cls=predictor_cls or self._predictor_cls,
            env=env,
            install_requirements=self.install_requirements,
            **({"sagemaker_session": self.sagemaker_session} if self.sagemaker_session is not None else {}),
        )
        model._serving_framework = self._serving_framework  # SageMaker returns the framework's Model class
        return model

    def deploy(self, initial_instance_count: int | None = 1, instance_type: str | None = "local", serializer: Any = None,
               deserializer: Any = None, endpoint_name: str | None = None, entry_point: str | None = None,
               source_dir: str | None = None, wait: bool = True, env: Mapping[str, str] | None = None, data_capture_config: Any = None,
               async_inference_config: Any = None, serverless_inference_config: Any = None, **kwargs: Any) -> Any:
        """Serve the latest job's model from a local endpoint; returns a Predictor bound to it (an
        AsyncPredictor with ``async_inference_config``; a serverless endpoint with ``serverless_inference_config``)."""
        split_kwargs(f"{type(self).__name__}.deploy", kwargs)
        check_instance_type(instance_type)
        job = self._completed_job("be deployed")
        name = deploy_endpoint(
            self.sagemaker_session,
            job.name,
            # SageMaker's name_from_base(base_job_name): one timestamp, not the job's plus a new one
            endpoint_name=endpoint_name or name_from_base(self.base_job_name or _JOB_STAMP.sub("", job.name) or job.name),
            entry_point=entry_point,
            source_dir=source_dir,
            instance_count=1 if initial_instance_count is None else initial_instance_count,
            environment=env,
            wait=wait,
            install_requirements=self.install_requirements,
            framework=self._serving_framework,
            data_capture_config=data_capture_config,
            async_inference_config=async_inference_config,
            serverless_inference_config=serverless_inference_config,
        )
        return make_predictor(self._predictor_cls, name, self.sagemaker_session, serializer, deserializer, async_inference_config)

    def register(self, content_types: Any = None, response_types: Any = None, inference_instances: Any = None,
                 transform_instances: Any = None, image_uri: str | None = None, model_package_name: str | None = None,
                 model_package_group_name: str | None = None, model_metrics: Any = None, metadata_properties: Any = None,
                 marketplace_cert: bool = False, approval_status: str | None = None, description: str | None = None,
                 compile_model_family: str | None = None, model_name: str | None = None, drift_check_baselines: Any = None,
                 customer_metadata_properties: Any = None, **kwargs: Any) -> Any:
        """Register the latest Completed job's model (its archive, code snapshot and entry point, unless
        create-model arguments such as ``entry_point``/``source_dir`` say otherwise) as the next version
        of ``model_package_group_name``; returns a ``labstudio.model.ModelPackage``."""
        from .compat import SAGEMAKER_ONLY
        from .model_package import register_model

        job = self._completed_job("be registered")
        create = {k: kwargs.pop(k) for k in ("entry_point", "source_dir", "env", "predictor_cls") if k in kwargs}
        split_kwargs(f"{type(self).__name__}.register", {k: kwargs.pop(k) for k in list(kwargs) if k in SAGEMAKER_ONLY})
        return register_model(
            self.sagemaker_session, owner=f"{type(self).__name__}.register", training_job=job.name, model_data=None,
            entry_point=create.get("entry_point"), source_dir=create.get("source_dir"), env=create.get("env"),
            predictor_cls=create.get("predictor_cls") or self._predictor_cls, role=None, content_types=content_types,
            response_types=response_types, inference_instances=inference_instances, transform_instances=transform_instances,
            model_package_name=model_package_name, model_package_group_name=model_package_group_name, model_metrics=model_metrics,
            metadata_properties=metadata_properties, marketplace_cert=marketplace_cert, approval_status=approval_status,
            description=description, customer_metadata_properties=customer_metadata_properties, image_uri=image_uri,
            compile_model_family=compile_model_family, model_name=model_name, drift_check_baselines=drift_check_baselines, **kwargs,
        )

    def transformer(self, instance_count: int | None = 1, instance_type: str | None = "local", strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None, accept: str | None = None,
                    env: Mapping[str, str] | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags: Any = None, entry_point: str | None = None,
                    source_dir: str | None = None, **kwargs: Any) -> Any:
        """A Transformer (batch transform) of the latest Completed job's model, served by its code snapshot."""
        from .transformer import transformer_for

        job = self._completed_job("run a batch transform (transformer)")
        return transformer_for(
            job.name, entry_point=entry_point, source_dir=source_dir, sagemaker_session=self.sagemaker_session,
            instance_count=instance_count, instance_type=instance_type, strategy=strategy, assemble_with=assemble_with,
            output_path=output_path, accept=accept, env=with_framework(env, self._serving_framework), max_concurrent_transforms=max_concurrent_transforms,
            max_payload=max_payload, tags=tags, install_requirements=self.install_requirements, **kwargs,
        )


# SageMaker's base names, for code that subclasses or type-checks against them.
EstimatorBase = Estimator
Framework = Estimator
