"""SageMaker's model registry in the SDK: ``Model.register()`` / ``Estimator.register()`` and
``ModelPackage``, which deploys (or batch-transforms with) a registered version.

Registering goes through the registry service: the same package the panel, the CLI and the
REST API show, numbered in its group, PendingManualApproval unless said otherwise. As the
SageMaker SDK does, ``register()`` creates the group when it does not exist yet.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from .compat import check_instance_type, split_kwargs, warn_ignored
from .model import Model, deploy_endpoint, make_predictor
from .model_metrics import ModelMetrics
from .predictor import Predictor
from .session import core_of

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
DEFAULT_GROUP = "ModelPackage"  # SageMaker's group when neither a group nor a package name is given

# register()'s SageMaker arguments labstudio keeps and shows back (DescribeModelPackage), and those it cannot use.
_KEPT = {"domain": "Domain", "task": "Task", "sample_payload_url": "SamplePayloadUrl", "source_uri": "SourceUri"}
_IGNORED = ("image_uri", "drift_check_baselines", "validation_specification", "framework", "framework_version", "nearest_model_name",
            "data_input_configuration", "skip_model_validation", "model_card", "model_life_cycle", "accept_eula", "model_type",
            "model_package_registration_type", "base_model", "compile_model_family", "model_name", "model_kms_key")


def _metrics(model_metrics: Any) -> dict[str, Any] | None:
    if model_metrics is None:
        return None
    if isinstance(model_metrics, ModelMetrics):
        return model_metrics._to_request_dict()
    if isinstance(model_metrics, Mapping):
        return dict(model_metrics)
    raise ValueError(f"model_metrics must be a labstudio.model_metrics.ModelMetrics, got {type(model_metrics).__name__}")


def _types(value: Any, name: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ValueError(f"{name} must be a list of strings, e.g. ['text/csv'], got {value!r}")
    return [str(v) for v in value]


def register_model(
    session: Any,
    *,
    owner: str,
    training_job: str | None,
    model_data: str | None,
    entry_point: str | None,
    source_dir: str | None,
    env: Mapping[str, str] | None,
    predictor_cls: Callable[..., Predictor] | None,
    role: str | None,
    content_types: Any = None,
    response_types: Any = None,
    inference_instances: Any = None,
    transform_instances: Any = None,
    model_package_name: str | None = None,
    model_package_group_name: str | None = None,
    model_metrics: Any = None,
    metadata_properties: Any = None,
    marketplace_cert: bool = False,
    approval_status: str | None = None,
    description: str | None = None,
    customer_metadata_properties: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> ModelPackage:
    """What both register() methods do: a versioned package in `model_package_group_name`."""
    ignored = [k for k in _IGNORED if kwargs.get(k) is not None]
    unknown = set(kwargs) - set(_IGNORED) - set(_KEPT)
    if unknown:
        raise TypeError(f"{owner}() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    warn_ignored(owner, ignored)
    if model_package_name is not None and model_package_group_name is None:
        raise ValueError("model_package_name makes an unversioned package, which labstudio does not keep: "
                         "give model_package_group_name (the package becomes its next version)")
    if approval_status is not None and approval_status not in APPROVAL_STATUSES:
        raise ValueError(f"approval_status must be one of {', '.join(APPROVAL_STATUSES)}, got {approval_status!r}")
    core = core_of(session)
    group = model_package_group_name or DEFAULT_GROUP
    metrics = _metrics(model_metrics)
    spec: dict[str, Any] = {}
    for key, value in (("SupportedContentTypes", _types(content_types, "content_types")),
                       ("SupportedResponseMIMETypes", _types(response_types, "response_types")),
                       ("SupportedRealtimeInferenceInstanceTypes", _types(inference_instances, "inference_instances")),
                       ("SupportedTransformInstanceTypes", _types(transform_instances, "transform_instances"))):
        if value is not None:
            spec[key] = value
    environment = {str(k): str(v) for k, v in (env or {}).items()}
    if entry_point:
        environment["SAGEMAKER_PROGRAM"] = entry_point
    if source_dir:
        environment["SAGEMAKER_SUBMIT_DIRECTORY"] = str((Path.cwd() / Path(source_dir).expanduser()).resolve())
    body: dict[str, Any] = {
        "ModelPackageGroupName": group,
        "ModelApprovalStatus": approval_status or "PendingManualApproval",
        "CreateGroup": True,
        "CertifyForMarketplace": bool(marketplace_cert),
    }
    if training_job is not None:
        body["TrainingJobName"] = training_job
    if model_data is not None or environment or spec:
        data = model_data if model_data is not None else core.jobs.get(str(training_job)).model_artifact
        body["InferenceSpecification"] = {"Containers": [{"ModelDataUrl": data, **({"Environment": environment} if environment else {})}], **spec}
    if description is not None:
        body["ModelPackageDescription"] = description
    if metrics:
        body["ModelMetrics"] = metrics
    if customer_metadata_properties:
        body["CustomerMetadataProperties"] = {str(k): str(v) for k, v in customer_metadata_properties.items()}
    if metadata_properties is not None:
        body["MetadataProperties"] = _metadata_properties(metadata_properties)
    for name, key in _KEPT.items():
        if kwargs.get(name) is not None:
            body[key] = str(kwargs[name])
    described = core.registry.create_package(body, base_dir=Path.cwd())
    return ModelPackage(role=role, model_package_arn=described["ModelPackageArn"], predictor_cls=predictor_cls, sagemaker_session=session)


def _metadata_properties(value: Any) -> dict[str, str]:
    """SageMaker's MetadataProperties object (commit id, repository...) or its request dict."""
    if hasattr(value, "_to_request_dict"):
        value = value._to_request_dict()
    if not isinstance(value, Mapping):
        raise ValueError(f"metadata_properties must be a MetadataProperties or a dict, got {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items() if v is not None}


class ModelPackage(Model):
    """A registered model package version, deployable as SageMaker's ``ModelPackage`` is.

    ``deploy()`` serves the package's archive with the inference code and entry point it was
    registered with, and returns a predictor when ``predictor_cls`` was given (None otherwise,
    as SageMaker does); ``transformer()`` runs a batch transform with it.
    """

    def __init__(self, role: str | None = None, model_data: str | None = None, algorithm_arn: str | None = None,
                 model_package_arn: str | None = None, predictor_cls: Callable[..., Predictor] | None = None,
                 sagemaker_session: Any = None, env: Mapping[str, str] | None = None, name: str | None = None, **kwargs: Any) -> None:
        split_kwargs(type(self).__name__, {"role": role, "sagemaker_session": sagemaker_session, **kwargs})
        if algorithm_arn is not None:
            raise ValueError("algorithm_arn names a SageMaker Marketplace algorithm, which labstudio cannot run; give model_package_arn")
        if not model_package_arn:
            raise ValueError("model_package_arn is required: a model package's ARN (or GROUP/VERSION, e.g. churn/3)")
        self.model_package_arn = model_package_arn
        self.role = role
        self.model_data = model_data or ""
        self.entry_point = None
        self.source_dir = None
        self.predictor_cls = predictor_cls
        self.env = dict(env or {})
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.install_requirements = True
        self.endpoint_name: str | None = None

    def __repr__(self) -> str:
        return f"ModelPackage(model_package_arn={self.model_package_arn!r})"

    def _describe(self) -> dict[str, Any]:
        return core_of(self.sagemaker_session).registry.describe_package(self.model_package_arn)

    def deploy(self, initial_instance_count: int | None = 1, instance_type: str | None = "local", serializer: Any = None,
               deserializer: Any = None, endpoint_name: str | None = None, wait: bool = True, data_capture_config: Any = None,
               async_inference_config: Any = None,
               serverless_inference_config: Any = None, **kwargs: Any) -> Any:
        """Serve this version from a local endpoint; a predictor when predictor_cls was given (an
        AsyncPredictor with ``async_inference_config``: SageMaker makes one then), else None."""
        split_kwargs(f"{type(self).__name__}.deploy", kwargs)
        check_instance_type(instance_type)
        self.endpoint_name = deploy_endpoint(
            self.sagemaker_session,
            self.model_package_arn,
            endpoint_name=endpoint_name or self.name,
            entry_point=None,
            source_dir=None,
            instance_count=1 if initial_instance_count is None else initial_instance_count,
            environment=self.env,
            wait=wait,
            install_requirements=self.install_requirements,
            data_capture_config=data_capture_config,
            async_inference_config=async_inference_config,
            serverless_inference_config=serverless_inference_config,
        )
        if self.predictor_cls is None and async_inference_config is None:
            return None
        return make_predictor(self.predictor_cls, self.endpoint_name, self.sagemaker_session, serializer, deserializer, async_inference_config)

    def transformer(self, instance_count: int | None = 1, instance_type: str | None = "local", strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None, accept: str | None = None,
                    env: Mapping[str, str] | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags: Any = None, **kwargs: Any) -> Any:
        """A Transformer running this version's model with its registered inference code."""
        from .transformer import transformer_for

        registry = core_of(self.sagemaker_session).registry
        package = registry.get_package(self.model_package_arn)
        code = registry.code_dir(package)
        return transformer_for(
            package.model_data, model_name=self.name or f"{package.group_name}-{package.version}",
            entry_point=package.entry_point, source_dir=str(code) if code is not None else None,
            sagemaker_session=self.sagemaker_session, instance_count=instance_count, instance_type=instance_type,
            strategy=strategy, assemble_with=assemble_with, output_path=output_path, accept=accept,
            env={**self.env, **(env or {})}, max_concurrent_transforms=max_concurrent_transforms,
            max_payload=max_payload, tags=tags, install_requirements=self.install_requirements, **kwargs,
        )

    def register(self, *args: Any, **kwargs: Any) -> ModelPackage:
        raise ValueError("this model package is registered already; register the Model or Estimator it came from to make a new version")

    def update_approval_status(self, approval_status: str, approval_description: str | None = None) -> None:
        """Approve, reject, or send back to PendingManualApproval (recorded in the package's history)."""
        if approval_status not in APPROVAL_STATUSES:
            raise ValueError(f"approval_status must be one of {', '.join(APPROVAL_STATUSES)}, got {approval_status!r}")
        core_of(self.sagemaker_session).registry.set_approval(self.model_package_arn, approval_status, approval_description)

    def update_customer_metadata(self, customer_metadata_properties: Mapping[str, str]) -> None:
        core_of(self.sagemaker_session).registry.update_package(
            self.model_package_arn, {"CustomerMetadataProperties": {str(k): str(v) for k, v in customer_metadata_properties.items()}}
        )

    def remove_customer_metadata_properties(self, customer_metadata_properties_to_remove: list[str]) -> None:
        core_of(self.sagemaker_session).registry.update_package(
            self.model_package_arn, {"CustomerMetadataPropertiesToRemove": list(customer_metadata_properties_to_remove)}
        )


def register_from_model(model: Model, owner: str, **kwargs: Any) -> ModelPackage:
    """Model.register(): a Completed training job named as model_data registers with its code; an
    archive or folder registers with the model's entry point and source dir."""
    core = core_of(model.sagemaker_session)
    job: str | None = None
    data: str | None = model.model_data
    if data and "/" not in data and "://" not in data and not Path(data).exists():
        from ..errors import NotFound

        try:
            found = core.jobs.get(data)
        except (NotFound, ValueError):
            found = None
        if found is not None:
            job, data = found.name, None
    return register_model(
        model.sagemaker_session, owner=owner, training_job=job, model_data=data, entry_point=model.entry_point,
        source_dir=model.source_dir, env=model.env, predictor_cls=model.predictor_cls, role=getattr(model, "role", None), **kwargs,
    )


__all__ = ["ModelPackage", "register_model", "register_from_model"]
