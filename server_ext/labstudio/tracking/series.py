"""Reading metric series back: full history, and many series downsampled for a comparison chart.

A series no longer than `max_points` is read raw (it is small). A longer one is read from the
bucket level (tables.py) with the fewest buckets still above max_points/8, then merged down:
a hundred series of 100,000 points cost a hundred reads of a few hundred rows. A series whose
buckets do not cover all its points (written by another path, e.g. a job's log capture) is
read raw and downsampled here instead: slower, never wrong.
"""
from __future__ import annotations

from itertools import chain
from typing import Any, Sequence

import numpy as np
from sqlalchemy.engine import Connection

from ..errors import Invalid
from .downsample import Buckets, downsample_buckets, downsample_points
from .tables import LEVELS

METHODS = ("minmax", "lttb")


def _marks(conn: Connection, n: int) -> str:
    return ",".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * n)


def raw_rows(conn: Connection, sql: str, params: Sequence[Any]) -> list[tuple]:
    """Rows straight from the DBAPI cursor (in the connection's transaction): no per-row wrapping,
    which matters when a chart reads a hundred thousand rows."""
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, tuple(params))
        return cursor.fetchall()
    finally:
        cursor.close()


def raw_series(conn: Connection, run_id: str, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, values, timestamps) in step order; NaN where NaN was logged."""
    m = _marks(conn, 1)
    rows = raw_rows(conn, f"SELECT step, value, timestamp FROM run_metrics WHERE run_id = {m} AND key = {m} ORDER BY step, id", (run_id, key))
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64), np.array([], dtype=np.float64)
    steps, values, stamps = zip(*rows)
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64), np.array(stamps, dtype=np.float64)


def _level_for(count: int, max_rows: int) -> int | None:
    """The finest level whose bucket count is at most max_rows."""
    for level in LEVELS:
        if -(-count // (1 << level)) <= max_rows:
            return level
    return LEVELS[-1]


def read_many(
    conn: Connection, pairs: Sequence[tuple[str, str]], counts: dict[tuple[str, str], int], max_points: int, method: str = "minmax"
) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, bool]]:
    """(run_id, key) -> (steps, values, downsampled) for every pair that has points."""
    if method not in METHODS:
        raise Invalid(f"'method' must be one of {', '.join(METHODS)}, got {method!r}", field="method")
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, bool]] = {}
    by_level: dict[int, list[tuple[str, str]]] = {}
    for pair in pairs:
        count = counts.get(pair, 0)
        if count == 0:
            continue
        if count <= max_points:
            steps, values, _ = raw_series(conn, *pair)
            out[pair] = (steps, values, False)
            continue
        rows_wanted = max_points * 2 if method == "lttb" else max(1, max_points // 2)
        by_level.setdefault(_level_for(count, rows_wanted), []).append(pair)  # type: ignore[arg-type]
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


def _bucket_rows(conn: Connection, level: int, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Buckets]:
    """One primary-key range scan per series; NULLs come back as -1 steps so rows are plain numbers."""
    m = _marks(conn, 1)
    sql = (
        "SELECT count, nan_count, COALESCE(nan_step, -1), COALESCE(min_value, 0), COALESCE(min_step, -1), "
        "COALESCE(max_value, 0), COALESCE(max_step, -1) "
        f"FROM run_metric_buckets WHERE run_id = {m} AND key = {m} AND level = {m} ORDER BY bucket"
    )
    out: dict[tuple[str, str], Buckets] = {}
    for pair in pairs:
        rows = raw_rows(conn, sql, (pair[0], pair[1], level))
        if rows:
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * 7)
            out[pair] = Buckets.from_columns(flat.reshape(len(rows), 7).T)
    return out


def to_json_values(values: np.ndarray) -> list[Any]:
    """Floats for JSON: NaN and infinities as the strings "NaN", "Infinity", "-Infinity"."""
    if np.isfinite(values).all():
        return values.tolist()
    return [v if v == v and v not in (np.inf, -np.inf) else ("NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")) for v in values.tolist()]
