"""Run search: the filter language compiled to SQL, and the page of runs with their details.

The filter and order_by *grammar* (text to AST) lives in `tracking.filter_grammar`; this module
turns the AST into SQL, so a filter is never evaluated in Python and scales with the store.

One SQL query reads the page of runs, then one each (per 500 runs) reads their params and
metric summaries with `IN (...)` lists, never per run, and summaries come precomputed from
`run_metric_summaries`: listing 1,000 runs costs three queries whatever their history length.
Rows come straight from the DBAPI cursor and become `Run` entities with raw floats (NaN and
infinities included); the service makes them JSON-safe, analytics turns them into a DataFrame.
"""
from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Float, and_, case, cast, exists, false, func, literal, not_, or_, select, true
from sqlalchemy import text as sql_text
from sqlalchemy.engine import Connection
from sqlalchemy.sql.elements import ColumnElement

from ..errors import NotFound
from ..tracking.filter_grammar import NUMERIC_ATTRS, TIME_ATTRS, Field, FilterError, parse, parse_order_by
from . import schema
from .entities import Artifact, MetricSummary, Run, build
from .util import loads, marks, raw_rows

_CHUNK = 500

__all__ = [
    "compile_filter", "compile_order_by", "search_runs", "count_runs", "artifacts", "experiment_id", "raw_rows", "run_ids_of",
    "existing_run_ids",
]


# -- filter compilation ----------------------------------------------------------------------------

def numeric_text(expr: Any, dialect: str) -> ColumnElement:
    """A text column as a number when it holds one, else NULL (never an error, on any database)."""
    trimmed = func.trim(expr)
    cond: ColumnElement[bool]
    if dialect == "postgresql":
        cond = trimmed.op("~")(r"^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$")
    else:
        cond = and_(trimmed.op("GLOB")("*[0-9]*"), not_(trimmed.op("GLOB")("*[^0-9eE.+-]*")))
    return case((cond, cast(trimmed, Float)), else_=None)


def tag_value(key: str, dialect: str) -> ColumnElement:
    r = schema.runs
    if dialect == "postgresql":
        return cast(r.c.tags, JSON)[key].as_string()
    escaped = key.replace('"', '\\"')
    return func.json_extract(r.c.tags, f'$."{escaped}"')


def _time_value(value: Any, text: str, pos: int) -> float:
    if isinstance(value, float):
        return value
    raw = str(value).strip()
    try:
        parsed = _dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise FilterError(f"{value!r} is not a time: use epoch seconds or an ISO date like '2024-05-01T12:00'", text, pos) from None
    return parsed.timestamp()


