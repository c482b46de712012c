"""SageMaker's ``TrainingJobAnalytics``: a job's captured metrics as a long DataFrame.

Columns are SageMaker's: ``timestamp`` (seconds since the job started training),
``metric_name``, ``value``. Points come from the store (what the supervisor parsed out of
the log with the job's metric_definitions), not from CloudWatch.
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..tracking.frames import CachedFrame
from .session import core_of

if TYPE_CHECKING:
    import pandas as pd


def _epoch(iso: str | None) -> float | None:
    if not iso:
        return None
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


class TrainingJobAnalytics(CachedFrame):
    CLOUDWATCH_NAMESPACE = "/aws/sagemaker/TrainingJobs"  # kept for code that reads it

    def __init__(self, training_job_name: str, metric_names: Sequence[str] | None = None, sagemaker_session: Any = None,
                 start_time: Any = None, end_time: Any = None, period: Any = None) -> None:
        self._name = training_job_name
        self._metric_names = list(metric_names) if metric_names else None
        self._session = sagemaker_session
        self._frame: pd.DataFrame | None = None

    @property
    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"<labstudio.TrainingJobAnalytics for {self._name}>"

    def export_csv(self, filename: str) -> None:
        self.dataframe().to_csv(filename)

    def _fetch(self) -> pd.DataFrame:
        import pandas as pd

        core = core_of(self._session)
        described = core.jobs.describe(self._name)
        start = _epoch(described.TrainingStartTime) or _epoch(described.CreationTime) or 0.0
        wanted = set(self._metric_names) if self._metric_names else None
        rows: dict[str, list[Any]] = {"timestamp": [], "metric_name": [], "value": []}
        for series in core.jobs.metrics(self._name):
            if wanted is not None and series.name not in wanted:
                continue
            for point in series.points:
                value = point.value
                rows["timestamp"].append(max(0.0, float(point.timestamp) - start))
                rows["metric_name"].append(series.name)
                rows["value"].append(math.nan if value is None else float(value) if not isinstance(value, str) else float(value.replace("Infinity", "inf")))
        frame = pd.DataFrame(rows, columns=["timestamp", "metric_name", "value"])
        return frame.sort_values(["timestamp", "metric_name"], kind="stable").reset_index(drop=True)
