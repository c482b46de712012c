"""The Run API: buffering loses nothing, statuses follow the `with` block, NaN/inf survive,
load_run attaches without taking over the status, artifacts and charts are stored."""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from labstudio.errors import Invalid, NotFound


def _run_row(core, run_id):  # type: ignore[no-untyped-def]
    return core.experiments.get_run(run_id)


def test_import_labstudio_stays_cheap() -> None:
    code = "import sys, labstudio; bad = [m for m in ('pandas', 'matplotlib', 'sqlalchemy', 'numpy') if m in sys.modules]; print(bad)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    code = "from labstudio import Run, load_run, search_runs, ExperimentAnalytics; import labstudio.plot; print('ok')"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "ok"


def test_with_block_flushes_everything_and_completes(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    with Run(experiment_name="e", run_name="r", flush_interval=60, batch_size=10_000_000) as run:
        for i in range(25_000):
            run.log_metric("loss", 1.0 / (i + 1))
        run.log_metric("acc", 0.5, step=10)
        run.log_parameters({"lr": 0.01, "optimizer": "adam", "layers": [64, 32]})
    detail = _run_row(core, run.run_id)
    assert detail["status"] == "Completed" and detail["end_time"] is not None
    assert detail["metrics"]["loss"]["count"] == 25_000
    assert detail["metrics"]["loss"]["last_step"] == 24_999
    assert detail["metrics"]["acc"]["last_step"] == 10
    assert detail["params"] == {"lr": "0.01", "optimizer": "adam", "layers": "[64,32]"}
    assert run.written == 25_001


def test_exception_marks_failed_and_keeps_points(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    with pytest.raises(RuntimeError):
        with Run(experiment_name="e", run_name="boom", flush_interval=60) as run:
            for i in range(1000):
                run.log_metric("loss", float(i))
            raise RuntimeError("diverged")
    detail = _run_row(core, run.run_id)
    assert detail["status"] == "Failed"
    assert detail["metrics"]["loss"]["count"] == 1000
    with pytest.raises(Invalid):
        run.log_metric("loss", 1.0)  # closed


def test_nan_and_infinities_are_stored_and_returned(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    with Run(experiment_name="e") as run:
        for v in (1.0, math.nan, math.inf, -math.inf, 2.0):
            run.log_metric("x", v)
        h = run.metric_history("x")
    assert len(h) == 5
    assert math.isnan(h["value"][1]) and h["value"][2] == math.inf and h["value"][3] == -math.inf
    summary = _run_row(core, run.run_id)["metrics"]["x"]
    assert summary["count"] == 5 and summary["min"] == "-Infinity" and summary["max"] == "Infinity" and summary["last"] == 2.0
    history = core.experiments.metric_history(run.run_id, "x")
    assert history["values"] == [1.0, "NaN", "Infinity", "-Infinity", 2.0]
    assert json.dumps(history, allow_nan=False)  # JSON-safe


def test_explicit_steps_timestamps_and_batches(core) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    from labstudio import Run

    with Run(experiment_name="e") as run:
        run.log_metric("a", 1, step=5, timestamp=dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc))
        run.log_series("b", np.arange(100, dtype=float), steps=np.arange(0, 1000, 10))
        run.log_batch([("c", 1.0), ("c", 2.0, 7), {"name": "c", "value": 3.0, "step": 9, "timestamp": 100.0}])
        with pytest.raises(Invalid):
            run.log_metric("a", "not a number")
        with pytest.raises(Invalid):
            run.log_metric("", 1.0)
        with pytest.raises(Invalid):
            run.log_metric("a", 1.0, step=1.5)
        with pytest.raises(Invalid):
            run.log_series("b", [1.0, 2.0], steps=[1])
    a = run.metric_history("a")
    assert a["step"].tolist() == [5] and a["timestamp"][0].year == 2024
    assert run.metric_history("b")["step"].tolist()[-1] == 990
    c = run.metric_history("c")
    assert c["step"].tolist() == [0, 7, 9] and c["value"].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(NotFound):
        run.metric_history("nope")


def test_load_run_inside_a_job_attaches_and_leaves_status(core, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from labstudio import load_run
    from labstudio.store import runs

    with core.db.write() as conn:
        run_id = runs.create_run(conn, experiment_name="jobs", name="job-1", source_type="TrainingJob", source_name="job-1")
    monkeypatch.setenv("LABSTUDIO_RUN_ID", run_id)
    with load_run() as run:
        assert run.run_id == run_id and run.experiment_name == "jobs" and run.run_name == "job-1"
        run.log_metric("val_loss", 0.25)
    detail = _run_row(core, run_id)
    assert detail["status"] == "InProgress"  # the job owns its status
    assert detail["metrics"]["val_loss"]["last"] == 0.25


def test_load_run_by_name_and_nested_and_errors(core, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run, load_run

    monkeypatch.delenv("LABSTUDIO_RUN_ID", raising=False)
    with pytest.raises(Invalid, match="LABSTUDIO_RUN_ID"):
        load_run()
    with pytest.raises(NotFound):
        load_run("missing", "e")
    with Run(experiment_name="e", run_name="outer") as outer:
        inner = load_run()
        assert inner.run_id == outer.run_id
        inner.log_metric("m", 1.0)
        inner.close()
        outer.log_metric("m", 2.0)
    again = load_run("outer", "e")
    assert again.run_id == outer.run_id
    again.close()
    assert _run_row(core, outer.run_id)["metrics"]["m"]["count"] == 2


def test_unclosed_run_is_flushed_at_exit_and_failed_on_uncaught_error(core, labstudio_home) -> None:  # type: ignore[no-untyped-def]
    script = textwrap.dedent(
        """
        import sys
        from labstudio import Run
        run = Run(experiment_name="exit", run_name=sys.argv[1], flush_interval=3600)
        print(run.run_id, flush=True)
        for i in range(5000):
            run.log_metric("loss", float(i))
        if sys.argv[1] == "crash":
            raise SystemError("boom")
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    ok = subprocess.run([sys.executable, "-c", script, "ok"], capture_output=True, text=True, env=env)
    crash = subprocess.run([sys.executable, "-c", script, "crash"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert crash.returncode != 0
    ok_run = _run_row(core, ok.stdout.split()[0])
    crash_run = _run_row(core, crash.stdout.split()[0])
    assert ok_run["status"] == "Completed" and ok_run["metrics"]["loss"]["count"] == 5000
    assert crash_run["status"] == "Failed" and crash_run["metrics"]["loss"]["count"] == 5000


def test_artifacts_files_and_charts(core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    src = tmp_path / "report.txt"
    src.write_text("v1")
    with Run(experiment_name="art") as run:
        uri = run.log_file(src)
        src.write_text("v2 changed later")
        run.log_artifact("dataset", "s3://bucket/data.csv", media_type="text/csv", is_output=False)
        cm = run.log_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], title="cm")
        run.log_roc_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], title="roc")
        run.log_precision_recall([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], title="pr")
        with pytest.raises(Invalid):
            run.log_confusion_matrix([0, 1], [0])
    assert Path(uri).read_text() == "v1"
    arts = {(a["name"], a["is_output"]): a for a in _run_row(core, run.run_id)["artifacts"]}
    assert arts[("report.txt", True)]["media_type"] == "text/plain"
    assert arts[("dataset", False)]["uri"] == "s3://bucket/data.csv"
    assert arts[("cm", True)]["media_type"] == "application/vnd.labstudio.confusion-matrix+json"
    data = json.loads(Path(cm).read_text())
    assert data["type"] == "ConfusionMatrix" and data["labels"] == [0, 1, 2]
    assert data["confusionMatrix"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    roc = json.loads(Path(arts[("roc", True)]["uri"]).read_text())
    assert roc["areaUnderCurve"] == pytest.approx(0.75)
    assert roc["falsePositiveRate"][0] == 0.0 and roc["truePositiveRate"][-1] == 1.0
    pr = json.loads(Path(arts[("pr", True)]["uri"]).read_text())
    assert pr["averagePrecisionScore"] == pytest.approx(0.8333333333)
    assert pr["recall"][-1] == 0.0 and pr["precision"][-1] == 1.0


def test_events_are_appended_with_the_data(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run
    from labstudio.store import events

    with core.db.read() as conn:
        start = events.last_id(conn)
    with Run(experiment_name="ev", run_name="live") as run:
        for i in range(2000):
            run.log_metric("loss", float(i))
        run.flush()
    with core.db.read() as conn:
        feed = events.tail(conn, start)
    kinds = [e["kind"] for e in feed]
    assert kinds[0] == "run.created" and kinds[-1] == "run.status"
    metric_events = [e["payload"] for e in feed if e["kind"] == "run.metrics"]
    assert sum(p["count"] for p in metric_events) == 2000
    assert all(p["run_id"] == run.run_id and p["experiment"] == "ev" and len(p["points"]) <= 500 for p in metric_events)
    assert any(p["capped"] for p in metric_events)


def test_deleted_run_does_not_wedge_the_logger(core) -> None:  # type: ignore[no-untyped-def]
    from labstudio import Run

    run = Run(experiment_name="gone")
    run.log_metric("x", 1.0)
    run.flush()
    core.experiments.delete_run(run.run_id)
    run.log_metric("x", 2.0)
    run.close()  # warns, does not raise or hang


def test_sigterm_flushes_before_dying(core) -> None:  # type: ignore[no-untyped-def]
    """Stopping a job sends SIGTERM: the points logged so far are kept and the run says Stopped."""
    import signal

    script = textwrap.dedent(
        """
        import sys, time
        from labstudio import Run
        run = Run(experiment_name="term", run_name="t", flush_interval=3600, tags=[{"Key": "k", "Value": "v"}])
        for i in range(4000):
            run.log_metric("loss", float(i))
        print(run.run_id, flush=True)
        time.sleep(60)
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True, env=env)
    run_id = proc.stdout.readline().split()[0]
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == -signal.SIGTERM
    detail = _run_row(core, run_id)
    assert detail["metrics"]["loss"]["count"] == 4000 and detail["status"] == "Stopped" and detail["tags"] == {"k": "v"}


def test_forked_child_logs_its_own_points(core) -> None:  # type: ignore[no-untyped-def]
    """A data-loader worker forked from the training process can log; the parent's buffer is not copied twice."""
    from labstudio import Run

    with Run(experiment_name="fork", flush_interval=3600) as run:
        for i in range(100):
            run.log_metric("parent", float(i))  # pending in the buffer at fork time
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 1
            try:
                for i in range(50):
                    run.log_metric("child", float(i))
                run.flush()
                code = 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.WEXITSTATUS(status) == 0
    detail = _run_row(core, run.run_id)
    assert detail["metrics"]["parent"]["count"] == 100 and detail["metrics"]["child"]["count"] == 50
    assert detail["status"] == "Completed"
