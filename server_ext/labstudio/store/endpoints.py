"""Queries over the endpoints and endpoint_variants tables (plain entities out, never rows).

Extra fields live in the JSON ``config`` columns (limits, data capture, generations, worker
pids), so serving needed no schema change.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Connection

from . import events, schema
from .util import dumps, loads


@dataclass(frozen=True)
class Variant:
    endpoint_name: str
    name: str
    model_data: str
    entry_point: str | None
    source_dir: str | None
    weight: float
    instance_count: int
    status: str
    port: int | None
    pid: int | None
    config: dict[str, Any]
    created_time: float


@dataclass(frozen=True)
class Endpoint:
    name: str
    status: str
    failure_reason: str | None
    url: str | None
    host: str
    port: int | None
    pid: int | None
    pid_start_ticks: int | None
    config: dict[str, Any]
    creation_time: float
    last_modified_time: float
    machine: str | None = None  # the machine whose processes serve it (Settings.host_id)
    heartbeat_time: float | None = None
    delete_requested_time: float | None = None  # another machine asked its owner to delete it
    variants: list[Variant] = field(default_factory=list)


def _variant(row: Any) -> Variant:
    data = dict(row._mapping)
    data["config"] = loads(data["config"], {})
    return Variant(**data)


def _endpoint(row: Any, variants: list[Variant]) -> Endpoint:
    data = dict(row._mapping)
    data["config"] = loads(data["config"], {})
    return Endpoint(**data, variants=variants)


def list_variants(conn: Connection, endpoint: str) -> list[Variant]:
    v = schema.endpoint_variants
    rows = conn.execute(select(v).where(v.c.endpoint_name == endpoint).order_by(v.c.created_time, v.c.name))
    return [_variant(r) for r in rows]


def get(conn: Connection, name: str) -> Endpoint | None:
    row = conn.execute(select(schema.endpoints).where(schema.endpoints.c.name == name)).first()
    return None if row is None else _endpoint(row, list_variants(conn, name))


def list_all(conn: Connection, statuses: list[str] | None = None) -> list[Endpoint]:
    e = schema.endpoints
    query = select(e).order_by(e.c.creation_time.desc(), e.c.name)
    if statuses:
        query = query.where(e.c.status.in_(statuses))
    endpoints = list(conn.execute(query))
    v = schema.endpoint_variants
    by_endpoint: dict[str, list[Variant]] = {}
    if endpoints:
        for row in conn.execute(select(v).order_by(v.c.created_time, v.c.name)):
            variant = _variant(row)
            by_endpoint.setdefault(variant.endpoint_name, []).append(variant)
    return [_endpoint(row, by_endpoint.get(row.name, [])) for row in endpoints]


def exists(conn: Connection, name: str) -> bool:
    e = schema.endpoints
    return conn.execute(select(e.c.name).where(e.c.name == name)).first() is not None


def insert(conn: Connection, name: str, status: str, host: str, config: dict[str, Any], machine: str | None = None) -> None:
    now = time.time()
    conn.execute(
        schema.endpoints.insert().values(
            name=name, status=status, host=host, config=dumps(config), creation_time=now, last_modified_time=now, machine=machine
        )
    )
    events.append(conn, "endpoint.created", {"name": name, "status": status})


def set_fields(conn: Connection, name: str, **values: Any) -> None:
    if "config" in values:
        values["config"] = dumps(values["config"])
    values["last_modified_time"] = time.time()
    conn.execute(update(schema.endpoints).where(schema.endpoints.c.name == name).values(**values))


def merge_config(conn: Connection, name: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Read-modify-write of the config JSON inside the caller's (immediate) write transaction."""
    e = schema.endpoints
    raw = conn.execute(select(e.c.config).where(e.c.name == name)).scalar()
    config = loads(raw, {})
    config.update(changes)
    conn.execute(update(e).where(e.c.name == name).values(config=dumps(config)))
    return config


def set_status(conn: Connection, name: str, status: str, failure_reason: str | None = None, *, keep_reason: bool = False, **values: Any) -> bool:
    """Change the status and emit ``endpoint.status``; False when the endpoint is gone."""
    e = schema.endpoints
    current = conn.execute(select(e.c.status, e.c.failure_reason, e.c.url).where(e.c.name == name)).first()
    if current is None:
        return False
    reason = current.failure_reason if keep_reason else failure_reason
    set_fields(conn, name, status=status, failure_reason=reason, **values)
    events.append(
        conn,
        "endpoint.status",
        {"name": name, "status": status, "previous": current.status, "failure_reason": reason, "url": values.get("url", current.url)},
    )
    return True


def replace_variants(conn: Connection, endpoint: str, variants: list[dict[str, Any]]) -> None:
    v = schema.endpoint_variants
    conn.execute(delete(v).where(v.c.endpoint_name == endpoint))
    now = time.time()
    for item in variants:
        row = dict(item)
        row["config"] = dumps(row.get("config") or {})
        row.setdefault("created_time", now)
        conn.execute(v.insert().values(endpoint_name=endpoint, **row))


def set_variant_statuses(conn: Connection, endpoint: str, status: str) -> None:
    v = schema.endpoint_variants
    conn.execute(update(v).where(v.c.endpoint_name == endpoint).values(status=status))


def remove(conn: Connection, name: str) -> None:
    conn.execute(delete(schema.endpoint_variants).where(schema.endpoint_variants.c.endpoint_name == name))
    conn.execute(delete(schema.endpoints).where(schema.endpoints.c.name == name))
    events.append(conn, "endpoint.deleted", {"name": name})


def set_variant_workers(conn: Connection, endpoint: str, variant: str, workers: list[tuple[int, int | None]]) -> bool:
    """Record the (pid, start ticks) of a variant's serving workers; False when the variant is gone.

    Written by the endpoint's supervisor when a worker is (re)started, so a delete reaches
    every worker even after the supervisor itself died. ``pid`` is the first worker's.
    """
    v = schema.endpoint_variants
    where = (v.c.endpoint_name == endpoint, v.c.name == variant)
    raw = conn.execute(select(v.c.config).where(*where)).first()
    if raw is None:
        return False
    config = loads(raw.config, {})
    config["worker_pids"] = [[pid, ticks] for pid, ticks in workers]
    conn.execute(update(v).where(*where).values(pid=workers[0][0] if workers else None, config=dumps(config)))
    return True


def beat(conn: Connection, name: str, now: float) -> bool:
    """The owning runtime's heartbeat (other machines judge the endpoint by its age); False
    when the endpoint is gone. Not a modification: last_modified_time stays."""
    e = schema.endpoints
    return bool(conn.execute(update(e).where(e.c.name == name).values(heartbeat_time=now)).rowcount)


def owner_flags(conn: Connection, name: str) -> tuple[str, float | None] | None:
    """(status, delete_requested_time), or None when the endpoint is gone: what its runtime
    polls for a delete asked on another machine."""
    e = schema.endpoints
    row = conn.execute(select(e.c.status, e.c.delete_requested_time).where(e.c.name == name)).first()
    return None if row is None else (row.status, row.delete_requested_time)


def request_delete(conn: Connection, name: str, now: float) -> bool:
    """Another machine asks the owner to delete the endpoint: Deleting, with the time asked
    (kept when asked again); False when the endpoint is gone."""
    e = schema.endpoints
    asked = conn.execute(select(e.c.delete_requested_time).where(e.c.name == name)).first()
    if asked is None:
        return False
    return set_status(conn, name, "Deleting", None, keep_reason=True, delete_requested_time=asked.delete_requested_time or now)
