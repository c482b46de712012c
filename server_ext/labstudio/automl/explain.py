"""The best candidate's global feature importance: permutation importance on the held-out
split (how much the objective worsens when one column's values are shuffled), computed on
the fitted pipeline as a whole, so the importance is per input column the user knows."""
from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import extract_archive, fetch
from ..store.automl import Candidate
from .data import schema_features
from .problem import CLASSIFICATION, METRICS
from .scoring import predict, score

MAX_ROWS = 2000  # rows of the held-out split used (a sample beyond it: the ranking is stable well before)
REPEATS = 5


def load_candidate(model_artifact: str, workdir: Path) -> dict[str, Any]:
    """A candidate's saved model (model.joblib: the fitted pipeline, labels, features)."""
    import joblib

    archive = fetch(model_artifact, workdir / "model.tar.gz")
    folder = extract_archive(archive, workdir / "model")
    return dict(joblib.load(folder / "model.joblib"))


def feature_importance(best: Candidate, data_dir: Path, schema: dict[str, Any], objective: str) -> dict[str, Any]:
    import pandas as pd
    from sklearn.inspection import permutation_importance

    if not best.model_artifact:
        raise ValueError(f"candidate {best.candidate_name} has no model archive")
    with tempfile.TemporaryDirectory() as tmp:
        model = load_candidate(best.model_artifact, Path(tmp))
    frame = pd.read_csv(data_dir / "validation.csv", low_memory=False)
    if len(frame) > MAX_ROWS:
        frame = frame.sample(MAX_ROWS, random_state=0)
    problem_type = schema["problem_type"]
    features = schema_features(schema["schema"])
    X = frame[features]
    if problem_type in CLASSIFICATION:
        index = {label: i for i, label in enumerate(schema["labels"])}
        y = np.asarray([index[str(v)] for v in frame[schema["target"]].astype(str)])
    else:
        y = frame[schema["target"]].to_numpy(dtype=float)
    n_classes = len(schema.get("labels") or [])
    sign = -1.0 if METRICS[objective].minimize else 1.0

    def scorer(estimator: Any, X_: Any, y_: Any) -> float:
        return sign * score(objective, problem_type, y_, predict(estimator, X_, problem_type, n_classes))

    found = permutation_importance(model["pipeline"], X, y, scoring=scorer, n_repeats=REPEATS, random_state=0, n_jobs=1)
    ranked = sorted(zip(features, found.importances_mean, found.importances_std), key=lambda item: -float(item[1]))
    rows = [{"FeatureName": name, "Importance": float(mean), "Std": float(std)} for name, mean, std in ranked]
    return {"Method": "PermutationImportance", "CandidateName": best.candidate_name, "MetricName": objective,
            "Dataset": "Test", "Rows": int(len(X)), "Repeats": REPEATS, "FeatureImportance": rows}


__all__ = ["feature_importance", "load_candidate"]
