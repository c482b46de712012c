"""``labstudio.tensorflow.estimator``: stands where ``sagemaker.tensorflow.estimator`` stands."""
from ..sdk.frameworks import TensorFlow

__all__ = ["TensorFlow"]
