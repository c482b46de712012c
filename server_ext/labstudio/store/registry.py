"""Queries over the model registry: model_package_groups, model_packages, model_package_activity.

Versions are numbered in the registering transaction from the group's `last_version`
(an UPDATE that takes the row's lock on PostgreSQL, inside SQLite's BEGIN IMMEDIATE), so two
processes registering into one group at once get two different numbers, never the same one.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from . import schema
from .entities import build
from .util import dumps, loads

APPROVAL_STATUSES = ("Approved", "Rejected", "PendingManualApproval")
_JSON_COLUMNS = ("container", "inference", "model_metrics", "metric_values", "customer_metadata", "extra")


@dataclass(frozen=True)
class PackageGroup:
    name: str
    description: str
    tags: dict[str, str]
    created_by: str | None
    creation_time: float
    last_version: int
    # filled by the listing and by get_group (one grouped read of the group's packages)
    version_count: int = 0
    latest_version: int | None = None
    latest_approved_version: int | None = None
    pending_count: int = 0


@dataclass(frozen=True)
class ModelPackage:
    group_name: str
    version: int
    description: str
    approval_status: str
    approval_description: str | None
    model_data: str
    code_uri: str | None
    entry_point: str | None
    container: dict[str, Any]
    inference: dict[str, Any]
    model_metrics: dict[str, Any]
    metric_values: dict[str, float]
    customer_metadata: dict[str, str]
    extra: dict[str, Any]
    training_job: str | None
    tuning_job: str | None
    pipeline_execution_arn: str | None
    derived_from: str | None
    created_by: str | None
    creation_time: float
    last_modified_by: str | None
    last_modified_time: float


@dataclass(frozen=True)
class Activity:
    id: int
    group_name: str
    version: int | None
    time: float
    actor: str | None
    action: str
    from_status: str | None
    to_status: str | None
    comment: str | None
    details: dict[str, Any] = field(default_factory=dict)


# -- groups -----------------------------------------------------------------------------------


def _to_group(row: Any, counts: dict[str, Any] | None = None) -> PackageGroup:
    data = dict(row._mapping)
    data["tags"] = loads(data["tags"], {})
    return PackageGroup(**data, **(counts or {}))


def insert_group(conn: Connection, name: str, description: str, tags: dict[str, str], created_by: str | None, now: float) -> None:
    conn.execute(
        schema.model_package_groups.insert().values(
            name=name, description=description, tags=dumps(tags), created_by=created_by, creation_time=now, last_version=0
        )
    )


def group_exists(conn: Connection, name: str) -> bool:
    g = schema.model_package_groups
    return conn.execute(select(g.c.name).where(g.c.name == name)).first() is not None


def _counts(conn: Connection, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per group: how many versions, the latest, the latest Approved, and how many await approval."""
    p = schema.model_packages
    if not names:
        return {}
    approved = case((p.c.approval_status == "Approved", p.c.version), else_=None)
    pending = case((p.c.approval_status == "PendingManualApproval", 1), else_=0)
    query = (
        select(p.c.group_name, func.count(), func.max(p.c.version), func.max(approved), func.sum(pending))
        .where(p.c.group_name.in_(list(names)))
        .group_by(p.c.group_name)
    )
    out: dict[str, dict[str, Any]] = {}
    for group, count, latest, latest_approved, pending_count in conn.execute(query):
        out[group] = {
            "version_count": int(count),
            "latest_version": latest,
            "latest_approved_version": latest_approved,
            "pending_count": int(pending_count or 0),
        }
    return out


def get_group(conn: Connection, name: str) -> PackageGroup | None:
    g = schema.model_package_groups
    row = conn.execute(select(g).where(g.c.name == name)).first()
    if row is None:
        return None
    return _to_group(row, _counts(conn, [name]).get(name))


