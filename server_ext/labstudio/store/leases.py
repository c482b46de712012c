"""Leases: exactly one holder per long-running coordinator, wherever it runs.

A tuning job's tuner (and, later, a pipeline execution's runner and the monitoring scheduler)
must run once per job even when several machines share the store and any of them may resume
it. A lock file only excludes processes of one machine; a lease row does it for all of them.

The rules, all in single conditional statements so that two contenders can never both win:
- `acquire` inserts the row, or takes it over when it expired, or when the caller names the
  holder it found dead (`replacing`: only the holder's own machine can know that, from its
  process table); it answers whether the caller now holds it;
- `renew` extends the caller's hold, and answers False when someone else took it over (the
  caller must then stop working at once);
- `release` drops the caller's hold, if it still has it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from . import schema


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    machine: str
    pid: int | None
    start_ticks: int | None
    acquired_time: float
    renewed_time: float
    expires_time: float

    def expired(self, now: float) -> bool:
        return self.expires_time <= now


def get(conn: Connection, name: str) -> Lease | None:
    row = conn.execute(select(schema.leases).where(schema.leases.c.name == name)).first()
    return Lease(**dict(row._mapping)) if row is not None else None


def acquire(
    conn: Connection,
    name: str,
    *,
    holder: str,
    machine: str,
    pid: int | None,
    start_ticks: int | None,
    now: float,
    ttl: float,
    replacing: str | None = None,
) -> bool:
    """Take the lease `name` for `holder` until now + ttl; True when the caller holds it.

    Held by someone else, it is taken over only when it expired or its holder is `replacing`
    (a holder the caller found dead on its own machine). Call inside a write transaction."""
    t = schema.leases
    values: dict[str, Any] = {
        "holder": holder,
        "machine": machine,
        "pid": pid,
        "start_ticks": start_ticks,
        "acquired_time": now,
        "renewed_time": now,
        "expires_time": now + ttl,
    }
    current = get(conn, name)
    if current is None:
        try:
            with conn.begin_nested():
                conn.execute(t.insert().values(name=name, **values))
        except IntegrityError:  # a contender inserted it first
            return False
        return True
    if current.holder == holder:
        return renew(conn, name, holder=holder, now=now, ttl=ttl)
    if not (current.expired(now) or (replacing is not None and current.holder == replacing)):
        return False
    done = conn.execute(update(t).where(t.c.name == name, t.c.holder == current.holder).values(**values))
    return bool(done.rowcount)


def renew(conn: Connection, name: str, *, holder: str, now: float, ttl: float) -> bool:
    """Extend `holder`'s lease; False when it no longer holds it (taken over, or released)."""
    t = schema.leases
    done = conn.execute(update(t).where(t.c.name == name, t.c.holder == holder).values(renewed_time=now, expires_time=now + ttl))
    return bool(done.rowcount)


def release(conn: Connection, name: str, *, holder: str) -> bool:
    """Drop `holder`'s lease; False when it did not hold it."""
    t = schema.leases
    done = conn.execute(delete(t).where(t.c.name == name, t.c.holder == holder))
    return bool(done.rowcount)
