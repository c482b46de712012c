"""SageMaker's ``Model``: a model archive (or folder, or finished job) plus inference code, deployable.

``deploy`` creates a local endpoint through the endpoint service (the same row the panel
shows) and waits until it is InService, raising with the server's reason if it fails.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from .compat import check_instance_type, split_kwargs
from .exceptions import UnexpectedStatusException
from .predictor import Predictor
from .session import core_of


def with_framework(environment: Mapping[str, str] | None, framework: str | None) -> dict[str, str]:
    """The environment an endpoint or transform job of a framework's class gets: the framework
    named in it (``LABSTUDIO_SERVING_FRAMEWORK``), so the model server uses that framework
    container's default handlers whatever the object ``model_fn`` returns, as SageMaker's image
    would (an ``env`` that names one itself wins)."""
    env = dict(environment or {})
    if framework:
        from ..serving.spec import SERVING_FRAMEWORK_ENV

        env.setdefault(SERVING_FRAMEWORK_ENV, framework)
    return env


def async_request(session: Any, config: Any, endpoint_name: str | None) -> dict[str, Any] | None:
    """CreateEndpointConfig's AsyncInferenceConfig from the SDK's object; without an output_path,
    SageMaker's default place: ``async-endpoint-outputs/<endpoint>`` of the session's bucket."""
    if config is None:
        return None
    from .async_inference import AsyncInferenceConfig

    if not isinstance(config, AsyncInferenceConfig):
        raise ValueError(f"async_inference_config must be a labstudio.async_inference.AsyncInferenceConfig, got {type(config).__name__}")
    request = config._to_request_dict()
    if not request["OutputConfig"].get("S3OutputPath"):
        from .estimator import name_from_base
        from .session import Session

        own = session if isinstance(session, Session) else Session()
        request["OutputConfig"]["S3OutputPath"] = own.bucket_uri(None, f"async-endpoint-outputs/{endpoint_name or name_from_base('endpoint')}")
    return request


def deploy_endpoint(session: Any, source: str, *, endpoint_name: str | None, entry_point: str | None, source_dir: str | None,
                    instance_count: int, environment: Mapping[str, str] | None, wait: bool, install_requirements: bool = True,
                    framework: str | None = None, data_capture_config: Any = None, async_inference_config: Any = None, serverless_inference_config: Any = None) -> str:
    """Create the endpoint; returns its name. A Failed endpoint raises UnexpectedStatusException.
    ``framework`` is the deploying class's (``with_framework``); None leaves the choice to the model's type;
    ``data_capture_config`` a ``labstudio.model_monitor.DataCaptureConfig`` (what the endpoint captures).
    ``async_inference_config`` (an AsyncInferenceConfig) makes it asynchronous, ``serverless_inference_config``
    (a ServerlessInferenceConfig) serverless."""
    serverless = None
    if serverless_inference_config is not None:
        from .serverless import ServerlessInferenceConfig

        if not isinstance(serverless_inference_config, ServerlessInferenceConfig):
            raise ValueError(
                f"serverless_inference_config must be a labstudio.serverless.ServerlessInferenceConfig, got {type(serverless_inference_config).__name__}"
            )
        serverless = serverless_inference_config._to_request_dict()
    if not isinstance(instance_count, int) or isinstance(instance_count, bool) or instance_count < 1:
        raise ValueError(f"initial_instance_count must be a whole number of at least 1, got {instance_count!r}")
    described = core_of(session).endpoints.deploy(
        source,
        name=endpoint_name,
        entry_point=entry_point,
        source_dir=source_dir,
        workers=instance_count,
        environment=with_framework(environment, framework),
        install_requirements=install_requirements,
        async_inference_config=async_request(session, async_inference_config, endpoint_name),
        serverless_config=serverless,
        wait=wait,
        base_dir=Path.cwd(),
        data_capture=_capture(data_capture_config),
    )
    if described["EndpointStatus"] == "Failed":
        name = described["EndpointName"]
        raise UnexpectedStatusException(
            f"Error hosting endpoint {name}: Failed. Reason: {described.get('FailureReason')}. "
            f"See its log with `labstudio endpoints logs {name}`.",
            allowed_statuses=["InService"],
            actual_status="Failed",
        )
    return str(described["EndpointName"])


def _capture(config: Any) -> dict[str, Any] | None:
    if config is None:
        return None
    from .model_monitor import capture_request

    return capture_request(config)


class Model:
    """A deployable model: ``model_data`` is a model.tar.gz path/URI, a model folder, or a training job name."""

    # The framework whose container's default handlers serve it (with_framework): set by the
    # framework classes (PyTorchModel...); the generic Model lets the loaded object's type decide.
    _serving_framework: str | None = None

    def __init__(self, model_data: str | os.PathLike[str] | None = None, image_uri: str | None = None, role: str | None = None,
                 entry_point: str | None = None, source_dir: str | None = None, predictor_cls: Callable[..., Predictor] | None = None,
                 env: Mapping[str, str] | None = None, name: str | None = None, sagemaker_session: Any = None,
                 dependencies: list[str] | None = None, install_requirements: bool = True, **kwargs: Any) -> None:
        split_kwargs(type(self).__name__, {"image_uri": image_uri, "role": role, "sagemaker_session": sagemaker_session, **kwargs})
        if model_data is None:
            raise ValueError("model_data is required: a model.tar.gz path or file:// URI, a model folder, or a training job name")
        if dependencies:
            raise ValueError("dependencies are not supported when deploying; put the files in source_dir")
        from .workflow.entities import PipelineVariable

        # In a pipeline, model_data is usually a training step's property (ModelArtifacts.S3ModelArtifacts).
        self.model_data: Any = model_data if isinstance(model_data, PipelineVariable) else os.fspath(model_data)
        self.image_uri = image_uri
        self.role = role
        self.entry_point = entry_point
        self.source_dir = source_dir
        self.predictor_cls = predictor_cls
        self.env = dict(env or {})
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.install_requirements = bool(install_requirements)  # pip install the code's requirements.txt when served
        self.endpoint_name: str | None = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_data={self.model_data!r}, entry_point={self.entry_point!r})"

    def deploy(self, initial_instance_count: int | None = 1, instance_type: str | None = "local", serializer: Any = None,
               deserializer: Any = None, endpoint_name: str | None = None, wait: bool = True, data_capture_config: Any = None,
               async_inference_config: Any = None, serverless_inference_config: Any = None, **kwargs: Any) -> Any:
        """Start a local endpoint serving this model and return a Predictor bound to it (an
        AsyncPredictor with ``async_inference_config``; a serverless endpoint with ``serverless_inference_config``),
        capturing its traffic as ``data_capture_config`` says, for Model Monitor."""
        split_kwargs(f"{type(self).__name__}.deploy", kwargs)
        check_instance_type(instance_type)
        self.endpoint_name = deploy_endpoint(
            self.sagemaker_session,
            self.model_data,
            endpoint_name=endpoint_name or self.name,
            entry_point=self.entry_point,
            source_dir=self.source_dir,
            instance_count=1 if initial_instance_count is None else initial_instance_count,
            environment=self.env,
            wait=wait,
            install_requirements=self.install_requirements,
            framework=self._serving_framework,
            data_capture_config=data_capture_config,
            async_inference_config=async_inference_config,
            serverless_inference_config=serverless_inference_config,
        )
        return make_predictor(self.predictor_cls, self.endpoint_name, self.sagemaker_session, serializer, deserializer, async_inference_config)

    def register(self, content_types: Any = None, response_types: Any = None, inference_instances: Any = None,
                 transform_instances: Any = None, model_package_name: str | None = None, model_package_group_name: str | None = None,
                 image_uri: str | None = None, model_metrics: Any = None, metadata_properties: Any = None, marketplace_cert: bool = False,
                 approval_status: str | None = None, description: str | None = None, customer_metadata_properties: Any = None,
                 **kwargs: Any) -> Any:
        """Register this model as the next version of ``model_package_group_name`` (created when
        missing); returns a ``labstudio.model.ModelPackage``. See sdk/model_package.py. Under a
        pipeline session: a ModelStep's arguments (CreateModelPackage's)."""
        from .model_package import register_from_model
        from .workflow.pipeline_context import _ModelStepArguments, in_pipeline

        if in_pipeline(self.sagemaker_session):
            from .workflow.requests import package_args

            options = dict(content_types=content_types, response_types=response_types, inference_instances=inference_instances,
                           transform_instances=transform_instances, model_package_group_name=model_package_group_name or model_package_name,
                           model_metrics=model_metrics, metadata_properties=metadata_properties, approval_status=approval_status,
                           description=description, customer_metadata_properties=customer_metadata_properties, **kwargs)
            return _ModelStepArguments(self, "create_model_package_from_containers", lambda: package_args(self, **options))

        return register_from_model(
            self, f"{type(self).__name__}.register", content_types=content_types, response_types=response_types,
            inference_instances=inference_instances, transform_instances=transform_instances, model_package_name=model_package_name,
            model_package_group_name=model_package_group_name, image_uri=image_uri, model_metrics=model_metrics,
            metadata_properties=metadata_properties, marketplace_cert=marketplace_cert, approval_status=approval_status,
            description=description, customer_metadata_properties=customer_metadata_properties, **kwargs,
        )

    def create(self, instance_type: Any = None, accelerator_type: Any = None, serverless_inference_config: Any = None, tags: Any = None,
               accept_eula: Any = None, model_reference_arn: Any = None) -> Any:
        """SageMaker's CreateModel: under a pipeline session, a ModelStep's arguments; otherwise the
        model is recorded (describe_model answers it) under its name (generated when it has none)."""
        from .workflow.pipeline_context import _ModelStepArguments, in_pipeline
        from .workflow.requests import model_args

        if in_pipeline(self.sagemaker_session):
            return _ModelStepArguments(self, "create_model", lambda: model_args(self))
        from .estimator import name_from_base

        self.name = self.name or name_from_base("model")
        core_of(self.sagemaker_session).pipelines.record_model(self.name, model_args(self))
        return None

    def transformer(self, instance_count: int | None = 1, instance_type: str | None = "local", strategy: str | None = None,
                    assemble_with: str | None = None, output_path: str | None = None, accept: str | None = None,
                    env: Mapping[str, str] | None = None, max_concurrent_transforms: int | None = None,
                    max_payload: int | None = None, tags: Any = None, **kwargs: Any) -> Any:
        """A Transformer (batch transform) serving this model with its entry point, as deploy() would."""
        from .transformer import transformer_for

        return transformer_for(
            self.model_data, model_name=self.name, entry_point=self.entry_point, source_dir=self.source_dir,
            sagemaker_session=self.sagemaker_session, instance_count=instance_count, instance_type=instance_type,
            strategy=strategy, assemble_with=assemble_with, output_path=output_path, accept=accept,
            env=with_framework({**self.env, **(env or {})}, self._serving_framework), max_concurrent_transforms=max_concurrent_transforms,
            max_payload=max_payload, tags=tags, install_requirements=self.install_requirements, **kwargs,
        )


def make_predictor(predictor_cls: Callable[..., Predictor] | None, endpoint_name: str, session: Any,
                   serializer: Any, deserializer: Any, async_inference_config: Any = None) -> Any:
    """The predictor class's defaults unless the caller named a serializer/deserializer (SageMaker's rule);
    wrapped in an AsyncPredictor for an asynchronous endpoint, as SageMaker's deploy does."""
    predictor = (predictor_cls or Predictor)(endpoint_name, sagemaker_session=session)
    if serializer is not None:
        predictor.serializer = serializer
    if deserializer is not None:
        predictor.deserializer = deserializer
    if async_inference_config is not None:
        from .predictor_async import AsyncPredictor

        return AsyncPredictor(predictor, name=endpoint_name)
    return predictor


# SageMaker's base class of framework models (SKLearnModel...): here every Model runs a script.
FrameworkModel = Model
