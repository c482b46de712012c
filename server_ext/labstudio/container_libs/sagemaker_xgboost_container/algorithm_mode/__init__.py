"""``sagemaker_xgboost_container.algorithm_mode``: SageMaker's built-in XGBoost algorithm (no
entry point of the user's), trained with this Python's xgboost."""
