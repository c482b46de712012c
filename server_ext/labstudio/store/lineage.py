"""Queries over the lineage graph: lineage_entities and lineage_associations.

Entities are written with INSERT ... ON CONFLICT: an artifact's ARN is derived from what it
is (its type and URI), so recording the same data set for a second job finds the first
job's artifact instead of making a twin. A traversal reads one level of associations per
query (every frontier ARN at once), so five hops cost five indexed reads, however wide.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.engine import Connection

from . import schema
from .util import dumps, loads

ENTITIES = ("Artifact", "Action", "Context", "TrialComponent")
ASSOCIATION_TYPES = ("ContributedTo", "AssociatedWith", "DerivedFrom", "Produced")
_CHUNK = 500


@dataclass(frozen=True)
class Entity:
    arn: str
    entity: str
    type: str
    name: str
    source_uri: str | None
    source_type: str | None
    properties: dict[str, str]
    creation_time: float
    last_modified_time: float


@dataclass(frozen=True)
class Association:
    source_arn: str
    destination_arn: str
    association_type: str
    creation_time: float


def source_key(uri: str) -> str:
    """The indexed digest of a source URI (URIs can be longer than an index entry may be)."""
    return hashlib.sha1(uri.encode("utf-8", "surrogatepass")).hexdigest()


def _insert_ignore(conn: Connection, table: Any, rows: list[dict[str, Any]], keys: list[str]) -> None:
    if not rows:
        return
    stmt: Any
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        stmt = sqlite_insert(table)
    conn.execute(stmt.on_conflict_do_nothing(index_elements=keys), rows)


def _to_entity(row: Any) -> Entity:
    data = dict(row._mapping)
    data.pop("source_key", None)
    data["properties"] = loads(data["properties"], {})
    return Entity(**data)


def put_entity(
    conn: Connection,
    arn: str,
    entity: str,
    type_: str,
    name: str,
    *,
    now: float,
    source_uri: str | None = None,
    source_type: str | None = None,
    properties: dict[str, str] | None = None,
) -> None:
    """Create the entity, or merge `properties` into the one that exists (its other fields stay)."""
    e = schema.lineage_entities
    row = {
        "arn": arn, "entity": entity, "type": type_, "name": name[:255], "source_uri": source_uri,
        "source_key": source_key(source_uri) if source_uri else None, "source_type": source_type,
        "properties": dumps(properties or {}), "creation_time": now, "last_modified_time": now,
    }
    _insert_ignore(conn, e, [row], ["arn"])
    if properties:
        current = conn.execute(select(e.c.properties).where(e.c.arn == arn)).scalar()
        merged = {**loads(current, {}), **properties}
        conn.execute(update(e).where(e.c.arn == arn).values(properties=dumps(merged), last_modified_time=now))


def put_entities(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Many new entities at once (bulk loads: benchmarks, imports); existing ARNs are left alone."""
    prepared = []
    for item in rows:
        row = dict(item)
        row["properties"] = dumps(row.get("properties") or {})
        row["source_key"] = source_key(row["source_uri"]) if row.get("source_uri") else None
        row.setdefault("source_type", None)
        row.setdefault("last_modified_time", row["creation_time"])
        prepared.append(row)
    for i in range(0, len(prepared), _CHUNK):
        _insert_ignore(conn, schema.lineage_entities, prepared[i : i + _CHUNK], ["arn"])


def associate(conn: Connection, edges: Iterable[tuple[str, str, str]], now: float) -> None:
    """(source ARN, destination ARN, type) edges; an edge that exists already is kept as it was."""
    rows = [{"source_arn": s, "destination_arn": d, "association_type": t, "creation_time": now} for s, d, t in edges if s != d]
    for i in range(0, len(rows), _CHUNK):
        _insert_ignore(conn, schema.lineage_associations, rows[i : i + _CHUNK], ["source_arn", "destination_arn"])


def disassociate(conn: Connection, source_arn: str, destination_arn: str) -> bool:
    a = schema.lineage_associations
    result = conn.execute(delete(a).where(a.c.source_arn == source_arn, a.c.destination_arn == destination_arn))
    return bool(result.rowcount)


def restart_entity(conn: Connection, arn: str, now: float) -> None:
    """Forget an entity's edges and properties: a job name reused after its job was deleted
    starts afresh, so the new job is not credited with the old one's inputs."""
    a, e = schema.lineage_associations, schema.lineage_entities
    conn.execute(delete(a).where(or_(a.c.source_arn == arn, a.c.destination_arn == arn)))
    conn.execute(update(e).where(e.c.arn == arn).values(properties="{}", creation_time=now, last_modified_time=now))


def get_entity(conn: Connection, arn: str) -> Entity | None:
    e = schema.lineage_entities
    row = conn.execute(select(e).where(e.c.arn == arn)).first()
    return None if row is None else _to_entity(row)


def get_entities(conn: Connection, arns: Iterable[str]) -> dict[str, Entity]:
    e = schema.lineage_entities
    wanted = list(dict.fromkeys(arns))
    out: dict[str, Entity] = {}
    for i in range(0, len(wanted), _CHUNK):
        for row in conn.execute(select(e).where(e.c.arn.in_(wanted[i : i + _CHUNK]))):
            entity = _to_entity(row)
            out[entity.arn] = entity
    return out


