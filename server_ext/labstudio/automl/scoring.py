"""The objective metrics computed from predictions, one function for the training script, the
ensemble and the explanation alike. `predictions` is a probability matrix (classification:
one column per class, in label order) or a vector of values (regression); `y` holds class
indices (classification) or values."""
from __future__ import annotations

from typing import Any

import numpy as np

from .problem import BINARY, CLASSIFICATION


def score(metric: str, problem_type: str, y: Any, predictions: Any) -> float:
    from sklearn import metrics as m

    y = np.asarray(y)
    if problem_type in CLASSIFICATION:
        proba = np.asarray(predictions, dtype=float)
        labels = proba.argmax(axis=1)
        if metric == "Accuracy":
            return float(m.accuracy_score(y, labels))
        if metric == "BalancedAccuracy":
            return float(m.balanced_accuracy_score(y, labels))
        if metric == "F1":
            return float(m.f1_score(y, labels, pos_label=1, average="binary", zero_division=0))
        if metric == "F1macro":
            return float(m.f1_score(y, labels, average="macro", zero_division=0))
        if metric == "AUC":
            return float(m.roc_auc_score(y, proba[:, 1])) if problem_type == BINARY else float(m.roc_auc_score(y, proba, multi_class="ovr"))
        if metric == "LogLoss":
            return float(m.log_loss(y, np.clip(proba, 1e-15, 1.0), labels=list(range(proba.shape[1]))))
        raise ValueError(f"metric {metric!r} does not fit {problem_type}")
    values = np.asarray(predictions, dtype=float)
    if metric == "MSE":
        return float(m.mean_squared_error(y, values))
    if metric == "RMSE":
        return float(np.sqrt(m.mean_squared_error(y, values)))
    if metric == "MAE":
        return float(m.mean_absolute_error(y, values))
    if metric == "R2":
        return float(m.r2_score(y, values))
    raise ValueError(f"metric {metric!r} does not fit {problem_type}")


def predict(model: Any, X: Any, problem_type: str, n_classes: int) -> Any:
    """What `score` takes: class probabilities (every class a column, even one a fold never saw) or values."""
    if problem_type not in CLASSIFICATION:
        return np.asarray(model.predict(X), dtype=float)
    proba = np.asarray(model.predict_proba(X), dtype=float)
    classes = list(getattr(model, "classes_", range(proba.shape[1])))
    if len(classes) == n_classes and classes == list(range(n_classes)):
        return proba
    full = np.zeros((proba.shape[0], n_classes))
    for column, cls in enumerate(classes):
        full[:, int(cls)] = proba[:, column]
    return full


__all__ = ["predict", "score"]
