"""Training a tiny real model for the registry and lineage tests (a scikit-learn classifier on a
CSV channel, served by its own model_fn), and reading what the store recorded."""
from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

TRAIN = """
import argparse, os
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--C", type=float, default=1.0)
    a, _ = p.parse_known_args()
    folder = os.environ["SM_CHANNEL_TRAIN"]
    df = pd.concat(pd.read_csv(os.path.join(folder, f), header=None) for f in sorted(os.listdir(folder)))
    model = LogisticRegression(C=a.C, max_iter=300).fit(df.iloc[:, 1:], df.iloc[:, 0])
    print("accuracy=%.4f" % model.score(df.iloc[:, 1:], df.iloc[:, 0]), flush=True)
    joblib.dump(model, os.path.join(os.environ["SM_MODEL_DIR"], "model.joblib"))


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
"""

METRICS = [{"Name": "accuracy", "Regex": "accuracy=([0-9.]+)"}]


def write_project(root: Path) -> tuple[Path, Path]:
    """code/train.py and data/train.csv (two separable classes) under root."""
    code = root / "code"
    data = root / "data"
    code.mkdir(parents=True, exist_ok=True)
    data.mkdir(parents=True, exist_ok=True)
    (code / "train.py").write_text(textwrap.dedent(TRAIN))
    rows = [f"{int(i >= 10)},{i},{i % 3}" for i in range(20)]
    (data / "train.csv").write_text("\n".join(rows) + "\n")
    return code, data


def train(core: Any, root: Path, *, name: str | None = None, channels: dict[str, str] | None = None, c: float = 0.5) -> str:
    """Run the training job to completion; its name."""
    code, data = write_project(root)
    request: dict[str, Any] = {
        "entry_point": "train.py", "source_dir": str(code), "channels": channels or {"train": str(data)},
        "hyperparameters": {"C": c}, "metric_definitions": METRICS,
    }
    if name:
        request["name"] = name
    described = core.jobs.submit(request)
    final = core.jobs.wait(described["TrainingJobName"], timeout=180)
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    return str(final["TrainingJobName"])


def write_statistics(path: Path, accuracy: float) -> Path:
    path.write_text(json.dumps({"version": 0.0, "dataset": {"item_count": 20},
                                "binary_classification_metrics": {"accuracy": {"value": accuracy, "standard_deviation": 0.01},
                                                                   "f1": {"value": accuracy - 0.05}}}))
    return path
