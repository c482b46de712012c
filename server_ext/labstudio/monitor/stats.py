"""Statistics, suggested constraints and constraint violations in SageMaker Model Monitor's formats.

`statistics()` turns a table into statistics.json: per feature its inferred type (Integral,
Fractional, String, or Unknown when nothing is present), present and missing counts, and for
numbers mean, sum, standard deviation, min, max and a distribution (ten equal-width buckets and a
quantile sketch of up to 2,048 values at evenly spaced ranks, in the `kll` object SageMaker
uses); for strings the distinct count and the value counts. `suggest_constraints()` turns
statistics into constraints.json; `violations()` checks a table against constraints (and the
baseline's statistics, for drift) and lists what fails, with SageMaker's check types.

Everything is vectorised over columns with numpy/pandas: one sort per numeric column is the
largest cost (benchmarks/model_monitor.py measures a million rows by twenty columns).
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

SKETCH_SIZE = 2048  # quantiles kept per numeric feature (the `k` SageMaker's KLL sketch reports)
SKETCH_C = 0.64
HISTOGRAM_BUCKETS = 10
MAX_CATEGORIES = 1000  # value counts kept per string feature, most frequent first
DOMAIN_LIMIT = 20  # a string feature with at most this many distinct values gets a domain constraint
NUMERIC_TYPES = ("Integral", "Fractional")

DEFAULT_MONITORING_CONFIG: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "distribution_constraints": {
        "perform_comparison": "Enabled",
        "comparison_threshold": 0.1,
        "comparison_method": "Robust",
        "categorical_comparison_threshold": 0.1,
        "categorical_drift_method": "LInfinity",
    },
}
DRIFT_METHODS = ("LInfinity",)
COMPARISON_METHODS = ("Robust", "Simple")


@dataclass
class Column:
    """One column, read: which rows hold a value, their numbers where they parse, and the type.

    Text is kept factorised (`codes` into `labels`, -1 where absent): a million cells of a few
    distinct values are parsed, stripped and counted once per distinct value. A numeric
    column's text form is only made when a check needs it (`text()`)."""

    present: np.ndarray  # bool per row: a value is there (not empty, not null)
    numbers: np.ndarray  # float per row: the value as a number, NaN where absent or not a number
    integral: np.ndarray  # bool per row: present, a number and a whole one
    inferred_type: str
    source: pd.Series
    codes: np.ndarray | None = None  # int per row: index into labels, -1 where absent
    labels: np.ndarray | None = None  # the distinct values as text (stripped)

    @property
    def num_present(self) -> int:
        return int(self.present.sum())

    @property
    def numeric_ok(self) -> np.ndarray:
        return self.present & ~np.isnan(self.numbers)

    def text(self) -> tuple[np.ndarray, np.ndarray]:
        if self.codes is None or self.labels is None:
            self.codes, self.labels = _factorise(self.source)
        return self.codes, self.labels

    def counts(self) -> np.ndarray:
        """The count of present rows of each label."""
        codes, labels = self.text()
        return np.bincount(codes[self.present & (codes >= 0)], minlength=len(labels))

    def value_counts(self) -> pd.Series:
        """Each distinct present value's count, most frequent first."""
        _, labels = self.text()
        table = pd.Series(self.counts(), index=labels)
        table = table[table > 0].groupby(level=0, sort=False).sum()
        return table.sort_values(ascending=False, kind="stable")

    def inside(self, domain: Sequence[Any]) -> np.ndarray:
        """bool per label: it is one of the domain's values."""
        _, labels = self.text()
        return np.asarray(pd.Index(labels).isin([str(d) for d in domain]), dtype=bool)


