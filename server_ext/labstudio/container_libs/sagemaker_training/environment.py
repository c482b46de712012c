"""``Environment()``: the running training job, as the sagemaker-training toolkit describes it."""
from labstudio.container_libs._training_env import TrainingEnv


class Environment(TrainingEnv):
    """``model_dir``, ``channel_input_dirs``, ``hyperparameters``, ``num_gpus``, ``hosts``,
    ``current_host``, ``output_data_dir``... of the running training job."""


__all__ = ["Environment"]
