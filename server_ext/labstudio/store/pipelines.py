"""Queries over pipelines, pipeline_executions, pipeline_steps and models (SageMaker Pipelines).

A step row is written when the runner decides to run the step, before anything is started
for it: it names the job of the current attempt (`job_name`) so that a runner resumed after a
crash finds that job (or starts it, if its predecessor died before doing so) and never starts
a second one. Step results a later step may reference are kept as `properties` (the job's
describe answer, a condition's outcome, the property files a processing step wrote).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.engine import Connection

from . import schema
from .util import dumps, loads

EXECUTION_ACTIVE = ("Executing", "Stopping")
EXECUTION_TERMINAL = ("Succeeded", "Failed", "Stopped")
STEP_ACTIVE = ("Starting", "Executing", "Stopping")
STEP_TERMINAL = ("Succeeded", "Failed", "Stopped")


@dataclass(frozen=True)
class Pipeline:
    name: str
    display_name: str | None
    description: str | None
    definition: str
    role_arn: str | None
    parallelism: int | None
    tags: dict[str, str]
    creation_time: float
    last_modified_time: float
    last_execution_time: float | None


@dataclass(frozen=True)
class Execution:
    id: str
    pipeline_name: str
    display_name: str | None
    description: str | None
    status: str
    failure_reason: str | None
    definition: str
    parameters: dict[str, Any]
    parallelism: int | None
    experiment_name: str | None
    trial_name: str | None
    creation_time: float
    last_modified_time: float
    end_time: float | None
    stop_requested_time: float | None
    runner_pid: int | None
    runner_start_ticks: int | None
    runner_spawn_time: float | None
    runner_machine: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in EXECUTION_TERMINAL


@dataclass(frozen=True)
class StepRow:
    execution_id: str
    name: str
    type: str
    status: str
    attempt: int
    job_kind: str | None
    job_name: str | None
    start_time: float
    end_time: float | None
    retry_time: float | None
    failure_reason: str | None
    arguments: dict[str, Any]
    metadata: dict[str, Any]
    properties: dict[str, Any]
    cache_key: str | None
    cache_source: str | None

    @property
    def is_terminal(self) -> bool:
        return self.status in STEP_TERMINAL


@dataclass(frozen=True)
class Model:
    name: str
    primary_container: dict[str, Any]
    execution_role_arn: str | None
    pipeline_execution_arn: str | None
    creation_time: float


def _pipeline(row: Any) -> Pipeline:
    data = dict(row._mapping)
    data["tags"] = loads(data["tags"], {})
    return Pipeline(**data)


def _execution(row: Any) -> Execution:
    data = dict(row._mapping)
    data["parameters"] = loads(data["parameters"], {})
    return Execution(**data)


def _step(row: Any) -> StepRow:
    data = dict(row._mapping)
    for key in ("arguments", "metadata", "properties"):
        data[key] = loads(data[key], {})
    return StepRow(**data)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# -- pipelines --------------------------------------------------------------------------------


def get_pipeline(conn: Connection, name: str) -> Pipeline | None:
    row = conn.execute(select(schema.pipelines).where(schema.pipelines.c.name == name)).first()
    return None if row is None else _pipeline(row)


def insert_pipeline(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["tags"] = dumps(values.get("tags") or {})
    conn.execute(schema.pipelines.insert().values(**values))


def update_pipeline(conn: Connection, name: str, **values: Any) -> bool:
    if "tags" in values:
        values["tags"] = dumps(values["tags"] or {})
    done = conn.execute(update(schema.pipelines).where(schema.pipelines.c.name == name).values(**values))
    return bool(done.rowcount)


def delete_pipeline(conn: Connection, name: str) -> bool:
    """The pipeline, its executions and their steps (the lineage and the jobs stay)."""
    e = schema.pipeline_executions
    ids = [r[0] for r in conn.execute(select(e.c.id).where(e.c.pipeline_name == name))]
    if ids:
        conn.execute(delete(schema.pipeline_steps).where(schema.pipeline_steps.c.execution_id.in_(ids)))
        conn.execute(delete(e).where(e.c.id.in_(ids)))
    done = conn.execute(delete(schema.pipelines).where(schema.pipelines.c.name == name))
    return bool(done.rowcount)


def list_pipelines(
    conn: Connection,
    *,
    prefix: str | None = None,
    created_after: float | None = None,
    created_before: float | None = None,
    sort_by: str = "CreationTime",
    ascending: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> list[Pipeline]:
    p = schema.pipelines
    query = select(p)
    if prefix:
        query = query.where(p.c.name.like(f"{_escape_like(prefix)}%", escape="\\"))
    if created_after is not None:
        query = query.where(p.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(p.c.creation_time < created_before)
    key = p.c.name if sort_by == "Name" else p.c.creation_time
    query = query.order_by(key.asc() if ascending else key.desc(), p.c.name.asc() if ascending else p.c.name.desc())
    return [_pipeline(r) for r in conn.execute(query.limit(limit).offset(offset))]


def last_executions(conn: Connection, names: Sequence[str]) -> dict[str, Execution]:
    """The newest execution of each named pipeline (for lists that show its status)."""
    if not names:
        return {}
    e = schema.pipeline_executions
    newest = (
        select(e.c.pipeline_name, func.max(e.c.creation_time).label("created"))
        .where(e.c.pipeline_name.in_(list(names)))
        .group_by(e.c.pipeline_name)
        .subquery()
    )
    rows = conn.execute(
        select(e).join(newest, and_(e.c.pipeline_name == newest.c.pipeline_name, e.c.creation_time == newest.c.created))
    )
    return {r.pipeline_name: _execution(r) for r in rows}


# -- executions -------------------------------------------------------------------------------


def insert_execution(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["parameters"] = dumps(values.get("parameters") or {})
    values.setdefault("last_modified_time", values["creation_time"])
    conn.execute(schema.pipeline_executions.insert().values(**values))
    conn.execute(
        update(schema.pipelines).where(schema.pipelines.c.name == values["pipeline_name"]).values(last_execution_time=values["creation_time"])
    )


def get_execution(conn: Connection, execution_id: str) -> Execution | None:
    row = conn.execute(select(schema.pipeline_executions).where(schema.pipeline_executions.c.id == execution_id)).first()
    return None if row is None else _execution(row)


def update_execution(conn: Connection, execution_id: str, **values: Any) -> bool:
    e = schema.pipeline_executions
    done = conn.execute(update(e).where(e.c.id == execution_id).values(**values))
    return bool(done.rowcount)


def set_execution_status_if(conn: Connection, execution_id: str, allowed: Sequence[str], **values: Any) -> bool:
    """Change the execution only while its status is one of `allowed` (one statement: no lost race)."""
    e = schema.pipeline_executions
    done = conn.execute(update(e).where(e.c.id == execution_id, e.c.status.in_(list(allowed))).values(**values))
    return bool(done.rowcount)


def list_executions(
    conn: Connection,
    pipeline_name: str | None,
    *,
    statuses: Sequence[str] = (),
    created_after: float | None = None,
    created_before: float | None = None,
    ascending: bool = False,
    limit: int = 100,
    after: tuple[float, str] | None = None,
) -> list[Execution]:
    """Newest first (or oldest first); `after` is the (creation_time, id) of the previous page's last row."""
    e = schema.pipeline_executions
    query = select(e)
    if pipeline_name is not None:
        query = query.where(e.c.pipeline_name == pipeline_name)
    if statuses:
        query = query.where(e.c.status.in_(list(statuses)))
    if created_after is not None:
        query = query.where(e.c.creation_time > created_after)
    if created_before is not None:
        query = query.where(e.c.creation_time < created_before)
    if after is not None:
        created, ident = after
        if ascending:
            query = query.where(or_(e.c.creation_time > created, and_(e.c.creation_time == created, e.c.id > ident)))
        else:
            query = query.where(or_(e.c.creation_time < created, and_(e.c.creation_time == created, e.c.id < ident)))
    order = (e.c.creation_time.asc(), e.c.id.asc()) if ascending else (e.c.creation_time.desc(), e.c.id.desc())
    return [_execution(r) for r in conn.execute(query.order_by(*order).limit(limit))]


