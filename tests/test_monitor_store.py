"""The monitoring tables over SQLite and PostgreSQL: schedules due by their next run time, a
run recorded before its job is submitted, name filters that take `%` and `_` literally, and a
schedule's deletion taking its execution records with it."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text

from labstudio.store import Database
from labstudio.store import monitoring as store


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path):  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'store.db'}"
    else:
        base = request.getfixturevalue("postgres_url")
        name = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = base.rsplit("/", 1)[0] + f"/{name}"
    database = Database(url)
    yield database
    database.dispose()


def _schedule(name: str, next_run: float | None, status: str = "Scheduled", created: float = 1.0) -> dict:
    return {"name": name, "endpoint_name": "ep", "monitoring_type": "DataQuality", "status": status, "schedule_expression": "cron(0 * ? * * *)",
            "analysis_start": None, "analysis_end": None, "definition": {"constraints": "/c.json"}, "tags": {"k": "v"},
            "next_run_time": next_run, "failure_reason": None, "creation_time": created, "last_modified_time": created}


def test_schedules_and_executions(db: Database) -> None:
    def setup(conn) -> None:  # type: ignore[no-untyped-def]
        store.insert_schedule(conn, _schedule("a_1", 100.0, created=1.0))
        store.insert_schedule(conn, _schedule("ab1", 50.0, created=2.0))
        store.insert_schedule(conn, _schedule("stopped", 10.0, status="Stopped", created=3.0))
        store.insert_schedule(conn, _schedule("once-done", None, created=4.0))

    db.run_write(setup)
    with db.read() as conn:
        assert [s.name for s in store.due_schedules(conn, 100.0)] == ["ab1", "a_1"]
        assert store.next_due_time(conn) == 50.0
        assert [s.name for s in store.list_schedules(conn, name_contains="a_")] == ["a_1"]  # `_` is literal
        assert [s.name for s in store.list_schedules(conn, newest_first=False, limit=2, offset=1)] == ["ab1", "stopped"]
        assert store.get_schedule(conn, "a_1").definition == {"constraints": "/c.json"}

    def record(conn) -> None:  # type: ignore[no-untyped-def]
        for job, at in (("a_1-1", 100.0), ("a_1-2", 200.0)):
            store.insert_execution(conn, {"job_name": job, "schedule_name": "a_1", "scheduled_time": at, "window_start": at - 3600,
                                          "window_end": at, "creation_time": at, "submitted_time": None, "failure_reason": None})
        store.update_schedule(conn, "a_1", next_run_time=300.0)

    db.run_write(record)
    db.run_write(lambda conn: store.mark_submitted(conn, "a_1-1", 101.0))
    with db.read() as conn:
        assert [r.job_name for r in store.unsubmitted(conn)] == ["a_1-2"]
        assert [r.job_name for r in store.list_executions(conn, schedule_names=["a_1"])] == ["a_1-2", "a_1-1"]
        assert [r.job_name for r in store.list_executions(conn, schedule_names=[])] == []
        assert store.last_execution(conn, "a_1").job_name == "a_1-2"
        assert store.next_due_time(conn) == 50.0
    assert db.run_write(lambda conn: store.delete_schedule(conn, "a_1"))
    with db.read() as conn:
        assert store.get_execution(conn, "a_1-1") is None and store.get_schedule(conn, "a_1") is None