def _factorise(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    labels = np.asarray([str(u).strip() for u in uniques], dtype=object)
    return np.asarray(codes, dtype=np.int64), labels


def read_column(series: pd.Series) -> Column:
    """Type a column as SageMaker's analyzer does: numbers if every present value is one
    (Integral when all are whole), String otherwise, Unknown when none is present."""
    if pd.api.types.is_bool_dtype(series.dtype):
        series = series.astype("object").map(str)
    codes: np.ndarray | None = None
    labels: np.ndarray | None = None
    if pd.api.types.is_numeric_dtype(series.dtype):
        numbers = series.to_numpy(dtype=float, na_value=np.nan)
        present = ~np.isnan(numbers)
        if pd.api.types.is_integer_dtype(series.dtype):
            integral = present
        else:
            with np.errstate(invalid="ignore"):
                integral = present & np.isfinite(numbers) & (np.floor(numbers) == numbers)
        has_text = False
    else:
        codes, labels = _factorise(series)
        valid = codes >= 0
        text = pd.Series(labels, dtype=object)
        filled = (text != "").to_numpy(dtype=bool)
        parsed = pd.to_numeric(text.where(filled), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            whole = filled & np.isfinite(parsed) & (np.floor(parsed) == parsed)
        # "1.0" is written as a fraction: a whole value with a decimal point keeps the column Fractional
        whole &= ~text.str.contains(r"[.eE]", regex=True).fillna(False).to_numpy(dtype=bool)
        safe = np.where(valid, codes, 0)
        present = valid & (filled[safe] if len(labels) else np.zeros(len(codes), dtype=bool))
        numbers = np.where(present, parsed[safe] if len(labels) else np.nan, np.nan)
        integral = present & (whole[safe] if len(labels) else False)
        has_text = bool((present & np.isnan(numbers)).any())
    n_present = int(present.sum())
    if n_present == 0:
        kind = "Unknown"
    elif has_text:
        kind = "String"
    else:
        kind = "Integral" if bool(integral[present].all()) else "Fractional"
    return Column(present=present, numbers=numbers, integral=integral, inferred_type=kind, source=series, codes=codes, labels=labels)


def _number(value: float) -> float:
    """A finite float for JSON (statistics of infinite values are clipped to the float range)."""
    if math.isnan(value):
        return 0.0
    if math.isinf(value):
        return math.copysign(np.finfo(float).max, value)
    return float(value)


def sketch(values: np.ndarray) -> list[float]:
    """Up to SKETCH_SIZE values at evenly spaced ranks of the sorted values: their empirical
    distribution, compact, which two datasets' drift is measured on."""
    ordered = np.sort(values)
    if ordered.size > SKETCH_SIZE:
        ordered = ordered[((np.arange(SKETCH_SIZE) + 0.5) * (ordered.size / SKETCH_SIZE)).astype(np.int64)]
    if not np.isfinite(ordered).all():  # JSON has no infinity: the float range's ends stand for it
        ordered = np.clip(ordered, -np.finfo(float).max, np.finfo(float).max)
    return [float(v) for v in ordered]


def _buckets(values: np.ndarray, low: float, high: float) -> list[dict[str, float]]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return []
    if low == high:
        return [{"lower_bound": low, "upper_bound": high, "count": float(finite.size)}]
    counts, edges = np.histogram(finite, bins=HISTOGRAM_BUCKETS, range=(low, high))
    return [{"lower_bound": float(edges[i]), "upper_bound": float(edges[i + 1]), "count": float(counts[i])} for i in range(len(counts))]


def numerical_statistics(column: Column, item_count: int) -> dict[str, Any]:
    values = column.numbers[column.numeric_ok]
    common = {"num_present": column.num_present, "num_missing": item_count - column.num_present}
    if values.size == 0:
        return {"common": common, "mean": 0.0, "sum": 0.0, "std_dev": 0.0, "min": 0.0, "max": 0.0,
                "distribution": {"kll": {"buckets": [], "sketch": {"parameters": {"c": SKETCH_C, "k": float(SKETCH_SIZE)}, "data": [[]]}}}}
    with np.errstate(over="ignore", invalid="ignore"):
        total = float(values.sum())
        mean = float(values.mean())
        std = float(values.std())
    low, high = _number(float(values.min())), _number(float(values.max()))
    return {
        "common": common,
        "mean": _number(mean),
        "sum": _number(total),
        "std_dev": _number(std),
        "min": low,
        "max": high,
        "distribution": {
            "kll": {
                "buckets": _buckets(values, low, high),
                "sketch": {"parameters": {"c": SKETCH_C, "k": float(SKETCH_SIZE)}, "data": [sketch(values)]},
            }
        },
    }


def string_statistics(column: Column, item_count: int) -> dict[str, Any]:
    counts = column.value_counts()
    return {
        "common": {"num_present": column.num_present, "num_missing": item_count - column.num_present},
        "distinct_count": float(len(counts)),
        "distribution": {"categorical": {"buckets": [{"value": str(v), "count": float(c)} for v, c in counts.iloc[:MAX_CATEGORIES].items()]}},
    }


def feature_statistics(name: str, column: Column, item_count: int, as_type: str | None = None) -> dict[str, Any]:
    """One entry of statistics.json's `features`. `as_type` (a baseline's type) decides which
    statistics a monitoring run computes, so both sides of a comparison have the same ones."""
    kind = as_type or column.inferred_type
    out: dict[str, Any] = {"name": name, "inferred_type": column.inferred_type}
    if kind == "String":
        out["string_statistics"] = string_statistics(column, item_count)
    else:
        out["numerical_statistics"] = numerical_statistics(column, item_count)
    return out


def statistics(frame: pd.DataFrame, types: Mapping[str, str] | None = None) -> tuple[dict[str, Any], dict[str, Column]]:
    """statistics.json for a table, and its columns as read (for the checks)."""
    item_count = len(frame)
    columns = {str(name): read_column(frame[name]) for name in frame.columns}
    features = [feature_statistics(name, col, item_count, (types or {}).get(name)) for name, col in columns.items()]
    return {"version": 0.0, "dataset": {"item_count": item_count}, "features": features}, columns


def suggest_constraints(stats: Mapping[str, Any]) -> dict[str, Any]:
    """constraints.json suggested from a baseline's statistics: each feature's type and
    completeness, non-negativity for numbers, the domain of a string feature with few values."""
    item_count = max(int(stats["dataset"]["item_count"]), 1)
    features = []
    for feature in stats["features"]:
        kind = feature["inferred_type"]
        numeric = feature.get("numerical_statistics")
        text = feature.get("string_statistics")
        common = (numeric or text or {}).get("common", {})
        entry: dict[str, Any] = {"name": feature["name"], "inferred_type": kind, "completeness": float(common.get("num_present", 0)) / item_count}
        if numeric is not None and kind in NUMERIC_TYPES:
            entry["num_constraints"] = {"is_non_negative": bool(numeric["min"] >= 0)}
        if text is not None and 0 < text["distinct_count"] <= DOMAIN_LIMIT:
            entry["string_constraints"] = {"domains": [b["value"] for b in text["distribution"]["categorical"]["buckets"]]}
        features.append(entry)
    return {"version": 0.0, "features": features, "monitoring_config": _copy(DEFAULT_MONITORING_CONFIG)}


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# -- the checks ----------------------------------------------------------------------------------


def cdf_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """The largest gap between two empirical distribution functions (each given by sorted
    samples at even ranks): 0 for the same distribution, 1 for disjoint ones."""
    left, right = np.sort(np.asarray(a, dtype=float)), np.sort(np.asarray(b, dtype=float))
    if left.size == 0 or right.size == 0:
        return 0.0
    grid = np.union1d(left, right)
    gap = np.abs(np.searchsorted(left, grid, side="right") / left.size - np.searchsorted(right, grid, side="right") / right.size)
    return float(gap.max())


def categorical_distance(a: Sequence[Mapping[str, Any]], b: Sequence[Mapping[str, Any]]) -> float:
    """L-infinity distance between two value-frequency tables: the largest change of one value's share."""
    def shares(buckets: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        total = sum(float(x["count"]) for x in buckets) or 1.0
        return {str(x["value"]): float(x["count"]) / total for x in buckets}

    left, right = shares(a), shares(b)
    return max((abs(left.get(k, 0.0) - right.get(k, 0.0)) for k in set(left) | set(right)), default=0.0)


def _sketch_of(feature: Mapping[str, Any] | None) -> list[float] | None:
    try:
        data = feature["numerical_statistics"]["distribution"]["kll"]["sketch"]["data"]  # type: ignore[index]
    except (KeyError, TypeError):
        return None
    return [v for part in data for v in part]


def _categories_of(feature: Mapping[str, Any] | None) -> list[dict[str, Any]] | None:
    try:
        buckets: list[dict[str, Any]] = feature["string_statistics"]["distribution"]["categorical"]["buckets"]  # type: ignore[index]
        return buckets
    except (KeyError, TypeError):
        return None


def check_config(constraints: Mapping[str, Any]) -> dict[str, Any]:
    """The monitoring_config with defaults filled in; raises ValueError naming a bad value."""
    raw = constraints.get("monitoring_config") or {}
    config = _copy(DEFAULT_MONITORING_CONFIG)
    config.update({k: v for k, v in raw.items() if k != "distribution_constraints"})
    config["distribution_constraints"].update(raw.get("distribution_constraints") or {})
    dist = config["distribution_constraints"]
    if dist.get("comparison_method") not in COMPARISON_METHODS:
        raise ValueError(f"monitoring_config.distribution_constraints.comparison_method must be one of {', '.join(COMPARISON_METHODS)}, got {dist.get('comparison_method')!r}")
    if dist.get("categorical_drift_method") not in DRIFT_METHODS:
        raise ValueError(f"monitoring_config.distribution_constraints.categorical_drift_method must be LInfinity here, got {dist.get('categorical_drift_method')!r}")
    for key in ("datatype_check_threshold", "domain_content_threshold"):
        if not isinstance(config.get(key), (int, float)):
            raise ValueError(f"monitoring_config.{key} must be a number, got {config.get(key)!r}")
    return config


def _violation(feature: str, check: str, description: str) -> dict[str, str]:
    return {"feature_name": feature, "constraint_check_type": check, "description": description}


def violations(
    columns: Sequence[Column], statistics_of_current: Mapping[str, Any], constraints: Mapping[str, Any],
    baseline: Mapping[str, Any] | None, *, item_count: int,
) -> list[dict[str, str]]:
    """Every constraint the current table (`columns`, in the baseline's column order, with
    their statistics) breaks: data_type_check, completeness_check, categorical_values_check,
    baseline_drift_check (needs the baseline's statistics), missing_column_check and
    extra_column_check."""
    config = check_config(constraints)
    if config.get("evaluate_constraints") == "Disabled":
        return []
    expected = list(constraints.get("features") or [])
    found: list[dict[str, str]] = []
    if len(columns) < len(expected):
        for feature in expected[len(columns):]:
            found.append(_violation(feature["name"], "missing_column_check",
                                    f"There are missing columns in current dataset. Number of columns in current dataset: {len(columns)}, "
                                    f"Number of columns in baseline constraints: {len(expected)}"))
    if len(columns) > len(expected):
        for i in range(len(expected), len(columns)):
            found.append(_violation(f"_c{i}", "extra_column_check",
                                    f"There are extra columns in current dataset. Number of columns in current dataset: {len(columns)}, "
                                    f"Number of columns in baseline constraints: {len(expected)}"))
    base_features = {f["name"]: f for f in (baseline or {}).get("features", [])}
    current_features = statistics_of_current.get("features", [])
    for feature, column, current in zip(expected, columns, current_features):
        name = feature["name"]
        overrides = {**config, **(feature.get("monitoringConfigOverrides") or {})}
        if overrides.get("evaluate_constraints") == "Disabled":
            continue
        dist = {**config["distribution_constraints"], **(overrides.get("distribution_constraints") or {})}
        present = column.num_present
        kind = feature.get("inferred_type")
        if kind in NUMERIC_TYPES and present:
            matching = int((column.integral if kind == "Integral" else column.numeric_ok).sum())
            share = matching / present
            threshold = float(overrides["datatype_check_threshold"])
            if share < threshold - 1e-12:
                observed = "Fractional" if kind == "Integral" and column.numeric_ok.sum() == present else "String"
                found.append(_violation(name, "data_type_check",
                                        f"Data type match requirement is not met. Expected data type: {kind}, Expected match: {threshold * 100:.1f}%. "
                                        f"Observed: Only {share * 100:.1f}% of data is {kind} (the rest is {observed})."))
        completeness = feature.get("completeness")
        if completeness is not None and item_count:
            observed_share = present / item_count
            if observed_share < float(completeness) - 1e-9:
                found.append(_violation(name, "completeness_check",
                                        f"Data completeness requirement is not met. Expected completeness: {float(completeness) * 100:.1f}%. "
                                        f"Observed: {observed_share * 100:.1f}% of values are present."))
        domains = (feature.get("string_constraints") or {}).get("domains")
        if domains and present:
            known = column.inside(domains)
            counts = column.counts()
            share = int(counts[known].sum()) / present
            threshold = float(overrides["domain_content_threshold"])
            if share < threshold - 1e-12:
                unknown = sorted({str(v) for v, n, k in zip(column.text()[1], counts, known) if n and not k})[:5]
                found.append(_violation(name, "categorical_values_check",
                                        f"Baseline domain match requirement is not met. Expected: {threshold * 100:.1f}% of values in the baseline's "
                                        f"domain. Observed: {share * 100:.1f}%; values outside it include {', '.join(map(repr, unknown))}."))
        if dist.get("perform_comparison") == "Enabled" and name in base_features and present:
            base = base_features[name]
            left, right = _sketch_of(base), _sketch_of(current)
            if left is not None and right is not None and kind in NUMERIC_TYPES:
                distance, limit = cdf_distance(left, right), float(dist["comparison_threshold"])
            else:
                cats_left, cats_right = _categories_of(base), _categories_of(current)
                if cats_left is None or cats_right is None:
                    continue
                distance, limit = categorical_distance(cats_left, cats_right), float(dist["categorical_comparison_threshold"])
            if distance > limit:
                found.append(_violation(name, "baseline_drift_check",
                                        f"Baseline drift distance: {distance:.4f} exceeds threshold: {limit}"))
    return found


__all__ = [
    "DEFAULT_MONITORING_CONFIG", "Column", "categorical_distance", "cdf_distance", "check_config", "feature_statistics", "read_column",
    "sketch", "statistics", "suggest_constraints", "violations",
]
