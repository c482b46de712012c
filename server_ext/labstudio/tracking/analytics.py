"""pandas analytics: `search_runs` (MLflow's shape) and `ExperimentAnalytics` (SageMaker's shape).

Both read the precomputed metric summaries, never raw points, and build the frame column by
column (no per-row dicts): 1,000 runs take a few tens of milliseconds. Parameters that all
look like numbers become numeric columns (they are stored as text, SageMaker hyperparameters
being strings), so `df[df["lr"] < 0.01]` just works.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..config import Settings
from ..errors import Invalid, NotFound
from ..store import Database, get_database
from .frames import CachedFrame

if TYPE_CHECKING:
    import pandas as pd

    from ..store.entities import Run

_STATS = (("Min", "min"), ("Max", "max"), ("Avg", "avg"), ("StdDev", "std"), ("Last", "last"), ("Count", "count"))


def _db(settings: Settings | None, db: Database | None) -> Database:
    return db or get_database(settings or Settings.from_env())


def _records(db: Database, **kwargs: Any) -> list[Run]:
    from ..store.search import search_runs as store_search

    with db.read() as conn:
        return store_search(conn, **kwargs)


def _numeric_or_text(values: list[Any]) -> Any:
    """A parameter column as numbers when every present value is one, else as text.

    Plain Python over the column (a thousand values take well under a millisecond; going
    through pandas' to_numeric per column cost more than the whole query)."""
    import numpy as np

    try:
        numbers = [math.nan if v is None else float(v) for v in values]
    except (TypeError, ValueError):
        return values
    if not values or any(v is not None and not _looks_numeric(v) for v in values):
        return values
    if all(v is not None for v in values) and all(x.is_integer() and abs(x) < 2**53 for x in numbers):
        return np.array(numbers, dtype=np.int64)
    return np.array(numbers, dtype=np.float64)


def _looks_numeric(text: str) -> bool:
    """float() also accepts 'nan', 'inf' and '1_000': a parameter spelled so is text, not a number."""
    return text[:1] in "0123456789-+." and "_" not in text


def _times(values: list[float | None]) -> Any:
    import pandas as pd

    return pd.to_datetime(pd.Series(values, dtype="float64"), unit="s", utc=True)


def search_runs(
    experiment_name: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: str | Sequence[str] | None = None,
    max_results: int | None = None,
    *,
    settings: Settings | None = None,
    db: Database | None = None,
) -> pd.DataFrame:
    """Runs as a DataFrame, one row each: attributes, `params.*`, `metrics.*` (last value), `tags.*`."""
    import pandas as pd

    if max_results is not None and (not isinstance(max_results, int) or max_results < 1):
        raise Invalid(f"max_results must be a positive whole number, got {max_results!r}", field="max_results")
    records = _records(_db(settings, db), experiment=experiment_name, filter=filter, order_by=order_by, limit=max_results, full=False)
    n = len(records)
    data: dict[str, Any] = {
        "run_id": [r.id for r in records],
        "run_name": [r.name for r in records],
        "experiment_name": [r.experiment for r in records],
        "trial_name": [r.trial for r in records],
        "status": [r.status for r in records],
        "start_time": _times([r.start_time for r in records]),
        "end_time": _times([r.end_time for r in records]),
        "duration": [
            (r.end_time - r.start_time) if r.end_time is not None and r.start_time is not None else math.nan for r in records
        ],
        "source_type": [r.source_type for r in records],
        "source_name": [r.source_name for r in records],
    }
    for key in sorted({k for r in records for k in r.params}):
        data[f"params.{key}"] = _numeric_or_text([r.params.get(key) for r in records])
    nan = math.nan
    for key in sorted({k for r in records for k in r.last_metrics}):
        data[f"metrics.{key}"] = [r.last_metrics.get(key, nan) for r in records]
    for key in sorted({k for r in records for k in r.tags}):
        data[f"tags.{key}"] = [r.tags.get(key) for r in records]
    return pd.DataFrame(data, index=pd.RangeIndex(n))


def metric_history(run_id: str, name: str, *, settings: Settings | None = None, db: Database | None = None) -> pd.DataFrame:
    """All points of one metric: step, value (NaN kept), timestamp (UTC), in step order."""
    import pandas as pd

    from ..store.runs import run_exists
    from ..store.series import metric_names, raw_series

    database = _db(settings, db)
    with database.read() as conn:
        steps, values, stamps = raw_series(conn, run_id, name)
        if len(steps) == 0:
            if not run_exists(conn, run_id):
                raise NotFound(f"Run {run_id!r} does not exist")
            known = metric_names(conn, run_id)
            if known:
                raise NotFound(f"Run {run_id!r} has no metric {name!r} (its metrics: {', '.join(known)})")
    return pd.DataFrame({"step": steps, "value": values, "timestamp": pd.to_datetime(stamps, unit="s", utc=True)})


# -- SageMaker's ExperimentAnalytics -----------------------------------------------------------------

_SM_OPERATORS = {
    "Equals": "=", "NotEquals": "!=", "GreaterThan": ">", "GreaterThanOrEqualTo": ">=",
    "LessThan": "<", "LessThanOrEqualTo": "<=",
}
_SM_ATTRS = {
    "displayname": "name", "trialcomponentname": "id", "status.primarystatus": "status", "creationtime": "created_time",
    "starttime": "start_time", "endtime": "end_time", "lastmodifiedtime": "last_modified_time",
    "parents.experimentname": "experiment", "parents.trialname": "trial", "source.sourcearn": "source",
}
_SM_SORT = {"creationtime": "created_time", "name": "name", "displayname": "name", "starttime": "start_time",
            "endtime": "end_time", "lastmodifiedtime": "last_modified_time", "status": "status"}
_SM_METRIC = re.compile(r"(?i)^metrics\.(.+)\.(min|max|avg|last|count)$")


def _literal(value: Any) -> str:
    try:
        return repr(float(value)) if not isinstance(value, bool) else f"'{value}'"
    except (TypeError, ValueError):
        return "'" + str(value).replace("'", "''") + "'"


def _sm_field(name: str) -> str:
    low = name.lower()
    if low in _SM_ATTRS:
        return _SM_ATTRS[low]
    m = _SM_METRIC.match(name)
    if m:
        return f"{m.group(2).lower()}(metrics.`{m.group(1)}`)"
    for prefix, ours in (("metrics.", "metrics"), ("parameters.", "params"), ("tags.", "tags")):
        if low.startswith(prefix):
            return f"{ours}.`{name[len(prefix):]}`"
    raise Invalid(f"search_expression: unsupported filter Name {name!r}", field="search_expression")


def sagemaker_expression_to_filter(expression: Mapping[str, Any]) -> str:
    """Translate a SageMaker Search `SearchExpression` (Filters, SubExpressions, Operator) to a filter."""
    parts: list[str] = []
    for f in expression.get("Filters", []) or []:
        field, op, value = _sm_field(f["Name"]), f.get("Operator", "Equals"), f.get("Value")
        if op in _SM_OPERATORS:
            parts.append(f"{field} {_SM_OPERATORS[op]} {_literal(value)}")
        elif op == "Contains":
            parts.append(f"{field} like " + _literal("%" + str(value) + "%"))
        elif op == "In":
            parts.append(f"{field} in (" + ", ".join(_literal(v.strip()) for v in str(value).split(",")) + ")")
        elif op == "Exists":
            parts.append(f"{field} is not null")
        elif op == "NotExists":
            parts.append(f"{field} is null")
        else:
            raise Invalid(f"search_expression: unsupported Operator {op!r}", field="search_expression")
    for sub in expression.get("SubExpressions", []) or []:
        parts.append(f"({sagemaker_expression_to_filter(sub)})")
    if expression.get("NestedFilters"):
        raise Invalid("search_expression: NestedFilters are not supported; use Filters and SubExpressions", field="search_expression")
    joiner = " or " if str(expression.get("Operator", "And")).lower() == "or" else " and "
    return joiner.join(parts)


class ExperimentAnalytics(CachedFrame):
    """SageMaker's `ExperimentAnalytics`: `.dataframe()` has one row per run, with the columns
    TrialComponentName (the run id), DisplayName, SourceArn, one per parameter, `<metric> - Min`,
    `- Max`, `- Avg`, `- StdDev`, `- Last`, `- Count`, `<artifact> - MediaType` / `- Value`, Trials, Experiments."""

    def __init__(
        self,
        experiment_name: str | None = None,
        search_expression: str | Mapping[str, Any] | None = None,
        sort_by: str | None = None,
        sort_order: str = "Descending",
        metric_names: Sequence[str] | None = None,
        parameter_names: Sequence[str] | None = None,
        input_artifact_names: Sequence[str] | None = None,
        output_artifact_names: Sequence[str] | None = None,
        *,
        settings: Settings | None = None,
        db: Database | None = None,
    ) -> None:
        if not experiment_name and not search_expression:
            raise Invalid("Either experiment_name or search_expression must be supplied.")
        if str(sort_order).lower() not in ("ascending", "descending"):
            raise Invalid(f"sort_order must be 'Ascending' or 'Descending', got {sort_order!r}", field="sort_order")
        self._experiment_name = experiment_name
        self._filter = sagemaker_expression_to_filter(search_expression) if isinstance(search_expression, Mapping) else search_expression
        self._order_by = self._sort(sort_by, sort_order)
        self._metric_names = list(metric_names) if metric_names else None
        self._parameter_names = list(parameter_names) if parameter_names else None
        self._inputs = list(input_artifact_names) if input_artifact_names else None
        self._outputs = list(output_artifact_names) if output_artifact_names else None
        self._db = _db(settings, db)
        self._frame: pd.DataFrame | None = None

    @property
    def name(self) -> str | None:
        return self._experiment_name

    def __repr__(self) -> str:
        return f"<labstudio.ExperimentAnalytics for {self._experiment_name!r}>"

    @staticmethod
    def _sort(sort_by: str | None, sort_order: str) -> str:
        direction = "asc" if str(sort_order).lower() == "ascending" else "desc"
        if not sort_by:
            return f"created_time {direction}"
        m = _SM_METRIC.match(sort_by)
        field = f"{m.group(2).lower()}(metrics.`{m.group(1)}`)" if m else _SM_SORT.get(sort_by.lower().replace("_", ""), sort_by)
        return f"{field} {direction}"

    def _fetch(self) -> pd.DataFrame:
        import pandas as pd

        from ..store.search import artifacts
        from ..store.search import search_runs as store_search

        with self._db.read() as conn:
            records = store_search(conn, experiment=self._experiment_name, filter=self._filter, order_by=self._order_by)
            arts = artifacts(conn, [r.id for r in records])
        data: dict[str, Any] = {
            "TrialComponentName": [r.id for r in records],
            "DisplayName": [r.name for r in records],
        }
        if any(r.source_name for r in records):
            data["SourceArn"] = [r.source_name for r in records]
        params = sorted({k for r in records for k in r.params})
        for key in params:
            if self._parameter_names is None or key in self._parameter_names:
                data[key] = _numeric_or_text([r.params.get(key) for r in records])
        metrics = sorted({k for r in records for k in r.metrics})
        for key in metrics:
            if self._metric_names is not None and key not in self._metric_names:
                continue
            for label, field in _STATS:
                data[f"{key} - {label}"] = [getattr(r.metrics[key], field) if key in r.metrics else math.nan for r in records]
        for is_output, wanted in ((False, self._inputs), (True, self._outputs)):
            names = sorted({a.name for r in records for a in arts.get(r.id, []) if a.is_output == is_output})
            for name in names:
                if wanted is not None and name not in wanted:
                    continue
                found = [{a.name: a for a in arts.get(r.id, []) if a.is_output == is_output}.get(name) for r in records]
                data[f"{name} - MediaType"] = [a.media_type if a else None for a in found]
                data[f"{name} - Value"] = [a.uri if a else None for a in found]
        data["Trials"] = [[r.trial] if r.trial else [] for r in records]
        data["Experiments"] = [[r.experiment] for r in records]
        return pd.DataFrame(data, index=pd.RangeIndex(len(records)))
