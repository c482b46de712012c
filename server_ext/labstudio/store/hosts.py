"""Queries over job_hosts: one row per host (algo-1..algo-N) of a job.

A host's supervisor writes its row (node, pid, status) and beats a heartbeat into it; the
leader (algo-1) reads every row to decide the job's outcome, and any process reconciling
jobs reads the heartbeat to tell that a supervisor on another machine is gone.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from ..status import HostStatus
from . import schema
from .entities import JobHost


def _to_host(row: Any) -> JobHost:
    data = dict(row._mapping)
    data["status"] = HostStatus(data["status"])
    return JobHost(**data)


def add_hosts(conn: Connection, job_name: str, hosts: list[str]) -> None:
    """The Pending rows of a new job's hosts (written with the job's row)."""
    if hosts:
        conn.execute(schema.job_hosts.insert(), [{"job_name": job_name, "host": h, "status": HostStatus.PENDING} for h in hosts])


def update_host(conn: Connection, job_name: str, host: str, **values: Any) -> None:
    """Set columns of one host's row (node, pid, start_ticks, status, exit_code, ...).

    A row missing (a job recorded before hosts existed) is inserted."""
    t = schema.job_hosts
    done = conn.execute(update(t).where(t.c.job_name == job_name, t.c.host == host).values(**values))
    if done.rowcount == 0:
        conn.execute(t.insert().values(job_name=job_name, host=host, **{"status": HostStatus.PENDING, **values}))


def finish_host(conn: Connection, job_name: str, host: str, **values: Any) -> bool:
    """Record a host's end unless it already ended; True when this call recorded it."""
    t = schema.job_hosts
    done = conn.execute(update(t).where(t.c.job_name == job_name, t.c.host == host, t.c.status.notin_(HostStatus.terminal())).values(**values))
    return bool(done.rowcount)


def list_hosts(conn: Connection, job_name: str) -> list[JobHost]:
    """A job's hosts in order (algo-1, algo-2, ..., algo-10)."""
    t = schema.job_hosts
    rows = [_to_host(r) for r in conn.execute(select(t).where(t.c.job_name == job_name))]
    return sorted(rows, key=lambda h: (len(h.host), h.host))


def get_host(conn: Connection, job_name: str, host: str) -> JobHost | None:
    t = schema.job_hosts
    row = conn.execute(select(t).where(t.c.job_name == job_name, t.c.host == host)).first()
    return _to_host(row) if row is not None else None


def close_open_hosts(conn: Connection, job_name: str, *, status: str, end_time: float, exit_code: int | None = None) -> None:
    """When the job itself ends: every host row still open takes the job's outcome.

    A single-host local job records no end of its own for algo-1 (its fast path writes the
    job only), and a job failed by reconcile leaves its hosts' rows as they were."""
    t = schema.job_hosts
    values: dict[str, Any] = {"status": status, "end_time": end_time}
    if exit_code is not None:
        values["exit_code"] = exit_code
    conn.execute(update(t).where(t.c.job_name == job_name, t.c.status.notin_(HostStatus.terminal())).values(**values))
