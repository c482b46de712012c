"""Machines sharing one store: each judges only its own processes by its process table, the
others' rows by their heartbeat; stops and deletes of another machine's work are requests it
carries out; a tuning job has one tuner (a store lease) wherever it is resumed.

The two-machine test runs machine B as a real Jupyter server in its own PID and UTS
namespaces (its own process table and host name) on the same PostgreSQL store as machine A
(this test process and the supervisors it starts). The other tests give two labstudio cores
of one process two host ids: the same rules, checked quickly, with real jobs, endpoints and
tuners.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from conftest import wait_for
from labstudio import procs
from labstudio.config import Settings
from labstudio.core import Core
from labstudio.errors import Conflict
from labstudio.shapes import to_json
from labstudio.store import Database, leases
from labstudio.store import tuning as tuning_store
from servers import JupyterProcess
from serving_helpers import post

pytestmark = pytest.mark.slow

LONG = "import time\nfor i in range(1200):\n    print('tick', i, flush=True)\n    time.sleep(0.1)\n"

TRIAL = """
import argparse, time
p = argparse.ArgumentParser()
p.add_argument("--level", type=float, default=1.0)
p.add_argument("--steps", type=int, default=4)
p.add_argument("--delay", type=float, default=0.3)
a, _ = p.parse_known_args()
for i in range(a.steps):
    time.sleep(a.delay)
    print(f"loss: {a.level + 1.0 / (i + 1):.5f}", flush=True)
"""


def _tuning_request(script: Path, name: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "training": {
            "entry_point": script.name,
            "source_dir": str(script.parent),
            "hyperparameters": {"steps": 4},
            "metric_definitions": [{"Name": "loss", "Regex": r"loss: ([0-9.]+)"}],
        },
        "objective_metric_name": "loss",
        "objective_type": "Minimize",
        "hyperparameter_ranges": {"level": {"type": "Continuous", "min_value": 0.0, "max_value": 5.0}},
        "strategy": "Random",
        "max_jobs": 3,
        "max_parallel_jobs": 1,
        "random_seed": 5,
    }
    body.update(changes)
    return body


def _machine(host_id: str, limit: float, **changes: Any) -> Core:
    """A core that calls itself `host_id` (as LABSTUDIO_HOST_ID would), on the test's store."""
    return Core(Settings.from_env().with_overrides(host_id=host_id, heartbeat_limit_seconds=limit, **changes))


def _fresh_database(base: str) -> tuple[str, Callable[[], None]]:
    name = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.rsplit("/", 1)[0] + f"/{name}", drop


# -- freezing a process without freezing the store --------------------------------------


def _sqlite_free(db_path: Path) -> Callable[[], bool]:
    """Whether nobody holds the SQLite store's write lock (a process frozen inside a write
    transaction would hold it, and every other writer would wait for it)."""

    def free() -> bool:
        conn = sqlite3.connect(str(db_path), timeout=0.2, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            conn.close()

    return free


def _postgres_free(url: str) -> Callable[[], bool]:
    """Whether no session of the store is inside a transaction (a frozen process's would keep
    its row locks until it is thawed)."""
    def free() -> bool:
        engine = create_engine(url, poolclass=NullPool)
        with engine.connect() as conn:
            busy = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'")
            ).scalar()
        engine.dispose()
        return not busy

    return free


def _stopped(pid: int) -> bool:
    """Whether `pid` is stopped by a signal (state T in /proc/<pid>/stat)."""
    with open(f"/proc/{pid}/stat") as handle:
        return handle.read().rsplit(")", 1)[1].split()[0] in ("T", "t")


def _freeze(pid: int, store_free: Callable[[], bool]) -> None:
    """SIGSTOP `pid` at a moment it holds no transaction open (retrying until it does not)."""
    for _ in range(50):
        os.kill(pid, signal.SIGSTOP)
        wait_for(lambda: _stopped(pid), timeout=10, interval=0.02, message=f"pid {pid} to stop")
        time.sleep(0.3)  # a transaction that was only starting shows by now
        if store_free():
            return
        os.kill(pid, signal.SIGCONT)
        time.sleep(0.05)
    raise AssertionError(f"pid {pid} always held a transaction open")


