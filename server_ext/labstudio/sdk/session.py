"""The store an SDK object talks to, and SageMaker's ``Session``/``LocalSession`` names for it.

Every SDK object resolves its Core through here, once per store: a kernel started by the
Jupyter server has LABSTUDIO_HOME / LABSTUDIO_DB_URL in its environment, so jobs launched
from a notebook land in the store the panel shows. The cache is keyed by those variables so
a test (or a user) that points them elsewhere gets a fresh Core, not a stale one.

A driver calls a few session methods even in local mode (``upload_data``, ``default_bucket``,
``boto_region_name``, ``sagemaker_client.describe_training_job``...). Each one does its local
equivalent here; the AWS calls that have none say so by name instead of failing obscurely.
"""
from __future__ import annotations

import io
import os
import threading
import warnings
from typing import TYPE_CHECKING, Any

from ..config import Settings, getenv
from ..shapes.common import to_json
from . import storage
from .automl_client import AutoMLClientMethods
from .boto_errors import operation
from .compat import SageMakerArgumentWarning, user_stacklevel
from .monitoring_client import MonitoringClientMethods
from .pipelines_client import PipelineClientMethods
from .registry_client import RegistryClientMethods

if TYPE_CHECKING:
    from ..core import Core

_LOCK = threading.Lock()
_CORES: dict[tuple[str, str, str], Core] = {}

LOCAL_REGION = "local"
PLACEHOLDER_ROLE = "arn:aws:iam::000000000000:role/labstudio-local"
PLACEHOLDER_ACCOUNT = "000000000000"


def get_core() -> Core:
    """The Core for the store the environment names (cached per store)."""
    settings = Settings.from_env()
    key = (str(settings.home), settings.db_url, settings.artifact_uri)
    with _LOCK:
        core = _CORES.get(key)
        if core is None:
            from ..core import Core

            core = _CORES[key] = Core(settings)
        return core


def _no_local_meaning(owner: str, name: str) -> AttributeError:
    return AttributeError(
        f"{owner}.{name} is an AWS API call with no local equivalent in labstudio; "
        "jobs and endpoints are run and inspected with the SDK objects, `labstudio jobs ...`/`labstudio endpoints ...` or the Studio panel"
    )


class _BotoSessionStandIn:
    """``session.boto_session``: the region a driver reads; AWS clients are refused by name."""

    def __init__(self, region_name: str, local_clients: dict[str, Any] | None = None) -> None:
        self.region_name = region_name
        self._local = dict(local_clients or {})

    def client(self, service_name: str, *args: Any, **kwargs: Any) -> Any:
        if service_name in self._local:  # answered locally (CloudWatch alarms over endpoints' figures)
            return self._local[service_name]
        raise ValueError(
            f"boto_session.client({service_name!r}) would call AWS; labstudio's local session has no AWS credentials. "
            "Create a boto3 client yourself if you really mean to reach AWS."
        )

    resource = client

    def __repr__(self) -> str:
        return f"<local boto session stand-in region_name={self.region_name!r}>"


