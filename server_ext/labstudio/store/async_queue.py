"""The queue of an asynchronous endpoint's requests (table ``async_invocations``).

A request is ``Pending`` when queued, ``InProgress`` while a dispatcher holds it, then
``Completed`` or ``Failed``. The rules that make each request run once, all conditional
statements so two dispatchers (two endpoint processes, or one that restarted while the old
one was still winding down) can never both hold a request:

- ``claim`` takes Pending requests (and InProgress ones whose lease ran out: their owner
  died) in arrival order, each by an UPDATE that re-checks the condition, so a request
  another owner took first is skipped;
- ``renew`` extends the caller's leases, for the requests it still holds;
- ``finish`` records the end only when the caller still holds the request; a late owner
  whose lease was taken over learns it from the answer and says nothing;
- ``release`` hands a request back (Pending) when its owner stops before running it to the end.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.engine import Connection

from . import events, schema
from .util import dumps, loads

PENDING, IN_PROGRESS, COMPLETED, FAILED = "Pending", "InProgress", "Completed", "Failed"
BACKLOG = (PENDING, IN_PROGRESS)


@dataclass(frozen=True)
class AsyncInvocation:
    endpoint_name: str
    inference_id: str
    seq: int
    status: str
    input_location: str
    output_location: str
    failure_location: str
    request: dict[str, Any]
    owner: str | None
    lease_expires_time: float | None
    attempts: int
    failure_reason: str | None
    creation_time: float
    expires_time: float
    start_time: float | None
    end_time: float | None


def _entity(row: Any) -> AsyncInvocation:
    data = dict(row._mapping)
    data["request"] = loads(data["request"], {})
    return AsyncInvocation(**data)


def exists(conn: Connection, endpoint: str, inference_id: str) -> bool:
    t = schema.async_invocations
    return conn.execute(select(t.c.seq).where(t.c.endpoint_name == endpoint, t.c.inference_id == inference_id)).first() is not None


def enqueue(
    conn: Connection, endpoint: str, inference_id: str, *, input_location: str, output_location: str, failure_location: str,
    request: dict[str, Any], ttl_seconds: float, now: float | None = None,
) -> AsyncInvocation:
    now = time.time() if now is None else now
    row = {
        "endpoint_name": endpoint, "inference_id": inference_id, "seq": int(now * 1_000_000), "status": PENDING,
        "input_location": input_location, "output_location": output_location, "failure_location": failure_location,
        "request": dumps(request), "owner": None, "lease_expires_time": None, "attempts": 0, "failure_reason": None,
        "creation_time": now, "expires_time": now + ttl_seconds, "start_time": None, "end_time": None,
    }
    conn.execute(schema.async_invocations.insert().values(**row))
    return _entity(_Row(row))


class _Row:
    """A dict posing as a result row, for ``_entity``."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._mapping = data


def get(conn: Connection, endpoint: str, inference_id: str) -> AsyncInvocation | None:
    t = schema.async_invocations
    row = conn.execute(select(t).where(t.c.endpoint_name == endpoint, t.c.inference_id == inference_id)).first()
    return None if row is None else _entity(row)


def list_for(conn: Connection, endpoint: str, statuses: list[str] | None = None, limit: int = 100) -> list[AsyncInvocation]:
    t = schema.async_invocations
    query = select(t).where(t.c.endpoint_name == endpoint)
    if statuses:
        query = query.where(t.c.status.in_(statuses))
    return [_entity(r) for r in conn.execute(query.order_by(t.c.seq.desc()).limit(limit))]


def backlog(conn: Connection, endpoint: str) -> int:
    """ApproximateBacklogSize: requests queued or being processed."""
    t = schema.async_invocations
    return int(conn.execute(select(func.count()).select_from(t).where(t.c.endpoint_name == endpoint, t.c.status.in_(BACKLOG))).scalar() or 0)


def counts(conn: Connection, endpoint: str) -> dict[str, int]:
    t = schema.async_invocations
    rows = conn.execute(select(t.c.status, func.count()).where(t.c.endpoint_name == endpoint).group_by(t.c.status))
    return {status: int(n) for status, n in rows}


