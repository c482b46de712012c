"""Queries over tuning_jobs and tuning_trials (hyperparameter tuning jobs and their trials).

A trial is an ordinary training job; its status, times and failure reason are read from the
`jobs` row it names (a left join: a trial recorded but not yet submitted has no job row).
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection

from ..status import JobStatus
from . import schema
from .util import dumps, from_db_float, loads


@dataclass(frozen=True)
class TuningJob:
    name: str
    status: str
    failure_reason: str | None
    spec: dict[str, Any]
    experiment_name: str | None
    creation_time: float
    end_time: float | None
    last_modified_time: float
    tuner_pid: int | None
    tuner_start_ticks: int | None
    tuner_spawn_time: float | None
    stop_requested_time: float | None
    tuner_machine: str | None = None

    @property
    def is_terminal(self) -> bool:
        return JobStatus(self.status).is_terminal()


@dataclass(frozen=True)
class TrialRecord:
    """A trial row with its training job's state (None fields: the job was not submitted yet)."""

    tuning_job_name: str
    number: int
    training_job_name: str
    params: dict[str, Any]
    system_attrs: dict[str, Any]
    state: str  # Pending (recorded), Submitted, Finished (its outcome was told to the search)
    objective: float | None
    early_stopped: bool
    created_time: float
    finished_time: float | None
    job_status: str | None = None
    job_creation_time: float | None = None
    training_start_time: float | None = None
    training_end_time: float | None = None
    failure_reason: str | None = None
    run_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def job_terminal(self) -> bool:
        return self.job_status is not None and JobStatus(self.job_status).is_terminal()


def _to_tuning(row: Any) -> TuningJob:
    data = dict(row._mapping)
    data["spec"] = loads(data["spec"], {})
    return TuningJob(**data)


