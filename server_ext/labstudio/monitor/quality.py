"""Model quality (SageMaker's ModelQualityMonitor): metrics of predictions against ground truth.

A baseline reads a dataset holding each row's prediction (`inference_attribute`), optionally
its probability (`probability_attribute`), and its label (`ground_truth_attribute`), and writes
the metrics of the problem type as statistics.json and thresholds as constraints.json (each
metric may get worse than the baseline by a tenth before it is a violation). A monitoring run
merges the endpoint's captured records with the ground-truth records uploaded for them, by
inference id (the `inferenceId` a caller passed with the request, else the record's
`eventId`, matched against the ground truth's `eventMetadata.eventId`), and checks the same
metrics against the constraints: a violation's `constraint_check_type` is the comparison
(`LessThanThreshold`, `GreaterThanThreshold`) and it names the `metric_name`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

PROBLEM_TYPES = ("BinaryClassification", "MulticlassClassification", "Regression")
# metric -> whether a higher value is better
HIGHER_BETTER = {
    "Regression": {"mae": False, "mse": False, "rmse": False, "r2": True},
    "BinaryClassification": {"accuracy": True, "precision": True, "recall": True, "f1": True, "auc": True},
    "MulticlassClassification": {"accuracy": True, "weighted_precision": True, "weighted_recall": True, "weighted_f1": True},
}
SECTION = {"Regression": "regression", "BinaryClassification": "binary_classification", "MulticlassClassification": "multiclass_classification"}
SLACK = 0.1  # a metric may get worse than its baseline by this share before it is a violation
BOOTSTRAP = 20


def _auc(y_true: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve by ranks (Mann-Whitney), ties averaged."""
    order = np.argsort(score, kind="mergesort")
    ranks = np.empty(len(score))
    sorted_scores = score[order]
    i = 0
    while i < len(score):
        j = i
        while j + 1 < len(score) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    positives = y_true == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return 0.0
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _prf(y_true: np.ndarray, y_pred: np.ndarray, label: Any) -> tuple[float, float, float]:
    tp = float(np.sum((y_pred == label) & (y_true == label)))
    predicted, actual = float(np.sum(y_pred == label)), float(np.sum(y_true == label))
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def point_metrics(problem: str, y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None) -> dict[str, float]:
    if problem == "Regression":
        err = y_pred.astype(float) - y_true.astype(float)
        mse = float(np.mean(err ** 2))
        var = float(np.var(y_true.astype(float)))
        return {"mae": float(np.mean(np.abs(err))), "mse": mse, "rmse": float(np.sqrt(mse)), "r2": 1.0 - mse / var if var else 0.0}
    accuracy = float(np.mean(y_true == y_pred))
    if problem == "BinaryClassification":
        precision, recall, f1 = _prf(y_true, y_pred, 1)
        out = {"accuracy": accuracy, "precision": precision, "recall": recall, "f1": f1}
        if score is not None:
            out["auc"] = _auc(y_true, score)
        return out
    labels, counts = np.unique(y_true, return_counts=True)
    weights = counts / counts.sum()
    parts = np.array([_prf(y_true, y_pred, label) for label in labels])
    return {"accuracy": accuracy, "weighted_precision": float(weights @ parts[:, 0]), "weighted_recall": float(weights @ parts[:, 1]),
            "weighted_f1": float(weights @ parts[:, 2])}


def metrics(problem: str, y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None) -> dict[str, Any]:
    """Each metric's value and its standard deviation over bootstrap resamples."""
    values = point_metrics(problem, y_true, y_pred, score)
    rng = np.random.default_rng(0)
    n = len(y_true)
    samples: dict[str, list[float]] = {k: [] for k in values}
    for _ in range(BOOTSTRAP if n > 1 else 0):
        pick = rng.integers(0, n, size=min(n, 10000))
        for key, value in point_metrics(problem, y_true[pick], y_pred[pick], None if score is None else score[pick]).items():
            samples[key].append(value)
    out: dict[str, Any] = {k: {"value": v, "standard_deviation": float(np.std(samples[k])) if samples[k] else 0.0} for k, v in values.items()}
    if problem != "Regression":
        labels = sorted({str(v) for v in y_true} | {str(v) for v in y_pred})
        out["confusion_matrix"] = {a: {p: int(np.sum((y_true.astype(str) == a) & (y_pred.astype(str) == p))) for p in labels} for a in labels}
    return out


