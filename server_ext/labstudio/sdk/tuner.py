"""SageMaker's ``HyperparameterTuner``, running its sweep as a local tuning job.

Names, arguments and answers follow the SageMaker Python SDK (``fit``, ``wait``,
``best_training_job``, ``best_estimator``, ``deploy``, ``attach``, ``analytics``,
``transfer_learning_tuner``...) so a driver written for SageMaker only changes its imports.
The tuner itself does no searching: it checks its arguments (a ValueError naming the
argument, before anything runs), builds the trial template from the estimator exactly as
``Estimator.fit`` builds its job, and hands both to the core's TuningService, whose detached
tuner process runs the trials as ordinary training jobs; so the sweep outlives the kernel.
"""
from __future__ import annotations

import importlib
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Invalid
from ..shapes.common import NAME_RE, NAME_RULE, to_json
from ..shapes.jobs import MetricDefinition
from ..shapes.tuning import MAX_TUNING_NAME
from ..shapes.tuning import ParameterRange as RangeShape
from ..shapes.validate import parse_value
from ..status import JobStatus
from ..store.util import tag_dict
from ..tracking.frames import CachedFrame
from .compat import split_kwargs, warn_ignored
from .exceptions import UnexpectedStatusException
from .frontend import display, in_notebook
from .session import core_of

if TYPE_CHECKING:
    import pandas as pd

    from ..core import Core
    from .estimator import Estimator
    from .predictor import Predictor

STRATEGIES = ("Bayesian", "Random", "Grid", "Hyperband")
OBJECTIVE_TYPES = ("Maximize", "Minimize")
EARLY_STOPPING_TYPES = ("Off", "Auto")
ALLOWED_END = (JobStatus.COMPLETED, JobStatus.STOPPED)
CHECK_INTERVAL = 1.0  # seconds between liveness checks of the tuner process while waiting


# -- ranges ------------------------------------------------------------------------------


class ParameterRange:
    """SageMaker's base of the numeric ranges: ``min_value``, ``max_value``, ``scaling_type``."""

    __all_types__ = ("Continuous", "Categorical", "Integer")
    kind = "Continuous"

    def __init__(self, min_value: float | int, max_value: float | int, scaling_type: str = "Auto") -> None:
        self.min_value = min_value
        self.max_value = max_value
        self.scaling_type = scaling_type

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.min_value!r}, {self.max_value!r}, scaling_type={self.scaling_type!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParameterRange) and type(other) is type(self) and other.as_request() == self.as_request()

    def __hash__(self) -> int:
        return hash(repr(self))

    def is_valid(self, value: Any) -> bool:
        return bool(self.min_value <= value <= self.max_value)

    @classmethod
    def cast_to_type(cls, value: Any) -> Any:
        return float(value)

    def as_tuning_range(self, name: str) -> dict[str, Any]:
        """SageMaker's ParameterRanges entry (values as strings)."""
        return {"Name": name, "MinValue": str(self.min_value), "MaxValue": str(self.max_value), "ScalingType": self.scaling_type}

    def as_request(self) -> dict[str, Any]:
        """This range in the REST request's shape."""
        return {"type": self.kind, "min_value": self.min_value, "max_value": self.max_value, "scaling_type": self.scaling_type}


class ContinuousParameter(ParameterRange):
    """A real-valued range: ``ContinuousParameter(0.01, 0.3, scaling_type="Logarithmic")``."""

    kind = "Continuous"


class IntegerParameter(ParameterRange):
    """A whole-number range: ``IntegerParameter(2, 8)``."""

    kind = "Integer"

    @classmethod
    def cast_to_type(cls, value: Any) -> Any:
        return int(float(value))


