"""Run search: one SQL query for the page of runs, then one each for their params and summaries.

Everything wide (a run's parameters, its metric summaries) is fetched for the whole page at
once with `IN (...)` lists, never per run, and summaries come precomputed from
`run_metric_summaries`: listing 1,000 runs costs three queries whatever their history length.
Records are plain dicts with raw floats (NaN and infinities included); the service makes
them JSON-safe, analytics turns them into a DataFrame.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
from typing import Any, Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from ..errors import Invalid, NotFound
from ..store import schema
from ..store.util import loads
from .filter import compile_filter, compile_order_by

_CHUNK = 500


def experiment_id(conn: Connection, name_or_id: str) -> str:
    e = schema.experiments
    row = conn.execute(select(e.c.id).where(e.c.name == name_or_id)).first()
    if row is None:
        row = conn.execute(select(e.c.id).where(e.c.id == name_or_id)).first()
    if row is None:
        raise NotFound(f"Experiment {name_or_id!r} does not exist")
    return row[0]


def _runs_query(conn: Connection, experiment: str | Sequence[str] | None, filter: str | None):  # type: ignore[no-untyped-def]
    r, e, t = schema.runs, schema.experiments, schema.trials
    query = (
        select(
            r.c.id, r.c.name, e.c.name.label("experiment"), r.c.experiment_id, t.c.name.label("trial"), r.c.status,
            r.c.start_time, r.c.end_time, r.c.created_time, r.c.last_modified_time, r.c.source_type, r.c.source_name, r.c.tags,
        )
        .select_from(r.join(e, e.c.id == r.c.experiment_id).outerjoin(t, t.c.id == r.c.trial_id))
    )
    if experiment:
        names = [experiment] if isinstance(experiment, str) else list(experiment)
        query = query.where(r.c.experiment_id.in_([experiment_id(conn, n) for n in names]))
    return query.where(compile_filter(filter, conn.dialect.name))


def count_runs(conn: Connection, *, experiment: str | Sequence[str] | None = None, filter: str | None = None) -> int:
    inner = _runs_query(conn, experiment, filter).subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar() or 0)


def search(
    conn: Connection,
    *,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    run_ids: Sequence[str] | None = None,
    full: bool = True,
) -> list[dict[str, Any]]:
    query = _runs_query(conn, experiment, filter)
    if run_ids is not None:
        query = query.where(schema.runs.c.id.in_(list(run_ids)))
    query = query.order_by(*compile_order_by(order_by, conn.dialect.name))
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    records = []
    result = conn.execute(query)
    names = list(result.keys())
    for row in result.cursor.fetchall() if result.cursor is not None else []:
        rec = dict(zip(names, row))
        rec["tags"] = {} if rec["tags"] in ("{}", None) else loads(rec["tags"], {})
        rec["params"] = {}
        rec["metrics"] = {}
        records.append(rec)
    attach_details(conn, records, full=full)
    return records


def attach_details(conn: Connection, records: list[dict[str, Any]], *, full: bool = True) -> None:
    """Fill params and metric summaries of a page of records (dicts with `id`).

    Rows come straight from the DBAPI cursor (a thousand runs carry tens of thousands of
    parameter and summary rows); `full=False` keeps only each metric's last value.
    """
    from .series import raw_rows

    by_id = {rec["id"]: rec for rec in records}
    ids = list(by_id)
    for chunk in _chunks(ids):
        marks = ",".join(["?" if conn.dialect.paramstyle == "qmark" else "%s"] * len(chunk))
        for run_id, key, value in raw_rows(conn, f"SELECT run_id, key, value FROM run_params WHERE run_id IN ({marks})", chunk):
            by_id[run_id]["params"][key] = value
        if full:
            for run_id, key, *stats in raw_rows(
                conn,
                "SELECT run_id, key, count, finite_count, sum, sumsq, min, max, last_value, last_step, last_timestamp "
                f"FROM run_metric_summaries WHERE run_id IN ({marks})",
                chunk,
            ):
                by_id[run_id]["metrics"][key] = summary(*stats)
        else:
            nan = math.nan
            for run_id, key, last in raw_rows(conn, f"SELECT run_id, key, last_value FROM run_metric_summaries WHERE run_id IN ({marks})", chunk):
                by_id[run_id]["metrics"][key] = {"last": nan if last is None else last}


def summary(count: int, fcount: int, total: float, totalsq: float, lo: Any, hi: Any, last: Any, last_step: int, last_ts: float) -> dict[str, Any]:
    """SageMaker's statistics (Min, Max, Avg, StdDev over finite values; Last; Count of all points)."""
    avg = total / fcount if fcount else math.nan
    if fcount > 1:
        std = math.sqrt(max((totalsq - fcount * avg * avg) / (fcount - 1), 0.0))
    else:
        std = 0.0 if fcount == 1 else math.nan
    return {
        "last": math.nan if last is None else last,
        "min": math.nan if lo is None else lo,
        "max": math.nan if hi is None else hi,
        "avg": avg,
        "std": std,
        "count": count,
        "last_step": last_step,
        "last_timestamp": last_ts,
    }


def artifacts(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    a = schema.run_artifacts
    out: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(list(run_ids)):
        for row in conn.execute(select(a).where(a.c.run_id.in_(chunk)).order_by(a.c.run_id, a.c.is_output, a.c.name)):
            out.setdefault(row.run_id, []).append(
                {"name": row.name, "uri": row.uri, "is_output": bool(row.is_output), "media_type": row.media_type, "created_time": row.created_time}
            )
    return out


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


# -- page tokens ----------------------------------------------------------------------------------

def _fingerprint(*parts: Any) -> str:
    return hashlib.sha1(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:12]


def make_token(offset: int, *query: Any) -> str:
    raw = json.dumps({"o": offset, "q": _fingerprint(*query)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def read_token(token: str | None, *query: Any) -> int:
    if not token:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        offset = int(data["o"])
    except Exception:
        raise Invalid("next_token is not a token this server handed out; start again without it", field="next_token") from None
    if data.get("q") != _fingerprint(*query) or offset < 0:
        raise Invalid(
            "next_token belongs to a different query: repeat the same experiment, filter and order_by, or drop next_token",
            field="next_token",
        )
    return offset
