"""Queries over the jobs and job_transitions tables."""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from ..status import JobStatus
from . import schema
from .entities import Job, Transition
from .util import dumps, loads

_JOB_COLUMNS = [c.name for c in schema.jobs.columns]


def _to_job(row: Any, transitions: list[Transition] | None = None) -> Job:
    data = dict(row._mapping)
    data["spec"] = loads(data["spec"], {})
    data["status"] = JobStatus(data["status"])
    return Job(**data, transitions=transitions or [])


def insert_job(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["spec"] = dumps(values["spec"])
    values.setdefault("last_modified_time", values["creation_time"])
    conn.execute(schema.jobs.insert().values(**values))


def job_exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(schema.jobs.c.name).where(schema.jobs.c.name == name)).first() is not None


def get_job(conn: Connection, name: str, *, with_transitions: bool = True) -> Job | None:
    row = conn.execute(select(schema.jobs).where(schema.jobs.c.name == name)).first()
    if row is None:
        return None
    return _to_job(row, list_transitions(conn, name) if with_transitions else None)


def list_jobs(
    conn: Connection,
    *,
    statuses: list[str] | None = None,
    name_contains: str | None = None,
    limit: int = 100,
    after: tuple[float, str] | None = None,
    kind: str | Sequence[str] | None = "training",
) -> list[Job]:
    """Newest first; `after` is the (creation_time, name) of the last job of the previous page.
    Only jobs of `kind`, or of any of several kinds (None: every kind): a listing of training
    jobs never shows a processing job, and one list can hold every kind in one order."""
    t = schema.jobs
    query = select(t)
    if isinstance(kind, str):
        query = query.where(t.c.kind == kind)
    elif kind is not None:
        query = query.where(t.c.kind.in_(list(kind)))
    if statuses:
        query = query.where(t.c.status.in_(statuses))
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(t.c.name.ilike(f"%{escaped}%", escape="\\"))
    if after is not None:
        created, name = after
        query = query.where(or_(t.c.creation_time < created, and_(t.c.creation_time == created, t.c.name < name)))
    query = query.order_by(t.c.creation_time.desc(), t.c.name.desc()).limit(limit)
    return [_to_job(row) for row in conn.execute(query)]


def update_job(conn: Connection, name: str, **values: Any) -> None:
    unknown = set(values) - set(_JOB_COLUMNS)
    if unknown:
        raise KeyError(f"unknown job columns: {sorted(unknown)}")
    values.setdefault("last_modified_time", time.time())
    conn.execute(update(schema.jobs).where(schema.jobs.c.name == name).values(**values))


def beat(conn: Connection, name: str, now: float) -> bool:
    """The owning supervisor's heartbeat (another machine judges the job by its age); False
    once the job ended, when there is nothing left to beat for."""
    t = schema.jobs
    done = conn.execute(update(t).where(t.c.name == name, t.c.status.in_(JobStatus.active())).values(heartbeat_time=now))
    return bool(done.rowcount)


def stop_state(conn: Connection, name: str) -> tuple[str, float | None] | None:
    """(status, stop_requested_time) of a job, or None when it is gone: what its supervisor
    polls for a stop asked on another machine."""
    t = schema.jobs
    row = conn.execute(select(t.c.status, t.c.stop_requested_time).where(t.c.name == name)).first()
    return None if row is None else (row.status, row.stop_requested_time)


def add_transition(conn: Connection, name: str, status: str, at: float, message: str = "") -> None:
    """Close the open transition and open a new one (SageMaker's SecondaryStatusTransitions)."""
    t = schema.job_transitions
    conn.execute(
        update(t).where(and_(t.c.job_name == name, t.c.end_time.is_(None))).values(end_time=at)
    )
    conn.execute(t.insert().values(job_name=name, status=status, start_time=at, end_time=None, message=message))


def close_transitions(conn: Connection, name: str, at: float) -> None:
    t = schema.job_transitions
    conn.execute(update(t).where(and_(t.c.job_name == name, t.c.end_time.is_(None))).values(end_time=at))


def list_transitions(conn: Connection, name: str) -> list[Transition]:
    t = schema.job_transitions
    rows = conn.execute(
        select(t.c.status, t.c.start_time, t.c.end_time, t.c.message).where(t.c.job_name == name).order_by(t.c.id)
    )
    return [Transition(r.status, r.start_time, r.end_time, r.message) for r in rows]


def active_jobs(conn: Connection) -> list[Job]:
    """Jobs whose supervisor should be alive."""
    t = schema.jobs
    return [_to_job(r) for r in conn.execute(select(t).where(t.c.status.in_(JobStatus.active())))]

