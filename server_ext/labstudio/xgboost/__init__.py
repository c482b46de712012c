"""``labstudio.xgboost``: what ``sagemaker.xgboost`` offers (script mode), running locally."""
from ..sdk.frameworks import XGBoost, XGBoostModel, XGBoostPredictor

__all__ = ["XGBoost", "XGBoostModel", "XGBoostPredictor"]
