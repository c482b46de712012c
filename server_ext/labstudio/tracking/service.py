"""ExperimentService: experiments and runs for the REST handlers, the CLI and the SDK.

No tornado here: handlers call these methods in a thread pool. Everything returned is
JSON-ready (NaN and infinities as "NaN" / "Infinity" / "-Infinity" strings, times as epoch
seconds) so the REST layer, `labstudio ... --json` and the panel see the same shapes.

Deleting is the one dangerous operation: it refuses (409) when a run belongs to a training
job that is still running, unless asked to skip those runs, and it removes only files inside
the artifact store (a channel's input data elsewhere is the user's, never ours to delete),
never anything under a running job's folder or a model an endpoint serves.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np
from sqlalchemy import case, delete, func, select, update
from sqlalchemy.engine import Connection

from ..config import Settings
from ..errors import Conflict, Invalid, NotFound
from ..store import Database, schema
from ..store import events as events_store
from ..store.util import dumps, loads, new_id
from . import query
from ..store.ingest import delete_run_data
from ..store.util import json_number
from .series import METHODS, raw_series, read_many, to_json_values
from .tables import run_metric_buckets

RUNNING_JOB_STATUSES = ("InProgress", "Stopping")
MAX_LIMIT = 10_000
MAX_COMPARE_RUNS = 500
MAX_COMPARE_POINTS = 100_000


def check_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"'{field}' must be a non-empty string.", field=field)
    if len(value) > 255:
        raise Invalid(f"'{field}' must be at most 255 characters, got {len(value)}.", field=field)
    if "/" in value:
        raise Invalid(f"'{field}' must not contain '/': {value!r}.", field=field)
    return value.strip()


def check_tags(tags: Any, field: str = "tags") -> dict[str, str | None]:
    if tags is None:
        return {}
    if not isinstance(tags, Mapping):
        raise Invalid(f"'{field}' must be an object of name to string value (null removes a tag).", field=field)
    out: dict[str, str | None] = {}
    for k, v in tags.items():
        if not isinstance(k, str) or not k:
            raise Invalid(f"'{field}' names must be non-empty strings.", field=field)
        if isinstance(v, (Mapping, list, tuple)):  # str() would store "{}" or "[...]" as the tag's text
            raise Invalid(f"Tag '{k}' must be a string (or null to remove it), got a JSON {'object' if isinstance(v, Mapping) else 'array'}.", field=f"{field}.{k}")
        out[k] = None if v is None else str(v)
    return out


def merge_tags(current: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    merged = dict(current)
    for k, v in changes.items():
        if v is None:
            merged.pop(k, None)
        else:
            merged[k] = v
    return merged


def merge_run_tags(conn: Connection, run_id: str, changes: Mapping[str, str | None]) -> dict[str, str]:
    r = schema.runs
    raw = conn.execute(select(r.c.tags).where(r.c.id == run_id)).scalar()
    if raw is None:
        raise NotFound(f"Run {run_id!r} does not exist.")
    tags = merge_tags(loads(raw, {}), changes)
    conn.execute(update(r).where(r.c.id == run_id).values(tags=dumps(tags), last_modified_time=time.time()))
    events_store.append(conn, "run.updated", {"run_id": run_id, "tags": tags})
    return tags


_BRIEF = ("last", "min", "max", "count", "last_step")


def _metrics_json(metrics: Mapping[str, Mapping[str, Any]], brief: bool = False) -> dict[str, Any]:
    if brief:
        return {k: {f: (json_number(s[f]) if isinstance(s[f], float) else s[f]) for f in _BRIEF} for k, s in metrics.items()}
    return {k: {f: (json_number(v) if isinstance(v, float) else v) for f, v in s.items()} for k, s in metrics.items()}


def run_json(rec: Mapping[str, Any], brief: bool = False) -> dict[str, Any]:
    """A run as JSON; `brief` (run listings) keeps last/min/max/count/last_step of each metric,
    the detail, compare and analytics carry avg, std and last_timestamp as well."""
    end = rec["end_time"] if rec["end_time"] is not None else (time.time() if rec["status"] == "InProgress" else None)
    return {
        "id": rec["id"],
        "name": rec["name"],
        "experiment": rec["experiment"],
        "experiment_id": rec["experiment_id"],
        "trial": rec["trial"],
        "status": rec["status"],
        "start_time": rec["start_time"],
        "end_time": rec["end_time"],
        "duration": (end - rec["start_time"]) if end is not None and rec["start_time"] is not None else None,
        "created_time": rec["created_time"],
        "last_modified_time": rec["last_modified_time"],
        "source_type": rec["source_type"],
        "source_name": rec["source_name"],
        "tags": rec["tags"],
        "params": rec["params"],
        "metrics": _metrics_json(rec["metrics"], brief),
    }


class ExperimentService:
    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- experiments ------------------------------------------------------------------------

    def _experiment_rows(self, conn: Connection, where: Any = None) -> list[dict[str, Any]]:
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
            {
                "id": row.id,
                "name": row.name,
                "description": row.description,
                "tags": loads(row.tags, {}),
                "created_time": row.created_time,
                "last_modified_time": row.last_modified_time,
                "run_count": int(row.run_count),
                "in_progress_count": int(row.in_progress),
                "last_run_time": row.last_run_time,
            }
            for row in conn.execute(q)
        ]

    def list_experiments(self) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return self._experiment_rows(conn)

    def get_experiment(self, name: str) -> dict[str, Any]:
        with self.db.read() as conn:
            exp_id = query.experiment_id(conn, name)
            exp = self._experiment_rows(conn, schema.experiments.c.id == exp_id)[0]
            runs_of = select(schema.runs.c.id).where(schema.runs.c.experiment_id == exp_id)
            s, p = schema.run_metric_summaries, schema.run_params
            exp["metric_names"] = sorted(conn.execute(select(s.c.key).distinct().where(s.c.run_id.in_(runs_of))).scalars())
            exp["param_names"] = sorted(conn.execute(select(p.c.key).distinct().where(p.c.run_id.in_(runs_of))).scalars())
        return exp

    def create_experiment(self, name: Any, description: Any = "", tags: Any = None) -> dict[str, Any]:
        name = check_name(name, "name")
        if description is not None and not isinstance(description, str):
            raise Invalid("'description' must be a string.", field="description")
        clean = {k: v for k, v in check_tags(tags).items() if v is not None}

        def body(conn: Connection) -> None:
            e = schema.experiments
            if conn.execute(select(e.c.id).where(e.c.name == name)).first() is not None:
                raise Conflict(f"An experiment named {name!r} already exists.", field="name")
            now = time.time()
            conn.execute(
                e.insert().values(id=new_id(), name=name, description=description or "", tags=dumps(clean), created_time=now, last_modified_time=now)
            )
            events_store.append(conn, "experiment.created", {"name": name})

        self.db.run_write(body)
        return self.get_experiment(name)

    def update_experiment(self, name: str, *, new_name: Any = None, description: Any = None, tags: Any = None) -> dict[str, Any]:
        """Rename, re-describe and/or tag (a null tag value removes the tag)."""
        target = check_name(new_name, "name") if new_name is not None else None
        if description is not None and not isinstance(description, str):
            raise Invalid("'description' must be a string.", field="description")
        changes = check_tags(tags)

        def body(conn: Connection) -> str:
            e = schema.experiments
            exp_id = query.experiment_id(conn, name)
            row = conn.execute(select(e).where(e.c.id == exp_id)).one()
            values: dict[str, Any] = {"last_modified_time": time.time()}
            if target is not None and target != row.name:
                if conn.execute(select(e.c.id).where(e.c.name == target)).first() is not None:
                    raise Conflict(f"An experiment named {target!r} already exists; choose another name.", field="name")
                values["name"] = target
                # jobs remember their experiment by name (ExperimentConfig): keep them pointing here
                conn.execute(update(schema.jobs).where(schema.jobs.c.experiment_name == row.name).values(experiment_name=target))
            if description is not None:
                values["description"] = description
            if changes:
                values["tags"] = dumps(merge_tags(loads(row.tags, {}), changes))
            conn.execute(update(e).where(e.c.id == exp_id).values(**values))
            events_store.append(conn, "experiment.updated", {"id": exp_id, "name": values.get("name", row.name), "old_name": row.name})
            return exp_id

        exp_id = self.db.run_write(body)
        return self.get_experiment(exp_id)

    def delete_experiment(self, name: str, *, skip_running: bool = False) -> dict[str, Any]:
        found: dict[str, str] = {}

        def runs_of(conn: Connection) -> tuple[list[str], str, str]:
            e = schema.experiments
            exp_id = query.experiment_id(conn, name)
            # FOR UPDATE (PostgreSQL): a run being inserted into this experiment waits for us
            exp_name = conn.execute(select(e.c.name).where(e.c.id == exp_id).with_for_update()).scalar_one()
            run_ids = list(conn.execute(select(schema.runs.c.id).where(schema.runs.c.experiment_id == exp_id)).scalars())
            found["name"] = exp_name
            return run_ids, f"Experiment {exp_name!r}", exp_id

        result = self._delete_runs(runs_of, skip_running=skip_running)
        result["experiment"] = found["name"]
        return result

    # -- runs -----------------------------------------------------------------------------------

    def search_runs(
        self,
        *,
        experiment: str | Sequence[str] | None = None,
        filter: str | None = None,
        order_by: str | Sequence[str] | None = None,
        limit: int = 100,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"'limit' must be between 1 and {MAX_LIMIT}, got {limit!r}.", field="limit")
        offset = query.read_token(next_token, experiment, filter, order_by)
        with self.db.read() as conn:
            records = query.search(conn, experiment=experiment, filter=filter, order_by=order_by, limit=limit + 1, offset=offset)
            total = query.count_runs(conn, experiment=experiment, filter=filter)
        more = len(records) > limit
        records = records[:limit]
        return {
            "runs": [run_json(r, brief=True) for r in records],
            "next_token": query.make_token(offset + limit, experiment, filter, order_by) if more else None,
            "total": total,
        }

    def search_records(self, **kwargs: Any) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return query.search(conn, **kwargs)

    def get_run(self, run_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            records = query.search(conn, run_ids=[run_id])
            if not records:
                raise NotFound(f"Run {run_id!r} does not exist.")
            out = run_json(records[0])
            out["artifacts"] = query.artifacts(conn, [run_id]).get(run_id, [])
            j = schema.jobs
            job = conn.execute(select(j.c.name, j.c.status, j.c.secondary_status).where(j.c.run_id == run_id)).first()
        out["metric_names"] = sorted(out["metrics"])
        out["job"] = {"name": job.name, "status": job.status, "secondary_status": job.secondary_status} if job else None
        return out

    def update_run(self, run_id: str, *, name: Any = None, tags: Any = None) -> dict[str, Any]:
        new_name = check_name(name, "name") if name is not None else None
        changes = check_tags(tags)

        def body(conn: Connection) -> None:
            if changes:
                merge_run_tags(conn, run_id, changes)
            if new_name is not None:
                done = conn.execute(update(schema.runs).where(schema.runs.c.id == run_id).values(name=new_name, last_modified_time=time.time()))
                if done.rowcount == 0:
                    raise NotFound(f"Run {run_id!r} does not exist.")
                events_store.append(conn, "run.updated", {"run_id": run_id, "name": new_name})

        self.db.run_write(body)
        return self.get_run(run_id)

    def delete_run(self, run_id: str) -> dict[str, Any]:
        def the_run(conn: Connection) -> tuple[list[str], str, None]:
            if conn.execute(select(schema.runs.c.id).where(schema.runs.c.id == run_id)).first() is None:
                raise NotFound(f"Run {run_id!r} does not exist.")
            return [run_id], f"Run {run_id!r}", None

        return self._delete_runs(the_run, skip_running=False)

    def metric_history(self, run_id: str, name: str, *, max_points: int | None = None, method: str = "minmax") -> dict[str, Any]:
        if max_points is not None and not 2 <= max_points <= MAX_COMPARE_POINTS:
            raise Invalid(f"'max_points' must be between 2 and {MAX_COMPARE_POINTS}, got {max_points}.", field="max_points")
        with self.db.read() as conn:
            count = self._metric_count(conn, run_id, name)
            if max_points is None or count <= max_points:
                steps, values, stamps = raw_series(conn, run_id, name)
                return {"run_id": run_id, "name": name, "count": count, "downsampled": False,
                        "steps": steps.tolist(), "values": to_json_values(values), "timestamps": stamps.tolist()}
            series = read_many(conn, [(run_id, name)], {(run_id, name): count}, max_points, method)
        steps, values, _ = series[(run_id, name)]
        return {"run_id": run_id, "name": name, "count": count, "downsampled": True, "method": method,
                "steps": steps.tolist(), "values": to_json_values(values), "timestamps": None}

    def _metric_count(self, conn: Connection, run_id: str, name: str) -> int:
        s = schema.run_metric_summaries
        rows = dict(conn.execute(select(s.c.key, s.c.count).where(s.c.run_id == run_id)).all())
        if name in rows:
            return int(rows[name])
        if conn.execute(select(schema.runs.c.id).where(schema.runs.c.id == run_id)).first() is None:
            raise NotFound(f"Run {run_id!r} does not exist.")
        known = ", ".join(sorted(rows)) or "none yet"
        raise NotFound(f"Run {run_id!r} has no metric {name!r} (its metrics: {known}).")

    def compare(self, runs: Any, metrics: Any = None, max_points: Any = 1000, method: Any = "minmax") -> dict[str, Any]:
        """Per-run series of the chosen metrics, each downsampled to at most max_points."""
        if not isinstance(runs, list) or not runs or not all(isinstance(r, str) and r for r in runs):
            raise Invalid("'runs' must be a non-empty list of run ids.", field="runs")
        if len(runs) > MAX_COMPARE_RUNS:
            raise Invalid(f"'runs' may name at most {MAX_COMPARE_RUNS} runs, got {len(runs)}.", field="runs")
        if metrics is not None and (not isinstance(metrics, list) or not all(isinstance(m, str) and m for m in metrics)):
            raise Invalid("'metrics' must be a list of metric names (or omitted for all).", field="metrics")
        if isinstance(max_points, bool) or not isinstance(max_points, int) or not 2 <= max_points <= MAX_COMPARE_POINTS:
            raise Invalid(f"'max_points' must be a whole number between 2 and {MAX_COMPARE_POINTS}, got {max_points!r}.", field="max_points")
        if method not in METHODS:
            raise Invalid(f"'method' must be one of {', '.join(METHODS)}, got {method!r}.", field="method")
        unique = list(dict.fromkeys(runs))
        with self.db.read() as conn:
            records = {r["id"]: r for r in query.search(conn, run_ids=unique)}
            missing = [r for r in unique if r not in records]
            if missing:
                raise NotFound(f"Runs not found: {', '.join(missing[:10])}.", field="runs")
            names = list(metrics) if metrics is not None else sorted({k for r in records.values() for k in r["metrics"]})
            counts = {(rid, k): records[rid]["metrics"][k]["count"] for rid in unique for k in names if k in records[rid]["metrics"]}
            pairs = [(rid, k) for rid in unique for k in names if (rid, k) in counts]
            series = read_many(conn, pairs, counts, max_points, method)
        out_series = []
        for rid, key in pairs:
            steps, values, down = series.get((rid, key), (np.array([], dtype=np.int64), np.array([]), False))
            out_series.append({"run_id": rid, "run_name": records[rid]["name"], "metric": key, "count": counts[(rid, key)],
                               "downsampled": down, "steps": steps.tolist(), "values": to_json_values(values)})
        return {"max_points": max_points, "method": method, "metrics": names,
                "runs": [run_json(records[r]) for r in unique], "series": out_series}

    # -- export -------------------------------------------------------------------------------------

    def export_csv(self, *, experiment: Any = None, filter: str | None = None, order_by: str | None = None) -> str:
        records = self.search_records(experiment=experiment, filter=filter, order_by=order_by)
        return records_to_csv(records)

    # -- deletion ----------------------------------------------------------------------------------

    def _delete_runs(
        self, select_runs: Callable[[Connection], tuple[list[str], str, str | None]], *, skip_running: bool
    ) -> dict[str, Any]:
        """Delete the runs select_runs(conn) names (and its experiment, when it names one).

        Choosing the runs, checking for running jobs and deleting happen in ONE write
        transaction: a job submitted meanwhile either commits first (its run is seen, and
        the delete refuses) or after (its run lands in an experiment the delete left or
        re-created), never in between, where deleting the experiment would cascade to it.
        """
        j = schema.jobs

        def body(conn: Connection) -> tuple[list[str], list[str], int, bool, dict[str, Any]]:
            run_ids, what, experiment_id = select_runs(conn)
            running_jobs = dict(conn.execute(select(j.c.name, j.c.run_id).where(j.c.status.in_(RUNNING_JOB_STATUSES))).all())
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
                uris.extend(conn.execute(select(a.c.uri).where(a.c.run_id.in_(chunk))).scalars())
                for table in (schema.run_params, schema.run_metric_summaries, schema.run_artifacts):
                    conn.execute(delete(table).where(table.c.run_id.in_(chunk)))
                conn.execute(delete(schema.runs).where(schema.runs.c.id.in_(chunk)))
            delete_run_data(conn, doomed)
            experiment_deleted = False
            if experiment_id is not None and not blocked:
                conn.execute(delete(schema.trials).where(schema.trials.c.experiment_id == experiment_id))
                conn.execute(delete(schema.experiments).where(schema.experiments.c.id == experiment_id))
                experiment_deleted = True
                events_store.append(conn, "experiment.deleted", {"id": experiment_id})
            if doomed:
                events_store.append(conn, "run.deleted", {"run_ids": doomed[:1000], "count": len(doomed)})
            return doomed, uris, len(blocked), experiment_deleted, running_jobs

        doomed, uris, blocked_count, experiment_deleted, running_jobs = self.db.run_write(body)
        removed = self._remove_files(doomed, uris, running_jobs)
        return {"deleted_runs": len(doomed), "skipped_running_runs": blocked_count, "experiment_deleted": experiment_deleted,
                "deleted_files": removed}

    def _remove_files(self, run_ids: list[str], uris: list[str], running_jobs: Mapping[str, Any]) -> int:
        """Delete stored artifacts of deleted runs: only inside the store, never a running job's, never a served model."""
        from ..artifacts import ArtifactStore

        store = ArtifactStore(self.settings.artifact_uri)
        with self.db.read() as conn:
            served = set(conn.execute(select(schema.endpoint_variants.c.model_data)).scalars())
        protected_keys = [f"jobs/{name}" for name in running_jobs]
        protected_dirs = [(self.settings.jobs_dir / name).resolve() for name in running_jobs]
        removed = 0
        for rid in run_ids:
            store.delete_prefix(f"runs/{rid}")
        for uri in set(uris):
            if uri in served:
                continue
            key = _key_in_store(store, uri)
            if key is None or key in ("", "."):
                continue
            if any(key == p or key.startswith(p + "/") for p in protected_keys):
                continue
            if store.local and any(_under((store.root / key).resolve(), d) for d in protected_dirs):
                continue
            store.delete_prefix(key)
            removed += 1
        return removed


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _key_in_store(store: Any, uri: str) -> str | None:
    if store.local:
        if "://" in uri and not uri.startswith("file://"):
            return None
        path = Path(uri[len("file://"):] if uri.startswith("file://") else uri)
        try:
            return path.resolve().relative_to(store.root.resolve()).as_posix()
        except ValueError:
            return None
    prefix = store.root_uri + "/"
    return uri[len(prefix):] if uri.startswith(prefix) else None


