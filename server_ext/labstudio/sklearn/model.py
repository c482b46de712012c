"""``labstudio.sklearn.model``: stands where ``sagemaker.sklearn.model`` stands."""
from ..sdk.frameworks import SKLearnModel, SKLearnPredictor

__all__ = ["SKLearnModel", "SKLearnPredictor"]
