"""Experiments, trials and runs: the rows every training job and every tracked script writes."""
from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from ..errors import NotFound
from ..status import JobStatus
from . import events, schema
from .entities import JobOfRun, Run, RunImport, RunRef
from .util import dumps, loads, new_id, upsert

if TYPE_CHECKING:  # ingest imports numpy, which listing jobs from the CLI does not need
    from .ingest import RawPoint

DEFAULT_EXPERIMENT = "Default"


def ensure_experiment(conn: Connection, name: str) -> str:
    """The id of the experiment with this name, created when absent (race-safe upsert).

    On PostgreSQL the row found is locked FOR KEY SHARE until the caller commits: a delete of
    the experiment (which locks it FOR UPDATE, `experiments.lock_experiment_runs`) either waits
    for this transaction and then sees its run (and refuses), or commits first, and then this
    lookup waits for it, finds nothing and creates the experiment again. Without the lock the
    run's insert met the deleted row as a foreign-key violation (a 500). SQLite writers are
    serialised already (BEGIN IMMEDIATE)."""
    e = schema.experiments
    row = conn.execute(select(e.c.id).where(e.c.name == name).with_for_update(read=True, key_share=True)).first()
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
    status: str = JobStatus.IN_PROGRESS,
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
    """The one "does this run exist" query."""
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


# -- reads and edits of one run (the Run API, the service) ---------------------------------------

def get_run(conn: Connection, run_id: str) -> Run:
    """The run with its params and full metric summaries; NotFound when it does not exist."""
    from .search import search_runs

    found = search_runs(conn, run_ids=[run_id])
    if not found:
        raise NotFound(f"Run {run_id!r} does not exist.")
    return found[0]


def run_ref(conn: Connection, run_id: str) -> RunRef | None:
    """The run's name, experiment and trial (what attaching to it needs), or None."""
    r, e, t = schema.runs, schema.experiments, schema.trials
    row = conn.execute(
        select(r.c.id, r.c.name, e.c.name, t.c.name)
        .select_from(r.join(e, e.c.id == r.c.experiment_id).outerjoin(t, t.c.id == r.c.trial_id))
        .where(r.c.id == run_id)
    ).first()
    return None if row is None else RunRef(id=row[0], name=row[1], experiment=row[2], trial=row[3])


def find_run_id(conn: Connection, experiment_name: str, run_name: str) -> str | None:
    """The newest run of this name in this experiment, or None."""
    r, e = schema.runs, schema.experiments
    return conn.execute(
        select(r.c.id)
        .select_from(r.join(e, e.c.id == r.c.experiment_id))
        .where(e.c.name == experiment_name, r.c.name == run_name)
        .order_by(r.c.created_time.desc())
        .limit(1)
    ).scalar()


def merge_run_tags(conn: Connection, run_id: str, changes: Mapping[str, str | None]) -> dict[str, str]:
    """Set tags (a None value removes one) and announce it; NotFound when the run does not exist."""
    r = schema.runs
    raw = conn.execute(select(r.c.tags).where(r.c.id == run_id)).scalar()
    if raw is None:
        raise NotFound(f"Run {run_id!r} does not exist.")
    tags = merge_tags(loads(raw, {}), changes)
    conn.execute(update(r).where(r.c.id == run_id).values(tags=dumps(tags), last_modified_time=time.time()))
    events.append(conn, "run.updated", {"run_id": run_id, "tags": tags})
    return tags


