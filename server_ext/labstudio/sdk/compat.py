"""SageMaker arguments that have no meaning here, instance types, and GPU detection.

A driver written for SageMaker passes ``role``, ``framework_version``, ``image_uri``... The
script runs as a local process in this Python environment, so those are accepted and
ignored, with ONE warning per call listing them and saying why (silently ignoring would
hide a real difference; refusing would break "change only the imports"). Arguments whose
absence would change what runs (``git_config``) are refused instead.
"""
from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

LOCAL_INSTANCE_TYPES = ("local", "local_gpu")

# Names the SageMaker SDK accepts that only matter on AWS (cloud resources, images, security).
SAGEMAKER_ONLY = frozenset(
    {
        "role", "sagemaker_session", "framework_version", "py_version", "image_uri", "image_uri_region",
        "volume_size", "volume_kms_key", "output_kms_key", "subnets", "security_group_ids", "model_uri",
        "model_channel_name", "use_spot_instances", "max_wait", "checkpoint_s3_uri", "checkpoint_local_path",
        "rules", "debugger_hook_config", "tensorboard_output_config", "enable_sagemaker_metrics",
        "enable_network_isolation", "profiler_config", "disable_profiler", "code_location",
        "container_log_level", "encrypt_inter_container_traffic", "max_retry_attempts", "source_code",
        "keep_alive_period_in_seconds", "distribution", "instance_groups", "training_repository_access_mode",
        "training_repository_credentials_provider_arn", "container_entry_point", "container_arguments",
        "disable_output_compression", "enable_infra_check", "enable_remote_debug", "enable_session_tag_chaining",
        "training_plan", "instance_placement_config", "input_mode", "compiler_config", "smdistributed",
        "vpc_config", "kms_key", "accelerator_type", "use_compiled_model", "model_name", "data_capture_config",
        "model_data_download_timeout",
        "container_startup_health_check_timeout", "inference_recommendation_id", "explainer_config",
        "model_server_workers", "predictor_cls_kwargs", "image_config", "inference_component_name",
        "resources", "managed_instance_scaling", "routing_config", "model_reference_arn", "endpoint_type",
        "enable_dependency_isolation", "estimator", "inference_ami_version", "volume_size_in_gb",
        "transformers_version", "tensorflow_version", "pytorch_version", "hub_arn",
    }
)

# SageMaker SDK v1 names, renamed in v2 (which maps them with a warning; so do we).
RENAMED = {"train_instance_type": "instance_type", "train_instance_count": "instance_count", "train_max_run": "max_run",
           "train_volume_size": "volume_size", "train_use_spot_instances": "use_spot_instances", "train_max_wait": "max_wait"}

REFUSED = {
    "git_config": "git_config is not supported: clone the repository yourself and pass its folder as source_dir",
}


class SageMakerArgumentWarning(UserWarning):
    """An argument that only matters on SageMaker was given and is ignored."""


def user_stacklevel() -> int:
    """The stacklevel that points a warning at the first frame outside the labstudio package."""
    import sys
    from pathlib import Path

    package = str(Path(__file__).resolve().parent.parent)
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def split_kwargs(owner: str, kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Rename v1 names, refuse what must not be ignored, warn once about the SageMaker-only rest.

    Returns the renamed arguments the caller should use; an unknown name is a TypeError,
    as Python would raise for a misspelt keyword.
    """
    renamed: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in kwargs.items():
        if key in REFUSED:
            raise ValueError(REFUSED[key])
        if key in RENAMED:
            warnings.warn(f"{key} was renamed {RENAMED[key]} in SageMaker SDK v2; using it as {RENAMED[key]}.", DeprecationWarning, stacklevel=user_stacklevel())
            renamed[RENAMED[key]] = value
        elif key in SAGEMAKER_ONLY:
            if value is not None and key != "sagemaker_session":
                ignored.append(key)
            elif key == "sagemaker_session" and value is not None and not _is_local_session(value):
                ignored.append(key)
        else:
            raise TypeError(f"{owner}() got an unexpected keyword argument {key!r}")
    for key in list(renamed):
        if key in SAGEMAKER_ONLY:
            ignored.append(key)
            del renamed[key]
    warn_ignored(owner, ignored)
    return renamed


def deprecated_alias(instance: Any, name: str, replacement: str, method: str) -> Any:
    """SageMaker v1's ready-made (de)serializer objects (``csv_serializer``...), as v2 keeps them:
    the instance works, and its first use warns with the v2 name to write instead."""
    original = getattr(instance, method)
    warned: list[bool] = []

    def call(*args: Any, **kwargs: Any) -> Any:
        if not warned:
            warned.append(True)
            warnings.warn(f"{name} is deprecated since SageMaker SDK v2; use {replacement} instead.",
                          DeprecationWarning, stacklevel=user_stacklevel())
        return original(*args, **kwargs)

    setattr(instance, method, call)
    return instance


def _is_local_session(value: Any) -> bool:
    from .session import Session

    return isinstance(value, Session)


def warn_ignored(owner: str, names: Iterable[str]) -> None:
    names = sorted(set(names))
    if not names:
        return
    listed = ", ".join(names)
    warnings.warn(
        f"{owner} ignores {listed}: {'it only matters' if len(names) == 1 else 'they only matter'} on SageMaker "
        "(AWS roles and sessions, container images, cloud instances and storage). labstudio runs the script "
        f"as a local process with this Python ({_environment()}).",
        SageMakerArgumentWarning,
        stacklevel=user_stacklevel(),
    )


def _environment() -> str:
    import sys
    from importlib import metadata

    parts = [f"Python {sys.version_info.major}.{sys.version_info.minor}"]
    for dist in ("scikit-learn", "xgboost", "xgboost-cpu", "torch"):
        try:
            parts.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def gpu_count() -> int:
    from ..jobs.contract import count_gpus

    return count_gpus()


def check_instance_type(instance_type: Any, what: str = "instance_type") -> str:
    """'local' or 'local_gpu' (when this machine has a GPU); anything else is a ValueError."""
    if instance_type is None:
        return "local"
    if instance_type not in LOCAL_INSTANCE_TYPES:
        raise ValueError(
            f"{what} {instance_type!r} is not available: labstudio runs on this machine. "
            "Use 'local' (CPU) or 'local_gpu' (this machine's GPUs)."
        )
    if instance_type == "local_gpu" and gpu_count() == 0:
        raise ValueError(f"{what} 'local_gpu' needs an NVIDIA GPU and none was found on this machine; use 'local'.")
    return str(instance_type)


def gpu_environment(instance_type: str) -> dict[str, str]:
    """SM_NUM_GPUS as SageMaker local mode sets it: 0 on 'local', the GPUs present on 'local_gpu'."""
    return {"SM_NUM_GPUS": str(gpu_count() if instance_type == "local_gpu" else 0)}