def active_executions(conn: Connection) -> list[Execution]:
    e = schema.pipeline_executions
    return [_execution(r) for r in conn.execute(select(e).where(e.c.status.in_(EXECUTION_ACTIVE)))]


# -- steps ------------------------------------------------------------------------------------


def list_steps(conn: Connection, execution_id: str) -> list[StepRow]:
    s = schema.pipeline_steps
    rows = conn.execute(select(s).where(s.c.execution_id == execution_id).order_by(s.c.start_time, s.c.name))
    return [_step(r) for r in rows]


def get_step(conn: Connection, execution_id: str, name: str) -> StepRow | None:
    s = schema.pipeline_steps
    row = conn.execute(select(s).where(s.c.execution_id == execution_id, s.c.name == name)).first()
    return None if row is None else _step(row)


def insert_step(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    for key in ("arguments", "metadata", "properties"):
        values[key] = dumps(values.get(key) or {})
    values.setdefault("attempt", 1)
    conn.execute(schema.pipeline_steps.insert().values(**values))


def update_step(conn: Connection, execution_id: str, name: str, *, only_if: Sequence[str] | None = None, **values: Any) -> bool:
    """Change a step row; with `only_if`, only while its status is one of those."""
    s = schema.pipeline_steps
    for key in ("arguments", "metadata", "properties"):
        if key in values:
            values[key] = dumps(values[key] or {})
    query = update(s).where(s.c.execution_id == execution_id, s.c.name == name)
    if only_if is not None:
        query = query.where(s.c.status.in_(list(only_if)))
    done = conn.execute(query.values(**values))
    return bool(done.rowcount)


def step_of_job(conn: Connection, job_name: str) -> StepRow | None:
    """The pipeline step whose current attempt is this job (the job view links to its execution)."""
    s = schema.pipeline_steps
    row = conn.execute(select(s).where(s.c.job_name == job_name).limit(1)).first()
    return None if row is None else _step(row)


def cached_step(conn: Connection, pipeline_name: str, step_name: str, cache_key: str, not_before: float) -> tuple[StepRow, str] | None:
    """The newest Succeeded run of this step of this pipeline with the same cache key, ended at or
    after `not_before`, that was not itself served from the cache's copy of a copy; with its
    execution's id. SageMaker reuses the most recent successful one within the expiry."""
    s, e = schema.pipeline_steps, schema.pipeline_executions
    row = conn.execute(
        select(s)
        .join(e, e.c.id == s.c.execution_id)
        .where(
            s.c.cache_key == cache_key,
            s.c.status == "Succeeded",
            s.c.name == step_name,
            e.c.pipeline_name == pipeline_name,
            s.c.end_time >= not_before,
        )
        .order_by(s.c.end_time.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    step = _step(row)
    return step, step.execution_id


# -- models (CreateModel) ---------------------------------------------------------------------


def insert_model(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["primary_container"] = dumps(values.get("primary_container") or {})
    conn.execute(schema.models.insert().values(**values))


def get_model(conn: Connection, name: str) -> Model | None:
    row = conn.execute(select(schema.models).where(schema.models.c.name == name)).first()
    if row is None:
        return None
    data = dict(row._mapping)
    data["primary_container"] = loads(data["primary_container"], {})
    return Model(**data)
