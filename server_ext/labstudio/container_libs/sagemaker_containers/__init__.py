"""labstudio's equivalent of the (legacy) ``sagemaker_containers`` library scripts import.

``training_env()`` describes the running job; ``beta.framework`` holds the content types,
encoders and the ``worker.Response`` that older inference scripts use.
``entry_point.run`` runs another entry point as the containers do.
"""
from __future__ import annotations

from ._env import ServingEnv, TrainingEnv


def training_env() -> TrainingEnv:
    """The running training job's environment (channels, hyperparameters, model dir...)."""
    return TrainingEnv()


__all__ = ["ServingEnv", "TrainingEnv", "training_env"]
