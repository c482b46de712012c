"""Pipeline steps: a job step (training, processing, transform, tuning) holds the arguments its
SDK object returned under a pipeline session; its `properties` are references to what its job
will describe, resolved when a later step runs."""
from __future__ import annotations

from enum import Enum
from typing import Any

from .entities import Entity, RequestType, interpolate
from .pipeline_context import _JobStepArguments, _StepArguments
from .properties import Properties, PropertyFile
from .retry import RetryPolicy


class StepTypeEnum(Enum):
    CONDITION = "Condition"
    CREATE_MODEL = "Model"
    PROCESSING = "Processing"
    REGISTER_MODEL = "RegisterModel"
    TRAINING = "Training"
    TRANSFORM = "Transform"
    TUNING = "Tuning"
    FAIL = "Fail"


def _name(name: Any, kind: str) -> str:
    import re

    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z0-9\-_]{1,64}", name):
        raise ValueError(f"{kind} name {name!r} is not valid: use 1 to 64 letters, digits, '-' or '_'")
    return name


class Step(Entity):
    """A step of a pipeline: its name, type, arguments and what it depends on."""

    def __init__(self, name: str, display_name: str | None = None, description: str | None = None, step_type: StepTypeEnum | None = None,
                 depends_on: list[Any] | None = None) -> None:
        self.name = _name(name, "step")
        self.display_name = display_name
        self.description = description
        self.step_type = step_type
        self._depends_on = list(depends_on) if depends_on is not None else None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    @property
    def depends_on(self) -> list[Any] | None:
        return self._depends_on

    @depends_on.setter
    def depends_on(self, value: list[Any] | None) -> None:
        self._depends_on = list(value) if value is not None else None

    def add_depends_on(self, step_names: list[Any] | None) -> None:
        if not step_names:
            return
        self._depends_on = (self._depends_on or []) + list(step_names)

    @property
    def arguments(self) -> RequestType:
        raise NotImplementedError

    @property
    def step_only_arguments(self) -> RequestType:
        return self.arguments

    @property
    def properties(self) -> Any:
        raise NotImplementedError

    @property
    def ref(self) -> dict[str, str]:
        return {"Name": self.name}

    def _dependency_names(self) -> list[str]:
        """DependsOn as names (a step collection stands for its last step)."""
        out = []
        for item in self._depends_on or []:
            if isinstance(item, str):
                out.append(item)
            elif hasattr(item, "steps") and getattr(item, "steps", None):
                out.append(item.steps[-1].name)
            elif hasattr(item, "name"):
                out.append(item.name)
            else:
                raise ValueError(f"step {self.name!r}: depends_on holds {item!r}; give steps or step names")
        return out

    def to_request(self) -> RequestType:
        request: dict[str, Any] = {"Name": self.name, "Type": self.step_type.value if self.step_type else None,
                                   "Arguments": interpolate(self.arguments)}
        depends = self._dependency_names()
        if depends:
            request["DependsOn"] = depends
        if self.display_name:
            request["DisplayName"] = self.display_name
        if self.description:
            request["Description"] = self.description
        return request


class CacheConfig:
    """Step caching: reuse a successful run of this step with the same arguments and inputs that
    ended within `expire_after` (an ISO-8601 duration: 'P30D', 'PT12H')."""

    def __init__(self, enable_caching: bool = False, expire_after: str | None = None) -> None:
        if expire_after is not None and not isinstance(expire_after, str):
            raise TypeError("expire_after must be an ISO-8601 duration string such as 'P30D'")
        self.enable_caching = bool(enable_caching)
        self.expire_after = expire_after

    @property
    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"Enabled": self.enable_caching}
        if self.expire_after is not None:
            config["ExpireAfter"] = self.expire_after
        return {"CacheConfig": config}


class ConfigurableRetryStep(Step):
    def __init__(self, name: str, step_type: StepTypeEnum, display_name: str | None = None, description: str | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None) -> None:
        super().__init__(name, display_name, description, step_type, depends_on)
        self.retry_policies = list(retry_policies or [])

    def add_retry_policy(self, retry_policy: RetryPolicy) -> None:
        if retry_policy:
            self.retry_policies.append(retry_policy)

    def to_request(self) -> RequestType:
        request = super().to_request()
        if self.retry_policies:
            request["RetryPolicies"] = [p.to_request() for p in self.retry_policies]  # type: ignore[call-overload]
        return request


def _step_args(step_args: Any, kind: str, expected: tuple[str, ...], legacy: Any) -> _StepArguments:
    if legacy is not None and step_args is None:
        raise ValueError(f"{kind} needs step_args: call the object's method under a PipelineSession (e.g. estimator.fit()) and pass "
                         "what it returns; labstudio does not take the older estimator=/processor= form")
    if not isinstance(step_args, _StepArguments):
        raise ValueError(f"{kind}'s step_args must be what {' or '.join(expected)} returned under a PipelineSession or "
                         f"LocalPipelineSession, got {type(step_args).__name__}")
    if step_args.caller_name not in expected:
        raise ValueError(f"{kind}'s step_args must come from {' or '.join(expected)}; these came from {step_args.caller_name}()")
    return step_args


