"""``labstudio.xgboost.model``: stands where ``sagemaker.xgboost.model`` stands."""
from ..sdk.frameworks import XGBoostModel, XGBoostPredictor

__all__ = ["XGBoostModel", "XGBoostPredictor"]
