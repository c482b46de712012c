"""Queries over automl_jobs and automl_candidates (SageMaker Autopilot).

A candidate's row is written, with the point its runner's study asked for, before its training
job is submitted: a runner resumed after a crash submits a recorded job that is missing and
never asks the study twice for the same number. Its status, failure and timing are its
training job's (read with a join), so the two never disagree.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from ..status import JobStatus
from . import schema
from .util import dumps, loads

ACTIVE = ("InProgress", "Stopping")


@dataclass(frozen=True)
class AutoMLJob:
    name: str
    status: str
    secondary_status: str
    failure_reason: str | None
    request: dict[str, Any]
    problem_type: str | None
    objective: str | None
    mode: str | None
    best_candidate: str | None
    analysis: dict[str, Any]
    artifacts: dict[str, Any]
    explanation: dict[str, Any]
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
        return self.status in JobStatus.terminal()  # AutoMLJobStatus uses the jobs' words


@dataclass(frozen=True)
class Candidate:
    job_name: str
    number: int
    candidate_name: str
    algorithm: str
    params: dict[str, Any]
    state: str
    objective: float | None
    early_stopped: bool
    creation_time: float
    finished_time: float | None
    # its training job's, None while the job is not submitted
    job_status: str | None
    failure_reason: str | None
    run_id: str | None
    model_artifact: str | None
    job_end_time: float | None

    @property
    def job_terminal(self) -> bool:
        return self.job_status in JobStatus.terminal()


def _job(row: Any) -> AutoMLJob:
    data = dict(row._mapping)
    for key in ("request", "analysis", "artifacts", "explanation"):
        data[key] = loads(data[key], {})
    return AutoMLJob(**data)


def insert_job(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    for key in ("request", "analysis", "artifacts", "explanation"):
        values[key] = dumps(values.get(key) or {})
    conn.execute(schema.automl_jobs.insert().values(**values))


def get_job(conn: Connection, name: str) -> AutoMLJob | None:
    row = conn.execute(select(schema.automl_jobs).where(schema.automl_jobs.c.name == name)).first()
    return None if row is None else _job(row)


def job_exists(conn: Connection, name: str) -> bool:
    return conn.execute(select(schema.automl_jobs.c.name).where(schema.automl_jobs.c.name == name)).first() is not None


def update_job(conn: Connection, name: str, **values: Any) -> bool:
    for key in ("request", "analysis", "artifacts", "explanation"):
        if key in values:
            values[key] = dumps(values[key] or {})
    done = conn.execute(update(schema.automl_jobs).where(schema.automl_jobs.c.name == name).values(**values))
    return bool(done.rowcount)


def set_status_if(conn: Connection, name: str, allowed: Sequence[str], **values: Any) -> bool:
    """Change the job's status only from one of `allowed` (a stop and an end never cross)."""
    a = schema.automl_jobs
    for key in ("request", "analysis", "artifacts", "explanation"):
        if key in values:
            values[key] = dumps(values[key] or {})
    done = conn.execute(update(a).where(a.c.name == name, a.c.status.in_(list(allowed))).values(**values))
    return bool(done.rowcount)


def list_jobs(conn: Connection, *, statuses: Sequence[str] = (), name_contains: str | None = None, ascending: bool = False,
              sort_by: str = "CreationTime", limit: int = 100, offset: int = 0) -> list[AutoMLJob]:
    a = schema.automl_jobs
    query = select(a)
    if statuses:
        query = query.where(a.c.status.in_(list(statuses)))
    if name_contains:
        escaped = name_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(a.c.name.like(f"%{escaped}%", escape="\\"))
    key = {"Name": a.c.name, "Status": a.c.status}.get(sort_by, a.c.creation_time)
    query = query.order_by(key.asc() if ascending else key.desc(), a.c.name.asc() if ascending else a.c.name.desc())
    return [_job(r) for r in conn.execute(query.limit(limit).offset(offset))]


def active_jobs(conn: Connection) -> list[AutoMLJob]:
    a = schema.automl_jobs
    return [_job(r) for r in conn.execute(select(a).where(a.c.status.in_(list(ACTIVE))))]


# -- candidates -------------------------------------------------------------------------------


def _candidate_query(job_name: str) -> Any:
    c, j = schema.automl_candidates, schema.jobs
    return (
        select(c, j.c.status.label("job_status"), j.c.failure_reason, j.c.run_id, j.c.model_artifact,
               j.c.training_end_time.label("job_end_time"))
        .select_from(c.outerjoin(j, j.c.name == c.c.candidate_name))
        .where(c.c.job_name == job_name)
        .order_by(c.c.number)
    )


def _candidate(row: Any) -> Candidate:
    data = dict(row._mapping)
    data["params"] = loads(data["params"], {})
    data["early_stopped"] = bool(data["early_stopped"])
    return Candidate(**data)


def list_candidates(conn: Connection, job_name: str) -> list[Candidate]:
    return [_candidate(r) for r in conn.execute(_candidate_query(job_name))]


def add_candidate(conn: Connection, values: dict[str, Any]) -> None:
    values = dict(values)
    values["params"] = dumps(values.get("params") or {})
    values.setdefault("early_stopped", False)
    conn.execute(schema.automl_candidates.insert().values(**values))


def set_candidate(conn: Connection, job_name: str, number: int, **values: Any) -> None:
    c = schema.automl_candidates
    conn.execute(update(c).where(c.c.job_name == job_name, c.c.number == number).values(**values))


def delete_recorded(conn: Connection, job_name: str) -> int:
    """Forget candidates recorded but never submitted (a stopped job will not run them)."""
    c, j = schema.automl_candidates, schema.jobs
    submitted = select(j.c.name).where(j.c.name == c.c.candidate_name).exists()
    result = conn.execute(c.delete().where(c.c.job_name == job_name, c.c.state == "Recorded", ~submitted))
    return result.rowcount or 0


__all__ = ["AutoMLJob", "Candidate", "active_jobs", "add_candidate", "delete_recorded", "get_job", "insert_job", "job_exists",
           "list_candidates", "list_jobs", "set_candidate", "set_status_if", "update_job"]