class _JobStep(ConfigurableRetryStep):
    _shape = ""

    def __init__(self, name: str, step_type: StepTypeEnum, step_args: _StepArguments, display_name: str | None, description: str | None,
                 cache_config: CacheConfig | None, depends_on: list[Any] | None, retry_policies: list[RetryPolicy] | None) -> None:
        super().__init__(name, step_type, display_name, description, depends_on, retry_policies)
        self.step_args = step_args
        self.cache_config = cache_config
        self._properties = Properties(step_name=name, shape_name=self._shape, step=self)

    @property
    def arguments(self) -> RequestType:
        return self.step_args.args

    @property
    def properties(self) -> Properties:
        return self._properties

    def to_request(self) -> RequestType:
        request = super().to_request()
        if self.cache_config:
            request.update(self.cache_config.config)  # type: ignore[union-attr]
        return request


class TrainingStep(_JobStep):
    """A training job; properties: DescribeTrainingJob's (ModelArtifacts.S3ModelArtifacts...)."""

    _shape = "DescribeTrainingJobResponse"

    def __init__(self, name: str, step_args: _JobStepArguments | None = None, estimator: Any = None, display_name: str | None = None,
                 description: str | None = None, inputs: Any = None, cache_config: CacheConfig | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None) -> None:
        args = _step_args(step_args, "TrainingStep", ("fit",), estimator)
        super().__init__(name, StepTypeEnum.TRAINING, args, display_name, description, cache_config, depends_on, retry_policies)


class ProcessingStep(_JobStep):
    """A processing job; properties: DescribeProcessingJob's; `property_files` are JSON files it writes."""

    _shape = "DescribeProcessingJobResponse"

    def __init__(self, name: str, step_args: _JobStepArguments | None = None, processor: Any = None, display_name: str | None = None,
                 description: str | None = None, inputs: Any = None, outputs: Any = None, job_arguments: Any = None, code: Any = None,
                 property_files: list[PropertyFile] | None = None, cache_config: CacheConfig | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None, kms_key: Any = None) -> None:
        args = _step_args(step_args, "ProcessingStep", ("run",), processor)
        super().__init__(name, StepTypeEnum.PROCESSING, args, display_name, description, cache_config, depends_on, retry_policies)
        self.property_files = list(property_files or [])
        for item in self.property_files:
            if not isinstance(item, PropertyFile):
                raise ValueError(f"ProcessingStep {name!r}: property_files must hold PropertyFile objects, got {type(item).__name__}")

    def to_request(self) -> RequestType:
        request = super().to_request()
        if self.property_files:
            request["PropertyFiles"] = [p.expr for p in self.property_files]  # type: ignore[call-overload]
        return request


class TransformStep(_JobStep):
    """A batch transform job; properties: DescribeTransformJob's."""

    _shape = "DescribeTransformJobResponse"

    def __init__(self, name: str, step_args: _JobStepArguments | None = None, transformer: Any = None, inputs: Any = None,
                 display_name: str | None = None, description: str | None = None, cache_config: CacheConfig | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None) -> None:
        args = _step_args(step_args, "TransformStep", ("transform",), transformer)
        super().__init__(name, StepTypeEnum.TRANSFORM, args, display_name, description, cache_config, depends_on, retry_policies)


class TuningStep(_JobStep):
    """A hyperparameter tuning job; properties: DescribeHyperParameterTuningJob's and the trials,
    best first (TrainingJobSummaries)."""

    _shape = "DescribeHyperParameterTuningJobResponse"

    def __init__(self, name: str, step_args: _JobStepArguments | None = None, tuner: Any = None, display_name: str | None = None,
                 description: str | None = None, inputs: Any = None, job_arguments: Any = None, cache_config: CacheConfig | None = None,
                 depends_on: list[Any] | None = None, retry_policies: list[RetryPolicy] | None = None) -> None:
        args = _step_args(step_args, "TuningStep", ("fit",), tuner)
        super().__init__(name, StepTypeEnum.TUNING, args, display_name, description, cache_config, depends_on, retry_policies)

    def get_top_model_s3_uri(self, top_k: int, s3_bucket: str, prefix: str = "") -> Any:
        """Where the top_k-th best trial's model archive is: <s3_bucket>/<prefix>/<trial>/output/model.tar.gz
        (the tuner's estimator must write its models under that output_path)."""
        from .functions import Join

        values: list[Any] = ["s3:/", s3_bucket]
        if prefix:
            values.append(prefix)
        values += [self.properties.TrainingJobSummaries[top_k].TrainingJobName, "output/model.tar.gz"]
        return Join(on="/", values=values)


class CreateModelStep(ConfigurableRetryStep):
    """Creates a model (SageMaker's CreateModel); properties: ModelName, PrimaryContainer..."""

    def __init__(self, name: str, step_args: Any = None, model: Any = None, inputs: Any = None, depends_on: list[Any] | None = None,
                 retry_policies: list[RetryPolicy] | None = None, display_name: str | None = None, description: str | None = None) -> None:
        super().__init__(name, StepTypeEnum.CREATE_MODEL, display_name, description, depends_on, retry_policies)
        if step_args is None:
            raise ValueError("CreateModelStep needs step_args: model.create() under a PipelineSession (or use ModelStep)")
        self.step_args = step_args
        self._properties = Properties(step_name=name, shape_name="DescribeModelOutput", step=self)

    @property
    def arguments(self) -> RequestType:
        args = self.step_args.args if isinstance(self.step_args, _StepArguments) else self.step_args
        return {k: v for k, v in dict(args).items() if k != "ModelName"}

    @property
    def properties(self) -> Properties:
        return self._properties


__all__ = ["CacheConfig", "ConfigurableRetryStep", "CreateModelStep", "ProcessingStep", "Step", "StepTypeEnum", "TrainingStep",
           "TransformStep", "TuningStep"]