class _Compiler:
    def __init__(self, text: str, dialect: str) -> None:
        self.text = text
        self.dialect = dialect

    def err(self, message: str, pos: int) -> FilterError:
        return FilterError(message, self.text, pos)

    def node(self, n: tuple) -> ColumnElement:
        kind = n[0]
        if kind == "and":
            return and_(*[self.node(child) for child in n[1]])
        if kind == "or":
            return or_(*[self.node(child) for child in n[1]])
        if kind == "not":
            return not_(self.node(n[1]))
        if kind == "exists":
            return self.exists(n[1])
        if kind == "in":
            fld, values = n[1], n[2]
            return or_(*[self.compare(fld, "=", v, pos) for v, pos in values]) if values else false()
        _, fld, op, value, pos = n
        return self.compare(fld, op, value, pos)

    def run_has(self, rows: Any) -> ColumnElement:
        """EXISTS(rows), correlated with the run. On PostgreSQL the subquery carries OFFSET 0, which
        keeps it a per-run index probe: without it the planner turns every EXISTS of a top-level
        AND into a semi-join and searches the join order of all of them at once, which grows
        exponentially (64 metric comparisons took 17 GB of planner memory before the OOM killer)."""
        return exists(rows.offset(0) if self.dialect == "postgresql" else rows)

    def exists(self, fld: Field) -> ColumnElement:
        r = schema.runs
        if fld.kind == "metric":
            s = schema.run_metric_summaries
            return self.run_has(select(literal(1)).where(s.c.run_id == r.c.id, s.c.key == fld.name))
        if fld.kind == "param":
            p = schema.run_params
            return self.run_has(select(literal(1)).where(p.c.run_id == r.c.id, p.c.key == fld.name))
        if fld.kind == "tag":
            return tag_value(fld.name, self.dialect).is_not(None)
        return self.attr_column(fld).is_not(None)

    def attr_column(self, fld: Field) -> ColumnElement:
        r = schema.runs
        if fld.name == "duration":
            return func.coalesce(r.c.end_time, func.coalesce(r.c.last_modified_time, r.c.created_time)) - r.c.start_time
        if fld.name in ("experiment", "trial"):
            return literal(None)  # compared through a subquery in compare()
        return r.c[fld.name]

    def compare(self, fld: Field, op: str, value: Any, pos: int) -> ColumnElement:
        r = schema.runs
        if fld.kind == "metric":
            if op == "like" or isinstance(value, str):
                raise self.err(f"metrics are numbers: compare metrics.{fld.name} with a number, not {value!r}", pos)
            s = schema.run_metric_summaries
            column: Any = {
                "last_value": s.c.last_value,
                "min": s.c.min,
                "max": s.c.max,
                "count": s.c.count,
                "avg": s.c.sum / func.nullif(s.c.finite_count, 0),
            }[fld.agg]
            if isinstance(value, float) and math.isnan(value):
                if op not in ("=", "!="):
                    raise self.err("NaN can only be compared with = or !=", pos)
                cond = column.is_(None) if op == "=" else column.is_not(None)
            else:
                cond = _apply(column, op, value)
            return self.run_has(select(literal(1)).where(s.c.run_id == r.c.id, s.c.key == fld.name, cond))
        if fld.kind in ("param", "tag"):
            if fld.kind == "param":
                p = schema.run_params
                text_col: Any = p.c.value
            else:
                text_col = tag_value(fld.name, self.dialect)
            if op == "like":
                cond = text_col.ilike(value)
            elif isinstance(value, float):
                if math.isnan(value):
                    cond = func.lower(text_col).in_(["nan"]) if op == "=" else func.lower(text_col).not_in(["nan"])
                else:
                    cond = _apply(numeric_text(text_col, self.dialect), op, value)
            else:
                cond = _apply(text_col, op, str(value))
            if fld.kind == "param":
                return self.run_has(select(literal(1)).where(p.c.run_id == r.c.id, p.c.key == fld.name, cond))
            return and_(text_col.is_not(None), cond)
        # attributes
        name = fld.name
        if name in NUMERIC_ATTRS:
            if op == "like":
                raise self.err(f"{name} is a number of seconds: like does not apply", pos)
            number = _time_value(value, self.text, pos) if name in TIME_ATTRS else value
            if not isinstance(number, float):
                raise self.err(f"{name} is a number of seconds: compare it with a number, not {value!r}", pos)
            col = self.attr_column(fld)
            return and_(col.is_not(None), _apply(col, op, number))
        if isinstance(value, float):
            value = _plain_number(value)
        if name in ("experiment", "trial"):
            table = schema.experiments if name == "experiment" else schema.trials
            fk = r.c.experiment_id if name == "experiment" else r.c.trial_id
            sub = select(table.c.id).where(_text_cmp(table.c.name, op, value, ci=False))
            return fk.in_(sub)
        return _text_cmp(r.c[name], op, value, ci=name in ("status", "source_type"))


def _plain_number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def _apply(column: Any, op: str, value: Any) -> ColumnElement:
    ops: dict[str, Callable[[Any, Any], ColumnElement]] = {
        "=": lambda c, v: c == v,
        "!=": lambda c, v: c != v,
        "<": lambda c, v: c < v,
        "<=": lambda c, v: c <= v,
        ">": lambda c, v: c > v,
        ">=": lambda c, v: c >= v,
    }
    return ops[op](column, value)


def _text_cmp(column: Any, op: str, value: Any, *, ci: bool) -> ColumnElement:
    if op == "like":
        return column.ilike(str(value))
    if ci and op in ("=", "!="):
        return _apply(func.lower(column), op, str(value).lower())
    return _apply(column, op, str(value))


def compile_filter(text: str | None, dialect: str) -> ColumnElement:
    """The filter as a WHERE clause over the runs table (true() when there is none)."""
    if text is None or not text.strip():
        return true()
    return _Compiler(text, dialect).node(parse(text))


# -- order_by -----------------------------------------------------------------------------------

def compile_order_by(text: str | Sequence[str] | None, dialect: str) -> list[Any]:
    """`metrics.loss asc, params.lr desc, start_time` into ORDER BY terms (missing values last)."""
    r = schema.runs
    if text is None or (isinstance(text, str) and not text.strip()):
        return [r.c.created_time.desc(), r.c.id.desc()]
    terms: list[Any] = []
    for fld, descending in parse_order_by(text):
        for expr in _sort_exprs(fld, dialect):
            ordered = expr.desc() if descending else expr.asc()
            terms.append(ordered.nulls_last())
    return terms + [r.c.created_time.desc(), r.c.id.desc()]

