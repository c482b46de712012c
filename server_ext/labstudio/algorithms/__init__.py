"""SageMaker's built-in algorithms that labstudio runs in algorithm mode (no entry point of the user's).

An estimator given ``image_uri=image_uris.retrieve("xgboost", region, version)`` and no entry
point asks for SageMaker's built-in XGBoost algorithm. Locally that is a training job whose
entry point is labstudio's trainer (``algorithms/xgboost/train.py``, which runs the container's
algorithm mode with this Python's xgboost), whose hyperparameters are passed as the container
takes them (strings), and whose metrics are captured under the built-in names
(``train:rmse``, ``validation:auc``...). A model it trains holds ``xgboost-model``, which the
built-in serving loads (serving/frameworks.py), so endpoints, batch transform and the registry
accept it without an inference script.
"""
from __future__ import annotations

import re
from pathlib import Path

XGBOOST = "xgboost"
# labstudio's placeholder (image_uris.retrieve) and SageMaker's ECR names of the XGBoost image
_XGBOOST_IMAGE = re.compile(r"(^|/)(sagemaker-)?xgboost(:|$)")
# The evaluation metrics the container prints, by channel: XGBoost's names for eval_metric.
XGBOOST_METRICS = ("rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss", "auc", "aucpr", "ndcg", "map",
                   "poisson-nloglik", "gamma-nloglik", "cox-nloglik", "gamma-deviance", "tweedie-nloglik")
_NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"


def algorithm_of(image_uri: str | None) -> str | None:
    """The built-in algorithm an image URI names ("xgboost"), or None."""
    if not image_uri or not isinstance(image_uri, str):
        return None
    return XGBOOST if _XGBOOST_IMAGE.search(image_uri.lower()) else None


def trainer(algorithm: str) -> tuple[str, str]:
    """(source_dir, entry_point) of the trainer a built-in algorithm's job runs."""
    if algorithm != XGBOOST:
        raise ValueError(f"labstudio has no built-in algorithm {algorithm!r}; it runs the built-in {XGBOOST}")
    return str(Path(__file__).resolve().parent / "xgboost"), "train.py"


def metric_definitions(algorithm: str) -> list[dict[str, str]]:
    """The built-in metric names (`train:rmse`, `validation:auc`...) and the regexes that read them."""
    out = []
    for channel in ("train", "validation"):
        for metric in XGBOOST_METRICS:
            out.append({"Name": f"{channel}:{metric}", "Regex": rf".*\[[0-9]+\].*(?:#011|\t){re.escape(channel)}-{re.escape(metric)}:{_NUMBER}"})
    return out
