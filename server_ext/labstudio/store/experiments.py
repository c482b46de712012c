"""Experiments: listing with run counts, create, rename (jobs follow), and deleting runs.

Every function takes the caller's connection, so a service composes several in one
transaction (`Database.run_write`). Raises NotFound / Conflict with the message the REST API
shows; returns `Experiment` and `RunDeletion` entities.
"""
from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.engine import Connection

from ..errors import Conflict
from . import events, schema
from .entities import Experiment, RunDeletion
from .ingest import delete_run_data
from .runs import merge_tags
from .search import experiment_id
from .util import dumps, loads, new_id

__all__ = [
    "experiment_id", "list_experiments", "get_experiment", "create_experiment", "update_experiment",
    "lock_experiment_runs", "delete_runs", "served_model_uris", "RUNNING_JOB_STATUSES",
]

RUNNING_JOB_STATUSES = ("InProgress", "Stopping")


def _experiments(conn: Connection, where: Any = None) -> list[Experiment]:
    e, r = schema.experiments, schema.runs
    q = (
        select(
            e,
            func.count(r.c.id).label("run_count"),
            func.coalesce(func.sum(case((r.c.status == "InProgress", 1), else_=0)), 0).label("in_progress"),
            func.max(r.c.last_modified_time).label("last_run_time"),
        )
        .select_from(e.outerjoin(r, r.c.experiment_id == e.c.id))
        .group_by(*e.c)
        .order_by(func.coalesce(func.max(r.c.last_modified_time), e.c.last_modified_time).desc(), e.c.name)
    )
    if where is not None:
        q = q.where(where)
    return [
        Experiment(
            id=row.id, name=row.name, description=row.description, tags=loads(row.tags, {}), created_time=row.created_time,
            last_modified_time=row.last_modified_time, run_count=int(row.run_count), in_progress_count=int(row.in_progress),
            last_run_time=row.last_run_time,
        )
        for row in conn.execute(q)
    ]


def list_experiments(conn: Connection) -> list[Experiment]:
    """Every experiment with its run counts, most recently active first."""
    return _experiments(conn)


def get_experiment(conn: Connection, name_or_id: str) -> Experiment:
    """One experiment with its run counts and the metric and parameter names of its runs; NotFound."""
    exp_id = experiment_id(conn, name_or_id)
    exp = _experiments(conn, schema.experiments.c.id == exp_id)[0]
    runs_of = select(schema.runs.c.id).where(schema.runs.c.experiment_id == exp_id)
    s, p = schema.run_metric_summaries, schema.run_params
    metric_names = tuple(sorted(conn.execute(select(s.c.key).distinct().where(s.c.run_id.in_(runs_of))).scalars()))
    param_names = tuple(sorted(conn.execute(select(p.c.key).distinct().where(p.c.run_id.in_(runs_of))).scalars()))
    return replace(exp, metric_names=metric_names, param_names=param_names)


def create_experiment(conn: Connection, name: str, description: str, tags: Mapping[str, str]) -> str:
    """A new experiment (and its `experiment.created` event); Conflict when the name is taken."""
    e = schema.experiments
    if conn.execute(select(e.c.id).where(e.c.name == name)).first() is not None:
        raise Conflict(f"An experiment named {name!r} already exists.", field="name")
    now = time.time()
    exp_id = new_id()
    conn.execute(e.insert().values(id=exp_id, name=name, description=description, tags=dumps(dict(tags)), created_time=now, last_modified_time=now))
    events.append(conn, "experiment.created", {"name": name})
    return exp_id


def update_experiment(
    conn: Connection, name_or_id: str, *, new_name: str | None = None, description: str | None = None,
    tag_changes: Mapping[str, str | None] | None = None,
) -> str:
    """Rename, re-describe and/or tag (a None tag value removes the tag), and announce it.

    A rename also repoints the training jobs that remember the experiment by name
    (ExperimentConfig), in the same transaction. NotFound for an unknown experiment,
    Conflict when the new name is taken. Returns the experiment's id."""
    e = schema.experiments
    exp_id = experiment_id(conn, name_or_id)
    row = conn.execute(select(e).where(e.c.id == exp_id)).one()
    values: dict[str, Any] = {"last_modified_time": time.time()}
    if new_name is not None and new_name != row.name:
        if conn.execute(select(e.c.id).where(e.c.name == new_name)).first() is not None:
            raise Conflict(f"An experiment named {new_name!r} already exists; choose another name.", field="name")
        values["name"] = new_name
        conn.execute(update(schema.jobs).where(schema.jobs.c.experiment_name == row.name).values(experiment_name=new_name))
    if description is not None:
        values["description"] = description
    if tag_changes:
        values["tags"] = dumps(merge_tags(loads(row.tags, {}), tag_changes))
    conn.execute(update(e).where(e.c.id == exp_id).values(**values))
    events.append(conn, "experiment.updated", {"id": exp_id, "name": values.get("name", row.name), "old_name": row.name})
    return exp_id