def list_entities(
    conn: Connection,
    *,
    entity: str,
    type_: str | None = None,
    source_uri: str | None = None,
    created_after: float | None = None,
    created_before: float | None = None,
    ascending: bool = False,
    limit: int = 100,
    after: tuple[float, str] | None = None,
) -> list[Entity]:
    """A page of one kind of entity, by creation time; `after` is the previous page's last (time, ARN)."""
    e = schema.lineage_entities
    query = select(e).where(e.c.entity == entity)
    if type_ is not None:
        query = query.where(e.c.type == type_)
    if source_uri is not None:
        query = query.where(e.c.source_key == source_key(source_uri), e.c.source_uri == source_uri)
    if created_after is not None:
        query = query.where(e.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(e.c.creation_time < created_before)
    if after is not None:
        created, arn = after
        if ascending:
            query = query.where(or_(e.c.creation_time > created, and_(e.c.creation_time == created, e.c.arn > arn)))
        else:
            query = query.where(or_(e.c.creation_time < created, and_(e.c.creation_time == created, e.c.arn < arn)))
    order = (e.c.creation_time.asc(), e.c.arn.asc()) if ascending else (e.c.creation_time.desc(), e.c.arn.desc())
    return [_to_entity(r) for r in conn.execute(query.order_by(*order).limit(limit))]


def list_associations(
    conn: Connection,
    *,
    source_arn: str | None = None,
    destination_arn: str | None = None,
    association_type: str | None = None,
    created_after: float | None = None,
    created_before: float | None = None,
    ascending: bool = False,
    limit: int = 1000,
    after: tuple[float, str, str] | None = None,
) -> list[Association]:
    a = schema.lineage_associations
    query = select(a)
    if source_arn is not None:
        query = query.where(a.c.source_arn == source_arn)
    if destination_arn is not None:
        query = query.where(a.c.destination_arn == destination_arn)
    if association_type is not None:
        query = query.where(a.c.association_type == association_type)
    if created_after is not None:
        query = query.where(a.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(a.c.creation_time < created_before)
    if after is not None:
        created, src, dst = after
        cmp = (lambda c, v: c > v) if ascending else (lambda c, v: c < v)
        query = query.where(
            or_(
                cmp(a.c.creation_time, created),
                and_(a.c.creation_time == created, cmp(a.c.source_arn, src)),
                and_(a.c.creation_time == created, a.c.source_arn == src, cmp(a.c.destination_arn, dst)),
            )
        )
    cols = (a.c.creation_time, a.c.source_arn, a.c.destination_arn)
    order = [c.asc() if ascending else c.desc() for c in cols]
    return [Association(**dict(r._mapping)) for r in conn.execute(query.order_by(*order).limit(limit))]


def neighbours(conn: Connection, arns: Sequence[str], upstream: bool) -> list[Association]:
    """Every edge into (`upstream`) or out of the given entities."""
    a = schema.lineage_associations
    column = a.c.destination_arn if upstream else a.c.source_arn
    out: list[Association] = []
    for i in range(0, len(arns), _CHUNK):
        rows = conn.execute(select(a).where(column.in_(list(arns[i : i + _CHUNK]))))
        out.extend(Association(**dict(r._mapping)) for r in rows)
    return out


def traverse(conn: Connection, start: Sequence[str], *, upstream: bool, max_depth: int, limit: int) -> tuple[dict[str, int], list[Association]]:
    """Breadth-first from `start`, against (`upstream`) or along the edges, at most `max_depth`
    hops and `limit` entities: each reached ARN with its depth, and the edges walked."""
    depth: dict[str, int] = {arn: 0 for arn in start}
    edges: list[Association] = []
    frontier = list(start)
    for level in range(1, max_depth + 1):
        if not frontier or len(depth) >= limit:
            break
        found: list[str] = []
        for edge in neighbours(conn, frontier, upstream):
            nxt = edge.source_arn if upstream else edge.destination_arn
            edges.append(edge)
            if nxt not in depth:
                if len(depth) >= limit:
                    continue
                depth[nxt] = level
                found.append(nxt)
        frontier = found
    return depth, edges


def trial_component_of(conn: Connection, source_arn: str) -> Entity | None:
    """The newest trial component whose source is this job ARN."""
    e = schema.lineage_entities
    row = conn.execute(
        select(e)
        .where(e.c.entity == "TrialComponent", e.c.source_key == source_key(source_arn), e.c.source_uri == source_arn)
        .order_by(e.c.creation_time.desc())
        .limit(1)
    ).first()
    return None if row is None else _to_entity(row)


def experiment_id_of_run(conn: Connection, run_id: str) -> str | None:
    """The experiment a run belongs to (a job's experiment becomes a lineage context)."""
    r = schema.runs
    return conn.execute(select(r.c.experiment_id).where(r.c.id == run_id)).scalar()


def job_model_artifact(conn: Connection, name: str) -> str | None:
    j = schema.jobs
    return conn.execute(select(j.c.model_artifact).where(j.c.name == name)).scalar()
