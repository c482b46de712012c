"""``sagemaker_containers._env``: the training and serving environments."""
from labstudio.container_libs._training_env import ServingEnv, TrainingEnv

__all__ = ["ServingEnv", "TrainingEnv"]