class CategoricalParameter(ParameterRange):
    """A choice among values: ``CategoricalParameter(["gbtree", "dart"])``. ``values`` holds them
    as strings, as SageMaker's does; the trials get them with their original types."""

    kind = "Categorical"

    def __init__(self, values: Any) -> None:  # SageMaker's signature
        raw = list(values) if isinstance(values, (list, tuple, set, frozenset)) else [values]
        self._raw = raw
        self.values = [str(v) for v in raw]
        self.scaling_type = "Auto"

    def __repr__(self) -> str:
        return f"CategoricalParameter({self._raw!r})"

    def is_valid(self, value: Any) -> bool:
        return str(value) in self.values

    @classmethod
    def cast_to_type(cls, value: Any) -> Any:
        return str(value)

    def as_tuning_range(self, name: str) -> dict[str, Any]:
        return {"Name": name, "Values": list(self.values)}

    def as_json_range(self, name: str) -> dict[str, Any]:
        import json

        return {"Name": name, "Values": [json.dumps(v) for v in self.values]}

    def as_request(self) -> dict[str, Any]:
        return {"type": "Categorical", "values": list(self._raw)}


def _range_from_describe(kind: str, spec: Mapping[str, Any]) -> ParameterRange:
    if kind == "CategoricalParameterRanges":
        return CategoricalParameter(list(spec["Values"]))
    cls: type[ParameterRange] = IntegerParameter if kind == "IntegerParameterRanges" else ContinuousParameter
    return cls(cls.cast_to_type(spec["MinValue"]), cls.cast_to_type(spec["MaxValue"]), scaling_type=spec.get("ScalingType") or "Auto")


# -- warm start --------------------------------------------------------------------------


class WarmStartTypes(Enum):
    """SageMaker's warm start types."""

    IDENTICAL_DATA_AND_ALGORITHM = "IdenticalDataAndAlgorithm"
    TRANSFER_LEARNING = "TransferLearning"


class WarmStartConfig:
    """Seed a tuning job's search with the finished trials of earlier (parent) tuning jobs."""

    def __init__(self, warm_start_type: WarmStartTypes | str, parents: Iterable[str]) -> None:
        try:
            self.type = warm_start_type if isinstance(warm_start_type, WarmStartTypes) else WarmStartTypes(warm_start_type)
        except ValueError:
            choices = ", ".join(t.value for t in WarmStartTypes)
            raise ValueError(f"warm_start_type {warm_start_type!r} is not available; use WarmStartTypes (values: {choices})") from None
        if isinstance(parents, str):
            parents = [parents]
        self.parents = set(parents or ())
        if not self.parents:
            raise ValueError("parents must name at least one earlier tuning job to warm start from")
        for parent in self.parents:
            if not isinstance(parent, str) or not NAME_RE.match(parent):
                raise ValueError(f"parents: {parent!r} is not a tuning job name ({NAME_RULE})")

    def __repr__(self) -> str:
        return f"WarmStartConfig({self.type}, parents={sorted(self.parents)!r})"

    @classmethod
    def from_job_desc(cls, warm_start_config: Mapping[str, Any] | None) -> WarmStartConfig | None:
        if not warm_start_config:
            return None
        parents = [p["HyperParameterTuningJobName"] for p in warm_start_config.get("ParentHyperParameterTuningJobs") or []]
        return cls(WarmStartTypes(warm_start_config["WarmStartType"]), parents)

    def to_input_req(self) -> dict[str, Any]:
        """SageMaker's WarmStartConfig request dict."""
        return {
            "WarmStartType": self.type.value,
            "ParentHyperParameterTuningJobs": [{"HyperParameterTuningJobName": p} for p in sorted(self.parents)],
        }

    def as_request(self) -> dict[str, Any]:
        return {"parents": sorted(self.parents), "type": self.type.value}


# -- the tuning job handle -----------------------------------------------------------------


