"""Two small scikit-learn transformers the candidates' pipelines use, kept importable by name
so a fitted pipeline unpickles wherever labstudio is installed (the endpoint, a notebook)."""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

MISSING = "__missing__"


class AsText(BaseEstimator, TransformerMixin):
    """Categorical columns as strings, a missing value as its own category (so the encoders
    never meet mixed types or NaN)."""

    def fit(self, X: Any, y: Any = None) -> AsText:
        return self

    def transform(self, X: Any) -> Any:
        frame = pd.DataFrame(X).copy()
        for column in frame.columns:
            values = frame[column]
            frame[column] = values.astype(str).where(values.notna(), MISSING)
        return frame.to_numpy(dtype=object)

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        return np.asarray(input_features if input_features is not None else [], dtype=object)


class DateParts(BaseEstimator, TransformerMixin):
    """Date columns as numbers a model can split on: year, month, day, weekday, hour and the
    days since 1970 (a missing or unparsable date is NaN, for the imputer after it)."""

    PARTS = ("year", "month", "day", "weekday", "hour", "days")

    def fit(self, X: Any, y: Any = None) -> DateParts:
        self.n_columns_ = pd.DataFrame(X).shape[1]
        return self

    def transform(self, X: Any) -> Any:
        frame = pd.DataFrame(X)
        out = []
        for column in frame.columns:
            when = pd.to_datetime(frame[column], errors="coerce", format="mixed")
            days = (when - pd.Timestamp("1970-01-01")).dt.total_seconds() / 86400.0
            out.extend([when.dt.year, when.dt.month, when.dt.day, when.dt.weekday, when.dt.hour, days])
        if not out:
            return np.zeros((len(frame), 0))
        return np.column_stack([np.asarray(s, dtype=float) for s in out])

    def get_feature_names_out(self, input_features: Any = None) -> Any:
        names = list(input_features) if input_features is not None else [f"x{i}" for i in range(getattr(self, "n_columns_", 0))]
        return np.asarray([f"{n}_{p}" for n in names for p in self.PARTS], dtype=object)


__all__ = ["AsText", "DateParts"]
