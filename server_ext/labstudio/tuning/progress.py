"""A tuning job's progress as every surface reads it: its trials (all pages), a trial's
objective value, and the one-line progress text.

The CLI (`tune --wait`, `tuning describe`), the SDK and the notebook's TuningMonitor all show
these facts; they live here, beside the tuning service, rather than in any one of those
clients, so the widgets do not import the CLI. Standard library only.
"""
from __future__ import annotations

from typing import Any

from ..answer import to_json
from ..humanize import format_number


def all_trials(core: Any, name: str) -> list[dict[str, Any]]:
    """Every trial of a tuning job, oldest first (all pages)."""
    out: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = core.tuning.training_jobs(name, sort_by="CreationTime", sort_order="Ascending", max_results=100, next_token=token)
        out.extend(to_json(page.TrainingJobSummaries))
        token = page.NextToken
        if not token:
            return out


def objective_value(trial: dict[str, Any]) -> float | None:
    """The objective a trial reached, as a float (the API spells infinities as strings)."""
    metric = trial.get("FinalHyperParameterTuningJobObjectiveMetric") or {}
    value = metric.get("Value")
    if value is None:
        return None
    return float(value) if not isinstance(value, str) else float(value.replace("Infinity", "inf"))


def progress_text(described: dict[str, Any]) -> str:
    """`4/6 trials done, best validation:rmse=0.123 (NAME)`: the facts every progress view shows."""
    counters = described["TrainingJobStatusCounters"]
    done = counters["Completed"] + counters["NonRetryableError"] + counters["RetryableError"] + counters["Stopped"]
    total = described["HyperParameterTuningJobConfig"]["ResourceLimits"].get("MaxNumberOfTrainingJobs")
    metric = described["HyperParameterTuningJobConfig"]["HyperParameterTuningJobObjective"]["MetricName"]
    text = f"{done}/{total if total is not None else '?'} trials done"
    best = described.get("BestTrainingJob")
    if best and objective_value(best) is not None:
        text += f", best {metric}={format_number(objective_value(best))} ({best['TrainingJobName']})"
    else:
        text += f", no {metric} yet"
    return text


__all__ = ["all_trials", "objective_value", "progress_text"]