class TuningJob:
    """SageMaker's ``tuner.latest_tuning_job``: ``.name``, ``describe()``, ``wait()``, ``stop()``."""

    def __init__(self, name: str, sagemaker_session: Any = None) -> None:
        self.name = name
        self.sagemaker_session = sagemaker_session

    @property
    def job_name(self) -> str:
        return self.name

    @property
    def core(self) -> Core:
        return core_of(self.sagemaker_session)

    def __repr__(self) -> str:
        return f"<TuningJob {self.name}>"

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = to_json(self.core.tuning.describe(self.name))
        return described

    def stop(self) -> None:
        self.core.tuning.stop(self.name)

    def monitor(self, **kwargs: Any) -> Any:
        """A live TuningMonitor widget for this tuning job."""
        from ..widgets import TuningMonitor

        return TuningMonitor(self, **kwargs)

    def wait(self) -> dict[str, Any]:
        """Block until the tuning job ends: a live widget in a notebook, a line per finished trial
        elsewhere, then one summary line. A Failed tuning job raises UnexpectedStatusException.

        Interrupting leaves the sweep running (it belongs to its tuner process) and says how to stop it.
        """
        try:
            described = self._wait_widget() if in_notebook() else self._wait_text()
        except KeyboardInterrupt:
            print(
                f"\nStopped waiting for tuning job {self.name}; it keeps running. To stop it: tuner.stop_tuning_job(), "
                f"or `labstudio tuning stop {self.name}`.",
                file=sys.stderr,
                flush=True,
            )
            raise
        _check_status(described)
        return described

    def _wait_widget(self) -> dict[str, Any]:
        from ..cli.tuning import tuning_summary

        monitor = self.monitor(autostart=False)
        display(monitor)
        tuning = self.core.tuning
        last_check = 0.0
        while True:
            now = time.monotonic()
            if now - last_check >= CHECK_INTERVAL:
                tuning.check(self.name)  # a tuner killed meanwhile is resumed while we wait
                last_check = now
            monitor.refresh()
            if monitor.finished.is_set():
                break
            time.sleep(0.5)
        described: dict[str, Any] = to_json(tuning.describe(self.name))
        print(tuning_summary(described), flush=True)
        return described

    def _wait_text(self) -> dict[str, Any]:
        from ..cli.tuning import follow, tuning_summary

        described = follow(self.core, self.name)
        print(tuning_summary(described), flush=True)
        return described


def _check_status(described: Mapping[str, Any]) -> None:
    status = described["HyperParameterTuningJobStatus"]
    if status in ALLOWED_END:
        return
    name = described["HyperParameterTuningJobName"]
    raise UnexpectedStatusException(
        f"Error for HyperParameterTuning job {name}: {status}. Reason: {described.get('FailureReason') or 'unknown'}. "
        f"See its trials with `labstudio tuning trials {name}`.",
        allowed_statuses=list(ALLOWED_END),
        actual_status=status,
    )


# -- the tuner ---------------------------------------------------------------------------


def tuning_name_from_base(base: str, now: float | None = None) -> str:
    """``<base>-YYMMDD-HHMMSS-mmm`` within SageMaker's 32 characters for tuning jobs."""
    now = time.time() if now is None else now
    stamp = time.strftime("%y%m%d-%H%M%S", time.gmtime(now)) + f"-{int((now % 1) * 1000):03d}"
    clean = re.sub(r"[^A-Za-z0-9]+", "-", base).strip("-") or "tuning"
    return f"{clean[: MAX_TUNING_NAME - len(stamp) - 1].rstrip('-')}-{stamp}"


def _choice(value: Any, choices: Sequence[str], argument: str) -> str:
    """One of a few words, any case (SageMaker's docs spell them both ways)."""
    if isinstance(value, str):
        for choice in choices:
            if value.lower() == choice.lower():
                return choice
    raise ValueError(f"{argument} {value!r} is not available; use one of {', '.join(choices)}")


def _whole(value: Any, argument: str, *, minimum: int = 1) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{argument} must be a whole number of at least {minimum}, got {value!r}")
    return value


def _optional_whole(value: Any, argument: str) -> int | None:
    return None if value is None else _whole(value, argument)