def _sort_exprs(fld: Field, dialect: str) -> list[Any]:
    r = schema.runs
    if fld.kind == "metric":
        s = schema.run_metric_summaries
        column: Any = {"last_value": s.c.last_value, "min": s.c.min, "max": s.c.max, "count": s.c.count,
                       "avg": s.c.sum / func.nullif(s.c.finite_count, 0)}[fld.agg]
        return [select(column).where(s.c.run_id == r.c.id, s.c.key == fld.name).scalar_subquery()]
    if fld.kind == "param":
        pt = schema.run_params
        value: Any = select(pt.c.value).where(pt.c.run_id == r.c.id, pt.c.key == fld.name).scalar_subquery()
        return [numeric_text(value, dialect), value]
    if fld.kind == "tag":
        value = tag_value(fld.name, dialect)
        return [numeric_text(value, dialect), value]
    if fld.name in ("experiment", "trial"):
        table = schema.experiments if fld.name == "experiment" else schema.trials
        fk = r.c.experiment_id if fld.name == "experiment" else r.c.trial_id
        return [select(table.c.name).where(table.c.id == fk).scalar_subquery()]
    if fld.name == "duration":
        return [func.coalesce(r.c.end_time, r.c.last_modified_time) - r.c.start_time]
    return [r.c[fld.name]]


# -- runs ------------------------------------------------------------------------------------------

def experiment_id(conn: Connection, name_or_id: str) -> str:
    """The id of the experiment with this name (or id); NotFound otherwise."""
    e = schema.experiments
    row = conn.execute(select(e.c.id).where(e.c.name == name_or_id)).first()
    if row is None:
        row = conn.execute(select(e.c.id).where(e.c.id == name_or_id)).first()
    if row is None:
        raise NotFound(f"Experiment {name_or_id!r} does not exist")
    return row[0]


def _runs_query(conn: Connection, experiment: str | Sequence[str] | None, filter: str | None) -> Any:
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


def run_ids_of(conn: Connection, experiments: Sequence[str], *, offset: int = 0, limit: int | None = None) -> list[str]:
    """The ids of the runs of these experiments (names or ids), newest first (the search's
    default order), from `offset`, at most `limit`: a selection of whole experiments, without
    reading the runs themselves. NotFound for an unknown experiment."""
    ids = [experiment_id(conn, n) for n in dict.fromkeys(experiments)]
    sql = f"SELECT id FROM runs WHERE experiment_id IN ({marks(conn, len(ids))}) ORDER BY created_time DESC, id DESC"
    params: list[Any] = list(ids)
    if limit is not None:
        sql += f" LIMIT {marks(conn, 1)} OFFSET {marks(conn, 1)}"
        params += [limit, offset]
    elif offset:
        sql += f" LIMIT -1 OFFSET {marks(conn, 1)}" if conn.dialect.name == "sqlite" else f" OFFSET {marks(conn, 1)}"
        params.append(offset)
    return [row[0] for row in raw_rows(conn, sql, params)]


def existing_run_ids(conn: Connection, run_ids: Sequence[str]) -> set[str]:
    """Which of these run ids exist (500 per query)."""
    r = schema.runs
    found: set[str] = set()
    for chunk in _chunks(list(run_ids)):
        found.update(conn.execute(select(r.c.id).where(r.c.id.in_(chunk))).scalars())
    return found


def _no_jit(conn: Connection, filter: str | None) -> None:
    """PostgreSQL's JIT compiles a filter with many comparisons for seconds (36 s for 100 over a
    thousand runs) to save milliseconds of execution: a run search is never worth compiling."""
    if filter and conn.dialect.name == "postgresql":
        conn.execute(sql_text("SET LOCAL jit = off"))


def count_runs(conn: Connection, *, experiment: str | Sequence[str] | None = None, filter: str | None = None) -> int:
    """How many runs the search would find without limit and offset."""
    _no_jit(conn, filter)
    if filter is None or not filter.strip():
        # no filter: count on the runs table's experiment index alone (100,000 runs in milliseconds)
        r = schema.runs
        query = select(func.count()).select_from(r)
        if experiment:
            names = [experiment] if isinstance(experiment, str) else list(experiment)
            query = query.where(r.c.experiment_id.in_([experiment_id(conn, n) for n in names]))
        return int(conn.execute(query).scalar() or 0)
    inner = _runs_query(conn, experiment, filter).subquery()
    return int(conn.execute(select(func.count()).select_from(inner)).scalar() or 0)


