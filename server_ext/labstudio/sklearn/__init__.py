"""``labstudio.sklearn``: what ``sagemaker.sklearn`` offers, running locally."""
from ..sdk.frameworks import SKLearn, SKLearnModel, SKLearnPredictor

__all__ = ["SKLearn", "SKLearnModel", "SKLearnPredictor"]
