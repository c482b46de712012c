"""The built-in training script of an AutoML candidate (SageMaker's training contract).

Hyperparameters: `candidate` (JSON: {"algorithm", "params"}, or {"algorithm": "ensemble",
"members": [model archive URIs]}), `objective` (the metric's SageMaker name), `folds`, `seed`.
The `train` channel holds train.csv, validation.csv and schema.json (written by the AutoML
job's data analysis).

A base candidate builds its pipeline from its generated code (candidates.pipeline_code, the
code its notebook shows), cross-validates it (printing each fold's objective, which early
stopping reads), fits it on the training split, scores it on the held-out split, and saves
model.joblib (the fitted pipeline, labels and features), its out-of-fold predictions (what
an ensemble stacks) and its code. The ensemble loads its members from their archives and
fits a combiner on their out-of-fold predictions.
"""
from __future__ import annotations

import json
import os
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd


def _hyperparameters() -> dict[str, Any]:
    raw = json.loads(os.environ.get("SM_HPS") or "{}")
    return {k: (json.loads(v) if isinstance(v, str) and v[:1] in "[{" else v) for k, v in raw.items()}


def _load(channel: Path) -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    schema = json.loads((channel / "schema.json").read_text())
    train = pd.read_csv(channel / "train.csv", low_memory=False)
    validation = pd.read_csv(channel / "validation.csv", low_memory=False)
    return schema, train, validation


def _xy(frame: pd.DataFrame, schema: dict[str, Any]) -> tuple[pd.DataFrame, np.ndarray]:
    from labstudio.automl.data import schema_features
    from labstudio.automl.problem import CLASSIFICATION

    X = frame[schema_features(schema["schema"])]
    target = frame[schema["target"]]
    if schema["problem_type"] in CLASSIFICATION:
        index = {label: i for i, label in enumerate(schema["labels"])}
        return X, np.asarray([index[str(v)] for v in target.astype(str)])
    return X, target.to_numpy(dtype=float)


def _folds(y: np.ndarray, problem_type: str, folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    from labstudio.automl.problem import CLASSIFICATION

    if problem_type in CLASSIFICATION:
        smallest = int(np.bincount(y).min())
        splitter: Any = StratifiedKFold(n_splits=max(2, min(folds, smallest)), shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y)), y))


def _report(prefix: str, problem_type: str, y: Any, predictions: Any) -> dict[str, float]:
    from labstudio.automl.problem import REPORTED
    from labstudio.automl.scoring import score

    found = {}
    for metric in REPORTED[problem_type]:
        try:
            value = score(metric, problem_type, y, predictions)
        except ValueError:
            continue
        found[metric] = value
        print(f"{prefix}:{metric.lower()}={value:.10g}", flush=True)
    return found


def _member(uri: str, workdir: Path, index: int) -> tuple[Any, np.ndarray, str]:
    """A member candidate's fitted pipeline, out-of-fold predictions and name, from its archive."""
    import fsspec

    target = workdir / f"member-{index}"
    target.mkdir()
    with fsspec.open(uri, "rb") as handle, tarfile.open(fileobj=handle, mode="r:gz") as archive:
        archive.extractall(target, filter="data")
    model = joblib.load(target / "model.joblib")
    return model["pipeline"], np.load(target / "oof.npy"), str(model.get("candidate") or f"member-{index}")


def main() -> int:
    from sklearn.base import clone

    from labstudio.automl import candidates, ensemble
    from labstudio.automl.problem import CLASSIFICATION, METRICS
    from labstudio.automl.scoring import predict, score

    hps = _hyperparameters()
    candidate = hps["candidate"] if isinstance(hps["candidate"], dict) else json.loads(hps["candidate"])
    objective = str(hps.get("objective"))
    folds = int(hps.get("folds", 5))
    seed = int(hps.get("seed", 0))
    channel = Path(os.environ.get("SM_CHANNEL_TRAIN", "/opt/ml/input/data/train"))
    model_dir = Path(os.environ.get("SM_MODEL_DIR", "/opt/ml/model"))
    schema, train, validation = _load(channel)
    problem_type = schema["problem_type"]
    n_classes = len(schema.get("labels") or [])
    X, y = _xy(train, schema)
    X_val, y_val = _xy(validation, schema)
    splits = _folds(y, problem_type, folds, seed)
    minimize = METRICS[objective].minimize
    algorithm = candidate["algorithm"]
    print(f"candidate {hps.get('candidate_name', '')}: {candidates.label_of(algorithm)} on {len(X)} rows, {len(splits)} folds, "
          f"objective {objective} ({'minimize' if minimize else 'maximize'})", flush=True)

    if algorithm == candidates.ENSEMBLE:
        with tempfile.TemporaryDirectory() as tmp:
            loaded = [_member(uri, Path(tmp), i) for i, uri in enumerate(candidate["members"])]
        members = [m[0] for m in loaded]
        stacked = np.column_stack([m[1] for m in loaded])
        oof = np.zeros((len(y), n_classes)) if problem_type in CLASSIFICATION else np.zeros(len(y))
        for number, (fit_rows, held) in enumerate(splits):
            combiner = ensemble.combiner(problem_type).fit(stacked[fit_rows], y[fit_rows])
            oof[held] = predict(combiner, stacked[held], problem_type, n_classes)
            print(f"fold {number}: objective={score(objective, problem_type, y[held], oof[held]):.10g}", flush=True)
        fitted: Any = ensemble.StackedEnsemble(members, ensemble.combiner(problem_type).fit(stacked, y), problem_type, n_classes,
                                               [m[2] for m in loaded])
        code = ("# A stacked ensemble: the member candidates' fitted pipelines, combined by a linear model\n"
                f"# fitted on their out-of-fold predictions. Members: {', '.join(m[2] for m in loaded)}\n")
    else:
        code = candidates.pipeline_code(algorithm, candidate["params"], schema["schema"], problem_type)
        pipeline = candidates.build(code)
        oof = np.zeros((len(y), n_classes)) if problem_type in CLASSIFICATION else np.zeros(len(y))
        for number, (fit_rows, held) in enumerate(splits):
            model = clone(pipeline).fit(X.iloc[fit_rows], y[fit_rows])
            oof[held] = predict(model, X.iloc[held], problem_type, n_classes)
            print(f"fold {number}: objective={score(objective, problem_type, y[held], oof[held]):.10g}", flush=True)
        fitted = clone(pipeline).fit(X, y)

    fold_scores = [score(objective, problem_type, y[held], oof[held]) for _, held in splits]
    cv = float(np.mean(fold_scores))
    _report("validation", problem_type, y, oof)
    print(f"objective={cv:.10g}", flush=True)
    _report("test", problem_type, y_val, predict(fitted, X_val, problem_type, n_classes))
    model_dir.mkdir(parents=True, exist_ok=True)
    joblib.dump({"pipeline": fitted, "labels": schema.get("labels"), "problem_type": problem_type, "target": schema["target"],
                 "features": list(X.columns), "candidate": hps.get("candidate_name"), "algorithm": algorithm}, model_dir / "model.joblib")
    np.save(model_dir / "oof.npy", oof)
    (model_dir / "candidate.py").write_text(code)
    return 0


if __name__ == "__main__":
    sys.exit(main())