def merge_tags(current: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    merged = dict(current)
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    return merged


def rename_run(conn: Connection, run_id: str, name: str) -> None:
    """Rename and announce it; NotFound when the run does not exist."""
    done = conn.execute(update(schema.runs).where(schema.runs.c.id == run_id).values(name=name, last_modified_time=time.time()))
    if done.rowcount == 0:
        raise NotFound(f"Run {run_id!r} does not exist.")
    events.append(conn, "run.updated", {"run_id": run_id, "name": name})


def job_of_run(conn: Connection, run_id: str) -> JobOfRun | None:
    """The job (of any kind: training, processing...) this run belongs to, if any."""
    j = schema.jobs
    row = conn.execute(select(j.c.name, j.c.status, j.c.secondary_status, j.c.kind).where(j.c.run_id == run_id)).first()
    if row is None:
        return None
    return JobOfRun(name=row.name, status=row.status, secondary_status=row.secondary_status, kind=row.kind)


def write_chunk(
    conn: Connection, run_id: str, experiment: str, batch: Sequence[RawPoint], block: tuple[str, Any, Any, Any] | None,
    params: Mapping[str, Any],
) -> None:
    """One flush of a Run's write-behind buffer, in the caller's transaction: pending params,
    then either single points or one whole series, a `run.metrics` event, the run's mtime."""
    from .ingest import write_points, write_series

    if conn.dialect.name == "sqlite":
        # checkpoint the WAL every 32 MB instead of 4 MB: fewer fsyncs on the hot path
        conn.exec_driver_sql("PRAGMA wal_autocheckpoint=8192")
    if params:
        set_params(conn, run_id, params)
    written = None
    if batch:
        written = write_points(conn, run_id, batch)
    elif block is not None:
        written = write_series(conn, run_id, *block)
    if written is not None:
        count, shown, capped = written
        events.append(conn, "run.metrics", {"run_id": run_id, "experiment": experiment, "count": count, "points": shown, "capped": capped})
    update_run(conn, run_id)


# A series this short fits in one bucket of the finest level (2^5 points): a comparison reads
# it whole, so the bulk path writes no bucket rows for it (tracking/series.py reads a series
# without complete buckets from its points, so a later append stays correct).
_BUCKETLESS = 32


def import_runs(conn: Connection, experiment_name: str, items: Sequence[RunImport], *, now: float | None = None) -> list[str]:
    """Insert finished runs whole, in the caller's transaction: the bulk ingestion path.

    Runs, params, points and metric summaries go in with a few multi-row statements for all
    the runs together, summaries computed with numpy over every series of a length at once:
    100,000 runs take seconds, where 100,000 `Run` objects (a transaction and an event each)
    take many minutes. One `run.created` event (naming the last run) tells the panel.
    Series longer than 32 points go through the regular write path (buckets included).
    Returns the new runs' ids, in order."""
    if not items:
        return []
    now = time.time() if now is None else now
    if conn.dialect.name == "sqlite":
        # The points' index is written in random run-id order: a page cache large enough for
        # it keeps SQLite from re-reading pages for every row (per connection; put back below).
        previous = conn.exec_driver_sql("PRAGMA cache_size").scalar()
        conn.exec_driver_sql("PRAGMA cache_size=-262144")
        try:
            return _import_runs(conn, experiment_name, items, now)
        finally:
            conn.exec_driver_sql(f"PRAGMA cache_size={int(previous or -2000)}")
    return _import_runs(conn, experiment_name, items, now)


def _import_runs(conn: Connection, experiment_name: str, items: Sequence[RunImport], now: float) -> list[str]:
    import numpy as np

    from .ingest import multi_insert, write_series

    experiment_id = ensure_experiment(conn, experiment_name)
    ids = [new_id() for _ in items]
    run_rows: list[Any] = []
    param_rows: list[Any] = []
    for i, (rid, item) in enumerate(zip(ids, items)):
        created = now + i * 1e-6  # distinct creation times keep the import's order in listings
        run_rows += [rid, experiment_id, None, item.name, item.status, item.start_time, item.end_time, None, None,
                     dumps(dict(item.tags)), created, created]
        for key, value in item.params.items():
            param_rows += [rid, str(key), _param_text(value)]
    multi_insert(conn, "INSERT INTO runs (id, experiment_id, trial_id, name, status, start_time, end_time, source_type, "
                       "source_name, tags, created_time, last_modified_time) VALUES ", 12, run_rows)
    multi_insert(conn, "INSERT INTO run_params (run_id, key, value) VALUES ", 3, param_rows)

    # short series grouped by (metric, length): one 2-d array each
    groups: dict[tuple[str, int], tuple[list[str], list[Any], list[float]]] = {}
    for rid, item in zip(ids, items):
        stamp = item.end_time if item.end_time is not None else (item.start_time if item.start_time is not None else now)
        for key, values in item.metrics.items():
            n = len(values)
            if n == 0:
                continue
            if n > _BUCKETLESS:
                arr = np.asarray(values, dtype=np.float64)
                write_series(conn, rid, key, arr, np.arange(n, dtype=np.int64), np.full(n, stamp))
                continue
            owners, rows, stamps = groups.setdefault((key, n), ([], [], []))
            owners.append(rid)
            rows.append(values)
            stamps.append(stamp)
    for (key, n), (owners, rows, stamps) in groups.items():
        values = np.asarray(rows, dtype=np.float64).reshape(len(owners), n)
        stamp_arr = np.asarray(stamps, dtype=np.float64)
        steps = list(range(n))
        flat: list[Any] = []
        for rid, row, stamp in zip(owners, values.tolist(), stamp_arr.tolist()):
            for step, value in zip(steps, row):
                flat += [rid, key, None if value != value else value, step, stamp]
        multi_insert(conn, "INSERT INTO run_metrics (run_id, key, value, step, timestamp) VALUES ", 5, flat)
        multi_insert(conn, f"INSERT INTO run_metric_summaries ({', '.join(_SUMMARY_COLUMNS)}) VALUES ", len(_SUMMARY_COLUMNS),
                     _summaries(key, owners, values, stamp_arr))
    events.append(conn, "run.created", {"run_id": ids[-1], "experiment": experiment_name, "name": items[-1].name, "status": items[-1].status})
    return ids


def _param_text(value: Any) -> str:
    """A parameter as stored (`set_params`: JSON unless a string), without json.dumps for the
    plain numbers that make most of a large import (repr is their JSON spelling)."""
    if isinstance(value, str):
        return value
    if type(value) is int or (type(value) is float and value == value and value not in (float("inf"), float("-inf"))):
        return repr(value)
    return dumps(value)


_SUMMARY_COLUMNS = ("run_id", "key", "count", "finite_count", "sum", "sumsq", "min", "max", "last_value", "last_step", "last_timestamp")


def _summaries(key: str, owners: list[str], values: Any, stamps: Any) -> list[Any]:
    """The summary rows (flattened, `_SUMMARY_COLUMNS`) of each series of one metric and one
    length (the rows of `values`); the runs are new, so there is nothing to merge with."""
    import numpy as np

    finite = np.isfinite(values)
    zeroed = np.where(finite, values, 0.0)
    notnan = ~np.isnan(values)
    lo = np.where(notnan, values, np.inf).min(axis=1)
    hi = np.where(notnan, values, -np.inf).max(axis=1)
    any_value = notnan.any(axis=1)
    n = values.shape[1]
    last = values[:, -1]
    finite_count = finite.sum(axis=1).tolist()
    sums = zeroed.sum(axis=1).tolist()
    sumsq = (zeroed * zeroed).sum(axis=1).tolist()
    rows: list[Any] = []
    for i, rid in enumerate(owners):
        rows += [rid, key, n, finite_count[i], sums[i], sumsq[i], float(lo[i]) if any_value[i] else None,
                 float(hi[i]) if any_value[i] else None, None if last[i] != last[i] else float(last[i]), n - 1, float(stamps[i])]
    return rows


def is_integrity_error(exc: BaseException) -> bool:
    """Whether a write failed on a constraint (e.g. the run it points at was deleted)."""
    return isinstance(exc, IntegrityError)
