"""One contract suite for the store, run over SQLite and over PostgreSQL."""
from __future__ import annotations

import math
import multiprocessing as mp
import time
import uuid

import pytest
from sqlalchemy import create_engine, func, select, text

from labstudio.store import Database, schema
from labstudio.store import endpoints as endpoints_store
from labstudio.store import events as events_store
from labstudio.store import jobs as jobs_store
from labstudio.store import metrics as metrics_store
from labstudio.store import runs as runs_store
from labstudio.store import tuning as tuning_store
from labstudio.store.metrics import Point
from labstudio.store.migrations import HEAD_REVISION


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    base = request.getfixturevalue("postgres_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def db(db_url: str) -> Database:
    database = Database(db_url)
    yield database
    database.dispose()


def test_migrations_reach_head_and_are_idempotent(db: Database, db_url: str) -> None:
    assert db.current_revision() == HEAD_REVISION
    again = Database(db_url)  # a second process opening the same store
    assert again.current_revision() == HEAD_REVISION
    again.dispose()
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import labstudio.store.migrations as m

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(m.__file__).parent))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD_REVISION


def test_schema_matches_the_models(db: Database) -> None:
    """Autogenerate finds nothing to do: the migrations and schema.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
    assert diff == []


def _job(name: str, created: float) -> dict:
    return {
        "name": name, "run_id": None, "backend": "local", "status": "InProgress", "secondary_status": "Starting",
        "status_message": "", "failure_reason": None, "spec": {"entry_point": "t.py"}, "job_dir": f"/x/{name}",
        "experiment_name": "Default", "creation_time": created,
    }


def test_jobs_roundtrip_pagination_and_transitions(db: Database) -> None:
    with db.write() as conn:
        for i in range(7):
            jobs_store.insert_job(conn, _job(f"job-{i}", 1000.0 + (i // 2)))  # ties on creation time
        jobs_store.add_transition(conn, "job-3", "Starting", 1.0, "a")
        jobs_store.add_transition(conn, "job-3", "Training", 2.0, "b")
        jobs_store.update_job(conn, "job-3", status="Completed", secondary_status="Completed")
    with db.read() as conn:
        got = jobs_store.get_job(conn, "job-3")
        assert got.status == "Completed" and got.spec == {"entry_point": "t.py"}
        assert [(t.status, t.start_time, t.end_time) for t in got.transitions] == [("Starting", 1.0, 2.0), ("Training", 2.0, None)]
        seen, after = [], None
        while True:
            page = jobs_store.list_jobs(conn, limit=3, after=after)
            if not page:
                break
            seen += [j.name for j in page]
            after = (page[-1].creation_time, page[-1].name)
        assert seen == ["job-6", "job-5", "job-4", "job-3", "job-2", "job-1", "job-0"]
        assert [j.name for j in jobs_store.list_jobs(conn, statuses=["Completed"])] == ["job-3"]
        assert [j.name for j in jobs_store.list_jobs(conn, name_contains="b-5")] == ["job-5"]
        assert jobs_store.list_jobs(conn, name_contains="%") == []  # LIKE wildcards are literal


def test_metrics_and_summaries_keep_nan_and_infinities(db: Database) -> None:
    with db.write() as conn:
        run = runs_store.create_run(conn, experiment_name="e", name="r")
        metrics_store.insert_points(conn, run, [Point("loss", v, None, float(i)) for i, v in enumerate([3.0, 1.0, math.nan, 2.0])])
        metrics_store.insert_points(conn, run, [Point("loss", math.inf, None, 9.0), Point("acc", -math.inf, 5, 9.0)])
    with db.read() as conn:
        series = metrics_store.series(conn, run, "loss")
        s = metrics_store.summaries(conn, [run])[run]
    assert [p[0] for p in series] == [0, 1, 2, 3, 4]
    assert math.isnan(series[2][1]) and series[4][1] == math.inf
    loss = s["loss"]
    assert loss.count == 5 and loss.min == 1.0 and loss.max == math.inf and loss.last == math.inf
    assert loss.avg == pytest.approx(2.0) and loss.std == pytest.approx(1.0)  # over the finite values
    assert s["acc"].last == -math.inf and s["acc"].last_step == 5


def test_ensure_experiment_is_idempotent(db: Database) -> None:
    with db.write() as conn:
        a = runs_store.ensure_experiment(conn, "x")
    with db.write() as conn:
        b = runs_store.ensure_experiment(conn, "x")
    assert a == b


def _writer(url: str, worker: int, transactions: int, points: int) -> None:
    database = Database(url)
    with database.write() as conn:
        run = runs_store.create_run(conn, experiment_name="shared", name=f"w{worker}", run_id=f"run{worker:04d}")
    for t in range(transactions):
        def body(conn, t=t):
            metrics_store.insert_points(conn, run, [Point("m", float(t * points + i), t * points + i, time.time()) for i in range(points)])
            events_store.append(conn, "test", {"worker": worker, "t": t})
        database.run_write(body)
    database.dispose()


def test_many_processes_write_at_once_and_lose_nothing(db: Database, db_url: str) -> None:
    workers, transactions, points = 12, 40, 50
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(db_url, w, transactions, points)) for w in range(workers)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0, "a writer failed (see its traceback above)"
    with db.read() as conn:
        total = conn.execute(select(func.count()).select_from(schema.run_metrics)).scalar()
        evs = conn.execute(select(func.count()).select_from(schema.events).where(schema.events.c.kind == "test")).scalar()
        summaries = metrics_store.summaries(conn, [f"run{w:04d}" for w in range(workers)])
    assert total == workers * transactions * points
    assert evs == workers * transactions
    for w in range(workers):
        assert summaries[f"run{w:04d}"]["m"].count == transactions * points
        assert summaries[f"run{w:04d}"]["m"].last == transactions * points - 1


def test_events_tail_in_order(db: Database) -> None:
    with db.write() as conn:
        for i in range(5):
            events_store.append(conn, "k", {"i": i})
    with db.read() as conn:
        first = events_store.tail(conn, 0, limit=3)
        rest = events_store.tail(conn, first[-1]["id"])
    assert [e["payload"]["i"] for e in first + rest] == [0, 1, 2, 3, 4]


def test_events_prune_keeps_the_newest(db: Database) -> None:
    with db.write() as conn:
        for i in range(30):
            events_store.append(conn, "k", {"i": i})
    assert db.run_write(events_store.prune, 10) == 20
    with db.read() as conn:
        assert [e["payload"]["i"] for e in events_store.tail(conn, 0)] == list(range(20, 30))
    assert db.run_write(events_store.prune, 10) == 0


# Linux counts a process's start time in clock ticks since boot (100 per second): past 2**31
# after about 248 days of uptime, which a 32-bit column could not hold on PostgreSQL.
TICKS = 2**40


def _write_ticks(db: Database, suffix: str) -> None:
    with db.write() as conn:
        jobs_store.insert_job(conn, _job(f"ticks-{suffix}", 1000.0))
        jobs_store.update_job(conn, f"ticks-{suffix}", supervisor_pid=4321, supervisor_start_ticks=TICKS)
        endpoints_store.insert(conn, f"ticks-{suffix}", "Creating", "127.0.0.1", {})
        endpoints_store.set_fields(conn, f"ticks-{suffix}", pid=4321, pid_start_ticks=TICKS)
        tuning_store.insert_tuning_job(
            conn, {"name": f"ticks-{suffix}", "status": "InProgress", "spec": {}, "creation_time": 1000.0, "tuner_pid": 4321, "tuner_start_ticks": TICKS}
        )


def _read_ticks(db: Database, suffix: str) -> list[int | None]:
    with db.read() as conn:
        job, endpoint, tuning = jobs_store.get_job(conn, f"ticks-{suffix}"), endpoints_store.get(conn, f"ticks-{suffix}"), tuning_store.get_tuning_job(conn, f"ticks-{suffix}")
    assert job is not None and endpoint is not None and tuning is not None
    return [job.supervisor_start_ticks, endpoint.pid_start_ticks, tuning.tuner_start_ticks]


def test_start_ticks_past_32_bits_round_trip(db: Database) -> None:
    _write_ticks(db, "new")
    assert _read_ticks(db, "new") == [TICKS, TICKS, TICKS]


def test_migration_widens_the_start_ticks_of_an_existing_store(db_url: str) -> None:
    """A store made before 0006_machines (32-bit ticks) takes 2**40 once opened by this version."""
    from pathlib import Path

    from alembic import command
    from alembic.config import Config

    import labstudio.store.migrations as migrations

    engine = create_engine(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    with engine.connect() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0005_hosts_logs")
        conn.commit()
    engine.dispose()
    db = Database(db_url)  # opening the store brings it to head
    try:
        assert db.current_revision() == HEAD_REVISION
        _write_ticks(db, "old")
        assert _read_ticks(db, "old") == [TICKS, TICKS, TICKS]
    finally:
        db.dispose()
