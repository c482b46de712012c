"""``labstudio.estimator``: stands where ``sagemaker.estimator`` stands."""
from .sdk.estimator import Estimator, EstimatorBase, Framework

__all__ = ["Estimator", "EstimatorBase", "Framework"]