class HyperparameterTuner:
    """Tune an Estimator's hyperparameters: ``max_jobs`` trials, ``max_parallel_jobs`` at a time,
    each an ordinary local training job, chosen by the ``strategy`` (Optuna's samplers)."""

    TRIAL_TAG = "labstudio:tuning-job"

    def __init__(
        self,
        estimator: Estimator,
        objective_metric_name: str,
        hyperparameter_ranges: Mapping[str, ParameterRange],
        metric_definitions: Sequence[Mapping[str, str]] | None = None,
        strategy: str = "Bayesian",
        objective_type: str = "Maximize",
        max_jobs: int | None = None,
        max_parallel_jobs: int = 1,
        max_runtime_in_seconds: int | None = None,
        tags: Any = None,
        base_tuning_job_name: str | None = None,
        warm_start_config: WarmStartConfig | None = None,
        strategy_config: Any = None,
        completion_criteria_config: Any = None,
        early_stopping_type: str = "Off",
        estimator_name: str | None = None,
        random_seed: int | None = None,
        autotune: bool = False,
        hyperparameters_to_keep_static: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        split_kwargs(type(self).__name__, kwargs)  # sagemaker_session and other AWS-only names: one warning
        self.sagemaker_session = kwargs.get("sagemaker_session")
        if autotune:
            raise ValueError("autotune=True is not supported: labstudio does not choose ranges for you; give hyperparameter_ranges")
        warn_ignored(
            type(self).__name__,
            [k for k, v in (("strategy_config", strategy_config), ("completion_criteria_config", completion_criteria_config),
                            ("estimator_name", estimator_name), ("hyperparameters_to_keep_static", hyperparameters_to_keep_static))
             if v is not None],
        )
        if not callable(getattr(estimator, "_training_request", None)):
            raise ValueError(f"estimator must be a labstudio Estimator (or SKLearn, XGBoost, PyTorch), got {type(estimator).__name__}")
        self.estimator = estimator
        self.strategy = _choice(strategy, STRATEGIES, "strategy")
        self.objective_type = _choice(objective_type, OBJECTIVE_TYPES, "objective_type")
        self.early_stopping_type = _choice(early_stopping_type, EARLY_STOPPING_TYPES, "early_stopping_type")
        self.metric_definitions = self._check_metrics(metric_definitions)
        if not isinstance(objective_metric_name, str) or not objective_metric_name:
            raise ValueError(f"objective_metric_name must be a metric's name, got {objective_metric_name!r}")
        names = [m["Name"] for m in self._all_metric_definitions()]
        if objective_metric_name not in names:
            known = f"defined: {', '.join(names)}" if names else "none is defined"
            raise ValueError(
                f"objective_metric_name {objective_metric_name!r} is not among the metric definitions ({known}); "
                f"add {{'Name': {objective_metric_name!r}, 'Regex': ...}} to metric_definitions"
            )
        self.objective_metric_name = objective_metric_name
        self._hyperparameter_ranges = self._check_ranges(hyperparameter_ranges)
        if self.strategy == "Grid":
            continuous = [n for n, r in self._hyperparameter_ranges.items() if isinstance(r, ContinuousParameter)]
            if continuous:
                raise ValueError(f"strategy 'Grid' needs Integer or Categorical ranges; {', '.join(continuous)} is Continuous")
            self.max_jobs: int | None = _optional_whole(max_jobs, "max_jobs")
        else:
            self.max_jobs = 1 if max_jobs is None else _whole(max_jobs, "max_jobs")  # SageMaker's default
        self.max_parallel_jobs = _whole(max_parallel_jobs, "max_parallel_jobs")
        if self.max_jobs is not None and self.max_parallel_jobs > self.max_jobs:
            raise ValueError(f"max_parallel_jobs ({self.max_parallel_jobs}) cannot exceed max_jobs ({self.max_jobs})")
        self.max_runtime_in_seconds = _optional_whole(max_runtime_in_seconds, "max_runtime_in_seconds")
        if random_seed is not None and (not isinstance(random_seed, int) or isinstance(random_seed, bool)):
            raise ValueError(f"random_seed must be a whole number, got {random_seed!r}")
        self.random_seed = random_seed
        if warm_start_config is not None and not isinstance(warm_start_config, WarmStartConfig):
            raise ValueError(f"warm_start_config must be a WarmStartConfig, got {type(warm_start_config).__name__}")
        self.warm_start_config = warm_start_config
        if base_tuning_job_name is not None and not isinstance(base_tuning_job_name, str):
            raise ValueError(f"base_tuning_job_name must be a string, got {base_tuning_job_name!r}")
        self.base_tuning_job_name = base_tuning_job_name
        self.tags = {str(k): str(v) for k, v in tag_dict(tags).items()}
        self.latest_tuning_job: TuningJob | None = None
        self._current_job_name: str | None = None

    def __repr__(self) -> str:
        job = f", latest_tuning_job={self._current_job_name!r}" if self._current_job_name else ""
        return f"HyperparameterTuner(objective_metric_name={self.objective_metric_name!r}, strategy={self.strategy!r}{job})"

    # -- checks --------------------------------------------------------------------------

    @staticmethod
    def _check_metrics(metric_definitions: Any) -> list[dict[str, str]]:
        if metric_definitions is None:
            return []
        if isinstance(metric_definitions, (str, bytes)) or not isinstance(metric_definitions, Sequence):
            raise ValueError("metric_definitions must be a list of {'Name': ..., 'Regex': ...} dicts")
        try:
            parsed = parse_value(list[MetricDefinition], [dict(m) if isinstance(m, Mapping) else m for m in metric_definitions], "metric_definitions")
        except Invalid as exc:
            raise ValueError(exc.message) from None
        for item in parsed:
            try:
                re.compile(item.Regex)
            except re.error as exc:
                raise ValueError(f"metric_definitions: the Regex of {item.Name!r} is not a regular expression ({exc})") from None
        return [{"Name": m.Name, "Regex": m.Regex} for m in parsed]

    def _all_metric_definitions(self) -> list[dict[str, str]]:
        """The estimator's metric definitions, with the tuner's added (a name defined in both: the tuner's)."""
        merged = {m["Name"]: dict(m) for m in getattr(self.estimator, "metric_definitions", None) or []}
        merged.update({m["Name"]: m for m in self.metric_definitions})
        return list(merged.values())

    @staticmethod
    def _check_ranges(ranges: Any) -> dict[str, ParameterRange]:
        if not isinstance(ranges, Mapping) or not ranges:
            raise ValueError("hyperparameter_ranges must be a non-empty dict of name -> IntegerParameter/ContinuousParameter/CategoricalParameter")
        for name, value in ranges.items():
            if not isinstance(name, str) or not name:
                raise ValueError(f"hyperparameter_ranges: {name!r} is not a hyperparameter name")
            if not isinstance(value, ParameterRange):
                raise ValueError(
                    f"hyperparameter_ranges[{name!r}] must be an IntegerParameter, ContinuousParameter or CategoricalParameter, "
                    f"got {type(value).__name__}"
                )
        try:
            parse_value(dict[str, RangeShape], {n: r.as_request() for n, r in ranges.items()}, "hyperparameter_ranges")
        except Invalid as exc:
            raise ValueError(exc.message) from None
        return dict(ranges)

    # -- SageMaker's accessors ------------------------------------------------------------

    def hyperparameter_ranges(self) -> dict[str, list[dict[str, Any]]]:
        """SageMaker's ParameterRanges dict (ranges grouped by kind, values as strings)."""
        out: dict[str, list[dict[str, Any]]] = {f"{kind}ParameterRanges": [] for kind in ParameterRange.__all_types__}
        for name, rng in self._hyperparameter_ranges.items():
            out[f"{rng.kind}ParameterRanges"].append(rng.as_tuning_range(name))
        return out

    def _require_job(self) -> TuningJob:
        if self.latest_tuning_job is None:
            raise ValueError("No tuning job available: call fit() first (or HyperparameterTuner.attach(tuning_job_name))")
        return self.latest_tuning_job

    @property
    def core(self) -> Core:
        return core_of(self.sagemaker_session)

    # -- running ---------------------------------------------------------------------------

    def fit(self, inputs: Any = None, job_name: str | None = None, include_cls_metadata: bool = False,
            estimator_kwargs: Mapping[str, Any] | None = None, wait: bool = True, **kwargs: Any) -> Any:
        """Start the tuning job; with ``wait``, block until it ends (live widget in a notebook,
        a line per finished trial elsewhere). Trials run the estimator's script with its static
        hyperparameters plus the tuned ones, from a snapshot of its code taken now."""
        split_kwargs(f"{type(self).__name__}.fit", kwargs)
        from .workflow.pipeline_context import _JobStepArguments, in_pipeline

        if in_pipeline(self.sagemaker_session) or in_pipeline(getattr(self.estimator, "sagemaker_session", None)):
            from .workflow.requests import tuning_args

            return _JobStepArguments("fit", lambda: tuning_args(self, inputs), self)
        if estimator_kwargs:
            raise ValueError("estimator_kwargs is for tuners of several estimators, which labstudio does not run; tune one estimator")
        if job_name is not None and (not isinstance(job_name, str) or not NAME_RE.match(job_name) or len(job_name) > MAX_TUNING_NAME):
            raise ValueError(f"job_name {job_name!r} is invalid: use {NAME_RULE}, at most {MAX_TUNING_NAME} characters")
        name = job_name or (tuning_name_from_base(self.base_tuning_job_name) if self.base_tuning_job_name else None)
        estimator = self.estimator
        with estimator._staged_source() as (source_dir, entry_point):
            training = estimator._training_request(inputs, source_dir, entry_point)
            training["hyperparameters"] = {k: v for k, v in training["hyperparameters"].items() if k not in self._hyperparameter_ranges}
            training["metric_definitions"] = self._all_metric_definitions()
            request = self._request(training, name)
            described = self.core.tuning.submit(request, base_dir=Path.cwd())
        self._current_job_name = described.HyperParameterTuningJobName
        self.latest_tuning_job = TuningJob(self._current_job_name, self.sagemaker_session)
        if wait:
            self.latest_tuning_job.wait()
        elif in_notebook():
            display(self.latest_tuning_job.monitor())

    def _request(self, training: dict[str, Any], name: str | None) -> dict[str, Any]:
        request: dict[str, Any] = {
            "training": training,
            "objective_metric_name": self.objective_metric_name,
            "objective_type": self.objective_type,
            "hyperparameter_ranges": {n: r.as_request() for n, r in self._hyperparameter_ranges.items()},
            "strategy": self.strategy,
            "max_parallel_jobs": self.max_parallel_jobs,
            "early_stopping_type": self.early_stopping_type,
            "estimator_class": _estimator_class_path(type(self.estimator)),
        }
        optional = {
            "name": name, "max_jobs": self.max_jobs, "random_seed": self.random_seed, "max_runtime_in_seconds": self.max_runtime_in_seconds,
            "warm_start": self.warm_start_config.as_request() if self.warm_start_config else None, "tags": self.tags or None,
        }
        request.update({k: v for k, v in optional.items() if v is not None})
        return request

    def wait(self) -> None:
        """Block until the latest tuning job ends (see TuningJob.wait)."""
        self._require_job().wait()

    def stop_tuning_job(self) -> None:
        """Stop the latest tuning job: no new trials, every running trial stopped."""
        self._require_job().stop()

    def describe(self) -> dict[str, Any]:
        """DescribeHyperParameterTuningJob of the latest tuning job."""
        return self._require_job().describe()

    def best_training_job(self) -> str:
        """The name of the best trial so far (by the objective)."""
        described = self.describe()
        best = described.get("BestTrainingJob")
        if not best:
            raise ValueError(
                f"Best training job not available for tuning job {described['HyperParameterTuningJobName']} "
                f"({described['HyperParameterTuningJobStatus']}): no trial has reported {self.objective_metric_name} yet"
            )
        return str(best["TrainingJobName"])

    def best_estimator(self, best_training_job: Mapping[str, Any] | None = None) -> Estimator:
        """An estimator attached to the best trial (its code snapshot, hyperparameters, model)."""
        name = str(best_training_job["TrainingJobName"]) if best_training_job else self.best_training_job()
        kwargs = {"sagemaker_session": self.sagemaker_session} if self.sagemaker_session is not None else {}
        return type(self.estimator).attach(name, **kwargs)

    def deploy(self, initial_instance_count: int | None = 1, instance_type: str | None = "local", serializer: Any = None,
               deserializer: Any = None, endpoint_name: str | None = None, wait: bool = True, **kwargs: Any) -> Predictor:
        """Serve the best trial's model from a local endpoint; returns the estimator's kind of Predictor."""
        return self.best_estimator().deploy(
            initial_instance_count=initial_instance_count, instance_type=instance_type, serializer=serializer,
            deserializer=deserializer, endpoint_name=endpoint_name, wait=wait, **kwargs,
        )

    def analytics(self) -> HyperparameterTuningJobAnalytics:
        """The trials as a DataFrame (SageMaker's columns), via HyperparameterTuningJobAnalytics."""
        return HyperparameterTuningJobAnalytics(self._require_job().name, sagemaker_session=self.sagemaker_session)

    # -- building on earlier tuning jobs --------------------------------------------------

    def _warm_started(self, kind: WarmStartTypes, additional_parents: Iterable[str] | None, estimator: Estimator | None) -> HyperparameterTuner:
        parents = {self._require_job().name, *(additional_parents or ())}
        return HyperparameterTuner(
            estimator or self.estimator, self.objective_metric_name, dict(self._hyperparameter_ranges),
            metric_definitions=self.metric_definitions, strategy=self.strategy, objective_type=self.objective_type,
            max_jobs=self.max_jobs, max_parallel_jobs=self.max_parallel_jobs, max_runtime_in_seconds=self.max_runtime_in_seconds,
            tags=self.tags or None, base_tuning_job_name=self.base_tuning_job_name,
            warm_start_config=WarmStartConfig(kind, parents), early_stopping_type=self.early_stopping_type,
            random_seed=self.random_seed, **({"sagemaker_session": self.sagemaker_session} if self.sagemaker_session is not None else {}),
        )

    def transfer_learning_tuner(self, additional_parents: Iterable[str] | None = None, estimator: Estimator | None = None) -> HyperparameterTuner:
        """A new tuner warm-started (TransferLearning) from this one's tuning job."""
        return self._warm_started(WarmStartTypes.TRANSFER_LEARNING, additional_parents, estimator)

    def identical_dataset_and_algorithm_tuner(self, additional_parents: Iterable[str] | None = None) -> HyperparameterTuner:
        """A new tuner warm-started (IdenticalDataAndAlgorithm) from this one's tuning job."""
        return self._warm_started(WarmStartTypes.IDENTICAL_DATA_AND_ALGORITHM, additional_parents, None)

    @classmethod
    def attach(cls, tuning_job_name: str, sagemaker_session: Any = None, job_details: Mapping[str, Any] | None = None,
               estimator_cls: type[Estimator] | None = None) -> HyperparameterTuner:
        """A tuner for an existing tuning job: its estimator, ranges and settings rebuilt from the store."""
        from ..cli.jobs import _hp_value
        from .estimator import Estimator

        described = dict(job_details) if job_details else to_json(core_of(sagemaker_session).tuning.describe(tuning_job_name))
        config = described["HyperParameterTuningJobConfig"]
        definition = described["TrainingJobDefinition"]
        session = {"sagemaker_session": sagemaker_session} if sagemaker_session is not None else {}
        estimator = (estimator_cls or _estimator_class(definition.get("EstimatorClass")) or Estimator)(
            entry_point=definition["EntryPoint"],
            source_dir=definition.get("SourceDir"),
            hyperparameters={k: _hp_value(v) for k, v in (definition.get("StaticHyperParameters") or {}).items()},
            metric_definitions=(definition.get("AlgorithmSpecification") or {}).get("MetricDefinitions") or [],
            **session,
        )
        ranges = {
            spec["Name"]: _range_from_describe(kind, spec)
            for kind in ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")
            for spec in config["ParameterRanges"].get(kind) or []
        }
        limits = config["ResourceLimits"]
        objective = config["HyperParameterTuningJobObjective"]
        tuner = cls(
            estimator, objective["MetricName"], ranges, strategy=config["Strategy"], objective_type=objective["Type"],
            max_jobs=limits.get("MaxNumberOfTrainingJobs"), max_parallel_jobs=limits["MaxParallelTrainingJobs"],
            max_runtime_in_seconds=limits.get("MaxRuntimeInSeconds"), early_stopping_type=config.get("TrainingJobEarlyStoppingType") or "Off",
            random_seed=config.get("RandomSeed"), warm_start_config=WarmStartConfig.from_job_desc(described.get("WarmStartConfig")),
            **session,
        )
        tuner._current_job_name = described["HyperParameterTuningJobName"]
        tuner.latest_tuning_job = TuningJob(tuner._current_job_name, sagemaker_session)
        return tuner


def _estimator_class_path(cls: type) -> str:
    """`module.Class` of the nearest labstudio class in the estimator's ancestry (a user's own
    subclass records the labstudio estimator it extends): what attach() may import back."""
    for klass in cls.__mro__:
        if klass.__module__.startswith("labstudio."):
            return f"{klass.__module__}.{klass.__qualname__}"
    return "labstudio.sdk.estimator.Estimator"


def _estimator_class(path: str | None) -> type[Estimator] | None:
    """The estimator class fit() recorded, so that an attached tuner deploys with the framework's
    predictor (SageMaker's attach reads it from the training image). Only labstudio's own
    modules are imported from what the store says; anything else means the generic Estimator."""
    from .estimator import Estimator

    if not path or not path.startswith("labstudio."):
        return None
    module_name, _, class_name = path.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), class_name)
    except (ImportError, AttributeError):
        return None
    return found if isinstance(found, type) and issubclass(found, Estimator) else None


