"""The built-in XGBoost algorithm's training, as SageMaker's XGBoost container runs it.

What the job gives it, the container's way: hyperparameters as strings in
``hyperparameters.json`` (``num_round`` required; ``objective``, ``max_depth``, ``eta``,
``subsample``, ``eval_metric`` (comma-separated), ``early_stopping_rounds``, ``csv_weights``
and the rest of XGBoost's parameters), a ``train`` channel and an optional ``validation``
channel, each CSV (label in the first column, no header) or LibSVM by its ContentType
(``text/csv``, ``text/libsvm``; LibSVM when none is given, as the container assumes).

What it gives back: one evaluation line per round, ``[3]#011train-rmse:1.2#011validation-rmse:1.4``
(XGBoost's own line, its tabs written ``#011`` as SageMaker's logs show them), which the job's
metric definitions capture as ``train:rmse`` and ``validation:rmse``; and the model as
``xgboost-model`` in XGBoost's own format, which the built-in serving, batch transform and
the registry load.
"""
from __future__ import annotations

import json
import os
import sys
from typing import Any

from sagemaker_xgboost_container.data_utils import get_content_type, get_dmatrix

# Hyperparameters the container reads itself; the rest go to xgboost.train as parameters.
CONTAINER_KEYS = ("num_round", "early_stopping_rounds", "csv_weights", "save_model_on_termination", "_kfold", "_num_cv_round",
                  "_tuning_objective_metric", "sagemaker_container_log_level", "sagemaker_job_name", "sagemaker_region")
MODEL_FILE = "xgboost-model"


class AlgorithmError(Exception):
    """A mistake in the job's data or hyperparameters: its message is the job's failure reason."""


def _config(name: str) -> Any:
    base = os.environ.get("SM_INPUT_CONFIG_DIR") or os.path.join(os.environ.get("SAGEMAKER_BASE_DIR", "/opt/ml"), "input", "config")
    try:
        with open(os.path.join(base, name)) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def _value(text: Any) -> Any:
    """A hyperparameter as given ("5", "0.2", "reg:squarederror", or JSON-encoded) as a Python value."""
    if not isinstance(text, str):
        return text
    raw = text
    try:
        decoded = json.loads(text)
        if isinstance(decoded, str):
            raw = decoded
        elif isinstance(decoded, (int, float, bool)):
            return decoded
    except ValueError:
        pass
    for kind in (int, float):
        try:
            return kind(raw)
        except ValueError:
            continue
    return raw


def hyperparameters() -> dict[str, Any]:
    raw = _config("hyperparameters.json")
    return {k: _value(v) for k, v in raw.items() if not k.startswith("sagemaker_")}


def train(hps: dict[str, Any], channels: dict[str, str], content_types: dict[str, str], model_dir: str) -> None:
    import xgboost as xgb

    if "num_round" not in hps:
        raise AlgorithmError("hyperparameter num_round is required: the number of boosting rounds, e.g. num_round=50")
    try:
        num_round = int(hps["num_round"])
    except (TypeError, ValueError):
        raise AlgorithmError(f"hyperparameter num_round must be a whole number, got {hps['num_round']!r}") from None
    if "train" not in channels:
        raise AlgorithmError("the built-in XGBoost algorithm needs a 'train' channel (and optionally 'validation')")
    weights = int(hps.get("csv_weights", 0) or 0)
    data: dict[str, Any] = {}
    for name in ("train", "validation"):
        if name not in channels:
            continue
        try:
            kind = get_content_type(content_types.get(name) or "text/libsvm")
            data[name] = get_dmatrix(channels[name], kind, csv_weights=weights)
        except ValueError as exc:
            raise AlgorithmError(f"channel {name!r}: {exc}") from None
        if data[name] is None:
            raise AlgorithmError(f"channel {name!r} holds no rows ({channels[name]})")
    params = {k: v for k, v in hps.items() if k not in CONTAINER_KEYS}
    metrics = params.pop("eval_metric", None)
    if isinstance(metrics, str) and metrics:
        params["eval_metric"] = [m.strip() for m in metrics.split(",") if m.strip()]
    params.setdefault("objective", "reg:squarederror")
    evals = [(data["train"], "train")] + ([(data["validation"], "validation")] if "validation" in data else [])
    stopping = hps.get("early_stopping_rounds")
    if stopping is not None and "validation" not in data:
        raise AlgorithmError("early_stopping_rounds needs a 'validation' channel to watch")

    class _Lines(xgb.callback.TrainingCallback):
        """The container's evaluation line per round, tabs as SageMaker's logs write them."""

        def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
            parts = [f"{channel}-{metric}:{values[-1]:.5f}" for channel, metrics in evals_log.items() for metric, values in metrics.items()]
            print(f"[{epoch}]#011" + "#011".join(parts), flush=True)
            return False

    try:
        booster = xgb.train(
            params, data["train"], num_boost_round=num_round, evals=evals, verbose_eval=False,
            early_stopping_rounds=int(stopping) if stopping is not None else None, callbacks=[_Lines()],
        )
    except xgb.core.XGBoostError as exc:
        raise AlgorithmError(f"XGBoost refused the hyperparameters or data: {str(exc).splitlines()[0]}") from None
    os.makedirs(model_dir, exist_ok=True)
    booster.save_model(os.path.join(model_dir, MODEL_FILE))
    print(f"Saved the model to {os.path.join(model_dir, MODEL_FILE)}", flush=True)


def main() -> int:
    env = json.loads(os.environ.get("SM_TRAINING_ENV") or "{}")
    data_config = _config("inputdataconfig.json")
    channels = env.get("channel_input_dirs") or {}
    content_types = {str(name): str(cfg["ContentType"]) for name, cfg in data_config.items() if isinstance(cfg, dict) and cfg.get("ContentType")}
    model_dir = os.environ.get("SM_MODEL_DIR") or env.get("model_dir") or "/opt/ml/model"
    try:
        train(hyperparameters(), channels, content_types, model_dir)
    except AlgorithmError as exc:
        failure = os.path.join(os.environ.get("SM_OUTPUT_DIR") or "/opt/ml/output", "failure")
        try:
            with open(failure, "w") as handle:
                handle.write(f"AlgorithmError: {exc}")
        except OSError:
            pass
        print(f"AlgorithmError: {exc}", file=sys.stderr, flush=True)
        return 2
    return 0