def search_runs(
    conn: Connection,
    *,
    experiment: str | Sequence[str] | None = None,
    filter: str | None = None,
    order_by: str | Sequence[str] | None = None,
    limit: int | None = None,
    offset: int = 0,
    run_ids: Sequence[str] | None = None,
    full: bool = True,
) -> list[Run]:
    """Runs matching the experiment(s), filter and ids, in order_by order, with their details.

    `full=False` reads only each metric's last value (`Run.last_metrics`; `Run.metrics` empty).
    Raises FilterError (an Invalid) for a malformed filter or order_by, NotFound for an
    unknown experiment."""
    _no_jit(conn, filter)
    query = _runs_query(conn, experiment, filter)
    if run_ids is not None:
        query = query.where(schema.runs.c.id.in_(list(run_ids)))
    query = query.order_by(*compile_order_by(order_by, conn.dialect.name))
    if limit is not None:
        query = query.limit(limit)
    if offset:
        query = query.offset(offset)
    result = conn.execute(query)
    rows = result.cursor.fetchall() if result.cursor is not None else []
    ids = [row[0] for row in rows]
    params: dict[str, dict[str, str]] = {rid: {} for rid in ids}
    metrics: dict[str, dict[str, MetricSummary]] = {rid: {} for rid in ids}
    last: dict[str, dict[str, float]] = {rid: {} for rid in ids}
    _attach_details(conn, ids, params, metrics, last, full=full)
    return [
        build(
            Run,
            id=rid, name=name, experiment=exp, experiment_id=exp_id, trial=trial, status=status, start_time=start,
            end_time=end, created_time=created, last_modified_time=modified, source_type=stype, source_name=sname,
            tags={} if tags in ("{}", None) else loads(tags, {}), params=params[rid], metrics=metrics[rid], last_metrics=last[rid],
        )
        for rid, name, exp, exp_id, trial, status, start, end, created, modified, stype, sname, tags in rows
    ]


def _attach_details(
    conn: Connection,
    ids: list[str],
    params: dict[str, dict[str, str]],
    metrics: dict[str, dict[str, MetricSummary]],
    last: dict[str, dict[str, float]],
    *,
    full: bool,
) -> None:
    """Fill params and metric summaries of a page of runs, 500 ids per query.

    Rows come straight from the DBAPI cursor (a thousand runs carry tens of thousands of
    parameter and summary rows)."""
    nan = math.nan
    for chunk in _chunks(ids):
        m = marks(conn, len(chunk))
        for run_id, key, value in raw_rows(conn, f"SELECT run_id, key, value FROM run_params WHERE run_id IN ({m})", chunk):
            params[run_id][key] = value
        if full:
            for run_id, key, *stats in raw_rows(
                conn,
                "SELECT run_id, key, count, finite_count, sum, sumsq, min, max, last_value, last_step, last_timestamp "
                f"FROM run_metric_summaries WHERE run_id IN ({m})",
                chunk,
            ):
                s = summary(key, *stats)
                metrics[run_id][key] = s
                last[run_id][key] = s.last
        else:
            for run_id, key, value in raw_rows(conn, f"SELECT run_id, key, last_value FROM run_metric_summaries WHERE run_id IN ({m})", chunk):
                last[run_id][key] = nan if value is None else value


def summary(key: str, count: int, fcount: int, total: float, totalsq: float, lo: Any, hi: Any, last: Any, last_step: int, last_ts: float) -> MetricSummary:
    """SageMaker's statistics (Min, Max, Avg, StdDev over finite values; Last; Count of all points)."""
    avg = total / fcount if fcount else math.nan
    if fcount > 1:
        std = math.sqrt(max((totalsq - fcount * avg * avg) / (fcount - 1), 0.0))
    else:
        std = 0.0 if fcount == 1 else math.nan
    return build(
        MetricSummary,
        name=key,
        count=count,
        min=math.nan if lo is None else lo,
        max=math.nan if hi is None else hi,
        avg=avg,
        std=std,
        last=math.nan if last is None else last,
        last_step=last_step,
        last_timestamp=last_ts,
    )


def artifacts(conn: Connection, run_ids: Sequence[str]) -> dict[str, list[Artifact]]:
    """Each run's artifacts, inputs before outputs, by name."""
    a = schema.run_artifacts
    out: dict[str, list[Artifact]] = {}
    for chunk in _chunks(list(run_ids)):
        for row in conn.execute(select(a).where(a.c.run_id.in_(chunk)).order_by(a.c.run_id, a.c.is_output, a.c.name)):
            out.setdefault(row.run_id, []).append(
                Artifact(run_id=row.run_id, name=row.name, uri=row.uri, is_output=bool(row.is_output), media_type=row.media_type,
                         created_time=row.created_time)
            )
    return out


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]
