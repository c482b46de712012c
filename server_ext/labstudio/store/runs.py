"""Experiments, trials and runs: the rows every training job and every tracked script writes."""
from __future__ import annotations

import time
from typing import Any, Mapping

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from . import schema
from .util import dumps, new_id, upsert

DEFAULT_EXPERIMENT = "Default"


def ensure_experiment(conn: Connection, name: str) -> str:
    """The id of the experiment with this name, created when absent (race-safe upsert)."""
    e = schema.experiments
    row = conn.execute(select(e.c.id).where(e.c.name == name)).first()
    if row is not None:
        return row[0]
    now = time.time()
    upsert(
        conn,
        e,
        [{"id": new_id(), "name": name, "description": "", "tags": "{}", "created_time": now, "last_modified_time": now}],
        ["name"],
        {"last_modified_time": lambda ex: e.c.last_modified_time},
    )
    return conn.execute(select(e.c.id).where(e.c.name == name)).scalar_one()


def ensure_trial(conn: Connection, experiment_id: str, name: str) -> str:
    t = schema.trials
    row = conn.execute(select(t.c.id).where(t.c.experiment_id == experiment_id, t.c.name == name)).first()
    if row is not None:
        return row[0]
    upsert(
        conn,
        t,
        [{"id": new_id(), "experiment_id": experiment_id, "name": name, "created_time": time.time()}],
        ["experiment_id", "name"],
        {"created_time": lambda ex: t.c.created_time},
    )
    return conn.execute(select(t.c.id).where(t.c.experiment_id == experiment_id, t.c.name == name)).scalar_one()


def create_run(
    conn: Connection,
    *,
    experiment_name: str,
    name: str,
    trial_name: str | None = None,
    status: str = "InProgress",
    source_type: str | None = None,
    source_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    start_time: float | None = None,
    run_id: str | None = None,
) -> str:
    experiment_id = ensure_experiment(conn, experiment_name)
    trial_id = ensure_trial(conn, experiment_id, trial_name) if trial_name else None
    now = time.time()
    run_id = run_id or new_id()
    conn.execute(
        schema.runs.insert().values(
            id=run_id,
            experiment_id=experiment_id,
            trial_id=trial_id,
            name=name,
            status=status,
            start_time=start_time,
            end_time=None,
            source_type=source_type,
            source_name=source_name,
            tags=dumps(dict(tags or {})),
            created_time=now,
            last_modified_time=now,
        )
    )
    return run_id


def run_exists(conn: Connection, run_id: str) -> bool:
    return conn.execute(select(schema.runs.c.id).where(schema.runs.c.id == run_id)).first() is not None


def set_params(conn: Connection, run_id: str, params: Mapping[str, Any]) -> None:
    p = schema.run_params
    rows = [{"run_id": run_id, "key": str(k), "value": v if isinstance(v, str) else dumps(v)} for k, v in params.items()]
    upsert(conn, p, rows, ["run_id", "key"], {"value": lambda ex: ex.value})


def update_run(conn: Connection, run_id: str, **values: Any) -> None:
    values.setdefault("last_modified_time", time.time())
    conn.execute(update(schema.runs).where(schema.runs.c.id == run_id).values(**values))


def add_artifact(
    conn: Connection, run_id: str, name: str, uri: str, *, is_output: bool, media_type: str | None = None
) -> None:
    a = schema.run_artifacts
    upsert(
        conn,
        a,
        [{"run_id": run_id, "name": name, "uri": uri, "is_output": is_output, "media_type": media_type, "created_time": time.time()}],
        ["run_id", "name", "is_output"],
        {"uri": lambda ex: ex.uri, "media_type": lambda ex: ex.media_type},
    )
