"""The tracking store functions (experiments, runs, search, series) over SQLite and PostgreSQL,
the entities they return, and the rule that only `store/` speaks SQL."""
from __future__ import annotations

import ast
import dataclasses
import math
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

import labstudio
from labstudio.errors import Conflict, Invalid, NotFound
from labstudio.store import Database
from labstudio.store import endpoints as endpoints_store
from labstudio.store import experiments as experiments_store
from labstudio.store import jobs as jobs_store
from labstudio.store import runs as runs_store
from labstudio.store import search as search_store
from labstudio.store import series as series_store
from labstudio.store.entities import Artifact, Experiment, MetricSummary, Run, RunDeletion, RunRef


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'store.db'}")
        yield database
        database.dispose()
        return
    base = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    database = Database(base.rsplit("/", 1)[0] + f"/{name}")
    yield database
    database.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _run(conn, experiment: str, name: str, *, params=None, points=(), trial=None, tags=None) -> str:  # type: ignore[no-untyped-def]
    run_id = runs_store.create_run(conn, experiment_name=experiment, name=name, trial_name=trial, tags=tags, start_time=100.0)
    runs_store.write_chunk(conn, run_id, experiment, list(points), None, params or {})
    return run_id


def _job(name: str, run_id: str | None, experiment: str, status: str = "InProgress") -> dict:
    return {
        "name": name, "run_id": run_id, "backend": "local", "status": status, "secondary_status": "Training",
        "status_message": "", "failure_reason": None, "spec": {"entry_point": "t.py"}, "job_dir": f"/x/{name}",
        "experiment_name": experiment, "creation_time": 1000.0,
    }


def test_experiments_create_list_get_and_conflict(db: Database) -> None:
    with db.write() as conn:
        experiments_store.create_experiment(conn, "exp-a", "first", {"team": "vision"})
        a = _run(conn, "exp-a", "r1", params={"lr": 0.1}, points=[("loss", 1.0, None, 1.0)])
    with pytest.raises(Conflict) as info:
        db.run_write(experiments_store.create_experiment, "exp-a", "", {})
    assert info.value.field == "name"
    with db.read() as conn:
        listed = experiments_store.list_experiments(conn)
        got = experiments_store.get_experiment(conn, "exp-a")
        by_id = experiments_store.get_experiment(conn, got.id)
        with pytest.raises(NotFound):
            experiments_store.get_experiment(conn, "nope")
    assert [e.name for e in listed] == ["exp-a"] and listed[0].metric_names is None
    assert isinstance(got, Experiment) and got == by_id
    assert (got.description, got.tags, got.run_count, got.in_progress_count) == ("first", {"team": "vision"}, 1, 1)
    assert got.metric_names == ("loss",) and got.param_names == ("lr",)
    with db.read() as conn:
        assert runs_store.run_exists(conn, a) and not runs_store.run_exists(conn, "0" * 32)


def test_rename_moves_jobs_and_tags_merge(db: Database) -> None:
    with db.write() as conn:
        experiments_store.create_experiment(conn, "old", "", {"keep": "1", "drop": "2"})
        experiments_store.create_experiment(conn, "taken", "", {})
        jobs_store.insert_job(conn, _job("job-1", None, "old", status="Completed"))
        jobs_store.insert_job(conn, _job("job-2", None, "elsewhere", status="Completed"))
    with pytest.raises(Conflict):
        db.run_write(lambda conn: experiments_store.update_experiment(conn, "old", new_name="taken"))
    exp_id = db.run_write(
        lambda conn: experiments_store.update_experiment(conn, "old", new_name="new", description="d", tag_changes={"drop": None, "add": "3"})
    )
    with db.read() as conn:
        got = experiments_store.get_experiment(conn, "new")
        assert got.id == exp_id and got.description == "d" and got.tags == {"keep": "1", "add": "3"}
        assert jobs_store.get_job(conn, "job-1").experiment_name == "new"
        assert jobs_store.get_job(conn, "job-2").experiment_name == "elsewhere"
        with pytest.raises(NotFound):
            experiments_store.get_experiment(conn, "old")