class LocalSagemakerClient(RegistryClientMethods, PipelineClientMethods, MonitoringClientMethods, AutoMLClientMethods):
    """``session.sagemaker_client``: the calls drivers make on jobs and endpoints, the model
    registry and lineage (sdk/registry_client.py) and pipelines (sdk/pipelines_client.py),
    answered locally."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def _core(self) -> Core:
        return self._session.core

    def describe_training_job(self, TrainingJobName: str) -> dict[str, Any]:  # boto3's names
        from .pipelines_client import _name

        described: dict[str, Any] = to_json(self._session.core.jobs.describe(_name(TrainingJobName)))
        return described

    def list_training_jobs(self, **kwargs: Any) -> dict[str, Any]:
        listed: dict[str, Any] = to_json(self._session.core.jobs.list())
        return listed

    def stop_training_job(self, TrainingJobName: str) -> dict[str, Any]:
        self._session.core.jobs.stop(TrainingJobName)
        return {}

    def describe_endpoint(self, EndpointName: str) -> dict[str, Any]:
        return self._session.core.endpoints.describe(EndpointName)

    def list_endpoints(self, **kwargs: Any) -> dict[str, Any]:
        return self._session.core.endpoints.list()

    def delete_endpoint(self, EndpointName: str) -> dict[str, Any]:
        self._session.core.endpoints.delete(EndpointName)
        return {}

    @operation(
        "UpdateEndpoint",
        {"EndpointName": "str", "EndpointConfigName": "str", "ProductionVariants": "list", "DeploymentConfig": "dict",
         "RetainAllVariantProperties": "bool", "ExcludeRetainedVariantProperties": "list", "RetainDeploymentConfig": "bool",
         "DataCaptureConfig": "dict"},
        required=("EndpointName",),
    )
    def update_endpoint(self, EndpointName: str, EndpointConfigName: str | None = None, ProductionVariants: list[dict[str, Any]] | None = None,
                        DeploymentConfig: dict[str, Any] | None = None, DataCaptureConfig: dict[str, Any] | None = None,
                        **ignored: Any) -> dict[str, Any]:
        """UpdateEndpoint. labstudio keeps no separate endpoint configurations: give the new
        ``ProductionVariants`` here (each with its model's Source); a ``DeploymentConfig`` makes it
        a guarded update (canary/linear traffic shifting with auto-rollback), which returns at
        once while the endpoint is Updating, as boto3's does."""
        from pathlib import Path

        from ..errors import Invalid

        if EndpointConfigName is not None and ProductionVariants is None:
            raise Invalid("labstudio has no endpoint configurations: give ProductionVariants (with each variant's Source) instead of EndpointConfigName",
                          field="EndpointConfigName")
        body: dict[str, Any] = {"ProductionVariants": ProductionVariants or []}
        if DeploymentConfig is not None:
            body["DeploymentConfig"] = DeploymentConfig
        if DataCaptureConfig is not None:
            body["DataCaptureConfig"] = DataCaptureConfig
        self._session.core.endpoints.update(EndpointName, body, base_dir=Path.cwd())
        return {"EndpointArn": f"arn:labstudio:local:endpoint/{EndpointName}"}

    def delete_endpoint_config(self, EndpointConfigName: str) -> dict[str, Any]:
        """Nothing to delete: an endpoint's configuration lives and goes with the endpoint."""
        return {}

    def delete_model(self, ModelName: str) -> dict[str, Any]:
        """Nothing to delete: the model is part of its endpoint's folder."""
        return {}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise _no_local_meaning("sagemaker_client", name)


class _Body(io.BytesIO):
    """botocore's StreamingBody answers ``read()``; so does this."""


class LocalSagemakerRuntimeClient:
    """``session.sagemaker_runtime_client``: ``invoke_endpoint`` against a local endpoint."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def invoke_endpoint(self, EndpointName: str, Body: bytes | str, ContentType: str = "application/octet-stream",
                        Accept: str | None = None, TargetVariant: str | None = None, InferenceId: str | None = None,
                        **kwargs: Any) -> dict[str, Any]:
        from .exceptions import ModelError

        response = self._session.core.endpoints.invoke(EndpointName, Body, ContentType, accept=Accept, target_variant=TargetVariant,
                                                       inference_id=InferenceId)
        status = int(response["StatusCode"])
        if status == 429:
            from .predictor import throttled

            raise throttled(EndpointName, bytes(response["Body"]))
        if status >= 400:
            text = bytes(response["Body"]).decode("utf-8", "replace")[:2000]
            raise ModelError(
                f"An error occurred (ModelError) when calling the InvokeEndpoint operation: Received server error ({status}) "
                f"from model with message \"{text}\".",
                status,
                response["Body"],
                response.get("ContentType"),
            )
        return {
            "Body": _Body(response["Body"]),
            "ContentType": response.get("ContentType") or "",
            "InvokedProductionVariant": response.get("InvokedProductionVariant") or "AllTraffic",
        }

    @operation(
        "InvokeEndpointAsync",
        {"EndpointName": "str", "InputLocation": "str", "ContentType": "str", "Accept": "str", "CustomAttributes": "str",
         "InferenceId": "str", "RequestTTLSeconds": "int", "InvocationTimeoutSeconds": "int"},
        required=("EndpointName", "InputLocation"),
    )
    def invoke_endpoint_async(self, EndpointName: str, InputLocation: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a request on an asynchronous endpoint: {InferenceId, OutputLocation, FailureLocation}.
        A local InputLocation is read from this process's folder, as the SDK's uploads are."""
        from pathlib import Path

        request = {"InputLocation": InputLocation, **{k: v for k, v in kwargs.items() if v is not None}}
        answer = self._session.core.endpoints.invoke_async(EndpointName, request, base_dir=Path.cwd())
        return {**answer, "ResponseMetadata": {"HTTPStatusCode": 202}}

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise _no_local_meaning("sagemaker_runtime_client", name)


class Session:
    """SageMaker's ``Session``, local: buckets are folders of the artifact store, jobs and
    endpoints are labstudio's. AWS arguments (boto session, clients) are accepted and ignored."""

    local_mode = True

    def __init__(self, boto_session: Any = None, sagemaker_client: Any = None, sagemaker_runtime_client: Any = None,
                 default_bucket: str | None = None, default_bucket_prefix: str | None = None, **kwargs: Any) -> None:
        self._default_bucket = storage.check_bucket(default_bucket) if default_bucket is not None else None
        self.default_bucket_prefix = storage.clean_key(default_bucket_prefix or "", "default_bucket_prefix") or None
        self.config: dict[str, Any] | None = None
        self.sagemaker_client = LocalSagemakerClient(self)
        self.sagemaker_runtime_client = LocalSagemakerRuntimeClient(self)
        from .cloudwatch_client import LocalCloudWatchClient

        self.cloudwatch_client = LocalCloudWatchClient(self)
        from .autoscaling_client import LocalAutoscalingClient

        self.boto_session = _BotoSessionStandIn(
            self.boto_region_name, {"cloudwatch": self.cloudwatch_client, "application-autoscaling": LocalAutoscalingClient(self)}
        )

    @property
    def core(self) -> Core:
        return get_core()

    @property
    def boto_region_name(self) -> str:
        """AWS_REGION/AWS_DEFAULT_REGION when set (drivers build names from it), else 'local'."""
        return getenv("AWS_REGION") or getenv("AWS_DEFAULT_REGION") or LOCAL_REGION

    def account_id(self) -> str:
        return PLACEHOLDER_ACCOUNT

    def expand_role(self, role: str) -> str:
        return role

    def get_caller_identity_arn(self) -> str:
        return PLACEHOLDER_ROLE

    # -- buckets: folders of the artifact store --------------------------------------

    def default_bucket(self) -> str:
        """A bucket name (``labstudio-local`` unless given): it maps to ``buckets/<name>/`` of the artifact store."""
        return self._default_bucket or storage.DEFAULT_BUCKET

    def bucket_uri(self, bucket: str | None = None, key: str = "") -> str:
        """Where ``s3://<bucket>/<key>`` lives locally (``file://`` or the artifact store's ``s3://``)."""
        return storage.bucket_uri(self.core.settings.artifact_uri, bucket or self.default_bucket(), key)

    def upload_data(self, path: str | os.PathLike[str], bucket: str | None = None, key_prefix: str = "data",
                    callback: Any = None, extra_args: Any = None) -> str:
        """Copy a file or folder into the bucket; returns the URI a training channel accepts.

        As in SageMaker, a file's URI names the file and a folder's names the prefix.
        """
        prefix = storage.clean_key(key_prefix)
        if bucket is None and self.default_bucket_prefix:
            prefix = "/".join(p for p in (self.default_bucket_prefix, prefix) if p)
        return storage.upload(path, self.bucket_uri(bucket, prefix))

    def upload_string_as_file_body(self, body: str, bucket: str, key: str, kms_key: str | None = None) -> str:
        return storage.write_bytes(body.encode("utf-8"), self.bucket_uri(bucket, storage.clean_key(key, "key")))

    def download_data(self, path: str | os.PathLike[str], bucket: str, key_prefix: str = "", extra_args: Any = None) -> list[str]:
        return storage.download(self.bucket_uri(bucket, storage.clean_key(key_prefix)), path)

    def read_s3_file(self, bucket: str, key_prefix: str) -> str:
        return storage.read_bytes(self.bucket_uri(bucket, storage.clean_key(key_prefix, "key"))).decode("utf-8")

    def list_s3_files(self, bucket: str, key_prefix: str) -> list[str]:
        """The keys under a prefix (relative to the bucket, as S3 lists them)."""
        root = self.bucket_uri(bucket)
        return [uri[len(root):].lstrip("/") for uri in storage.list_files(self.bucket_uri(bucket, storage.clean_key(key_prefix)))]

    # -- jobs and endpoints ------------------------------------------------------------

    def describe_training_job(self, job_name: str) -> dict[str, Any]:
        described: dict[str, Any] = to_json(self.core.jobs.describe(job_name))
        return described

    def wait_for_job(self, job: str, poll: int = 5) -> dict[str, Any]:
        from .job import TrainingJob

        TrainingJob(job, self).wait(logs="None")
        return self.describe_training_job(job)

    def logs_for_job(self, job_name: str, wait: bool = False, poll: int = 10, log_type: str = "All", timeout: Any = None) -> None:
        """Print the job's log; with ``wait`` follow it until the job ends."""
        from ..cli.jobs import follow_logs
        from .job import TrainingJob

        if wait:
            follow_logs(self.core, job_name)
        else:
            print(TrainingJob(job_name, self).logs(), end="")

    def describe_auto_ml_job(self, job_name: str) -> dict[str, Any]:
        """DescribeAutoMLJob (sagemaker.Session's name for it)."""
        return self.core.automl.describe(job_name)

    def list_candidates(self, job_name: str, status_equals: str | None = None, candidate_name: str | None = None,
                        candidate_arn: str | None = None, sort_order: str | None = None, sort_by: str | None = None,
                        max_results: int | None = None) -> dict[str, Any]:
        """ListCandidatesForAutoMLJob (sagemaker.Session's name for it); candidate_arn is accepted and unused."""
        return self.core.automl.list_candidates(job_name, status=status_equals, candidate_name=candidate_name, sort_order=sort_order,
                                                sort_by=sort_by, max_results=max_results)

    def wait_for_auto_ml_job(self, job: str, poll: int = 5) -> dict[str, Any]:
        return self.core.automl.wait(job)

    def stop_auto_ml_job(self, job_name: str) -> None:
        self.core.automl.stop(job_name)

    def stop_training_job(self, job_name: str) -> None:
        self.core.jobs.stop(job_name)

    def describe_endpoint(self, endpoint_name: str) -> dict[str, Any]:
        return self.core.endpoints.describe(endpoint_name)

    def delete_endpoint(self, endpoint_name: str) -> None:
        self.core.endpoints.delete(endpoint_name)

    def delete_endpoint_config(self, endpoint_config_name: str) -> None:
        """Nothing to delete: an endpoint's configuration goes with the endpoint."""

    def delete_model(self, model_name: str) -> None:
        """Nothing to delete: the model is part of its endpoint's folder."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}(home={str(self.core.settings.home)!r})"


class LocalSession(Session):
    """Stands where ``sagemaker.local.LocalSession`` stands in a local-mode driver.

    ``config`` is kept so ``session.config = {"local": {"local_code": True}}`` keeps working;
    ``disable_local_code`` is accepted for the same reason (the code is always local here).
    """

    def __init__(self, boto_session: Any = None, default_bucket: str | None = None, s3_endpoint_url: str | None = None,
                 disable_local_code: bool = False, default_bucket_prefix: str | None = None, **kwargs: Any) -> None:
        super().__init__(boto_session=boto_session, default_bucket=default_bucket, default_bucket_prefix=default_bucket_prefix)
        self.config = {"local": {"local_code": True}}
        self.s3_endpoint_url = s3_endpoint_url


class LocalNoS3Session(LocalSession):
    """SageMaker's LocalSession variant that never touches S3: here none does."""


def get_execution_role(sagemaker_session: Any = None, use_default: bool = False) -> str:
    """A placeholder role ARN (roles only mean something on AWS), with one warning saying so."""
    warnings.warn(
        "get_execution_role() returns a placeholder: IAM roles only matter on SageMaker. labstudio runs jobs "
        f"as local processes, so any role you pass is ignored ({PLACEHOLDER_ROLE}).",
        SageMakerArgumentWarning,
        stacklevel=user_stacklevel(),
    )
    return PLACEHOLDER_ROLE


def core_of(session: Any) -> Core:
    """The Core behind a session argument (ours, or anything else: then the environment's)."""
    if isinstance(session, Session):
        return session.core
    return get_core()
