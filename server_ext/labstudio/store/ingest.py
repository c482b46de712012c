"""The fast write path for metric points: one transaction per batch, vectorised with numpy.

Every metric point goes through here: a job's supervisor (via `store.metrics.insert_points`)
and a script's `Run` alike. A training loop hands over tens of thousands of points per flush,
where per-row Python work and one SQL statement per row would dominate; here a batch costs:

- one SELECT of the series' current counts (the default step of a point is the count of
  earlier points, and the count is also the point's ordinal for the bucket table);
- one multi-row INSERT per 200 points on SQLite (SQLAlchemy's executemany path on others);
- one summary upsert per metric name and one bucket upsert per (level, bucket) touched,
  so analytics and downsampled comparison never scan raw points.
"""
from __future__ import annotations

from collections.abc import Sequence
from itertools import chain, repeat
from typing import Any

import numpy as np
from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from . import schema
from .schema import run_metric_buckets
from .util import json_number, upsert

# (key, value, step or None, timestamp)
RawPoint = tuple[str, float, "int | None", float]

# Bucket widths 2^5 .. 2^19 points, a factor 2 apart: a series of any length has a level with
# between max_points/4 and max_points/2 buckets (for max_points >= 64), so a chart reads at most
# max_points/2 rows per series and still gets at least half its point budget. The levels add
# about one bucket row per 16 points written.
LEVELS: tuple[int, ...] = tuple(range(5, 20))

_MAX_PARAMS = 30_000  # under SQLite's limit of 32,766 bound parameters per statement
_BIG = np.iinfo(np.int64).max
_COLUMNS = "run_id, key, value, step, timestamp"


def _placeholder(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle in ("qmark", "numeric") else "%s"


def current_counts(conn: Connection, run_id: str, keys: Sequence[str]) -> dict[str, int]:
    s = schema.run_metric_summaries
    rows = conn.execute(select(s.c.key, s.c.count).where(s.c.run_id == run_id, s.c.key.in_(list(keys))))
    return {r[0]: r[1] for r in rows}


def write_points(
    conn: Connection, run_id: str, points: Sequence[RawPoint], *, event_cap: int = 500
) -> tuple[int, list[dict[str, Any]], bool]:
    """Insert (key, value, step|None, timestamp) points; returns (count, event points, capped)."""
    if not points:
        return 0, [], False
    keys, vals, steps_in, tss = zip(*points)
    n = len(keys)
    uniq = list(dict.fromkeys(keys))
    counts = current_counts(conn, run_id, uniq)
    groups = _groups(keys, uniq, n)
    steps = _resolve_steps(steps_in, keys, groups, counts, n)
    values = np.fromiter(vals, dtype=np.float64, count=n)
    stamps = np.fromiter(tss, dtype=np.float64, count=n)
    return _write(conn, run_id, keys if len(uniq) > 1 else uniq[0], values, steps, stamps, groups, counts, event_cap)


def write_series(
    conn: Connection, run_id: str, key: str, values: np.ndarray, steps: np.ndarray | None, stamps: np.ndarray, *, event_cap: int = 500
) -> tuple[int, list[dict[str, Any]], bool]:
    """Insert one metric's points given as arrays (steps None: continue the series' count)."""
    n = len(values)
    if n == 0:
        return 0, [], False
    counts = current_counts(conn, run_id, [key])
    if steps is None:
        steps = counts.get(key, 0) + np.arange(n, dtype=np.int64)
    groups = {key: np.arange(n)}
    return _write(conn, run_id, key, np.asarray(values, dtype=np.float64), np.asarray(steps, dtype=np.int64),
                  np.asarray(stamps, dtype=np.float64), groups, counts, event_cap)


def _groups(keys: tuple[str, ...], uniq: list[str], n: int) -> dict[str, np.ndarray]:
    """Positions of each metric name (most batches hold one or a few names)."""
    if len(uniq) == 1:
        return {uniq[0]: np.arange(n)}
    index = {k: i for i, k in enumerate(uniq)}
    codes = np.fromiter((index[k] for k in keys), dtype=np.int64, count=n)
    order = np.argsort(codes, kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(uniq)))[:-1]
    return dict(zip(uniq, np.split(order, bounds)))


