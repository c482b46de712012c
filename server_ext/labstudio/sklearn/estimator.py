"""``labstudio.sklearn.estimator``: stands where ``sagemaker.sklearn.estimator`` stands."""
from ..sdk.frameworks import SKLearn

__all__ = ["SKLearn"]
