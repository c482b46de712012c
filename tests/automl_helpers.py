"""Small data sets for the AutoML tests, written as a user would have them (CSV with a header row)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd


def classification_csv(path: Path, rows: int = 160, seed: int = 0) -> Path:
    """Binary classification: two informative numbers, a category, a missing value here and there."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    x2 = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    score = 1.5 * x1 - x2 + (colour == "red") * 0.8 + rng.normal(scale=0.4, size=rows)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "label": np.where(score > 0, "yes", "no")})
    frame.loc[::17, "x2"] = np.nan
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def regression_csv(path: Path, rows: int = 150, seed: int = 1) -> Path:
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 10, size=rows)
    b = rng.normal(size=rows)
    kind = rng.choice(["x", "y"], size=rows)
    target = 3.0 * a - 2.0 * b + (kind == "x") * 4 + rng.normal(scale=0.5, size=rows)
    frame = pd.DataFrame({"a": a, "b": b, "kind": kind, "price": target})
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def request(name: str, data: Path, target: str, **config: object) -> dict:
    """CreateAutoMLJob's request with CompletionCriteria from `config` (MaxCandidates...)."""
    mode = config.pop("Mode", None)
    body: dict = {"AutoMLJobName": name,
                  "InputDataConfig": [{"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": str(data)}}, "TargetAttributeName": target}],
                  "AutoMLJobConfig": {"CompletionCriteria": dict(config)}}
    if mode:
        body["AutoMLJobConfig"]["Mode"] = mode
    return body