def _write(
    conn: Connection,
    run_id: str,
    keys: Sequence[str] | str,
    values: np.ndarray,
    steps: np.ndarray,
    stamps: np.ndarray,
    groups: dict[str, np.ndarray],
    counts: dict[str, int],
    event_cap: int,
) -> tuple[int, list[dict[str, Any]], bool]:
    n = len(values)
    value_list: list[Any] = values.tolist()
    if np.isnan(values).any():
        value_list = [None if v != v else v for v in value_list]
    _insert_rows(conn, run_id, keys, value_list, steps.tolist(), stamps.tolist())

    summaries: list[dict[str, Any]] = []
    bucket_rows: list[tuple[Any, ...]] = []
    shown: list[dict[str, Any]] = []
    per_key_cap = max(1, event_cap // len(groups))
    for key, pos in groups.items():
        gv, gs, gt = values[pos], steps[pos], stamps[pos]
        summaries.append(_summary_row(run_id, key, gv, gs, gt))
        bucket_rows.extend(_bucket_rows(run_id, key, counts.get(key, 0), gv, gs))
        tail = slice(max(0, len(pos) - per_key_cap), len(pos))
        for step, value, ts in zip(gs[tail].tolist(), gv[tail].tolist(), gt[tail].tolist()):
            shown.append({"key": key, "step": step, "value": json_number(value), "timestamp": ts})
    _upsert_summaries(conn, summaries)
    _upsert_buckets(conn, bucket_rows)
    return n, shown, len(shown) < n


def _resolve_steps(
    steps_in: tuple[Any, ...], keys: tuple[str, ...], groups: dict[str, np.ndarray], counts: dict[str, int], n: int
) -> np.ndarray:
    """Points without a step get the count of earlier points of their metric (SageMaker's rule)."""
    if None not in steps_in:
        return np.fromiter(steps_in, dtype=np.int64, count=n)
    if steps_in.count(None) == n:
        steps = np.empty(n, dtype=np.int64)
        for key, pos in groups.items():
            steps[pos] = counts.get(key, 0) + np.arange(len(pos))
        return steps
    nxt = dict(counts)
    out = []
    for key, step in zip(keys, steps_in):
        if step is None:
            step = nxt.get(key, 0)
            nxt[key] = step + 1
        out.append(step)
    return np.asarray(out, dtype=np.int64)


def _insert_rows(conn: Connection, run_id: str, keys: Sequence[str] | str, values: list[Any], steps: list[int], stamps: list[float]) -> None:
    key_col = repeat(keys) if isinstance(keys, str) else keys
    rows = zip(repeat(run_id), key_col, values, steps, stamps)
    multi_insert(conn, f"INSERT INTO run_metrics ({_COLUMNS}) VALUES ", 5, list(chain.from_iterable(rows)))


_SQL_CACHE: dict[tuple[str, int, int, str, str], str] = {}


def _statement(conn: Connection, head: str, width: int, rows: int, tail: str) -> str:
    ph = _placeholder(conn)
    key = (head, width, rows, tail, ph)
    sql = _SQL_CACHE.get(key)
    if sql is None:
        group = "(" + ",".join([ph] * width) + ")"
        sql = head + ",".join([group] * rows) + tail
        if len(_SQL_CACHE) > 256:
            _SQL_CACHE.clear()
        _SQL_CACHE[key] = sql
    return sql


def multi_insert(conn: Connection, head: str, width: int, flat: list[Any], tail: str = "") -> None:
    """Insert rows (flattened) with few statements of a few fixed shapes.

    The sqlite3 module releases the GIL around each statement step; with one step per row a
    flush thread would have to win the GIL back thousands of times per batch (each costing up
    to the 5 ms switch interval while the training loop runs), so rows go in multi-row
    statements of up to `_MAX_PARAMS` parameters. Only a few shapes are used (the largest,
    then 1000, 100, 10 and 1 rows) so every statement is prepared once per process: SQLite
    takes milliseconds to prepare a statement of thousands of rows.
    """
    total = len(flat) // width
    if total == 0:
        return
    largest = max(1, _MAX_PARAMS // width)
    shapes = [largest] + [s for s in (1000, 100, 10, 1) if s < largest]
    done = 0
    for shape in shapes:
        while total - done >= shape:
            chunk = flat[done * width : (done + shape) * width]
            conn.exec_driver_sql(_statement(conn, head, width, shape, tail), tuple(chunk))
            done += shape


def _none_if_nan(x: float) -> float | None:
    return None if x != x else x


def _summary_row(run_id: str, key: str, gv: np.ndarray, gs: np.ndarray, gt: np.ndarray) -> dict[str, Any]:
    finite = np.isfinite(gv)
    fv = gv[finite]
    notnan = gv[~np.isnan(gv)]
    last = len(gs) - 1 - int(np.argmax(gs[::-1]))  # the highest step; the latest of equals
    return {
        "run_id": run_id,
        "key": key,
        "count": int(len(gv)),
        "finite_count": int(len(fv)),
        "sum": float(fv.sum()),
        "sumsq": float((fv * fv).sum()),
        "min": float(notnan.min()) if len(notnan) else None,
        "max": float(notnan.max()) if len(notnan) else None,
        "last_value": _none_if_nan(float(gv[last])),
        "last_step": int(gs[last]),
        "last_timestamp": float(gt[last]),
    }


def _upsert_summaries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    s = schema.run_metric_summaries
    sqlite = conn.dialect.name == "sqlite"

    def newer(ex: Any, new: Any, old: Any) -> Any:  # SQL expressions: the row being replaced, and the values to take
        return case((ex.last_step >= s.c.last_step, new), else_=old)

    upsert(
        conn,
        s,
        rows,
        ["run_id", "key"],
        {
            "count": lambda ex: s.c.count + ex.count,
            "finite_count": lambda ex: s.c.finite_count + ex.finite_count,
            "sum": lambda ex: s.c.sum + ex.sum,
            "sumsq": lambda ex: s.c.sumsq + ex.sumsq,
            "min": lambda ex: func.coalesce(func.min(s.c.min, ex.min), s.c.min, ex.min) if sqlite else func.least(s.c.min, ex.min),
            "max": lambda ex: func.coalesce(func.max(s.c.max, ex.max), s.c.max, ex.max) if sqlite else func.greatest(s.c.max, ex.max),
            "last_value": lambda ex: newer(ex, ex.last_value, s.c.last_value),
            "last_timestamp": lambda ex: newer(ex, ex.last_timestamp, s.c.last_timestamp),
            "last_step": lambda ex: newer(ex, ex.last_step, s.c.last_step),
        },
    )


def _bucket_rows(run_id: str, key: str, base: int, gv: np.ndarray, gs: np.ndarray) -> list[tuple[Any, ...]]:
    """Min/max (with steps), NaN count and step extent of each bucket the batch touches, per level."""
    m = len(gv)
    ordinals = base + np.arange(m, dtype=np.int64)
    nan = np.isnan(gv)
    any_nan = bool(nan.any())
    positions = np.arange(m, dtype=np.int64)
    steps_ext = np.append(gs, 0)
    rows: list[tuple[Any, ...]] = []
    for level in LEVELS:
        b = ordinals >> level
        starts = np.concatenate(([0], np.flatnonzero(np.diff(b)) + 1))
        cnt = np.diff(np.append(starts, m))
        seg = np.repeat(np.arange(len(starts)), cnt)
        lo = np.fmin.reduceat(gv, starts)
        hi = np.fmax.reduceat(gv, starts)
        lo_pos = np.minimum.reduceat(np.where(gv == lo[seg], positions, m), starts)
        hi_pos = np.minimum.reduceat(np.where(gv == hi[seg], positions, m), starts)
        first = np.minimum.reduceat(gs, starts).tolist()
        last = np.maximum.reduceat(gs, starts).tolist()
        if any_nan:
            nan_cnt = np.add.reduceat(nan.astype(np.int64), starts).tolist()
            ns = np.minimum.reduceat(np.where(nan, gs, _BIG), starts)
            nan_step = [None if v == _BIG else v for v in ns.tolist()]
        else:
            nan_cnt = [0] * len(starts)
            nan_step = [None] * len(starts)
        lo_ok, hi_ok = lo_pos < m, hi_pos < m
        lo_v = [v if ok else None for v, ok in zip(lo.tolist(), lo_ok.tolist())]
        hi_v = [v if ok else None for v, ok in zip(hi.tolist(), hi_ok.tolist())]
        lo_s = [v if ok else None for v, ok in zip(steps_ext[lo_pos].tolist(), lo_ok.tolist())]
        hi_s = [v if ok else None for v, ok in zip(steps_ext[hi_pos].tolist(), hi_ok.tolist())]
        k = len(starts)
        rows.extend(zip(repeat(run_id, k), repeat(key, k), repeat(level, k), b[starts].tolist(), cnt.tolist(), nan_cnt, nan_step,
                        lo_v, lo_s, hi_v, hi_s, first, last))
        if k == 1:
            # the batch fits in one bucket here, so in one bucket at every coarser level too
            for coarser in LEVELS[LEVELS.index(level) + 1 :]:
                rows.append((run_id, key, coarser, base >> coarser, *rows[-1][4:]))
            break
    return rows


_BUCKET_HEAD = """
INSERT INTO run_metric_buckets
 (run_id, key, level, bucket, count, nan_count, nan_step, min_value, min_step, max_value, max_step, first_step, last_step)
VALUES """
_BUCKET_TAIL = """ ON CONFLICT (run_id, key, level, bucket) DO UPDATE SET
 count = run_metric_buckets.count + excluded.count,
 nan_count = run_metric_buckets.nan_count + excluded.nan_count,
 nan_step = CASE WHEN run_metric_buckets.nan_step IS NULL OR excluded.nan_step < run_metric_buckets.nan_step
   THEN excluded.nan_step ELSE run_metric_buckets.nan_step END,
 min_step = CASE WHEN run_metric_buckets.min_value IS NULL OR excluded.min_value < run_metric_buckets.min_value
   THEN excluded.min_step ELSE run_metric_buckets.min_step END,
 min_value = CASE WHEN run_metric_buckets.min_value IS NULL OR excluded.min_value < run_metric_buckets.min_value
   THEN excluded.min_value ELSE run_metric_buckets.min_value END,
 max_step = CASE WHEN run_metric_buckets.max_value IS NULL OR excluded.max_value > run_metric_buckets.max_value
   THEN excluded.max_step ELSE run_metric_buckets.max_step END,
 max_value = CASE WHEN run_metric_buckets.max_value IS NULL OR excluded.max_value > run_metric_buckets.max_value
   THEN excluded.max_value ELSE run_metric_buckets.max_value END,
 first_step = CASE WHEN excluded.first_step < run_metric_buckets.first_step
   THEN excluded.first_step ELSE run_metric_buckets.first_step END,
 last_step = CASE WHEN excluded.last_step > run_metric_buckets.last_step
   THEN excluded.last_step ELSE run_metric_buckets.last_step END
"""


def _upsert_buckets(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    if not rows:
        return
    multi_insert(conn, _BUCKET_HEAD, 13, list(chain.from_iterable(rows)), _BUCKET_TAIL)


def delete_run_data(conn: Connection, run_ids: Sequence[str]) -> None:
    """Points and buckets carry no foreign key (for write speed): remove them explicitly."""
    for table in (schema.run_metrics, run_metric_buckets):
        for i in range(0, len(run_ids), 500):
            conn.execute(table.delete().where(table.c.run_id.in_(list(run_ids[i : i + 500]))))
