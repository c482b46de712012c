"""``labstudio.xgboost.estimator``: stands where ``sagemaker.xgboost.estimator`` stands."""
from ..sdk.frameworks import XGBoost

__all__ = ["XGBoost"]
