"""The stacked ensemble of ENSEMBLING mode: fitted candidate pipelines whose predictions a
linear model combines. The combiner is fitted on the members' out-of-fold predictions (each
member's cross-validation wrote them), so stacking costs no refit of any member."""
from __future__ import annotations

from typing import Any

import numpy as np

from .problem import CLASSIFICATION
from .scoring import predict


def meta_features(members: list[Any], X: Any, problem_type: str, n_classes: int) -> Any:
    return np.column_stack([predict(member, X, problem_type, n_classes) for member in members])


def combiner(problem_type: str) -> Any:
    if problem_type in CLASSIFICATION:
        from sklearn.linear_model import LogisticRegression

        return LogisticRegression(C=1.0, max_iter=2000)
    from sklearn.linear_model import LinearRegression

    return LinearRegression(positive=True)


class StackedEnsemble:
    """members' predictions -> combiner; predict/predict_proba like a scikit-learn model."""

    def __init__(self, members: list[Any], combiner: Any, problem_type: str, n_classes: int, names: list[str]) -> None:
        self.members = members
        self.combiner = combiner
        self.problem_type = problem_type
        self.n_classes = n_classes
        self.names = names  # the member candidates, for the notebook and describe
        self.classes_ = np.arange(n_classes) if problem_type in CLASSIFICATION else None

    def fit(self, X: Any, y: Any) -> StackedEnsemble:  # the members are fitted already; only for scikit-learn's protocol
        self.combiner.fit(meta_features(self.members, X, self.problem_type, self.n_classes), y)
        return self

    def predict_proba(self, X: Any) -> Any:
        return predict(self.combiner, meta_features(self.members, X, self.problem_type, self.n_classes), self.problem_type, self.n_classes)

    def predict(self, X: Any) -> Any:
        if self.problem_type in CLASSIFICATION:
            return self.predict_proba(X).argmax(axis=1)
        return self.combiner.predict(meta_features(self.members, X, self.problem_type, self.n_classes))


__all__ = ["StackedEnsemble", "combiner", "meta_features"]
