"""The run filter language, compiled to SQL (never evaluated in Python, so it scales with the store).

    metrics.accuracy > 0.9 and (params.optimizer = 'adam' or params.lr <= 1e-3)
    min(metrics.`val-loss`) < 0.2 and status in ('Completed', 'InProgress')
    tags.team = "vision" and start_time >= '2024-05-01' and name like 'resnet%'

Fields: `metrics.X` (the last value; `min(..)`, `max(..)`, `avg(..)`, `last(..)`, `count(..)`
for the other summaries), `params.X`, `tags.X`, and the attributes `status`, `name`, `id`,
`experiment`, `trial`, `source`, `source_type`, `start_time`, `end_time`, `created_time`,
`duration` (seconds); `attributes.` in front of an attribute is accepted, as in MLflow.
Names with other characters than letters, digits and `_ . : / -` go in backquotes (or quotes).
Operators: `= != < <= > >= like ilike in (..) not in (..) is null is not null`, joined by
`and`, `or` (which MLflow lacks), `not` and parentheses. Numbers include `nan`, `inf`, `-inf`
(a NaN metric is stored and matches `= nan`). Times are epoch seconds or ISO dates.
`like` is case-insensitive on every database. A parameter compared with a number compares
numerically; with a string, as text. A malformed filter raises `FilterError` (an `Invalid`,
HTTP 400) that names the position of the offending character.
"""
from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Callable, Sequence

from sqlalchemy import JSON, Float, and_, cast, exists, false, func, literal, not_, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from ..store import schema
from .filter_grammar import AGGREGATES, ATTRIBUTES, NUMERIC_ATTRS, TIME_ATTRS, Field, FilterError, Tok, _Parser, parse, tokenize

__all__ = ["FilterError", "Field", "Tok", "compile_filter", "compile_order_by", "parse", "tokenize", "AGGREGATES", "ATTRIBUTES"]


# -- compilation ------------------------------------------------------------------------------

def numeric_text(expr: Any, dialect: str) -> ColumnElement:
    """A text column as a number when it holds one, else NULL (never an error, on any database)."""
    from sqlalchemy import case

    trimmed = func.trim(expr)
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
            return and_(self.node(n[1]), self.node(n[2]))
        if kind == "or":
            return or_(self.node(n[1]), self.node(n[2]))
        if kind == "not":
            return not_(self.node(n[1]))
        if kind == "exists":
            return self.exists(n[1])
        if kind == "in":
            fld, values = n[1], n[2]
            return or_(*[self.compare(fld, "=", v, pos) for v, pos in values]) if values else false()
        _, fld, op, value, pos = n
        return self.compare(fld, op, value, pos)

    def exists(self, fld: Field) -> ColumnElement:
        r = schema.runs
        if fld.kind == "metric":
            s = schema.run_metric_summaries
            return exists(select(literal(1)).where(s.c.run_id == r.c.id, s.c.key == fld.name))
        if fld.kind == "param":
            p = schema.run_params
            return exists(select(literal(1)).where(p.c.run_id == r.c.id, p.c.key == fld.name))
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
            return exists(select(literal(1)).where(s.c.run_id == r.c.id, s.c.key == fld.name, cond))
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
                return exists(select(literal(1)).where(p.c.run_id == r.c.id, p.c.key == fld.name, cond))
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
    source = text if isinstance(text, str) else ", ".join(text)
    p = _Parser(source, "order_by")
    terms: list[Any] = []
    while True:
        fld = p.operand()
        descending = False
        if p.is_kw("asc", "desc"):
            descending = p.take().value.lower() == "desc"
        for expr in _sort_exprs(fld, dialect):
            ordered = expr.desc() if descending else expr.asc()
            terms.append(ordered.nulls_last())
        if p.tok.kind == "punct" and p.tok.value == ",":
            p.take()
            continue
        if p.tok.kind != "end":
            raise p.error(f"expected ',', 'asc', 'desc' or the end but found {p.describe(p.tok)}")
        break
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
        value = select(pt.c.value).where(pt.c.run_id == r.c.id, pt.c.key == fld.name).scalar_subquery()
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
