"""The change feed: any process appends; the server tails it and pushes to WebSocket clients."""
from __future__ import annotations

import time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Connection

from . import schema
from .util import dumps, loads


def append(conn: Connection, kind: str, payload: dict[str, Any]) -> None:
    conn.execute(schema.events.insert().values(time=time.time(), kind=kind, payload=dumps(payload)))


def last_id(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(schema.events.c.id), 0))).scalar() or 0


def tail(conn: Connection, after_id: int, limit: int = 1000) -> list[dict[str, Any]]:
    e = schema.events
    rows = conn.execute(select(e).where(e.c.id > after_id).order_by(e.c.id).limit(limit))
    return [{"id": r.id, "time": r.time, "kind": r.kind, "payload": loads(r.payload, {})} for r in rows]


def prune(conn: Connection, keep: int = 100_000) -> int:
    """Keep the newest `keep` events. By id (the primary key), so it never scans the table;
    clients that fall further behind than that reload from the REST API anyway."""
    newest = last_id(conn)
    if newest <= keep:
        return 0
    return conn.execute(schema.events.delete().where(schema.events.c.id <= newest - keep)).rowcount or 0
