"""Metric alarms (table ``metric_alarms``): CloudWatch's PutMetricAlarm definitions and their state."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from . import events, schema
from .util import dumps, loads


@dataclass(frozen=True)
class Alarm:
    name: str
    definition: dict[str, Any]
    state: str
    state_reason: str | None
    state_value: float | None
    state_updated_time: float
    creation_time: float


def _entity(row: Any) -> Alarm:
    data = dict(row._mapping)
    data["definition"] = loads(data["definition"], {})
    return Alarm(**data)


def put(conn: Connection, name: str, definition: dict[str, Any], now: float | None = None) -> None:
    """Create the alarm, or replace its definition (PutMetricAlarm's rule); a new one is INSUFFICIENT_DATA."""
    now = time.time() if now is None else now
    t = schema.metric_alarms
    if conn.execute(select(t.c.name).where(t.c.name == name)).first() is None:
        conn.execute(t.insert().values(name=name, definition=dumps(definition), state="INSUFFICIENT_DATA",
                                       state_reason="Unchecked: Initial alarm creation", state_value=None,
                                       state_updated_time=now, creation_time=now))
    else:
        conn.execute(update(t).where(t.c.name == name).values(definition=dumps(definition)))


def get(conn: Connection, name: str) -> Alarm | None:
    t = schema.metric_alarms
    row = conn.execute(select(t).where(t.c.name == name)).first()
    return None if row is None else _entity(row)


def list_all(conn: Connection, names: list[str] | None = None, prefix: str | None = None, state: str | None = None) -> list[Alarm]:
    t = schema.metric_alarms
    query = select(t).order_by(t.c.name)
    if names:
        query = query.where(t.c.name.in_(names))
    if prefix:
        query = query.where(t.c.name.startswith(prefix, autoescape=True))
    if state:
        query = query.where(t.c.state == state)
    return [_entity(r) for r in conn.execute(query)]


def set_state(conn: Connection, name: str, state: str, reason: str, value: float | None, now: float | None = None) -> bool:
    """Record an evaluation; emits ``alarm.state`` when the state changed. False when the alarm is gone."""
    now = time.time() if now is None else now
    current = get(conn, name)
    if current is None:
        return False
    values: dict[str, Any] = {"state_reason": reason, "state_value": value}
    if current.state != state:
        values.update(state=state, state_updated_time=now)
        events.append(conn, "alarm.state", {"name": name, "state": state, "previous": current.state, "reason": reason})
    conn.execute(update(schema.metric_alarms).where(schema.metric_alarms.c.name == name).values(**values))
    return True


def remove(conn: Connection, names: list[str]) -> int:
    t = schema.metric_alarms
    return int(conn.execute(delete(t).where(t.c.name.in_(names))).rowcount or 0)
