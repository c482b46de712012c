"""Reading metric points and their per-(run, metric) summaries; writing goes through store.ingest."""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.engine import Connection

from . import schema
from .entities import MetricSummary
from .util import from_db_float


@dataclass(frozen=True)
class Point:
    key: str
    value: float
    step: int | None
    timestamp: float


def insert_points(conn: Connection, run_id: str, points: Sequence[Point]) -> int:
    """Write points (step None: the count of earlier points of that metric) and their summaries.

    The one write path is `store.ingest.write_points`; this adapter takes Point objects."""
    from .ingest import write_points

    return write_points(conn, run_id, [(p.key, p.value, p.step, p.timestamp) for p in points])[0]


def summaries(conn: Connection, run_ids: Sequence[str]) -> dict[str, dict[str, MetricSummary]]:
    s = schema.run_metric_summaries
    out: dict[str, dict[str, MetricSummary]] = {}
    if not run_ids:
        return out
    for r in conn.execute(select(s).where(s.c.run_id.in_(list(run_ids)))):
        out.setdefault(r.run_id, {})[r.key] = summary_from_row(r)
    return out


def summary_from_row(r: Any) -> MetricSummary:  # `r`: a run_metric_summaries row
    n = r.finite_count
    avg = r.sum / n if n else math.nan
    if n > 1:
        var = max((r.sumsq - n * avg * avg) / (n - 1), 0.0)
        std = math.sqrt(var)
    else:
        std = math.nan if n == 0 else 0.0
    return MetricSummary(
        name=r.key,
        count=r.count,
        min=from_db_float(r.min),
        max=from_db_float(r.max),
        avg=avg,
        std=std,
        last=from_db_float(r.last_value),
        last_step=r.last_step,
        last_timestamp=r.last_timestamp,
    )


def series(conn: Connection, run_id: str, key: str) -> list[tuple[int, float, float]]:
    """(step, value, timestamp) in step order."""
    m = schema.run_metrics
    rows = conn.execute(
        select(m.c.step, m.c.value, m.c.timestamp).where(m.c.run_id == run_id, m.c.key == key).order_by(m.c.step, m.c.id)
    )
    return [(r[0], from_db_float(r[1]), r[2]) for r in rows]


def all_points(conn: Connection, run_id: str) -> list[tuple[str, int, float, float]]:
    m = schema.run_metrics
    rows = conn.execute(
        select(m.c.key, m.c.step, m.c.value, m.c.timestamp).where(m.c.run_id == run_id).order_by(m.c.key, m.c.step, m.c.id)
    )
    return [(r[0], r[1], from_db_float(r[2]), r[3]) for r in rows]


def points_page(
    conn: Connection, run_id: str, *, key: str | None = None, after: tuple[str, int, int] | None = None, limit: int = 10_000
) -> list[tuple[str, int, float, float, int]]:
    """(key, step, value, timestamp, id) in (key, step, id) order, after the (key, step, id)
    of the previous page's last point: keyset paging, so a page costs the same at any depth."""
    m = schema.run_metrics
    query = select(m.c.key, m.c.step, m.c.value, m.c.timestamp, m.c.id).where(m.c.run_id == run_id)
    if key is not None:
        query = query.where(m.c.key == key)
    if after is not None:
        k, step, pid = after
        query = query.where(
            or_(m.c.key > k, and_(m.c.key == k, or_(m.c.step > step, and_(m.c.step == step, m.c.id > pid))))
        )
    rows = conn.execute(query.order_by(m.c.key, m.c.step, m.c.id).limit(limit))
    return [(r[0], r[1], from_db_float(r[2]), r[3], r[4]) for r in rows]
