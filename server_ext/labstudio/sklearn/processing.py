"""``labstudio.sklearn.processing``: SageMaker's ``SKLearnProcessor``, run as a local processing job
with this Python environment's scikit-learn (``framework_version`` names an image: ignored, with a warning)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..sdk.processing import FrameworkProcessor


class SKLearnProcessor(FrameworkProcessor):
    """``sagemaker.sklearn.processing.SKLearnProcessor``: ``run(code, inputs, outputs, arguments, ...)``."""

    def __init__(
        self,
        framework_version: str | None = None,
        role: str | None = None,
        instance_type: str | None = "local",
        instance_count: int | None = 1,
        command: Sequence[str] | None = None,
        volume_size_in_gb: int = 30,
        volume_kms_key: str | None = None,
        output_kms_key: str | None = None,
        max_runtime_in_seconds: int | None = None,
        base_job_name: str | None = None,
        sagemaker_session: Any = None,
        env: Mapping[str, str] | None = None,
        tags: Any = None,
        network_config: Any = None,
    ) -> None:
        from ..sdk.frameworks import SKLearn

        super().__init__(
            estimator_cls=SKLearn, framework_version=framework_version, role=role, instance_count=instance_count,
            instance_type=instance_type, command=command, volume_size_in_gb=volume_size_in_gb,
            volume_kms_key=volume_kms_key, output_kms_key=output_kms_key, max_runtime_in_seconds=max_runtime_in_seconds,
            base_job_name=base_job_name, sagemaker_session=sagemaker_session, env=env, tags=tags,
            network_config=network_config,
        )


__all__ = ["SKLearnProcessor"]