def lock_experiment_runs(conn: Connection, name_or_id: str) -> tuple[str, str, list[str]]:
    """(id, name, run ids) of an experiment about to be deleted; NotFound.

    Locks the experiment's row (FOR UPDATE on PostgreSQL), so a run being inserted into it
    waits for the deleting transaction."""
    e = schema.experiments
    exp_id = experiment_id(conn, name_or_id)
    exp_name = conn.execute(select(e.c.name).where(e.c.id == exp_id).with_for_update()).scalar_one()
    run_ids = list(conn.execute(select(schema.runs.c.id).where(schema.runs.c.experiment_id == exp_id)).scalars())
    return exp_id, exp_name, run_ids


def delete_runs(conn: Connection, run_ids: Sequence[str], *, what: str, experiment_id: str | None, skip_running: bool) -> RunDeletion:
    """Delete these runs (and the experiment, when given and no run was kept) in the caller's transaction.

    Runs of training jobs still running are never deleted: Conflict naming the jobs, unless
    `skip_running`, which keeps them (and then the experiment too). Checking and deleting
    in the same transaction as choosing the runs means a job submitted meanwhile either
    commits first (its run is seen, and the delete refuses) or after, never in between.
    The artifact files are the caller's to remove, after the commit (their URIs come back):
    only the runs' OUTPUTS, never their inputs, which may be another job's output in the
    artifact store (a channel or processing input pointing at it) and are not the run's."""
    j = schema.jobs
    running_jobs: dict[str, str | None] = dict(conn.execute(select(j.c.name, j.c.run_id).where(j.c.status.in_(RUNNING_JOB_STATUSES))).all())
    running_runs = {rid for rid in running_jobs.values() if rid}
    blocked = [rid for rid in run_ids if rid in running_runs]
    if blocked and not skip_running:
        names = sorted(n for n, rid in running_jobs.items() if rid in blocked)
        raise Conflict(
            f"{what} has {len(blocked)} run(s) of training jobs still running ({', '.join(names[:5])}): "
            "stop them first (labstudio jobs stop NAME) or skip those runs."
        )
    doomed = [rid for rid in run_ids if rid not in running_runs]
    a = schema.run_artifacts
    uris: list[str] = []
    for chunk in _chunks(doomed):
        uris.extend(conn.execute(select(a.c.uri).where(a.c.run_id.in_(chunk), a.c.is_output.is_(True))).scalars())
        for table in (schema.run_params, schema.run_metric_summaries, schema.run_artifacts):
            conn.execute(delete(table).where(table.c.run_id.in_(chunk)))
        conn.execute(delete(schema.runs).where(schema.runs.c.id.in_(chunk)))
    delete_run_data(conn, doomed)
    experiment_deleted = False
    if experiment_id is not None and not blocked:
        conn.execute(delete(schema.trials).where(schema.trials.c.experiment_id == experiment_id))
        conn.execute(delete(schema.experiments).where(schema.experiments.c.id == experiment_id))
        experiment_deleted = True
        events.append(conn, "experiment.deleted", {"id": experiment_id})
    if doomed:
        events.append(conn, "run.deleted", {"run_ids": doomed[:1000], "count": len(doomed)})
    return RunDeletion(
        deleted_run_ids=tuple(doomed), artifact_uris=tuple(uris), skipped_running_runs=len(blocked),
        experiment_deleted=experiment_deleted, running_jobs=running_jobs,
    )


def served_model_uris(conn: Connection) -> set[str]:
    """The model data every endpoint variant serves, and every registered model package's
    archive: never deleted with a run."""
    served = set(conn.execute(select(schema.endpoint_variants.c.model_data)).scalars())
    return served | set(conn.execute(select(schema.model_packages.c.model_data)).scalars())


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
