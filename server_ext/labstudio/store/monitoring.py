"""Queries over monitoring_schedules and monitoring_executions (Model Monitor).

An execution row is written, with the schedule's next run time advanced, in one transaction
of the scheduler holding its lease; the row names the processing job, which is submitted
afterwards (`submitted_time` says it was), so a scheduler resumed after a crash submits each
run's job exactly once.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Connection

from . import schema
from .util import dumps, loads

ACTIVE = "Scheduled"


@dataclass(frozen=True)
class Schedule:
    name: str
    endpoint_name: str
    monitoring_type: str
    status: str
    schedule_expression: str
    analysis_start: str | None
    analysis_end: str | None
    definition: dict[str, Any]
    tags: dict[str, str]
    next_run_time: float | None
    failure_reason: str | None
    creation_time: float
    last_modified_time: float


@dataclass(frozen=True)
class ExecutionRow:
    job_name: str
    schedule_name: str
    scheduled_time: float
    window_start: float
    window_end: float
    creation_time: float
    submitted_time: float | None
    failure_reason: str | None


def _schedule(row: Any) -> Schedule:
    data = dict(row._mapping)
    data["definition"] = loads(data["definition"], {})
    data["tags"] = loads(data["tags"], {})
    return Schedule(**data)


def _execution(row: Any) -> ExecutionRow:
    return ExecutionRow(**dict(row._mapping))


def get_schedule(conn: Connection, name: str) -> Schedule | None:
    row = conn.execute(select(schema.monitoring_schedules).where(schema.monitoring_schedules.c.name == name)).first()
    return None if row is None else _schedule(row)


def insert_schedule(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["definition"] = dumps(values.get("definition") or {})
    values["tags"] = dumps(values.get("tags") or {})
    conn.execute(schema.monitoring_schedules.insert().values(**values))


def update_schedule(conn: Connection, name: str, **values: Any) -> bool:
    if "definition" in values:
        values["definition"] = dumps(values["definition"] or {})
    t = schema.monitoring_schedules
    return bool(conn.execute(update(t).where(t.c.name == name).values(**values)).rowcount)


def delete_schedule(conn: Connection, name: str) -> bool:
    t = schema.monitoring_schedules
    conn.execute(delete(schema.monitoring_executions).where(schema.monitoring_executions.c.schedule_name == name))
    return bool(conn.execute(delete(t).where(t.c.name == name)).rowcount)


def list_schedules(
    conn: Connection, *, endpoint_name: str | None = None, name_contains: str | None = None, status: str | None = None,
    newest_first: bool = True, limit: int = 100, offset: int = 0,
) -> list[Schedule]:
    t = schema.monitoring_schedules
    query = select(t)
    if endpoint_name:
        query = query.where(t.c.endpoint_name == endpoint_name)
    if name_contains:
        query = query.where(t.c.name.contains(name_contains, autoescape=True))
    if status:
        query = query.where(t.c.status == status)
    order = (t.c.creation_time.desc(), t.c.name.desc()) if newest_first else (t.c.creation_time, t.c.name)
    return [_schedule(r) for r in conn.execute(query.order_by(*order).limit(limit).offset(offset))]


def due_schedules(conn: Connection, now: float) -> list[Schedule]:
    """Active schedules whose next run time has come, oldest first."""
    t = schema.monitoring_schedules
    query = select(t).where(and_(t.c.status == ACTIVE, t.c.next_run_time.is_not(None), t.c.next_run_time <= now))
    return [_schedule(r) for r in conn.execute(query.order_by(t.c.next_run_time))]


def next_due_time(conn: Connection) -> float | None:
    """The earliest next run time of an active schedule (None: nothing is scheduled)."""
    t = schema.monitoring_schedules
    value = conn.execute(select(func.min(t.c.next_run_time)).where(and_(t.c.status == ACTIVE, t.c.next_run_time.is_not(None)))).scalar()
    return None if value is None else float(value)


def insert_execution(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(schema.monitoring_executions.insert().values(**values))


def get_execution(conn: Connection, job_name: str) -> ExecutionRow | None:
    row = conn.execute(select(schema.monitoring_executions).where(schema.monitoring_executions.c.job_name == job_name)).first()
    return None if row is None else _execution(row)


def unsubmitted(conn: Connection) -> list[ExecutionRow]:
    """Executions recorded whose job was not submitted yet (a scheduler died in between)."""
    t = schema.monitoring_executions
    query = select(t).where(and_(t.c.submitted_time.is_(None), t.c.failure_reason.is_(None))).order_by(t.c.scheduled_time)
    return [_execution(r) for r in conn.execute(query)]


def mark_submitted(conn: Connection, job_name: str, when: float, failure_reason: str | None = None) -> None:
    t = schema.monitoring_executions
    conn.execute(update(t).where(t.c.job_name == job_name).values(submitted_time=when, failure_reason=failure_reason))


def list_executions(
    conn: Connection, *, schedule_names: Sequence[str] | None = None, newest_first: bool = True, limit: int = 100, offset: int = 0,
    scheduled_after: float | None = None, scheduled_before: float | None = None,
) -> list[ExecutionRow]:
    t = schema.monitoring_executions
    query = select(t)
    if schedule_names is not None:
        query = query.where(t.c.schedule_name.in_(list(schedule_names)))
    if scheduled_after is not None:
        query = query.where(t.c.scheduled_time > scheduled_after)
    if scheduled_before is not None:
        query = query.where(t.c.scheduled_time < scheduled_before)
    order = (t.c.scheduled_time.desc(), t.c.job_name.desc()) if newest_first else (t.c.scheduled_time, t.c.job_name)
    return [_execution(r) for r in conn.execute(query.order_by(*order).limit(limit).offset(offset))]


def last_execution(conn: Connection, schedule_name: str) -> ExecutionRow | None:
    rows = list_executions(conn, schedule_names=[schedule_name], limit=1)
    return rows[0] if rows else None


__all__ = [
    "ACTIVE", "ExecutionRow", "Schedule", "delete_schedule", "due_schedules", "get_execution", "get_schedule", "insert_execution",
    "insert_schedule", "last_execution", "list_executions", "list_schedules", "mark_submitted", "next_due_time", "unsubmitted",
    "update_schedule",
]
