"""``labstudio.tensorflow.model``: stands where ``sagemaker.tensorflow.model`` stands."""
from ..sdk.frameworks import TensorFlowModel, TensorFlowPredictor

__all__ = ["TensorFlowModel", "TensorFlowPredictor"]
