"""Serving an AutoML candidate: one inference pipeline (preprocessing -> model -> output).

Takes CSV rows without the target column (or JSON: {"instances": [...]}, a list of rows, or a
list of objects keyed by column) and answers one line per row with the keys
SAGEMAKER_INFERENCE_OUTPUT names, in its order (default: predicted_label): predicted_label,
probability (of the predicted label), probabilities (every class's) and labels (the classes,
in the order of probabilities). A regression candidate answers predicted_label only.
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

SUPPORTED_CLASSIFICATION = ("predicted_label", "probability", "probabilities", "labels")
_FEATURES: dict[str, Any] = {}  # the model's feature columns, set by model_fn


def model_fn(model_dir: str) -> dict[str, Any]:
    model = dict(joblib.load(Path(model_dir) / "model.joblib"))
    _FEATURES["features"] = list(model["features"])  # input_fn gets no model: the columns rows are read into
    return model


def _keys(model: dict[str, Any]) -> list[str]:
    raw = os.environ.get("SAGEMAKER_INFERENCE_OUTPUT") or "predicted_label"
    keys = [k.strip() for k in raw.split(",") if k.strip()]
    allowed = SUPPORTED_CLASSIFICATION if model["labels"] else ("predicted_label",)
    bad = [k for k in keys if k not in allowed]
    if bad:
        raise ValueError(f"SAGEMAKER_INFERENCE_OUTPUT names {', '.join(bad)}; this model answers {', '.join(allowed)}")
    return keys


def _frame(rows: Any, features: list[str]) -> pd.DataFrame:
    if isinstance(rows, dict):
        rows = rows.get("instances", rows.get("data", [rows]))
    if rows and isinstance(rows[0], dict):
        frame = pd.DataFrame(rows)
        missing = [f for f in features if f not in frame.columns]
        if missing:
            raise ValueError(f"the rows lack the column(s) {', '.join(missing[:10])}")
        return frame[features]
    if rows and not isinstance(rows[0], (list, tuple)):
        rows = [rows]
    frame = pd.DataFrame(list(rows))
    if frame.shape[1] != len(features):
        raise ValueError(f"each row needs {len(features)} values (the features, without the target), got {frame.shape[1]}")
    frame.columns = features
    return frame


def input_fn(body: Any, content_type: str) -> pd.DataFrame:
    text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else str(body)
    kind = (content_type or "text/csv").split(";")[0].strip().lower()
    features = _FEATURES.get("features") or []
    if kind in ("application/json", "application/jsonlines"):
        if kind == "application/jsonlines":
            return _frame([json.loads(line) for line in text.splitlines() if line.strip()], features)
        return _frame(json.loads(text), features)
    if kind != "text/csv":
        raise ValueError(f"content type {content_type!r} is not served; send text/csv or application/json")
    rows = [r for r in csv.reader(io.StringIO(text)) if r]
    if rows and [c.strip() for c in rows[0]] == features:
        rows = rows[1:]  # a header row, as written by pandas
    return _typed(_frame(rows, features))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """CSV cells are text: a column whose every non-empty cell is a number becomes numbers."""
    frame = frame.replace({"": np.nan})
    for column in frame.columns:
        try:
            frame[column] = pd.to_numeric(frame[column])
        except (TypeError, ValueError):
            pass
    return frame


def predict_fn(data: pd.DataFrame, model: dict[str, Any]) -> list[dict[str, Any]]:
    pipeline = model["pipeline"]
    labels = model["labels"]
    keys = _keys(model)
    if not labels:
        return [{"predicted_label": float(v)} for v in np.asarray(pipeline.predict(data), dtype=float)]
    proba = np.asarray(pipeline.predict_proba(data), dtype=float)
    out = []
    for row in proba:
        best = int(row.argmax())
        answer = {"predicted_label": labels[best], "probability": float(row[best]),
                  "probabilities": [float(p) for p in row], "labels": list(labels)}
        out.append({k: answer[k] for k in keys})
    return out


def output_fn(prediction: list[dict[str, Any]], accept: str) -> tuple[bytes, str]:
    kind = (accept or "text/csv").split(";")[0].strip().lower()
    if kind in ("*/*", ""):
        kind = "text/csv"
    if kind == "application/json":
        return json.dumps({"predictions": prediction}).encode(), "application/json"
    if kind == "application/jsonlines":
        return "".join(json.dumps(p) + "\n" for p in prediction).encode(), "application/jsonlines"
    if kind != "text/csv":
        raise ValueError(f"accept {accept!r} is not served; ask for text/csv or application/json")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for row in prediction:
        writer.writerow([json.dumps(v) if isinstance(v, list) else v for v in row.values()])
    return buffer.getvalue().encode(), "text/csv"