# -- the lease rules ----------------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def lease_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'store.db'}")
        yield db
        db.dispose()
        return
    url, drop = _fresh_database(request.getfixturevalue("postgres_url"))
    db = Database(url)
    yield db
    db.dispose()
    drop()


def test_a_lease_has_one_holder_taken_over_only_once_expired_or_its_holder_is_dead(lease_db: Database) -> None:
    def acquire(holder: str, now: float, machine: str = "a", replacing: str | None = None) -> bool:
        return bool(lease_db.run_write(
            lambda conn: leases.acquire(conn, "tuner:t", holder=holder, machine=machine, pid=1, start_ticks=2**40,
                                        now=now, ttl=10.0, replacing=replacing)
        ))

    assert acquire("one", 100.0)
    assert not acquire("two", 105.0, machine="b")  # held and fresh
    assert acquire("one", 106.0)  # the holder again: a renewal
    with lease_db.read() as conn:
        lease = leases.get(conn, "tuner:t")
    assert lease is not None and (lease.holder, lease.machine, lease.start_ticks, lease.expires_time) == ("one", "a", 2**40, 116.0)
    assert not acquire("two", 115.0, machine="b")
    assert acquire("two", 116.5, machine="b")  # expired: taken over
    assert not lease_db.run_write(lambda conn: leases.renew(conn, "tuner:t", holder="one", now=117.0, ttl=10.0))  # the loser learns it
    assert not acquire("three", 118.0, replacing="one")  # `replacing` names a holder that no longer holds it
    assert acquire("three", 118.0, replacing="two")  # its holder found dead (on its own machine)
    assert not lease_db.run_write(lambda conn: leases.release(conn, "tuner:t", holder="two"))
    assert lease_db.run_write(lambda conn: leases.release(conn, "tuner:t", holder="three"))
    with lease_db.read() as conn:
        assert leases.get(conn, "tuner:t") is None
    assert acquire("four", 119.0)  # free again


def _race(db: Database, round_: int, now: float) -> list[str]:
    """Eight threads acquire the same lease at the same instant; the holders that won."""
    wins: list[str] = []
    barrier = threading.Barrier(8)

    def contend(i: int) -> None:
        barrier.wait()
        holder = f"h{round_}-{i}"
        if db.run_write(lambda conn: leases.acquire(conn, "tuner:race", holder=holder, machine=f"m{i}", pid=i, start_ticks=None, now=now, ttl=30.0)):
            wins.append(holder)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return wins


def test_contenders_for_a_free_or_expired_lease_never_both_win(postgres_url: str) -> None:
    url, drop = _fresh_database(postgres_url)
    db = Database(url)
    try:
        for round_, now in enumerate((1000.0, 2000.0)):  # a free lease, then the same one expired
            wins = _race(db, round_, now)
            assert len(wins) == 1, wins
            with db.read() as conn:
                assert leases.get(conn, "tuner:race").holder == wins[0]  # type: ignore[union-attr]
    finally:
        db.dispose()
        drop()


# -- ownership decisions, two host ids in one process ------------------------------------------


