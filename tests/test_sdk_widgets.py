"""JobMonitor and CompareRuns objects in-process (state read from the widgets), and the %train? help."""
from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio.shapes import to_json


@pytest.fixture
def script(tmp_path: Path, labstudio_home: Path) -> Path:
    path = tmp_path / "train.py"
    path.write_text(
        "import sys, time\nn = int(sys.argv[sys.argv.index('-n') + 1]) if '-n' in sys.argv else 5\n"
        "for i in range(n):\n    print(f'step {i} loss={1.0/(i+1):.3f}', flush=True)\n    time.sleep(0.05)\n"
    )
    return path


def _submit(core, script: Path, name: str, n: int) -> str:
    request = {"entry_point": str(script), "name": name, "hyperparameters": {"n": n},
               "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]}
    return to_json(core.jobs.submit(request))["TrainingJobName"]


def test_job_monitor_shows_status_metrics_sparkline_and_log(core, script: Path) -> None:
    from labstudio.sdk.job import TrainingJob
    from labstudio.widgets import JobMonitor

    name = _submit(core, script, "monitor-job", 6)
    monitor = JobMonitor(TrainingJob(name), autostart=False)
    assert monitor.job_status in ("InProgress", "Completed")
    core.jobs.wait(name, timeout=60)
    monitor.refresh()
    assert monitor.job_status == "Completed" and monitor.secondary_status == "Completed"
    assert "Completed" in monitor.header.value and "labstudio-elapsed" in monitor.header.value
    assert monitor.last_metrics == {"loss": pytest.approx(1 / 6, abs=1e-3)}
    assert monitor.metric.options == ("loss",) and monitor.metric.value == "loss"
    assert "<polyline" in monitor.sparkline.value and "6 points" in monitor.sparkline.value
    assert monitor.log_tail[-1] == "step 5 loss=0.167"
    assert "step 5 loss=0.167" in monitor.log_view.value
    assert monitor.stop_button.disabled and monitor.finished.is_set()
    monitor.close()


def test_job_monitor_updates_from_its_thread_and_stops_the_job(core, script: Path) -> None:
    from labstudio.widgets import JobMonitor

    name = _submit(core, script, "monitor-slow", 100000)
    monitor = JobMonitor(name, poll_interval=0.1)
    try:
        wait_for(lambda: monitor.last_metrics.get("loss", 1) < 0.2, timeout=60, message="metrics in the widget")
        wait_for(lambda: len(monitor.log_tail) >= 5, timeout=60, message="log lines in the widget")
        assert not monitor.stop_button.disabled
        monitor.stop_button.click()
        assert core.jobs.get(name).status in ("Stopping", "Stopped")
        wait_for(lambda: monitor.job_status == "Stopped", timeout=60, message="Stopped shown")
        wait_for(lambda: monitor.stop_button.disabled, timeout=10)
        assert "Stopped" in monitor.header.value
    finally:
        monitor.close()


def test_compare_runs_draws_selected_runs_and_follows_new_points(labstudio_home: Path) -> None:
    from labstudio import Run
    from labstudio.widgets import CompareRuns

    with Run(experiment_name="cmp", run_name="a", flush_interval=0.05) as a:
        for step in range(5):
            a.log_metric("loss", 1.0 / (step + 1), step=step)
    b = Run(experiment_name="cmp", run_name="b", flush_interval=0.05)
    b.log_metric("loss", 2.0, step=0)
    b.flush() if hasattr(b, "flush") else None
    widget = CompareRuns("cmp", "loss", poll_interval=0.1)
    try:
        wait_for(lambda: len(widget.series) == 2, timeout=30, message="both runs drawn")
        assert widget.plot.value[:8] == b"\x89PNG\r\n\x1a\n"
        assert {label.split(" ")[0] for label, _ in widget.runs.options} == {"a", "b"}
        assert len(widget.series[a.run_id][1]) == 5
        for step in range(1, 4):
            b.log_metric("loss", 2.0 / (step + 1), step=step)
        wait_for(lambda: len(widget.series.get(b.run_id, ([], []))[1]) == 4, timeout=30, message="new points drawn")
        widget.runs.value = (a.run_id,)
        assert list(widget.series) == [a.run_id]
        assert "1 run(s) selected" in widget.message.value
    finally:
        widget.close()
        b.close()


def test_train_help_documents_every_cli_option() -> None:
    from labstudio.cli.jobs import add_train_options
    from labstudio.magics import LabstudioMagics

    parser = argparse.ArgumentParser()
    add_train_options(parser)
    doc = LabstudioMagics.train.__doc__
    for action in parser._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert option in doc
    for option in ("--no-wait", "ENTRY_POINT", "%%train"):
        assert option in doc
    for magic in ("deploy", "jobs", "endpoints", "runs", "logs", "stop"):
        assert getattr(LabstudioMagics, magic).__doc__.strip()
    assert "--as VAR" in LabstudioMagics.deploy.__doc__ and "--filter" in LabstudioMagics.runs.__doc__
