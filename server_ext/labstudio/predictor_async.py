"""``labstudio.predictor_async``: stands where ``sagemaker.predictor_async`` stands."""
from .sdk.predictor_async import AsyncPredictor

__all__ = ["AsyncPredictor"]