def statistics(problem: str, y_true: np.ndarray, y_pred: np.ndarray, score: np.ndarray | None) -> dict[str, Any]:
    return {"version": 0.0, "dataset": {"item_count": int(len(y_true))}, f"{SECTION[problem]}_metrics": metrics(problem, y_true, y_pred, score)}


def suggest_constraints(problem: str, stats: Mapping[str, Any]) -> dict[str, Any]:
    found = stats[f"{SECTION[problem]}_metrics"]
    constraints: dict[str, Any] = {}
    for name, higher in HIGHER_BETTER[problem].items():
        if name not in found:
            continue
        value = float(found[name]["value"])
        threshold = value - SLACK * abs(value) if higher else value + SLACK * abs(value)
        constraints[name] = {"threshold": threshold, "comparison_operator": "LessThanThreshold" if higher else "GreaterThanThreshold"}
    return {"version": 0.0, f"{SECTION[problem]}_constraints": constraints}


def violations(problem: str, stats: Mapping[str, Any], constraints: Mapping[str, Any]) -> list[dict[str, str]]:
    found = stats[f"{SECTION[problem]}_metrics"]
    out = []
    for name, rule in (constraints.get(f"{SECTION[problem]}_constraints") or {}).items():
        if name not in found:
            continue
        value, threshold, op = float(found[name]["value"]), float(rule["threshold"]), rule.get("comparison_operator")
        broken = value < threshold if op == "LessThanThreshold" else value > threshold if op == "GreaterThanThreshold" else False
        if broken:
            out.append({"metric_name": name, "constraint_check_type": str(op),
                        "description": f"Metric {name} with {value:.4g} +/- {found[name]['standard_deviation']:.4g} was {op} '{threshold:.4g}'"})
    return out


def _labels(values: list[str], problem: str) -> np.ndarray:
    if problem == "Regression":
        return np.asarray([float(v) for v in values])
    try:
        numbers = np.asarray([float(v) for v in values])
        return numbers.astype(int) if np.all(numbers == np.round(numbers)) else numbers
    except ValueError:
        return np.asarray(values)


def _column(frame: Any, attribute: str | None, default: int) -> list[str]:
    if attribute is None or attribute == "":
        return [str(v) for v in frame.iloc[:, default]]
    if attribute in frame.columns:
        return [str(v) for v in frame[attribute]]
    if attribute.isdigit():
        return [str(v) for v in frame.iloc[:, int(attribute)]]
    raise ValueError(f"column {attribute!r} is not in the dataset (its columns: {', '.join(map(str, frame.columns))})")


def _output_values(part: Mapping[str, Any] | None, attribute: str | None) -> list[str]:
    """A captured output's predictions (or probabilities): a JSON key, a CSV column index, else the first value of each row."""
    from .datasets import _text, rows_of

    if not part:
        return []
    text, content_type = _text(part)
    if attribute and not attribute.isdigit() and (content_type.endswith("json") or part.get("encoding") == "JSON"):
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if isinstance(body, dict) and attribute in body:
            value = body[attribute]
            return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    index = int(attribute) if attribute and attribute.isdigit() else 0
    rows = rows_of(part)
    if len(rows) == 1 and index == 0 and len(rows[0]) > 1 and not attribute:
        return list(rows[0])
    return [r[index] for r in rows if len(r) > index]


