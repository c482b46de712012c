"""Durations, statuses and job summaries as people read them, in one format everywhere.

The CLI, the SDK's wait, the magics and the notebook widget all show the same facts about a
job; formatting them here (standard library only, so importing it costs nothing) keeps a
duration from reading ``0:00:03`` in one place and ``3s`` in another.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from .status import JobStatus

# What something still runs (the widgets and the CLI read it from here).
ACTIVE_STATUSES = JobStatus.active()
SUMMARY_METRICS = 8  # more final metrics than this are counted, not listed, to keep one line


def ended_word(status: str) -> str:
    """How a duration reads after a status: running "for", Completed "in", ended "after"."""
    word = JobStatus(status)
    return "for" if word.is_active() else ("in" if word == JobStatus.COMPLETED else "after")


def format_duration(seconds: float | None) -> str:
    """``3.4s``, ``2m 05s``, ``1h 02m``, ``3d 04h``; empty for an unknown duration.

    Tenths of a second matter only under a minute (a quick job's run time); past that the
    two largest units are enough to compare jobs at a glance.
    """
    if seconds is None or not math.isfinite(seconds):
        return ""
    seconds = max(0.0, float(seconds))
    tenths = math.floor(seconds * 10) / 10
    if tenths < 60:
        return f"{tenths:.1f}s"
    whole = int(seconds)
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


def _parse_iso(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def job_seconds(job: Mapping[str, Any], now: dt.datetime | None = None) -> float | None:
    """How long a job has trained: start to end, or to now while it runs; None before it starts.

    Reads the ListTrainingJobs/DescribeTrainingJob times (millisecond precision) rather than
    the whole-second ``TrainingTimeInSeconds``, so a 3.4 s job reads 3.4s.
    """
    start = _parse_iso(job.get("TrainingStartTime"))
    if start is None:
        return None
    end = _parse_iso(job.get("TrainingEndTime"))
    if end is None:
        if job.get("TrainingJobStatus") in ACTIVE_STATUSES:
            end = now or dt.datetime.now(dt.timezone.utc)
        else:  # ended without an end time (e.g. marked Failed by reconciliation)
            end = _parse_iso(job.get("LastModifiedTime")) or start
    return max(0.0, (end - start).total_seconds())


def status_label(status: str, secondary: str | None) -> str:
    """``Completed``, ``Failed``, ``InProgress (Training)``, ``Stopped (MaxRuntimeExceeded)``.

    The secondary status is shown only when it says something the status does not.
    """
    if not secondary or secondary.lower() == (status or "").lower():
        return status
    return f"{status} ({secondary})"


def format_number(value: Any) -> str:
    """A metric or parameter value, short: 6 significant digits; NaN/inf as words."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):  # "NaN" / "Infinity" from the JSON-safe records
        return {"Infinity": "inf", "-Infinity": "-inf"}.get(value, value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return f"{value:.6g}"
    return str(value)


def job_summary(described: Mapping[str, Any]) -> str:
    """One line saying how a job ended: status, duration, final metrics, model, or why it failed.

    ``labstudio train --wait`` and the SDK's ``wait()``/``fit()`` both end with this line.
    """
    status = described["TrainingJobStatus"]
    label = status_label(status, described.get("SecondaryStatus"))
    line = f"Training job {described['TrainingJobName']}: {label}"
    seconds = job_seconds(described)
    if seconds is not None:
        line += f" {ended_word(status)} {format_duration(seconds)}"
    parts = [line]
    metrics = described.get("FinalMetricDataList") or []
    if metrics:
        shown = ", ".join(f"{m['MetricName']}={format_number(m['Value'])}" for m in metrics[:SUMMARY_METRICS])
        if len(metrics) > SUMMARY_METRICS:
            shown += f" (+{len(metrics) - SUMMARY_METRICS} more)"
        parts.append(f"final metrics: {shown}")
    model = (described.get("ModelArtifacts") or {}).get("S3ModelArtifacts")
    if status == JobStatus.COMPLETED and model:
        parts.append(f"model: {model}")
    reason = described.get("FailureReason")
    if not reason and status in (JobStatus.FAILED, JobStatus.STOPPED):
        reason = described.get("StatusMessage")
    if reason:
        parts.append(f"reason: {reason}")
    return "; ".join(parts)


__all__ = ["format_duration", "format_number", "job_seconds", "job_summary", "status_label"]