def list_groups(
    conn: Connection,
    *,
    name_contains: str | None = None,
    sort_by: str = "CreationTime",
    ascending: bool = False,
    created_after: float | None = None,
    created_before: float | None = None,
    limit: int = 100,
    after: tuple[Any, str] | None = None,
) -> list[PackageGroup]:
    """A page of groups with their counts; `after` is the (sort key, name) of the previous page's last."""
    g = schema.model_package_groups
    key = g.c.creation_time if sort_by == "CreationTime" else g.c.name
    query = select(g)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(g.c.name.ilike(f"%{escaped}%", escape="\\"))
    if created_after is not None:
        query = query.where(g.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(g.c.creation_time < created_before)
    if after is not None:
        query = query.where(_beyond([key, g.c.name], list(after), ascending))
    order = (key.asc(), g.c.name.asc()) if ascending else (key.desc(), g.c.name.desc())
    rows = list(conn.execute(query.order_by(*order).limit(limit)))
    counts = _counts(conn, [r.name for r in rows])
    return [_to_group(r, counts.get(r.name)) for r in rows]


def next_version(conn: Connection, group: str) -> int:
    """Claim the group's next version number (call inside the registering write transaction)."""
    g = schema.model_package_groups
    conn.execute(update(g).where(g.c.name == group).values(last_version=g.c.last_version + 1))
    return int(conn.execute(select(g.c.last_version).where(g.c.name == group)).scalar_one())


def delete_group(conn: Connection, name: str) -> list[str]:
    """Delete a group with its packages and activity; returns the code archives the packages owned."""
    p = schema.model_packages
    codes = [uri for uri in conn.execute(select(p.c.code_uri).where(p.c.group_name == name)).scalars() if uri]
    conn.execute(delete(schema.model_package_activity).where(schema.model_package_activity.c.group_name == name))
    conn.execute(delete(p).where(p.c.group_name == name))
    conn.execute(delete(schema.model_package_groups).where(schema.model_package_groups.c.name == name))
    return codes


# -- packages ---------------------------------------------------------------------------------


def _to_package(row: Any) -> ModelPackage:
    data = dict(row._mapping)
    for column in _JSON_COLUMNS:
        data[column] = loads(data[column], {})
    return build(ModelPackage, **data)


def insert_package(conn: Connection, values: dict[str, Any]) -> None:
    row = dict(values)
    for column in _JSON_COLUMNS:
        row[column] = dumps(row.get(column) or {})
    row.setdefault("last_modified_time", row["creation_time"])
    row.setdefault("last_modified_by", row.get("created_by"))
    conn.execute(schema.model_packages.insert().values(**row))


def get_package(conn: Connection, group: str, version: int) -> ModelPackage | None:
    p = schema.model_packages
    row = conn.execute(select(p).where(p.c.group_name == group, p.c.version == version)).first()
    return None if row is None else _to_package(row)


@dataclass(frozen=True)
class PackageSummary:
    """What a listing shows of a package (ListModelPackages): read without the other JSON columns,
    so a group of a thousand versions lists in a few milliseconds."""

    group_name: str
    version: int
    description: str
    approval_status: str
    creation_time: float
    training_job: str | None
    metric_values: dict[str, float]


def _package_query(
    columns: Sequence[Any],
    *,
    group: str | None,
    approval_status: str | None,
    name_contains: str | None,
    sort_by: str,
    ascending: bool,
    created_after: float | None,
    created_before: float | None,
    limit: int,
    after: tuple[Any, str, int] | None,
) -> Any:
    p = schema.model_packages
    query = select(*columns)
    if group is not None:
        query = query.where(p.c.group_name == group)
    if approval_status is not None:
        query = query.where(p.c.approval_status == approval_status)
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(p.c.group_name.ilike(f"%{escaped}%", escape="\\"))
    if created_after is not None:
        query = query.where(p.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(p.c.creation_time < created_before)
    cols = [p.c.creation_time, p.c.group_name, p.c.version] if sort_by == "CreationTime" else [p.c.group_name, p.c.version]
    if after is not None:
        values = list(after) if sort_by == "CreationTime" else list(after[1:])
        query = query.where(_beyond(cols, values, ascending))
    order = [c.asc() if ascending else c.desc() for c in cols]
    return query.order_by(*order).limit(limit)


def list_packages(
    conn: Connection,
    *,
    group: str | None = None,
    approval_status: str | None = None,
    name_contains: str | None = None,
    sort_by: str = "CreationTime",
    ascending: bool = False,
    created_after: float | None = None,
    created_before: float | None = None,
    limit: int = 100,
    after: tuple[Any, str, int] | None = None,
) -> list[ModelPackage]:
    """A page of packages; `after` is the (creation time, group, version) of the previous page's last.

    Sorted by CreationTime or by Name (the group's name, then the version)."""
    query = _package_query([schema.model_packages], group=group, approval_status=approval_status, name_contains=name_contains,
                           sort_by=sort_by, ascending=ascending, created_after=created_after, created_before=created_before,
                           limit=limit, after=after)
    return [_to_package(r) for r in conn.execute(query)]


def list_package_summaries(
    conn: Connection,
    *,
    group: str | None = None,
    approval_status: str | None = None,
    name_contains: str | None = None,
    sort_by: str = "CreationTime",
    ascending: bool = False,
    created_after: float | None = None,
    created_before: float | None = None,
    limit: int = 100,
    after: tuple[Any, str, int] | None = None,
) -> list[PackageSummary]:
    """`list_packages`, with only what a listing shows."""
    p = schema.model_packages
    columns = [p.c.group_name, p.c.version, p.c.description, p.c.approval_status, p.c.creation_time, p.c.training_job, p.c.metric_values]
    query = _package_query(columns, group=group, approval_status=approval_status, name_contains=name_contains, sort_by=sort_by,
                           ascending=ascending, created_after=created_after, created_before=created_before, limit=limit, after=after)
    out = []
    for group_name, version, description, status, created, job, values in conn.execute(query).tuples():
        out.append(build(PackageSummary, group_name=group_name, version=version, description=description, approval_status=status,
                         creation_time=created, training_job=job, metric_values=loads(values, {})))
    return out


def _beyond(cols: list[Any], values: list[Any], ascending: bool) -> Any:
    """Rows after (ascending) or before (descending) `values` in the lexicographic order of `cols`."""
    clauses = []
    for i, col in enumerate(cols):
        same = [cols[j] == values[j] for j in range(i)]
        clauses.append(and_(*same, col > values[i] if ascending else col < values[i]))
    return or_(*clauses)


def update_package(conn: Connection, group: str, version: int, **values: Any) -> None:
    for column in _JSON_COLUMNS:
        if column in values:
            values[column] = dumps(values[column])
    p = schema.model_packages
    conn.execute(update(p).where(p.c.group_name == group, p.c.version == version).values(**values))


def delete_package(conn: Connection, group: str, version: int) -> None:
    a, p = schema.model_package_activity, schema.model_packages
    conn.execute(delete(a).where(a.c.group_name == group, a.c.version == version))
    conn.execute(delete(p).where(p.c.group_name == group, p.c.version == version))


def job_with_model(conn: Connection, model_data: str) -> tuple[str, str] | None:
    """(name, kind) of the job whose model archive this is, if a job made it."""
    j = schema.jobs
    row = conn.execute(select(j.c.name, j.c.kind).where(j.c.model_artifact == model_data).limit(1)).first()
    return (row.name, row.kind) if row is not None else None


# -- activity ---------------------------------------------------------------------------------


def add_activity(
    conn: Connection,
    group: str,
    version: int | None,
    *,
    time: float,
    actor: str | None,
    action: str,
    from_status: str | None = None,
    to_status: str | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    result = conn.execute(
        schema.model_package_activity.insert().values(
            group_name=group, version=version, time=time, actor=actor, action=action, from_status=from_status,
            to_status=to_status, comment=comment, details=dumps(details or {}),
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]  # always set for an autoincrement key


def list_activity(conn: Connection, group: str, version: int | None = None, limit: int = 1000) -> list[Activity]:
    """Newest first: a group's whole history, or one version's."""
    a = schema.model_package_activity
    query = select(a).where(a.c.group_name == group)
    if version is not None:
        query = query.where(a.c.version == version)
    rows = conn.execute(query.order_by(a.c.id.desc()).limit(limit))
    out = []
    for row in rows:
        data = dict(row._mapping)
        data["details"] = loads(data["details"], {})
        out.append(Activity(**data))
    return out