def _ground_truth(folder: str) -> dict[str, list[str]]:
    """eventId -> the label(s) of every ground-truth record under the folder."""
    from .datasets import dataset_files, rows_of

    found: dict[str, list[str]] = {}
    for file in dataset_files(folder):
        with open(file, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if not line.strip():
                    continue
                record = json.loads(line)
                event = (record.get("eventMetadata") or {}).get("eventId")
                data = record.get("groundTruthData")
                if event and data:
                    found[str(event)] = [r[0] for r in rows_of(data) if r]
    return found


def run(env: Mapping[str, str], local: Callable[[str], str], say: Callable[[str], None]) -> str:
    """The MODEL_QUALITY analysis: a baseline (no baseline_constraints) or a monitoring run."""
    from .analyzer import AnalysisError, _read_json, _write_json
    from .datasets import capture_files, parse_time, read_dataset

    problem = env.get("problem_type") or ""
    if problem not in PROBLEM_TYPES:
        raise AnalysisError(f"problem_type must be one of {', '.join(PROBLEM_TYPES)}, got {problem!r}")
    threshold = float(env["probability_threshold_attribute"]) if env.get("probability_threshold_attribute") else None
    output = local(env["output_path"])
    if not env.get("baseline_constraints") and not env.get("start_time"):
        try:
            frame = read_dataset(local(env["dataset_source"]), json.loads(env.get("dataset_format") or '{"csv": {"header": true}}'))
            truth = _column(frame, env.get("ground_truth_attribute"), frame.shape[1] - 1)
            predicted = _column(frame, env.get("inference_attribute"), 0)
            scores = _column(frame, env["probability_attribute"], 0) if env.get("probability_attribute") else None
        except ValueError as exc:
            raise AnalysisError(f"the baseline dataset cannot be read: {exc}") from None
        if not truth:
            raise AnalysisError("the baseline dataset has no rows")
        score = np.asarray([float(s) for s in scores]) if scores is not None else None
        y_pred = (score >= threshold).astype(int) if score is not None and threshold is not None and problem == "BinaryClassification" else _labels(predicted, problem)
        stats = statistics(problem, _labels(truth, problem), y_pred, score)
        _write_json(output, "statistics.json", stats)
        _write_json(output, "constraints.json", suggest_constraints(problem, stats))
        say(f"model quality baseline of {len(truth)} rows written")
        return "Completed: Job completed successfully with no violations."
    start, end = parse_time(env["start_time"]), parse_time(env["end_time"])
    labels = _ground_truth(local(env["ground_truth_source"])) if env.get("ground_truth_source") else {}
    from ..sdk.storage import read_bytes

    truth_values: list[str] = []
    predicted_values: list[str] = []
    score_values: list[float] = []
    records = 0
    for file in capture_files(env["dataset_source"], start, end):
        for line in read_bytes(file).decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            meta = record.get("eventMetadata") or {}
            try:
                when = parse_time(meta["inferenceTime"])
            except (KeyError, ValueError):
                continue
            if not (start <= when < end):
                continue
            records += 1
            key = meta.get("inferenceId") or meta.get("eventId")
            if key not in labels:
                continue
            output_part = (record.get("captureData") or {}).get("endpointOutput")
            predicted = _output_values(output_part, env.get("inference_attribute"))
            scores = _output_values(output_part, env.get("probability_attribute")) if env.get("probability_attribute") else []
            for i, label in enumerate(labels[key]):
                if i < len(predicted):
                    truth_values.append(label)
                    predicted_values.append(predicted[i])
                    if scores:
                        score_values.append(float(scores[i]))
    say(f"{records} captured records in the window, {len(truth_values)} predictions with ground truth (merged by inference id)")
    if not truth_values:
        raise AnalysisError(f"No captured record between {start.isoformat()} and {end.isoformat()} has ground truth: upload ground-truth "
                            "records whose eventMetadata.eventId is the request's inference id")
    score = np.asarray(score_values) if score_values and len(score_values) == len(truth_values) else None
    if score is not None and threshold is not None and problem == "BinaryClassification":
        y_pred = (score >= threshold).astype(int)
    else:
        y_pred = _labels(predicted_values, problem)
    stats = statistics(problem, _labels(truth_values, problem), y_pred, score)
    constraints = _read_json(env["baseline_constraints"], "baseline_constraints") if env.get("baseline_constraints") else {}
    found = violations(problem, stats, constraints)
    _write_json(output, "statistics.json", stats)
    _write_json(output, "constraint_violations.json", {"violations": found})
    os.makedirs(output, exist_ok=True)
    if found:
        return f"CompletedWithViolations: Job completed successfully with {len(found)} violations."
    return "Completed: Job completed successfully with no violations."