# -- analytics ---------------------------------------------------------------------------


class HyperparameterTuningJobAnalytics(CachedFrame):
    """SageMaker's tuning analytics: one DataFrame row per trial; the columns are each tuned
    hyperparameter, then TrainingJobName, TrainingJobStatus, FinalObjectiveValue,
    TrainingStartTime, TrainingEndTime, TrainingElapsedTimeSeconds."""

    def __init__(self, hyperparameter_tuning_job_name: str, sagemaker_session: Any = None) -> None:
        self._name = hyperparameter_tuning_job_name
        self._session = sagemaker_session
        self._frame: pd.DataFrame | None = None
        self._description: dict[str, Any] | None = None
        self._summaries: list[dict[str, Any]] | None = None

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<labstudio.HyperparameterTuningJobAnalytics for {self._name}>"

    def clear_cache(self) -> None:
        super().clear_cache()
        self._description = None
        self._summaries = None

    def description(self, force_refresh: bool = False) -> dict[str, Any]:
        if force_refresh or self._description is None:
            self._description = to_json(core_of(self._session).tuning.describe(self._name))
        assert self._description is not None
        return self._description

    def training_job_summaries(self, force_refresh: bool = False) -> list[dict[str, Any]]:
        from ..tuning.progress import all_trials

        if force_refresh or self._summaries is None:
            self._summaries = all_trials(core_of(self._session), self._name)
        return self._summaries

    @property
    def tuning_ranges(self) -> dict[str, dict[str, Any]]:
        """Each tuned hyperparameter's range, by name (SageMaker's dicts)."""
        ranges = self.description()["HyperParameterTuningJobConfig"]["ParameterRanges"]
        return {spec["Name"]: dict(spec) for kind in ("IntegerParameterRanges", "ContinuousParameterRanges", "CategoricalParameterRanges")
                for spec in ranges.get(kind) or []}

    def export_csv(self, filename: str) -> None:
        self.dataframe().to_csv(filename)

    def _fetch(self) -> pd.DataFrame:
        import pandas as pd

        from ..cli.tuning import TRIAL_COLUMNS, trial_records, tuned_names

        tuned = tuned_names(self.description(force_refresh=True))
        rows = trial_records(self.training_job_summaries(force_refresh=True), tuned)
        frame = pd.DataFrame(rows, columns=[*tuned, *TRIAL_COLUMNS])
        for column in ("TrainingStartTime", "TrainingEndTime"):
            frame[column] = pd.to_datetime(frame[column], utc=True)
        return frame


__all__ = [
    "CategoricalParameter", "ContinuousParameter", "HyperparameterTuner", "HyperparameterTuningJobAnalytics", "IntegerParameter",
    "ParameterRange", "TuningJob", "WarmStartConfig", "WarmStartTypes",
]
