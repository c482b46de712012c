"""Reading metric series back: raw points and bucket rows, as numpy arrays.

Choosing a bucket level and merging buckets down to a chart's point budget is
`tracking.series`' job; this module only reads, straight from the DBAPI cursor (a chart may
read a hundred thousand rows, where per-row wrapping would dominate).
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
from sqlalchemy import select
from sqlalchemy.engine import Connection

from ..errors import NotFound
from . import schema
from .runs import run_exists
from .util import marks, raw_rows

__all__ = ["raw_series", "raw_series_many", "raw_series_page", "bucket_rows", "metric_count", "metric_names"]

_CHUNK = 500


def raw_series(conn: Connection, run_id: str, key: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(steps, values, timestamps) in step order; NaN where NaN was logged."""
    m = marks(conn, 1)
    rows = raw_rows(conn, f"SELECT step, value, timestamp FROM run_metrics WHERE run_id = {m} AND key = {m} ORDER BY step, id", (run_id, key))
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64), np.array([], dtype=np.float64)
    steps, values, stamps = zip(*rows)
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64), np.array(stamps, dtype=np.float64)


def raw_series_many(conn: Connection, key: str, run_ids: Sequence[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """run_id -> (steps, values) of one metric for many runs, in step order: one query per 500
    runs instead of one per run (a comparison of a thousand short series)."""
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for i in range(0, len(run_ids), _CHUNK):
        chunk = list(run_ids[i : i + _CHUNK])
        m = marks(conn, len(chunk))
        rows = raw_rows(
            conn, f"SELECT run_id, step, value FROM run_metrics WHERE key = {marks(conn, 1)} AND run_id IN ({m}) ORDER BY run_id, step, id",
            (key, *chunk),
        )
        start = 0
        for end in range(1, len(rows) + 1):
            if end == len(rows) or rows[end][0] != rows[start][0]:
                part = rows[start:end]
                out[part[0][0]] = (
                    np.fromiter((r[1] for r in part), dtype=np.int64, count=len(part)),
                    np.fromiter((np.nan if r[2] is None else r[2] for r in part), dtype=np.float64, count=len(part)),
                )
                start = end
    return out


def raw_series_page(
    conn: Connection, run_id: str, key: str, after: tuple[int, int] | None, limit: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """At most `limit` points of one series in step order after the (step, id) of the previous
    page's last point (keyset paging: a page costs the same at any depth), as (steps, values,
    timestamps, ids); a point's step and id make the next page's `after`."""
    m = marks(conn, 1)
    where = f"run_id = {m} AND key = {m}"
    params: list[object] = [run_id, key]
    if after is not None:
        where += f" AND (step > {m} OR (step = {m} AND id > {m}))"
        params += [after[0], after[0], after[1]]
    rows = raw_rows(conn, f"SELECT step, value, timestamp, id FROM run_metrics WHERE {where} ORDER BY step, id LIMIT {int(limit)}", params)
    if not rows:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64), np.array([], dtype=np.float64), np.array([], dtype=np.int64)
    steps, values, stamps, ids = zip(*rows)
    return np.array(steps, dtype=np.int64), np.array(values, dtype=np.float64), np.array(stamps, dtype=np.float64), np.array(ids, dtype=np.int64)


def bucket_rows(conn: Connection, level: int, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], np.ndarray]:
    """(run_id, key) -> a 7 x n array of its buckets at this level, in bucket order: count,
    nan_count, nan_step, min_value, min_step, max_value, max_step (NULL steps as -1, NULL values
    as 0, so rows are plain numbers). One primary-key range scan per series."""
    m = marks(conn, 1)
    sql = (
        "SELECT count, nan_count, COALESCE(nan_step, -1), COALESCE(min_value, 0), COALESCE(min_step, -1), "
        "COALESCE(max_value, 0), COALESCE(max_step, -1) "
        f"FROM run_metric_buckets WHERE run_id = {m} AND key = {m} AND level = {m} ORDER BY bucket"
    )
    out: dict[tuple[str, str], np.ndarray] = {}
    for pair in pairs:
        rows = raw_rows(conn, sql, (pair[0], pair[1], level))
        if rows:
            flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * 7)
            out[pair] = flat.reshape(len(rows), 7).T
    return out


def metric_names(conn: Connection, run_id: str) -> list[str]:
    """The names of the metrics this run has points of, sorted."""
    s = schema.run_metric_summaries
    return sorted(conn.execute(select(s.c.key).where(s.c.run_id == run_id)).scalars())


def metric_count(conn: Connection, run_id: str, name: str) -> int:
    """How many points this run has of this metric. NotFound (naming the run's metrics) when
    the run does not exist or has no such metric."""
    s = schema.run_metric_summaries
    rows = dict(conn.execute(select(s.c.key, s.c.count).where(s.c.run_id == run_id)).all())
    if name in rows:
        return int(rows[name])
    if not run_exists(conn, run_id):
        raise NotFound(f"Run {run_id!r} does not exist.")
    known = ", ".join(sorted(rows)) or "none yet"
    raise NotFound(f"Run {run_id!r} has no metric {name!r} (its metrics: {known}).")
