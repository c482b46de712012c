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
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..artifacts import ArtifactStore
from ..config import Settings
from ..errors import Invalid, NotFound, Problems
from ..shapes.common import check_tag_limits
from ..shapes.text import check_text, text_problem
from ..status import JobStatus
from ..store import Database
from ..store import experiments as experiments_store
from ..store import runs as runs_store
from ..store import search as search_store
from ..store import series as series_store
from ..store.entities import Artifact, Experiment, JobOfRun, MetricSummary, Run, RunDeletion, RunImport
from ..store.runs import merge_run_tags
from ..store.util import json_number
from . import query
from .series import METHODS, read_many, to_json_values

MAX_LIMIT = 10_000
MAX_COMPARE_RUNS = 500
MAX_COMPARE_POINTS = 100_000
# A metric's history is answered a page at a time: 10,000 points are about 0.4 MB of JSON, a
# few milliseconds to read and encode, so a 200,000-point history never holds the server (or the
# interpreter lock its other requests need) for seconds.
HISTORY_PAGE_POINTS = 10_000
MAX_HISTORY_PAGE_POINTS = 100_000
# The most points one comparison answers, all series together: a chart of 500 runs with every
# metric at max_points each would otherwise be hundreds of megabytes. Past it each series gets
# an equal share (the answer's max_points says how many).
MAX_COMPARE_TOTAL_POINTS = 1_000_000


def check_name(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"'{field}' must be a non-empty string.", field=field)
    if len(value) > 255:
        raise Invalid(f"'{field}' must be at most 255 characters, got {len(value)}.", field=field)
    if "/" in value:
        raise Invalid(f"'{field}' must not contain '/': {value!r}.", field=field)
    check_text(value, field)
    return value.strip()


