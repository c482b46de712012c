"""Chart artifacts (confusion matrix, ROC, precision-recall) in SageMaker Experiments' JSON shape.

Computed with numpy alone: scikit-learn is not a dependency of labstudio, and a training
script should not need it just to log a curve. The JSON keeps SageMaker's field names
(`confusionMatrix`, `falsePositiveRate`, ...) so a panel written for one reads the other, and
each kind has its own media type so the panel knows how to draw it.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import Invalid

MEDIA_TYPES = {
    "ConfusionMatrix": "application/vnd.labstudio.confusion-matrix+json",
    "ROCCurve": "application/vnd.labstudio.roc-curve+json",
    "PrecisionRecallCurve": "application/vnd.labstudio.precision-recall-curve+json",
}
MAX_CURVE_POINTS = 5000


def _pair(y_true: Sequence[Any], other: Sequence[Any], other_name: str) -> tuple[np.ndarray, np.ndarray]:
    a, b = np.asarray(y_true), np.asarray(other)
    if a.ndim != 1 or b.ndim != 1:
        raise Invalid(f"y_true and {other_name} must be one-dimensional sequences")
    if len(a) != len(b):
        raise Invalid(f"y_true has {len(a)} values but {other_name} has {len(b)}: they must have the same length")
    if len(a) == 0:
        raise Invalid("y_true is empty: nothing to chart")
    return a, b


def _plain(values: np.ndarray) -> list[Any]:
    return [v.item() if hasattr(v, "item") else v for v in values]


def confusion_matrix(y_true: Sequence[Any], y_pred: Sequence[Any], title: str | None = None) -> dict[str, Any]:
    t, p = _pair(y_true, y_pred, "y_pred")
    labels = np.unique(np.concatenate([t, p]))
    index = {label.item() if hasattr(label, "item") else label: i for i, label in enumerate(labels)}
    ti = np.fromiter((index[x.item() if hasattr(x, "item") else x] for x in t), dtype=np.int64, count=len(t))
    pi = np.fromiter((index[x.item() if hasattr(x, "item") else x] for x in p), dtype=np.int64, count=len(p))
    k = len(labels)
    matrix = np.bincount(ti * k + pi, minlength=k * k).reshape(k, k)
    return {"type": "ConfusionMatrix", "version": 0, "title": title, "labels": _plain(labels), "confusionMatrix": matrix.tolist()}


def _binary(y_true: np.ndarray, positive_label: Any) -> np.ndarray:
    if positive_label is not None:
        return y_true == positive_label
    values = set(_plain(np.unique(y_true)))
    if values <= {0, 1} or values <= {-1, 1} or values <= {False, True}:
        return y_true == 1
    raise Invalid(f"y_true has labels {sorted(map(str, values))}: pass positive_label= to say which one is positive")


def _counts(y_true: Sequence[Any], y_score: Sequence[Any], positive_label: Any, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    t, s = _pair(y_true, y_score, name)
    try:
        s = s.astype(np.float64)
    except (TypeError, ValueError):
        raise Invalid(f"{name} must be numbers (scores or probabilities)") from None
    pos = _binary(t, positive_label)
    order = np.argsort(-s, kind="mergesort")
    s, pos = s[order], pos[order]
    cut = np.r_[np.flatnonzero(np.diff(s)), len(s) - 1]  # last index of each distinct score
    tp = np.cumsum(pos)[cut].astype(np.float64)
    fp = (cut + 1) - tp
    return tp, fp, s[cut]


def _thin(*arrays: np.ndarray) -> list[np.ndarray]:
    n = len(arrays[0])
    if n <= MAX_CURVE_POINTS:
        return list(arrays)
    keep = np.unique(np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(np.int64))
    return [a[keep] for a in arrays]


def roc_curve(y_true: Sequence[Any], y_score: Sequence[Any], title: str | None = None, positive_label: Any = None) -> dict[str, Any]:
    tp, fp, thresholds = _counts(y_true, y_score, positive_label, "y_score")
    p, n = tp[-1], fp[-1]
    if p == 0 or n == 0:
        raise Invalid("y_true must contain both positive and negative samples to draw a ROC curve")
    tpr = np.r_[0.0, tp / p]
    fpr = np.r_[0.0, fp / n]
    # numpy 2 renamed trapz to trapezoid; we support numpy >= 1.24
    integrate: Any = getattr(np, "trapezoid", None) or getattr(np, "trapz", None)
    auc = float(integrate(tpr, fpr))
    fpr, tpr, thr = _thin(fpr, tpr, np.r_[np.inf, thresholds])
    return {
        "type": "ROCCurve",
        "version": 0,
        "title": title,
        "falsePositiveRate": fpr.tolist(),
        "truePositiveRate": tpr.tolist(),
        "thresholds": [t if np.isfinite(t) else None for t in thr.tolist()],
        "areaUnderCurve": auc,
    }


def precision_recall(
    y_true: Sequence[Any],
    predicted_probabilities: Sequence[Any],
    title: str | None = None,
    positive_label: Any = None,
    no_skill: float | None = None,
) -> dict[str, Any]:
    tp, fp, _ = _counts(y_true, predicted_probabilities, positive_label, "predicted_probabilities")
    p = tp[-1]
    if p == 0:
        raise Invalid("y_true has no positive sample: precision and recall are undefined")
    precision = tp / (tp + fp)
    recall = tp / p
    ap = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    # Like scikit-learn: recall decreasing, ending at (recall 0, precision 1).
    precision = np.r_[precision[::-1], 1.0]
    recall = np.r_[recall[::-1], 0.0]
    precision, recall = _thin(precision, recall)
    return {
        "type": "PrecisionRecallCurve",
        "version": 0,
        "title": title,
        "precision": precision.tolist(),
        "recall": recall.tolist(),
        "averagePrecisionScore": ap,
        "noSkill": float(no_skill) if no_skill is not None else float(p / (tp[-1] + fp[-1])),
    }