def test_search_filters_orders_and_reads_details(db: Database) -> None:
    with db.write() as conn:
        a = _run(conn, "sweep", "a", params={"lr": 0.1, "opt": "adam"}, trial="t1", tags={"team": "vision"},
                 points=[("acc", 0.5, None, 1.0), ("acc", 0.7, None, 2.0), ("loss", math.nan, None, 2.0)])
        b = _run(conn, "sweep", "b", params={"lr": 0.01, "opt": "sgd"}, points=[("acc", 0.9, None, 1.0)])
        _run(conn, "other", "c", params={"lr": 1}, points=[("acc", 0.1, None, 1.0)])
        runs_store.add_artifact(conn, a, "model", "file:///m", is_output=True, media_type="x/y")
    with db.read() as conn:
        found = search_store.search_runs(conn, experiment="sweep", filter="params.lr < 0.05 or tags.team = 'vision'",
                                         order_by="metrics.acc desc")
        brief = search_store.search_runs(conn, filter="params.opt = 'adam'", full=False)
        total = search_store.count_runs(conn, filter="metrics.acc > 0.2")
        paged = search_store.search_runs(conn, order_by="name", limit=1, offset=1)
        arts = search_store.artifacts(conn, [a, b])
        with pytest.raises(Invalid) as info:
            search_store.search_runs(conn, filter="metrics.acc like 'x'")
        with pytest.raises(NotFound):
            search_store.search_runs(conn, experiment="missing")
    assert [r.id for r in found] == [b, a]
    run = found[1]
    assert isinstance(run, Run) and run.trial == "t1" and run.experiment == "sweep" and run.tags == {"team": "vision"}
    assert run.params == {"lr": "0.1", "opt": "adam"}
    acc = run.metrics["acc"]
    assert isinstance(acc, MetricSummary)
    assert (acc.count, acc.min, acc.max, acc.last, acc.last_step) == (2, 0.5, 0.7, 0.7, 1)
    assert acc.avg == pytest.approx(0.6) and acc.std == pytest.approx(math.sqrt(0.02))
    assert math.isnan(run.metrics["loss"].last) and math.isnan(run.last_metrics["loss"]) and run.last_metrics["acc"] == 0.7
    # searches build entities without __init__ (speed): they equal, and are as frozen as, constructed ones
    assert run == Run(**{f.name: getattr(run, f.name) for f in dataclasses.fields(Run)})
    assert acc == MetricSummary(**{f.name: getattr(acc, f.name) for f in dataclasses.fields(MetricSummary)})
    for entity, attr in ((run, "status"), (acc, "last")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(entity, attr, "changed")
    assert brief[0].id == a and brief[0].metrics == {} and brief[0].last_metrics["acc"] == 0.7
    assert total == 2 and [r.name for r in paged] == ["b"]
    assert arts == {a: [Artifact(run_id=a, name="model", uri="file:///m", is_output=True, media_type="x/y",
                                  created_time=arts[a][0].created_time)]}
    assert info.value.field == "filter"


def test_one_run_reads_and_edits(db: Database) -> None:
    with db.write() as conn:
        rid = _run(conn, "e", "r", trial="t", tags={"a": "1"})
        jobs_store.insert_job(conn, _job("job-r", rid, "e"))
    with db.read() as conn:
        assert runs_store.run_ref(conn, rid) == RunRef(id=rid, name="r", experiment="e", trial="t")
        assert runs_store.run_ref(conn, "0" * 32) is None
        assert runs_store.find_run_id(conn, "e", "r") == rid and runs_store.find_run_id(conn, "e", "zzz") is None
        assert runs_store.get_run(conn, rid).name == "r"
        job = runs_store.job_of_run(conn, rid)
        assert (job.name, job.status) == ("job-r", "InProgress")
        with pytest.raises(NotFound):
            runs_store.get_run(conn, "0" * 32)
    assert db.run_write(runs_store.merge_run_tags, rid, {"a": None, "b": "2"}) == {"b": "2"}
    db.run_write(runs_store.rename_run, rid, "renamed")
    with pytest.raises(NotFound):
        db.run_write(runs_store.rename_run, "0" * 32, "x")
    with pytest.raises(NotFound):
        db.run_write(runs_store.merge_run_tags, "0" * 32, {"a": "1"})
    with db.read() as conn:
        got = runs_store.get_run(conn, rid)
    assert (got.name, got.tags) == ("renamed", {"b": "2"})


def test_series_reads(db: Database) -> None:
    points = [("loss", float(i), None, float(i)) for i in range(100)] + [("loss", math.nan, None, 100.0)]
    with db.write() as conn:
        rid = _run(conn, "e", "r", points=points)
    with db.read() as conn:
        steps, values, stamps = series_store.raw_series(conn, rid, "loss")
        buckets = series_store.bucket_rows(conn, 5, [(rid, "loss"), (rid, "none")])
        assert series_store.metric_count(conn, rid, "loss") == 101
        assert series_store.metric_names(conn, rid) == ["loss"]
        with pytest.raises(NotFound, match="its metrics: loss"):
            series_store.metric_count(conn, rid, "acc")
        with pytest.raises(NotFound, match="does not exist"):
            series_store.metric_count(conn, "0" * 32, "loss")
    assert steps.tolist() == list(range(101)) and values[:100].tolist() == [float(i) for i in range(100)] and math.isnan(values[100])
    assert list(buckets) == [(rid, "loss")]
    cols = buckets[(rid, "loss")]
    assert cols.shape[0] == 7 and int(cols[0].sum()) == 101 and int(cols[1].sum()) == 1


def test_delete_runs_spares_running_jobs(db: Database) -> None:
    with db.write() as conn:
        busy = _run(conn, "e", "busy")
        idle = _run(conn, "e", "idle")
        runs_store.add_artifact(conn, idle, "model", "/store/model", is_output=True)
        jobs_store.insert_job(conn, _job("job-busy", busy, "e"))
        endpoints_store.insert(conn, "ep", "InService", "127.0.0.1", {})
        endpoints_store.replace_variants(conn, "ep", [{"name": "v", "model_data": "/store/served", "status": "InService"}])

    def delete(conn, skip: bool) -> RunDeletion:  # type: ignore[no-untyped-def]
        exp_id, name, run_ids = experiments_store.lock_experiment_runs(conn, "e")
        return experiments_store.delete_runs(conn, run_ids, what=f"Experiment {name!r}", experiment_id=exp_id, skip_running=skip)

    with pytest.raises(Conflict, match="job-busy"):
        db.run_write(delete, False)
    done = db.run_write(delete, True)
    assert done.deleted_run_ids == (idle,) and done.artifact_uris == ("/store/model",)
    assert done.skipped_running_runs == 1 and not done.experiment_deleted and done.running_jobs == {"job-busy": busy}
    with db.read() as conn:
        assert runs_store.run_exists(conn, busy) and not runs_store.run_exists(conn, idle)
        assert experiments_store.served_model_uris(conn) == {"/store/served"}
    db.run_write(jobs_store.update_job, "job-busy", status="Completed")
    assert db.run_write(delete, False).experiment_deleted
    with db.read() as conn:
        assert experiments_store.list_experiments(conn) == [] and not runs_store.run_exists(conn, busy)


def test_points_of_a_deleted_run_are_an_integrity_error(db: Database) -> None:
    """What lets a Run's buffer tell "the run was deleted" (drop the points) from "the store is busy" (retry)."""
    with db.write() as conn:
        rid = _run(conn, "e", "r")
    db.run_write(lambda conn: experiments_store.delete_runs(conn, [rid], what="Run", experiment_id=None, skip_running=False))
    with pytest.raises(Exception) as info:
        db.run_write(runs_store.write_chunk, rid, "e", [("loss", 1.0, None, 1.0)], None, {})
    assert runs_store.is_integrity_error(info.value)
    assert not runs_store.is_integrity_error(RuntimeError("busy"))


def test_entities_are_frozen() -> None:
    summary = MetricSummary(name="m", count=1, min=1.0, max=1.0, avg=1.0, std=0.0, last=1.0, last_step=0, last_timestamp=1.0)
    run = Run(id="r", name="n", experiment="e", experiment_id="x", trial=None, status="Completed", start_time=None, end_time=None,
              created_time=0.0, last_modified_time=0.0, source_type=None, source_name=None, tags={}, params={},
              metrics={"m": summary}, last_metrics={"m": 1.0})
    exp = Experiment(id="x", name="e", description="", tags={}, created_time=0.0, last_modified_time=0.0, run_count=0,
                     in_progress_count=0, last_run_time=None)
    for entity, attr in ((run, "name"), (summary, "last"), (exp, "name"),
                         (RunRef(id="r", name="n", experiment="e", trial=None), "name"),
                         (Artifact(run_id="r", name="a", uri="u", is_output=True, media_type=None, created_time=0.0), "uri")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(entity, attr, "changed")


def test_only_the_store_imports_sqlalchemy() -> None:
    package = Path(labstudio.__file__).parent
    offenders = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        if rel.parts[0] == "store":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            if any(n == "sqlalchemy" or n.startswith("sqlalchemy.") for n in names):
                offenders.append(f"{rel}:{node.lineno}")
    assert offenders == [], f"SQLAlchemy imported outside store/: {offenders}"