def insert_tuning_job(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["spec"] = dumps(values["spec"])
    values.setdefault("last_modified_time", values["creation_time"])
    conn.execute(schema.tuning_jobs.insert().values(**values))


def tuning_job_exists(conn: Connection, name: str) -> bool:
    t = schema.tuning_jobs
    return conn.execute(select(t.c.name).where(t.c.name == name)).first() is not None


def get_tuning_job(conn: Connection, name: str) -> TuningJob | None:
    row = conn.execute(select(schema.tuning_jobs).where(schema.tuning_jobs.c.name == name)).first()
    return None if row is None else _to_tuning(row)


def list_tuning_jobs(
    conn: Connection,
    *,
    statuses: Sequence[str] = (),
    name_contains: str | None = None,
    limit: int = 100,
    after: tuple[float, str] | None = None,
) -> list[TuningJob]:
    """Newest first; `after` is the (creation_time, name) of the previous page's last job."""
    t = schema.tuning_jobs
    query = select(t)
    if statuses:
        query = query.where(t.c.status.in_(list(statuses)))
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(t.c.name.ilike(f"%{escaped}%", escape="\\"))
    if after is not None:
        created, name = after
        query = query.where(or_(t.c.creation_time < created, and_(t.c.creation_time == created, t.c.name < name)))
    query = query.order_by(t.c.creation_time.desc(), t.c.name.desc()).limit(limit)
    return [_to_tuning(row) for row in conn.execute(query)]


def active_tuning_jobs(conn: Connection) -> list[TuningJob]:
    t = schema.tuning_jobs
    return [_to_tuning(r) for r in conn.execute(select(t).where(t.c.status.in_(JobStatus.active())))]


def update_tuning_job(conn: Connection, name: str, **values: Any) -> None:
    values.setdefault("last_modified_time", time.time())
    conn.execute(update(schema.tuning_jobs).where(schema.tuning_jobs.c.name == name).values(**values))


def set_status_if(conn: Connection, name: str, allowed: Sequence[str], **values: Any) -> bool:
    """Update the row only while its status is one of `allowed`: True when it did."""
    t = schema.tuning_jobs
    values.setdefault("last_modified_time", time.time())
    result = conn.execute(update(t).where(t.c.name == name, t.c.status.in_(list(allowed))).values(**values))
    return bool(result.rowcount)


# -- trials -------------------------------------------------------------------


def add_trial(
    conn: Connection, tuning_job: str, number: int, job_name: str, params: dict[str, Any], system_attrs: dict[str, Any], now: float
) -> None:
    conn.execute(
        schema.tuning_trials.insert().values(
            tuning_job_name=tuning_job,
            number=number,
            training_job_name=job_name,
            params=dumps(params),
            system_attrs=dumps(system_attrs),
            state="Pending",
            objective=None,
            early_stopped=False,
            created_time=now,
            finished_time=None,
        )
    )


def _trial_query(tuning_job: str | Sequence[str]) -> Any:  # a SELECT of the trials with their jobs
    tt, j = schema.tuning_trials, schema.jobs
    names = [tuning_job] if isinstance(tuning_job, str) else list(tuning_job)
    return (
        select(
            tt,
            j.c.status.label("job_status"),
            j.c.creation_time.label("job_creation_time"),
            j.c.training_start_time,
            j.c.training_end_time,
            j.c.failure_reason,
            j.c.run_id,
        )
        .select_from(tt.outerjoin(j, j.c.name == tt.c.training_job_name))
        .where(tt.c.tuning_job_name.in_(names))
        .order_by(tt.c.tuning_job_name, tt.c.number)
    )


def _to_trial(row: Any) -> TrialRecord:
    data = dict(row._mapping)
    data["params"] = loads(data["params"], {})
    data["system_attrs"] = loads(data["system_attrs"], {})
    data["early_stopped"] = bool(data["early_stopped"])
    return TrialRecord(**data)


def list_trials(conn: Connection, tuning_job: str | Sequence[str]) -> list[TrialRecord]:
    """The trials of one tuning job (or of several), in trial-number order."""
    return [_to_trial(r) for r in conn.execute(_trial_query(tuning_job))]


def set_trial(conn: Connection, tuning_job: str, number: int, **values: Any) -> None:
    tt = schema.tuning_trials
    conn.execute(update(tt).where(tt.c.tuning_job_name == tuning_job, tt.c.number == number).values(**values))


def delete_pending_trials(conn: Connection, tuning_job: str) -> int:
    """Forget recorded trials whose job was never submitted (a stopped tuning job won't run them)."""
    tt, j = schema.tuning_trials, schema.jobs
    submitted = select(j.c.name).where(j.c.name == tt.c.training_job_name).exists()
    result = conn.execute(tt.delete().where(tt.c.tuning_job_name == tuning_job, tt.c.state == "Pending", ~submitted))
    return result.rowcount or 0


def delete_trials(conn: Connection, tuning_job: str, numbers: Sequence[int], *, only_pending: bool = True) -> int:
    """Forget these trials of a tuning job (with `only_pending`, only those whose job was never
    submitted: a trial that ran is history and is kept)."""
    tt, j = schema.tuning_trials, schema.jobs
    condition = [tt.c.tuning_job_name == tuning_job, tt.c.number.in_(list(numbers))]
    if only_pending:
        condition.append(~select(j.c.name).where(j.c.name == tt.c.training_job_name).exists())
    result = conn.execute(tt.delete().where(*condition))
    return result.rowcount or 0


def objective_curves(conn: Connection, run_ids: Sequence[str], key: str, *, from_step: dict[str, int] | None = None) -> dict[str, list[tuple[int, float]]]:
    """(step, value) points of one metric for several runs, in step order (NaN kept as NaN).

    `from_step` (run id -> step) skips points a caller already has: the tuner reads only the
    new points of its running trials on each pass."""
    m = schema.run_metrics
    out: dict[str, list[tuple[int, float]]] = {rid: [] for rid in run_ids}
    if not run_ids:
        return out
    query = select(m.c.run_id, m.c.step, m.c.value).where(m.c.run_id.in_(list(run_ids)), m.c.key == key)
    if from_step:
        query = query.where(or_(*[and_(m.c.run_id == rid, m.c.step >= step) for rid, step in from_step.items()], ~m.c.run_id.in_(list(from_step))))
    for run_id, step, value in conn.execute(query.order_by(m.c.run_id, m.c.step, m.c.id)):
        out[run_id].append((int(step), from_db_float(value)))
    return out


def last_values(conn: Connection, run_ids: Sequence[str], key: str) -> dict[str, float]:
    """The last captured value of one metric for each run that has one (NaN for a NaN)."""
    s = schema.run_metric_summaries
    if not run_ids:
        return {}
    rows = conn.execute(select(s.c.run_id, s.c.last_value).where(s.c.run_id.in_(list(run_ids)), s.c.key == key))
    return {r[0]: from_db_float(r[1]) for r in rows}