def _claimable(now: float) -> Any:
    t = schema.async_invocations
    return or_(t.c.status == PENDING, and_(t.c.status == IN_PROGRESS, t.c.lease_expires_time < now))


def claim(conn: Connection, endpoint: str, owner: str, limit: int, lease_seconds: float, now: float | None = None) -> list[AsyncInvocation]:
    """Up to ``limit`` requests for ``owner``, oldest first, each leased for ``lease_seconds``."""
    if limit <= 0:
        return []
    now = time.time() if now is None else now
    t = schema.async_invocations
    candidates = [
        r.inference_id
        for r in conn.execute(
            select(t.c.inference_id).where(t.c.endpoint_name == endpoint, t.c.status.in_(BACKLOG), _claimable(now)).order_by(t.c.seq).limit(limit)
        )
    ]
    claimed: list[str] = []
    for inference_id in candidates:
        taken = conn.execute(
            update(t)
            .where(t.c.endpoint_name == endpoint, t.c.inference_id == inference_id, _claimable(now))
            .values(status=IN_PROGRESS, owner=owner, lease_expires_time=now + lease_seconds, attempts=t.c.attempts + 1, start_time=now)
        ).rowcount
        if taken:
            claimed.append(inference_id)
    if not claimed:
        return []
    rows = conn.execute(select(t).where(t.c.endpoint_name == endpoint, t.c.inference_id.in_(claimed)).order_by(t.c.seq))
    return [_entity(r) for r in rows]


def renew(conn: Connection, endpoint: str, owner: str, inference_ids: list[str], lease_seconds: float, now: float | None = None) -> set[str]:
    """Extend the caller's leases; returns the ids it still holds."""
    if not inference_ids:
        return set()
    now = time.time() if now is None else now
    t = schema.async_invocations
    mine = and_(t.c.endpoint_name == endpoint, t.c.inference_id.in_(inference_ids), t.c.owner == owner, t.c.status == IN_PROGRESS)
    conn.execute(update(t).where(mine).values(lease_expires_time=now + lease_seconds))
    return {r.inference_id for r in conn.execute(select(t.c.inference_id).where(mine))}


def finish(
    conn: Connection, endpoint: str, inference_id: str, owner: str, status: str, failure_reason: str | None = None,
    event: dict[str, Any] | None = None, now: float | None = None,
) -> bool:
    """Completed or Failed, when ``owner`` still holds the request (False otherwise: someone
    else took it over, and that one reports it). Emits ``endpoint.async`` for the panel."""
    now = time.time() if now is None else now
    t = schema.async_invocations
    done = conn.execute(
        update(t)
        .where(t.c.endpoint_name == endpoint, t.c.inference_id == inference_id, t.c.owner == owner, t.c.status == IN_PROGRESS)
        .values(status=status, failure_reason=failure_reason, end_time=now, lease_expires_time=None)
    ).rowcount
    if done:
        events.append(conn, "endpoint.async", {"name": endpoint, "inference_id": inference_id, "status": status, **(event or {})})
    return bool(done)


def release(conn: Connection, endpoint: str, owner: str, inference_ids: list[str]) -> int:
    """Hand requests back to the queue (their owner stops before finishing them)."""
    if not inference_ids:
        return 0
    t = schema.async_invocations
    return int(
        conn.execute(
            update(t)
            .where(t.c.endpoint_name == endpoint, t.c.inference_id.in_(inference_ids), t.c.owner == owner, t.c.status == IN_PROGRESS)
            .values(status=PENDING, owner=None, lease_expires_time=None, start_time=None)
        ).rowcount
        or 0
    )


def forget(conn: Connection, endpoint: str) -> int:
    """An endpoint's whole queue, when the endpoint is deleted."""
    t = schema.async_invocations
    return int(conn.execute(t.delete().where(t.c.endpoint_name == endpoint)).rowcount or 0)
