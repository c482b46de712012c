"""Reading metric series back: full history, and many series downsampled for a comparison chart.

A series no longer than `max_points` is read raw (it is small). A longer one is read from the
bucket level (tables.py) with the fewest buckets still above max_points/8, then merged down:
a hundred series of 100,000 points cost a hundred reads of a few hundred rows. A series whose
buckets do not cover all its points (written by another path, e.g. a job's log capture) is
read raw and downsampled here instead: slower, never wrong.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import Invalid
from ..store.series import bucket_rows, raw_series, raw_series_many
from .downsample import Buckets, downsample_buckets, downsample_points
from .tables import LEVELS

METHODS = ("minmax", "lttb")

__all__ = ["METHODS", "raw_series", "read_many", "to_json_values"]


def _level_for(count: int, max_rows: int) -> int | None:
    """The finest level whose bucket count is at most max_rows."""
    for level in LEVELS:
        if -(-count // (1 << level)) <= max_rows:
            return level
    return LEVELS[-1]


def read_many(
    conn: Any, pairs: Sequence[tuple[str, str]], counts: dict[tuple[str, str], int], max_points: int, method: str = "minmax"
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, bool]]:
    """(run_id, key) -> (steps, values, downsampled) for every pair that has points.

    `conn` is a store connection (`Database.read()`): the reads are store functions."""
    if method not in METHODS:
        raise Invalid(f"'method' must be one of {', '.join(METHODS)}, got {method!r}", field="method")
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, bool]] = {}
    by_level: dict[int, list[tuple[str, str]]] = {}
    short: dict[str, list[str]] = {}  # metric -> runs whose series is read whole
    for pair in pairs:
        count = counts.get(pair, 0)
        if count == 0:
            continue
        if count <= max_points:
            short.setdefault(pair[1], []).append(pair[0])
            continue
        rows_wanted = max_points * 2 if method == "lttb" else max(1, max_points // 2)
        by_level.setdefault(_level_for(count, rows_wanted), []).append(pair)  # type: ignore[arg-type]  # pair: (run id, key), which mypy reads as tuple[str, ...] from the loop
    for key, run_ids in short.items():
        for run_id, (steps, values) in raw_series_many(conn, key, run_ids).items():
            out[(run_id, key)] = (steps, values, False)
    for level, level_pairs in by_level.items():
        found = _bucket_rows(conn, level, level_pairs)
        for pair in level_pairs:
            buckets = found.get(pair)
            if buckets is not None and int(buckets.count.sum()) == counts[pair]:
                steps, values = downsample_buckets(buckets, max_points, method)
            else:  # buckets incomplete: written by another path; fall back to the raw points
                steps, values, _ = raw_series(conn, *pair)
                steps, values = downsample_points(steps, values, max_points, method)
            out[pair] = (steps, values, True)
    return out


def _bucket_rows(conn: Any, level: int, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Buckets]:
    return {pair: Buckets.from_columns(cols) for pair, cols in bucket_rows(conn, level, pairs).items()}


def to_json_values(values: np.ndarray) -> list[Any]:
    """Floats for JSON: NaN and infinities as the strings "NaN", "Infinity", "-Infinity"."""
    if np.isfinite(values).all():
        return values.tolist()
    return [v if v == v and v not in (np.inf, -np.inf) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")) for v in values.tolist()]