def test_another_machines_job_is_judged_by_its_heartbeat_and_stopped_by_its_owner(labstudio_home: Path, write_script) -> None:
    a, b = _machine("machine-a", 4.0), _machine("machine-b", 4.0)
    script = write_script(LONG)
    stopped = to_json(a.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    frozen = to_json(a.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    for name in (stopped, frozen):
        wait_for(lambda n=name: a.jobs.get(n).secondary_status == "Training", 60, message=f"{name} training")
        assert a.jobs.get(name).machine == "machine-a"

    # B cannot see A's supervisors in its judgement (it never looks at its process table for
    # them): their heartbeats keep the jobs alive, pass after pass, past the limit.
    until = time.monotonic() + 5.0
    while time.monotonic() < until:
        assert b.jobs.reconcile() == [] and not b.jobs.check(stopped)
        time.sleep(0.25)

    # A stop asked on B is a request in the store that A's supervisor carries out.
    assert to_json(b.jobs.stop(stopped))["TrainingJobStatus"] == "Stopping"
    final = to_json(a.jobs.wait(stopped, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped" and final["SecondaryStatus"] == "Stopped"

    # A supervisor frozen past the limit: B fails its job, naming the machine and its last
    # heartbeat, and leaves its processes alone; A itself still sees it alive.
    job = a.jobs.get(frozen)
    supervisor, script_pid = job.supervisor_pid, job.process_pgid
    assert supervisor and script_pid
    _freeze(supervisor, _sqlite_free(labstudio_home / "labstudio.db"))
    try:
        assert not a.jobs.check(frozen)
        wait_for(lambda: b.jobs.check(frozen), timeout=60, interval=0.5, message="B to fail the silent job")
        failed = to_json(a.jobs.describe(frozen))
        assert failed["TrainingJobStatus"] == "Failed"
        reason = failed["FailureReason"]
        assert "machine 'machine-a'" in reason and "last heartbeat was at" in reason and "UTC" in reason, reason
        assert procs.is_alive(supervisor, job.supervisor_start_ticks) and procs.is_alive(script_pid)
    finally:
        os.kill(supervisor, signal.SIGCONT)
    # Thawed, the supervisor finds its job recorded Failed and stops the script: nothing runs on.
    wait_for(lambda: not procs.is_alive(supervisor, job.supervisor_start_ticks), timeout=60, message="the thawed supervisor to end")
    assert not procs.is_alive(script_pid)
    assert to_json(a.jobs.describe(frozen))["FailureReason"] == reason


def test_another_machines_endpoint_is_never_restarted_changed_or_cleaned_up(labstudio_home: Path, iris_model) -> None:
    a, b = _machine("machine-a", 4.0), _machine("machine-b", 4.0)
    a.endpoints.deploy(str(iris_model["dir"]), name="owned", restart_on_failure=True, wait=True, timeout=120)
    row = a.endpoints.get("owned")
    assert row.machine == "machine-a" and row.status == "InService" and row.pid
    until = time.monotonic() + 4.0
    while time.monotonic() < until:
        assert b.endpoints.reconcile() == []
        time.sleep(0.25)
    with pytest.raises(Conflict, match="machine 'machine-a'"):
        b.endpoints.update("owned", {"ProductionVariants": [{"VariantName": "AllTraffic", "InitialVariantWeight": 2}]})

    workers = [(int(p), t) for v in a.endpoints.get("owned").variants for p, t in v.config["worker_pids"]]
    _freeze(row.pid, _sqlite_free(labstudio_home / "labstudio.db"))
    try:
        wait_for(lambda: "owned" in b.endpoints.reconcile(), timeout=60, interval=0.5, message="B to fail the silent endpoint")
        failed = b.endpoints.get("owned")
        assert failed.status == "Failed" and failed.pid == row.pid  # not restarted (RestartOnFailure is the owner's)
        assert "machine 'machine-a'" in (failed.failure_reason or "") and "last heartbeat was at" in (failed.failure_reason or "")
        assert procs.is_alive(row.pid, row.pid_start_ticks) and all(procs.is_alive(p, t) for p, t in workers)
    finally:
        os.kill(row.pid, signal.SIGCONT)
    # Thawed, the runtime finds its endpoint recorded Failed and stops serving.
    wait_for(lambda: not procs.is_alive(row.pid, row.pid_start_ticks), timeout=60, message="the thawed runtime to stop")
    wait_for(lambda: not any(procs.is_alive(p, t) for p, t in workers), timeout=30, message="its workers to end")
    a.endpoints.delete("owned")


def test_a_tuner_is_judged_by_its_lease_and_only_its_machine_replaces_a_dead_one(labstudio_home: Path, tmp_path: Path, write_script) -> None:
    a = _machine("machine-a", 6.0)
    b = _machine("machine-b", 6.0, home=tmp_path / "b-home")  # the same store, another home: no code snapshot there
    script = write_script(TRIAL, name="trial.py", folder="trial")
    a.tuning.submit(_tuning_request(script, "leased", max_jobs=10, training={
        "entry_point": "trial.py", "source_dir": str(script.parent), "hyperparameters": {"steps": 6},
        "metric_definitions": [{"Name": "loss", "Regex": r"loss: ([0-9.]+)"}]}))

    def held() -> Any:
        job = a.tuning.get("leased")
        with a.db.read() as conn:
            lease = leases.get(conn, "tuner:leased")
        return lease if job.tuner_spawn_time is None and lease is not None and lease.pid == job.tuner_pid else None

    first = wait_for(held, timeout=60, message="the tuner to take its lease")
    assert first.machine == "machine-a" and a.tuning.get("leased").tuner_machine == "machine-a"
    assert not b.tuning.check("leased") and b.tuning.reconcile() == []

    # Killed: B cannot tell (not its process table, and the lease has not expired); A can.
    os.kill(first.pid, signal.SIGKILL)
    wait_for(lambda: not procs.is_alive(first.pid, first.start_ticks), timeout=30, message="the tuner to die")
    assert not b.tuning.check("leased")
    assert a.tuning.get("leased").tuner_spawn_time is None  # B started nothing
    assert a.tuning.check("leased")
    second = wait_for(lambda: (lambda lease: lease if lease is not None and lease.holder != first.holder else None)(held()),
                      timeout=60, message="a new tuner to take the lease over")
    assert second.machine == "machine-a" and second.pid != first.pid

    # Frozen past the lease: B cannot resume it (the code snapshot is on A) and fails it.
    _freeze(second.pid, _sqlite_free(labstudio_home / "labstudio.db"))
    try:
        wait_for(lambda: b.tuning.check("leased"), timeout=60, interval=0.5, message="B to fail the tuning job")
    finally:
        os.kill(second.pid, signal.SIGCONT)
    described = to_json(a.tuning.describe("leased"))
    assert described["HyperParameterTuningJobStatus"] == "Failed"
    reason = described["FailureReason"]
    assert "machine 'machine-a'" in reason and "last heartbeat was at" in reason and "code snapshot" in reason, reason
    wait_for(lambda: not procs.is_alive(second.pid, second.start_ticks), timeout=60, message="the thawed tuner to end")
    for trial in to_json(a.tuning.training_jobs("leased"))["TrainingJobSummaries"]:  # asked to stop by B, stopped by A's supervisors
        a.jobs.wait(trial["TrainingJobName"], timeout=60)


def test_a_tuner_taken_over_elsewhere_stops_without_launching_a_trial_more(labstudio_home: Path, write_script) -> None:
    a = _machine("machine-a", 4.0)
    b = _machine("machine-b", 4.0)  # the same home: B can resume A's tuning jobs
    script = write_script(TRIAL, name="trial.py", folder="trial")
    a.tuning.submit(_tuning_request(script, "moved", max_jobs=5))

    def tuner() -> Any:
        job = a.tuning.get("moved")
        trials = to_json(a.tuning.training_jobs("moved"))["TrainingJobSummaries"]
        with a.db.read() as conn:
            lease = leases.get(conn, "tuner:moved")
        return lease if job.tuner_spawn_time is None and lease is not None and trials else None

    first = wait_for(tuner, timeout=60, message="A's tuner and its first trial")
    _freeze(first.pid, _sqlite_free(labstudio_home / "labstudio.db"))
    try:
        wait_for(lambda: b.tuning.check("moved"), timeout=60, interval=0.5, message="B to start a tuner once the lease expired")
        taken = wait_for(lambda: (lambda lease: lease if lease is not None and lease.machine == "machine-b" else None)(tuner()),
                         timeout=60, message="B's tuner to take the lease")
    finally:
        os.kill(first.pid, signal.SIGCONT)
    # Thawed, A's tuner finds the lease gone and ends without launching anything.
    wait_for(lambda: not procs.is_alive(first.pid, first.start_ticks), timeout=60, message="A's tuner to stop")
    final = to_json(a.tuning.wait("moved", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed"
    trials = to_json(a.tuning.training_jobs("moved"))["TrainingJobSummaries"]
    assert len(trials) == 5 == len({t["TrainingJobName"] for t in trials})
    assert a.tuning.get("moved").tuner_machine == "machine-b" and taken.holder != first.holder
    def released() -> bool:
        with a.db.read() as conn:
            return leases.get(conn, "tuner:moved") is None

    wait_for(released, timeout=30, message="B's tuner to release the lease as it ends")
    with a.db.read() as conn:
        assert [t.number for t in tuning_store.list_trials(conn, "moved")] == [1, 2, 3, 4, 5]


# -- two machines ---------------------------------------------------------------------------


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("unshare") is None, reason="machine B needs `unshare` as root")
def test_two_machines_share_a_store_without_touching_each_others_work(
    tmp_path: Path, labstudio_home: Path, postgres_url: str, iris_model, write_script, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, drop = _fresh_database(postgres_url)
    limit = "8"
    shared_artifacts = tmp_path / "shared-artifacts"
    monkeypatch.setenv("LABSTUDIO_DB_URL", url)
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", str(shared_artifacts))
    monkeypatch.setenv("LABSTUDIO_HOST_ID", "machine-a")
    monkeypatch.setenv("LABSTUDIO_HEARTBEAT_LIMIT_SECONDS", limit)
    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "8")
    a = Core.from_env()  # machine A: this process, and every supervisor, runtime and tuner it starts

    root = tmp_path / "b-root"
    (root / "b-home").mkdir(parents=True)
    b_env = {
        **os.environ,
        "HOME": str(root / "b-home"),
        "LABSTUDIO_HOME": str(root / "b-labstudio"),
        "LABSTUDIO_HOST_ID": "machine-b",
    }
    # Machine B: its own process table (PID namespace, /proc) and host name (UTS namespace).
    prefix = ["unshare", "--pid", "--fork", "--mount-proc", "--uts", "sh", "-c", 'hostname machine-b && exec "$0" "$@"']
    b = JupyterProcess(root, b_env, prefix=prefix)
    frozen: int | None = None
    try:
        b.start(timeout=120)
        script = write_script(LONG)
        done = write_script("import time\nfor i in range(8):\n    print('step', i, flush=True)\n    time.sleep(0.5)\n", name="done.py")
        trial = write_script(TRIAL, name="trial.py", folder="trial")
        a.endpoints.deploy(str(iris_model["dir"]), name="shared", restart_on_failure=True, wait=True, timeout=180)
        a.tuning.submit(_tuning_request(trial, "sweep", max_jobs=3, max_parallel_jobs=2))
        completes = to_json(a.jobs.submit({"entry_point": str(done)}))["TrainingJobName"]
        followed = to_json(a.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
        silent = to_json(a.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
        started = time.monotonic()

        # B reads A's live log over REST (A's supervisor ships it to the store).
        def live_log() -> Any:
            _, body = b.request("GET", f"/labstudio/api/jobs/{followed}/logs?offset=0")
            return body if "tick 3\n" in body["text"] and not body["complete"] else None

        wait_for(live_log, timeout=90, interval=0.3, message="A's live log on B")
        code, body = b.request("GET", f"/labstudio/api/jobs/{followed}")
        assert code == 200 and body["TrainingJobStatus"] == "InProgress"

        # A stop asked on B: A's supervisor carries it out.
        code, body = b.request("POST", f"/labstudio/api/jobs/{followed}/stop")
        assert code == 202 and body["TrainingJobStatus"] == "Stopping", body
        final = to_json(a.jobs.wait(followed, timeout=60))
        assert final["TrainingJobStatus"] == "Stopped"
        code, body = b.request("GET", f"/labstudio/api/jobs/{followed}/logs?offset=0")
        assert body["complete"] and "tick 3\n" in body["text"]

        # Through all of B's reconcile passes (every 0.5 s) the job completes, the sweep runs
        # exactly max_jobs trials under A's tuner, and the endpoint keeps answering.
        assert to_json(a.jobs.wait(completes, timeout=120))["TrainingJobStatus"] == "Completed"
        swept = to_json(a.tuning.wait("sweep", timeout=180))
        assert swept["HyperParameterTuningJobStatus"] == "Completed"
        trials = to_json(a.tuning.training_jobs("sweep"))["TrainingJobSummaries"]
        assert len(trials) == 3 and all(t["TrainingJobStatus"] == "Completed" for t in trials)
        assert a.tuning.get("sweep").tuner_machine == "machine-a"
        assert a.tuning.get("sweep").tuner_spawn_time is None  # B never started a tuner for it
        wait_for(lambda: time.monotonic() - started > 6.0, timeout=30, message="a dozen of B's reconcile passes")
        code, body = b.request("GET", "/labstudio/api/endpoints/shared")
        assert code == 200 and body["EndpointStatus"] == "InService", body
        status, _, answer = post(body["EndpointUrl"], json.dumps(iris_model["rows"].tolist()))
        assert status == 200 and json.loads(answer) == iris_model["expected"].tolist()
        for name in (completes, silent):
            _, body = b.request("GET", f"/labstudio/api/jobs/{name}")
            assert body["TrainingJobStatus"] in ("Completed", "InProgress") and not body.get("FailureReason"), body
        assert not (root / "b-labstudio" / "tuning").exists()  # B never started a tuner

        # A's supervisor frozen past the heartbeat limit: B fails the job, naming A and its
        # last heartbeat.
        job = a.jobs.get(silent)
        frozen = job.supervisor_pid
        assert frozen
        _freeze(frozen, _postgres_free(url))

        def failed_on_b() -> Any:
            _, body = b.request("GET", f"/labstudio/api/jobs/{silent}")
            return body if body["TrainingJobStatus"] == "Failed" else None

        body = wait_for(failed_on_b, timeout=90, interval=0.5, message="B to fail the frozen supervisor's job")
        reason = body["FailureReason"]
        assert "machine 'machine-a'" in reason and "last heartbeat was at" in reason, reason
        assert procs.is_alive(frozen, job.supervisor_start_ticks) and procs.is_alive(job.process_pgid)  # B touched nothing
        os.kill(frozen, signal.SIGCONT)
        wait_for(lambda: not procs.is_alive(frozen, job.supervisor_start_ticks), timeout=60, message="the thawed supervisor to end")
        frozen = None

        # Deleting A's endpoint from B: A's runtime does it, and the row ends as a delete on A ends it.
        runtime = a.endpoints.get("shared")
        code, _ = b.request("DELETE", "/labstudio/api/endpoints/shared")
        assert code == 204
        with a.db.read() as conn:
            from labstudio.store import endpoints as endpoints_store

            assert endpoints_store.get(conn, "shared") is None
        wait_for(lambda: not procs.is_alive(runtime.pid, runtime.pid_start_ticks), timeout=30, message="A's runtime to end")
        assert not a.endpoints.endpoint_dir("shared").exists()
        assert "reconciliation step failed" not in b.log.read_text()  # B's passes ran, and judged
    finally:
        if frozen is not None:
            os.kill(frozen, signal.SIGCONT)
        b.kill()
        _stop_all(a)
        a.db.dispose()
        drop()


def _stop_all(core: Core) -> None:
    """Nothing machine A started outlives the test."""
    for item in core.endpoints.list()["Endpoints"]:
        try:
            core.endpoints.delete(item["EndpointName"], timeout=15)
        except Exception:
            pass
    for job in to_json(core.tuning.list(status="InProgress"))["HyperParameterTuningJobSummaries"]:
        try:
            core.tuning.stop(job["HyperParameterTuningJobName"])
        except Exception:
            pass
    for job in to_json(core.jobs.list(status=["InProgress", "Stopping"], limit=1000))["TrainingJobSummaries"]:
        try:
            core.jobs.stop(job["TrainingJobName"])
            core.jobs.wait(job["TrainingJobName"], timeout=30)
        except Exception:
            pass
