"""A warm start, as a user sees it (jobs/forkserver.py): once a process has started a local
job, its next jobs' supervisors are forked from a pre-started server that has already
imported the store, and they behave exactly like supervisors started cold: the job
completes with its metrics and archives, a wait returns with its end, and a kill -9 of the
forked supervisor still takes the whole job down and is reported.
"""
from __future__ import annotations

import os
import signal
import socket
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.jobs import forkserver
from labstudio.shapes import to_json

GATED_SCRIPT = """
import os, sys, time
gate = sys.argv[sys.argv.index("--gate") + 1]
print("waiting for the gate", flush=True)
while not os.path.exists(gate):
    time.sleep(0.05)
print("loss=0.25", flush=True)
os.makedirs("/opt/ml/model", exist_ok=True)
with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.txt"), "w") as handle:
    handle.write("weights")
"""


@pytest.fixture
def core(labstudio_home):  # type: ignore[no-untyped-def]
    from labstudio.core import Core

    return Core.from_env()


def _server_up(core) -> bool:  # type: ignore[no-untyped-def]
    """Whether the warm server for this process's jobs answers (the env is the one submit gives)."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(forkserver.address(core.jobs.engine.settings.child_env()))
        return True
    except OSError:
        return False
    finally:
        sock.close()


def _warm_up(core, write_script) -> None:  # type: ignore[no-untyped-def]
    """The process's first job starts cold and starts the warm server for the ones after it."""
    script = write_script("print('cold', flush=True)\n", name="cold.py", folder="cold")
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    assert to_json(core.jobs.wait(name, timeout=120))["TrainingJobStatus"] == "Completed"
    wait_for(lambda: _server_up(core), 120, message="the warm server to listen")


def _forked_supervisor(core, name: str) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    """The running job's supervisor, checked to be one the warm server forked (its command
    line is the server's: no interpreter was started for it)."""
    job = wait_for(lambda: (j := core.jobs.get(name)).supervisor_pid and j.secondary_status == "Training" and j, 60, message="the script running")
    cmdline = Path(f"/proc/{job.supervisor_pid}/cmdline").read_bytes()
    assert b"labstudio.jobs.forkserver" in cmdline, cmdline
    return job.supervisor_pid, job.supervisor_start_ticks


def test_a_warm_started_job_completes_with_its_metrics_and_model(core, write_script, tmp_path) -> None:
    _warm_up(core, write_script)
    gate = tmp_path / "gate"
    script = write_script(GATED_SCRIPT)
    name = to_json(core.jobs.submit({
        "entry_point": str(script),
        "hyperparameters": {"gate": str(gate)},
        "metric_definitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}],
    }))["TrainingJobName"]  # fmt: skip
    _forked_supervisor(core, name)
    gate.write_text("")
    described = to_json(core.jobs.wait(name, timeout=120))
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    assert [(m["MetricName"], m["Value"]) for m in described["FinalMetricDataList"]] == [("loss", 0.25)]
    assert described["ModelArtifacts"]["S3ModelArtifacts"].endswith("model.tar.gz")
    assert "loss=0.25" in to_json(core.jobs.logs(name))["text"]


def test_a_killed_warm_started_supervisor_takes_its_job_down(core, write_script, tmp_path) -> None:
    _warm_up(core, write_script)
    script = write_script(GATED_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script), "hyperparameters": {"gate": str(tmp_path / "never")}}))["TrainingJobName"]
    pid, ticks = _forked_supervisor(core, name)
    script_pids = procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")
    assert script_pids
    os.kill(pid, signal.SIGKILL)
    described = to_json(core.jobs.wait(name, timeout=120))  # the wait notices the dead supervisor by itself
    assert described["TrainingJobStatus"] == "Failed"
    assert "supervisor" in described["FailureReason"]
    wait_for(lambda: not any(procutil.is_alive(p) for p in script_pids), 30, message="the script to die with its supervisor")
    assert _server_up(core)  # the server itself is untouched: the next job still starts warm


def test_a_job_with_other_settings_is_not_forked_by_a_server_started_with_others(core, write_script, monkeypatch, tmp_path) -> None:
    """A supervisor reads its settings from its environment: a server started with other
    settings must never fork it. Change where archives go, and the next job's archives go
    there, though a warm server with the old setting is listening."""
    _warm_up(core, write_script)
    elsewhere = tmp_path / "other-artifacts"
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", str(elsewhere))
    from labstudio.core import Core

    other = Core.from_env()
    script = write_script("print('other', flush=True)\n", name="other.py", folder="other")
    name = to_json(other.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    described = to_json(other.jobs.wait(name, timeout=120))
    assert described["TrainingJobStatus"] == "Completed", described.get("FailureReason")
    assert described["ModelArtifacts"]["S3ModelArtifacts"].startswith(str(elsewhere))
    assert _server_up(core)  # the old one was there all along


def test_a_tuning_job_s_tuner_and_trials_start_warm_and_complete(core, write_script, tmp_path) -> None:
    """A tuner is forked by the same server (no interpreter start, no store import before
    its first trial), and the sweep completes with its best trial."""
    _warm_up(core, write_script)
    gate = tmp_path / "gate"
    script = write_script(GATED_SCRIPT, folder="sweep")
    core.tuning.submit({
        "name": "warm-sweep",
        "training": {"entry_point": script.name, "source_dir": str(script.parent), "hyperparameters": {"gate": str(gate)},
                     "metric_definitions": [{"Name": "loss", "Regex": r"loss=([0-9.]+)"}]},
        "objective_metric_name": "loss", "objective_type": "Minimize",
        "hyperparameter_ranges": {"level": {"type": "Continuous", "min_value": 0.0, "max_value": 1.0}},
        "strategy": "Random", "max_jobs": 2, "max_parallel_jobs": 2, "random_seed": 3,
    })  # fmt: skip
    tuner = wait_for(lambda: core.tuning.get("warm-sweep").tuner_pid, 60, message="the tuner running")
    assert b"labstudio.jobs.forkserver" in Path(f"/proc/{tuner}/cmdline").read_bytes()
    gate.write_text("")
    final = to_json(core.tuning.wait("warm-sweep", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final.get("FailureReason")
    assert final["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == 0.25