def _chunks(items: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _iso(ts: float | None) -> str:
    return "" if ts is None else _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat()


def _csv_number(v: float) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return json_number(v)
    return v


def records_to_csv(records: list[dict[str, Any]]) -> str:
    """One row per run: attributes, params.*, metrics.* (last, min, max), tags.*."""
    params = sorted({k for r in records for k in r["params"]})
    metrics = sorted({k for r in records for k in r["metrics"]})
    tags = sorted({k for r in records for k in r["tags"]})
    header = ["id", "name", "experiment", "trial", "status", "start_time", "end_time", "duration", "source_type", "source_name"]
    header += [f"params.{p}" for p in params]
    for m in metrics:
        header += [f"metrics.{m}", f"metrics.{m}.min", f"metrics.{m}.max"]
    header += [f"tags.{t}" for t in tags]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in records:
        duration = r["end_time"] - r["start_time"] if r["end_time"] is not None and r["start_time"] is not None else ""
        row = [r["id"], r["name"], r["experiment"], r["trial"] or "", r["status"], _iso(r["start_time"]), _iso(r["end_time"]),
               duration, r["source_type"] or "", r["source_name"] or ""]
        row += [r["params"].get(p, "") for p in params]
        for m in metrics:
            s = r["metrics"].get(m)
            row += [_csv_number(s["last"]), _csv_number(s["min"]), _csv_number(s["max"])] if s else ["", "", ""]
        row += [r["tags"].get(t, "") for t in tags]
        writer.writerow(row)
    return buf.getvalue()


__all__ = ["ExperimentService", "merge_run_tags", "run_json", "records_to_csv", "run_metric_buckets"]
