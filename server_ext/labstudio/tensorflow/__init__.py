"""``labstudio.tensorflow``: what ``sagemaker.tensorflow`` offers (script mode), running locally.

Importing needs no tensorflow; ``fit``/``deploy`` say to install it when it is missing.
"""
from ..sdk.frameworks import TensorFlow, TensorFlowModel, TensorFlowPredictor

__all__ = ["TensorFlow", "TensorFlowModel", "TensorFlowPredictor"]