def check_description(value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise Invalid("'description' must be a string.", field="description")
    if value:
        check_text(value, "description")


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
        check_text(k, field, f"the tag name {k!r}")
        out[k] = None if v is None else str(v)
        if out[k] is not None:
            check_text(str(v), f"{field}.{k}", f"tag {k!r}")
    check_tag_limits(out, field)
    return out


def summary_json(m: MetricSummary, brief: bool = False) -> dict[str, Any]:
    """A metric summary as JSON: last/min/max/count/last_step, plus avg/std/last_timestamp unless brief."""
    if brief:
        return {"last": json_number(m.last), "min": json_number(m.min), "max": json_number(m.max), "count": m.count,
                "last_step": m.last_step}
    return {"last": json_number(m.last), "min": json_number(m.min), "max": json_number(m.max), "avg": json_number(m.avg),
            "std": json_number(m.std), "count": m.count, "last_step": m.last_step, "last_timestamp": json_number(m.last_timestamp)}


def run_json(run: Run, brief: bool = False) -> dict[str, Any]:
    """A run as JSON; `brief` (run listings) keeps last/min/max/count/last_step of each metric,
    the detail, compare and analytics carry avg, std and last_timestamp as well."""
    end = run.end_time if run.end_time is not None else (time.time() if run.status == JobStatus.IN_PROGRESS else None)
    return {
        "id": run.id,
        "name": run.name,
        "experiment": run.experiment,
        "experiment_id": run.experiment_id,
        "trial": run.trial,
        "status": run.status,
        "start_time": run.start_time,
        "end_time": run.end_time,
        "duration": (end - run.start_time) if end is not None and run.start_time is not None else None,
        "created_time": run.created_time,
        "last_modified_time": run.last_modified_time,
        "source_type": run.source_type,
        "source_name": run.source_name,
        "tags": run.tags,
        "params": run.params,
        "metrics": {k: summary_json(m, brief) for k, m in run.metrics.items()},
    }


def experiment_json(exp: Experiment) -> dict[str, Any]:
    """An experiment as JSON; metric_names and param_names only when the entity carries them."""
    out: dict[str, Any] = {
        "id": exp.id,
        "name": exp.name,
        "description": exp.description,
        "tags": exp.tags,
        "created_time": exp.created_time,
        "last_modified_time": exp.last_modified_time,
        "run_count": exp.run_count,
        "in_progress_count": exp.in_progress_count,
        "last_run_time": exp.last_run_time,
    }
    if exp.metric_names is not None:
        out["metric_names"] = list(exp.metric_names)
    if exp.param_names is not None:
        out["param_names"] = list(exp.param_names)
    return out


def artifact_json(a: Artifact) -> dict[str, Any]:
    return {"name": a.name, "uri": a.uri, "is_output": a.is_output, "media_type": a.media_type, "created_time": a.created_time}


def job_json(job: JobOfRun | None) -> dict[str, Any] | None:
    if job is None:
        return None
    return {"name": job.name, "kind": job.kind, "status": job.status, "secondary_status": job.secondary_status}


class ExperimentService:
    """Experiments and runs as JSON-ready dicts; every read and write is a `store` function.

    Errors: `NotFound` (HTTP 404) for an unknown experiment, run or metric; `Conflict` (409)
    for a taken name or runs of jobs still running; `Invalid` (400, naming the field) for bad
    input, malformed filters included."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db

    # -- experiments ------------------------------------------------------------------------

    def list_experiments(self) -> list[dict[str, Any]]:
        """Every experiment with run counts, most recently active first. Raises nothing of its own."""
        with self.db.read() as conn:
            found = experiments_store.list_experiments(conn)
        return [experiment_json(e) for e in found]

    def get_experiment(self, name: str) -> dict[str, Any]:
        """One experiment (by name or id) with its runs' metric and parameter names.

        Raises NotFound when no experiment has this name or id."""
        with self.db.read() as conn:
            return experiment_json(experiments_store.get_experiment(conn, name))

    def create_experiment(self, name: Any, description: Any = "", tags: Any = None) -> dict[str, Any]:
        """Create an empty experiment.

        Raises Invalid (field `name`, `description` or `tags`) for a bad value, Conflict when
        an experiment of this name exists."""
        name = check_name(name, "name")
        check_description(description)
        clean = {k: v for k, v in check_tags(tags).items() if v is not None}
        self.db.run_write(experiments_store.create_experiment, name, description or "", clean)
        return self.get_experiment(name)

    def update_experiment(self, name: str, *, new_name: Any = None, description: Any = None, tags: Any = None) -> dict[str, Any]:
        """Rename, re-describe and/or tag (a null tag value removes the tag); training jobs
        that name the experiment follow a rename.

        Raises Invalid for a bad value, NotFound for an unknown experiment, Conflict when the
        new name is taken."""
        target = check_name(new_name, "name") if new_name is not None else None
        check_description(description)
        changes = check_tags(tags)
        exp_id = self.db.run_write(
            lambda conn: experiments_store.update_experiment(conn, name, new_name=target, description=description, tag_changes=changes)
        )
        return self.get_experiment(exp_id)

    def delete_experiment(self, name: str, *, skip_running: bool = False) -> dict[str, Any]:
        """Delete an experiment, its runs and their stored artifacts.

        Raises NotFound for an unknown experiment, Conflict when some of its runs belong to
        training jobs still running (unless `skip_running`, which keeps those runs and the
        experiment)."""
        found: dict[str, str] = {}

        def runs_of(conn: Any) -> tuple[list[str], str, str]:
            exp_id, exp_name, run_ids = experiments_store.lock_experiment_runs(conn, name)
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
        """A page of runs (brief metric summaries), the total and the token of the next page.

        Raises Invalid for a bad limit, filter, order_by or next_token (FilterError names the
        position), NotFound for an unknown experiment."""
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise Invalid(f"'limit' must be between 1 and {MAX_LIMIT}, got {limit!r}.", field="limit")
        offset = query.read_token(next_token, experiment, filter, order_by)
        with self.db.read() as conn:
            records = search_store.search_runs(conn, experiment=experiment, filter=filter, order_by=order_by, limit=limit + 1, offset=offset)
            total = search_store.count_runs(conn, experiment=experiment, filter=filter)
        more = len(records) > limit
        records = records[:limit]
        return {
            "runs": [run_json(r, brief=True) for r in records],
            "next_token": query.make_token(offset + limit, experiment, filter, order_by) if more else None,
            "total": total,
        }

    def import_runs(self, experiment: Any, runs: Sequence[RunImport | Mapping[str, Any]]) -> list[str]:
        """Bring in many finished runs at once (a sweep run elsewhere, a benchmark's seed): the
        bulk ingestion path, one transaction of a few multi-row statements (`store.runs.import_runs`).

        Each run is a `RunImport` or a dict of its fields: `name`, `status` (Completed by
        default), `start_time`, `end_time`, `params` and `metrics` (name -> values at steps
        0, 1, 2...). Returns the new runs' ids. Raises Invalid naming the run and field (every
        faulty run at once, up to ten)."""
        name = check_name(experiment, "experiment")
        problems = Problems()
        items: list[RunImport] = []
        for i, raw in enumerate(runs):
            item = problems.check(_run_import, raw, f"runs[{i}]")
            if item is not None:
                items.append(item)
            if len(problems.found) >= 10:
                break
        problems.raise_any()
        return self.db.run_write(lambda conn: runs_store.import_runs(conn, name, items))

    def search_records(self, **kwargs: Any) -> list[Run]:
        """Run entities for in-process callers (plots, CLI, CSV); arguments of `store.search.search_runs`.

        Raises Invalid for a malformed filter, NotFound for an unknown experiment."""
        with self.db.read() as conn:
            return search_store.search_runs(conn, **kwargs)

    def get_run(self, run_id: str) -> dict[str, Any]:
        """A run with full metric summaries, artifacts and its training job. Raises NotFound."""
        with self.db.read() as conn:
            run = runs_store.get_run(conn, run_id)
            out = run_json(run)
            out["artifacts"] = [artifact_json(a) for a in search_store.artifacts(conn, [run_id]).get(run_id, [])]
            job = runs_store.job_of_run(conn, run_id)
        out["metric_names"] = sorted(out["metrics"])
        out["job"] = job_json(job)
        return out

    def update_run(self, run_id: str, *, name: Any = None, tags: Any = None) -> dict[str, Any]:
        """Rename and/or tag a run (a null tag value removes the tag).

        Raises Invalid for a bad name or tags, NotFound for an unknown run."""
        new_name = check_name(name, "name") if name is not None else None
        changes = check_tags(tags)

        def body(conn: Any) -> None:
            if changes:
                merge_run_tags(conn, run_id, changes)
            if new_name is not None:
                runs_store.rename_run(conn, run_id, new_name)

        self.db.run_write(body)
        return self.get_run(run_id)

    def delete_run(self, run_id: str) -> dict[str, Any]:
        """Delete a run and its stored artifacts.

        Raises NotFound for an unknown run, Conflict when it belongs to a training job still running."""
        def the_run(conn: Any) -> tuple[list[str], str, None]:
            if not runs_store.run_exists(conn, run_id):
                raise NotFound(f"Run {run_id!r} does not exist.")
            return [run_id], f"Run {run_id!r}", None

        return self._delete_runs(the_run, skip_running=False)

    def metric_history(
        self,
        run_id: str,
        name: str,
        *,
        max_points: int | None = None,
        method: str = "minmax",
        limit: int = HISTORY_PAGE_POINTS,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """One metric's points: a page of at most `limit` in step order (follow `next_token`
        until it is null), or with `max_points` the whole series downsampled to at most that.

        Raises Invalid for a bad max_points, method, limit or next_token, NotFound for an
        unknown run or metric (naming the run's metrics)."""
        if max_points is not None and not 2 <= max_points <= MAX_COMPARE_POINTS:
            raise Invalid(f"'max_points' must be between 2 and {MAX_COMPARE_POINTS}, got {max_points}.", field="max_points")
        if not 1 <= limit <= MAX_HISTORY_PAGE_POINTS:
            raise Invalid(f"'limit' must be between 1 and {MAX_HISTORY_PAGE_POINTS}, got {limit}.", field="limit")
        if max_points is not None and next_token:
            raise Invalid("'next_token' pages the raw history; leave out max_points to follow it.", field="next_token")
        after = query.read_series_token(next_token, run_id, name)
        with self.db.read() as conn:
            count = series_store.metric_count(conn, run_id, name)
            if max_points is None:
                steps, values, stamps, ids = series_store.raw_series_page(conn, run_id, name, after, limit + 1)
                more = len(steps) > limit
                steps, values, stamps = steps[:limit], values[:limit], stamps[:limit]
                token = query.make_series_token((int(steps[-1]), int(ids[limit - 1])), run_id, name) if more else None
                return {"run_id": run_id, "name": name, "count": count, "downsampled": False,
                        "steps": steps.tolist(), "values": to_json_values(values), "timestamps": stamps.tolist(), "next_token": token}
            if count <= max_points:
                steps, values, stamps = series_store.raw_series(conn, run_id, name)
                return {"run_id": run_id, "name": name, "count": count, "downsampled": False,
                        "steps": steps.tolist(), "values": to_json_values(values), "timestamps": stamps.tolist(), "next_token": None}
            series = read_many(conn, [(run_id, name)], {(run_id, name): count}, max_points, method)
        steps, values, _ = series[(run_id, name)]
        return {"run_id": run_id, "name": name, "count": count, "downsampled": True, "method": method,
                "steps": steps.tolist(), "values": to_json_values(values), "timestamps": None, "next_token": None}

    def compare(
        self,
        runs: Any = None,
        metrics: Any = None,
        max_points: Any = 1000,
        method: Any = "minmax",
        *,
        experiments: Any = None,
        exclude: Any = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> dict[str, Any]:
        """Per-run series of the chosen metrics, each downsampled to at most max_points.

        The runs compared are `runs` (ids, in their order) then every run of `experiments`
        (newest first), less `exclude`: any number of them, answered `limit` runs at a time
        (all at once when None) with `next_token` for the next page and `total` in all.

        Raises Invalid (field `runs`, `experiments`, `metrics`, `max_points`, `method`, `limit`
        or `next_token`) for bad input, NotFound (field `runs` or `experiments`) naming runs or
        experiments that do not exist."""
        problems = Problems()
        if runs is not None and (not isinstance(runs, list) or not all(isinstance(r, str) and r for r in runs)):
            problems.add(Invalid("'runs' must be a list of run ids.", field="runs"))
        if experiments is not None and (not isinstance(experiments, list) or not all(isinstance(e, str) and e for e in experiments)):
            problems.add(Invalid("'experiments' must be a list of experiment names or ids.", field="experiments"))
        if exclude is not None and (not isinstance(exclude, list) or not all(isinstance(r, str) for r in exclude)):
            problems.add(Invalid("'exclude' must be a list of run ids.", field="exclude"))
        if not problems and not runs and not experiments:
            problems.add(Invalid("Name the runs to compare: 'runs' (run ids) and/or 'experiments' (all their runs).", field="runs"))
        if metrics is not None and (not isinstance(metrics, list) or not all(isinstance(m, str) and m for m in metrics)):
            problems.add(Invalid("'metrics' must be a list of metric names (or omitted for all).", field="metrics"))
        for field, values in (("runs", runs), ("experiments", experiments), ("exclude", exclude), ("metrics", metrics)):
            listed = values if isinstance(values, list) else []
            bad = next((i for i, v in enumerate(listed) if isinstance(v, str) and text_problem(v)), None)
            if bad is not None:  # text no store can hold (a NUL, a lone surrogate): the first one said
                problems.check(check_text, listed[bad], field, f"'{field}[{bad}]'")
        if isinstance(max_points, bool) or not isinstance(max_points, int) or not 2 <= max_points <= MAX_COMPARE_POINTS:
            problems.add(Invalid(f"'max_points' must be a whole number between 2 and {MAX_COMPARE_POINTS}, got {max_points!r}.", field="max_points"))
        if method not in METHODS:
            problems.add(Invalid(f"'method' must be one of {', '.join(METHODS)}, got {method!r}.", field="method"))
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_COMPARE_RUNS):
            problems.add(Invalid(f"'limit' must be a whole number between 1 and {MAX_COMPARE_RUNS}, got {limit!r}.", field="limit"))
        problems.raise_any()
        given = list(dict.fromkeys(runs or []))
        wanted = sorted(dict.fromkeys(experiments or []))
        skipped = set(exclude or [])
        offset = query.read_token(next_token, "compare", given, wanted, sorted(skipped))
        with self.db.read() as conn:
            if offset == 0 and given:
                known = search_store.existing_run_ids(conn, given)
                missing = [r for r in given if r not in known]
                if missing:
                    raise NotFound(f"Runs not found: {', '.join(missing[:10])}.", field="runs")
            if given or skipped:
                selected = [r for r in given if r not in skipped]
                if wanted:
                    chosen = set(selected)
                    selected += [r for r in search_store.run_ids_of(conn, wanted) if r not in chosen and r not in skipped]
                total = len(selected)
                page = selected[offset : offset + limit] if limit is not None else selected[offset:]
            else:  # whole experiments: the store pages them (no list of every id per page)
                total = search_store.count_runs(conn, experiment=wanted)
                page = search_store.run_ids_of(conn, wanted, offset=offset, limit=limit)
            # runs deleted since an earlier page are left out
            records = {r.id: r for r in search_store.search_runs(conn, run_ids=page)} if page else {}
            unique = [r for r in page if r in records]
            names = list(metrics) if metrics is not None else sorted({k for r in records.values() for k in r.metrics})
            counts = {(rid, k): records[rid].metrics[k].count for rid in unique for k in names if k in records[rid].metrics}
            pairs = [(rid, k) for rid in unique for k in names if (rid, k) in counts]
            max_points = max(2, min(max_points, MAX_COMPARE_TOTAL_POINTS // max(1, len(pairs))))
            series = read_many(conn, pairs, counts, max_points, method)
        out_series = []
        for rid, key in pairs:
            steps, values, down = series.get((rid, key), (np.array([], dtype=np.int64), np.array([]), False))
            out_series.append({"run_id": rid, "run_name": records[rid].name, "metric": key, "count": counts[(rid, key)],
                               "downsampled": down, "steps": steps.tolist(), "values": to_json_values(values)})
        end = offset + len(page)
        more = limit is not None and end < total
        return {"max_points": max_points, "method": method, "metrics": names,
                "runs": [run_json(records[r]) for r in unique], "series": out_series, "total": total,
                "next_token": query.make_token(end, "compare", given, wanted, sorted(skipped)) if more else None}

    # -- export -------------------------------------------------------------------------------------

    def export_csv(self, *, experiment: Any = None, filter: str | None = None, order_by: str | None = None) -> str:
        """The matching runs as CSV. Raises Invalid for a malformed filter, NotFound for an unknown experiment."""
        records = self.search_records(experiment=experiment, filter=filter, order_by=order_by)
        return records_to_csv(records)

    # -- deletion ----------------------------------------------------------------------------------

    def _delete_runs(self, select_runs: Callable[[Any], tuple[list[str], str, str | None]], *, skip_running: bool) -> dict[str, Any]:
        """Delete the runs select_runs(conn) names (and its experiment, when it names one).

        Choosing the runs, checking for running jobs and deleting happen in ONE write
        transaction (see `store.experiments.delete_runs`); files go after the commit."""

        def body(conn: Any) -> RunDeletion:
            run_ids, what, experiment_id = select_runs(conn)
            return experiments_store.delete_runs(conn, run_ids, what=what, experiment_id=experiment_id, skip_running=skip_running)

        done: RunDeletion = self.db.run_write(body)
        removed = self._remove_files(list(done.deleted_run_ids), list(done.artifact_uris), done.running_jobs)
        return {"deleted_runs": len(done.deleted_run_ids), "skipped_running_runs": done.skipped_running_runs,
                "experiment_deleted": done.experiment_deleted, "deleted_files": removed}

    def _remove_files(self, run_ids: list[str], uris: list[str], running_jobs: Mapping[str, Any]) -> int:
        """Delete stored output artifacts of deleted runs (`uris`: outputs only, inputs are never
        the run's own): only inside the store, never a running job's, never a served model."""
        store = ArtifactStore(self.settings.artifact_uri)
        with self.db.read() as conn:
            served = experiments_store.served_model_uris(conn)
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


_RUN_STATUSES: tuple[str, ...] = tuple(s.value for s in JobStatus if s is not JobStatus.STOPPING)  # the words a run is stored with (never Stopping)


def _run_import(raw: RunImport | Mapping[str, Any], where: str) -> RunImport:
    """One run of an import, checked (Invalid naming `runs[i].field`)."""
    if isinstance(raw, Mapping):
        unknown = set(raw) - set(RunImport.__dataclass_fields__)
        if unknown:
            raise Invalid(f"Unknown field '{where}.{sorted(unknown)[0]}'; a run has {', '.join(RunImport.__dataclass_fields__)}.",
                          field=f"{where}.{sorted(unknown)[0]}")
        item = RunImport(**raw)
    elif isinstance(raw, RunImport):
        item = raw
    else:
        raise Invalid(f"'{where}' must be an object with a name (and status, params, metrics).", field=where)
    check_name(item.name, f"{where}.name")
    if item.status not in _RUN_STATUSES:
        raise Invalid(f"'{where}.status' must be one of {', '.join(_RUN_STATUSES)}, got {item.status!r}.", field=f"{where}.status")
    for key in ("start_time", "end_time"):
        value = getattr(item, key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)):
            raise Invalid(f"'{where}.{key}' must be epoch seconds, got {value!r}.", field=f"{where}.{key}")
    if not isinstance(item.params, Mapping) or not all(isinstance(k, str) and k for k in item.params):
        raise Invalid(f"'{where}.params' must be an object of parameter name to value.", field=f"{where}.params")
    if not isinstance(item.metrics, Mapping) or not all(isinstance(k, str) and k for k in item.metrics):
        raise Invalid(f"'{where}.metrics' must be an object of metric name to a list of values.", field=f"{where}.metrics")
    for key, values in item.metrics.items():
        try:
            if isinstance(values, (str, bytes, Mapping)):
                raise TypeError
            np.asarray(values, dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise Invalid(f"'{where}.metrics.{key}' must be a list of numbers (the values at steps 0, 1, 2...).", field=f"{where}.metrics") from None
    return item


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


def _iso(ts: float | None) -> str:
    return "" if ts is None else _dt.datetime.fromtimestamp(ts, _dt.timezone.utc).isoformat()


def _csv_number(v: float) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return json_number(v)
    return v


def records_to_csv(records: Sequence[Run]) -> str:
    """One row per run: attributes, params.*, metrics.* (last, min, max), tags.*."""
    params = sorted({k for r in records for k in r.params})
    metrics = sorted({k for r in records for k in r.metrics})
    tags = sorted({k for r in records for k in r.tags})
    header = ["id", "name", "experiment", "trial", "status", "start_time", "end_time", "duration", "source_type", "source_name"]
    header += [f"params.{p}" for p in params]
    for m in metrics:
        header += [f"metrics.{m}", f"metrics.{m}.min", f"metrics.{m}.max"]
    header += [f"tags.{t}" for t in tags]
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for r in records:
        duration = r.end_time - r.start_time if r.end_time is not None and r.start_time is not None else ""
        row = [r.id, r.name, r.experiment, r.trial or "", r.status, _iso(r.start_time), _iso(r.end_time),
               duration, r.source_type or "", r.source_name or ""]
        row += [r.params.get(p, "") for p in params]
        for m in metrics:
            s = r.metrics.get(m)
            row += [_csv_number(s.last), _csv_number(s.min), _csv_number(s.max)] if s else ["", "", ""]
        row += [r.tags.get(t, "") for t in tags]
        writer.writerow(row)
    return buf.getvalue()


__all__ = ["ExperimentService", "merge_run_tags", "run_json", "experiment_json", "records_to_csv"]
