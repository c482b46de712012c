"""Real supervised processes: outcomes, stop, time limits, dead supervisors, queueing, load."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tarfile
import time
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.shapes import to_json

SAGEMAKER_STYLE = """
import argparse, json, os

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    parser.add_argument("--model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    parser.add_argument("--output-data-dir", type=str, default=os.environ.get("SM_OUTPUT_DATA_DIR"))
    args, _ = parser.parse_known_args()
    rows = open(os.path.join(args.train, "train.csv")).read().split()
    loss = 1.0
    for epoch in range(args.epochs):
        loss *= (1 - args.learning_rate)
        print(f"epoch {epoch}: train_loss={loss:.5f} rows={len(rows)}")
    with open(os.path.join(args.model_dir, "model.json"), "w") as f:
        json.dump({"loss": loss}, f)
    with open(os.path.join(args.output_data_dir, "report.txt"), "w") as f:
        f.write("done")
"""


def _data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    (data / "train.csv").write_text("1\n2\n3\n")
    return data


def test_success_packs_model_and_captures_metrics(core, write_script, tmp_path: Path) -> None:
    script = write_script(SAGEMAKER_STYLE)
    d = to_json(core.jobs.submit(
        {
            "entry_point": str(script),
            "hyperparameters": {"epochs": 5, "learning-rate": 0.5},
            "channels": {"train": str(_data(tmp_path))},
            "metric_definitions": [{"Name": "train:loss", "Regex": r"train_loss=([0-9.]+)"}],
            "experiment_name": "exp-a",
            "tags": {"team": "ml"},
        }
    ))
    assert d["TrainingJobStatus"] == "InProgress"
    final = to_json(core.jobs.wait(d["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Completed" and final["SecondaryStatus"] == "Completed"
    statuses = [t["Status"] for t in final["SecondaryStatusTransitions"]]
    assert statuses == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert all(t["StartTime"] for t in final["SecondaryStatusTransitions"])
    assert final["FinalMetricDataList"][0]["MetricName"] == "train:loss"
    assert final["FinalMetricDataList"][0]["Value"] == pytest.approx(0.5 ** 5, rel=1e-3)
    series = to_json(core.jobs.metrics(d["TrainingJobName"]))[0]["points"]
    assert [p["step"] for p in series] == [0, 1, 2, 3, 4]
    model = Path(final["ModelArtifacts"]["S3ModelArtifacts"])
    with tarfile.open(model) as tar:
        assert tar.getnames() == ["model.json"]
        assert json.load(tar.extractfile("model.json"))["loss"] == pytest.approx(0.5 ** 5)
    with tarfile.open(final["OutputArtifacts"]["S3OutputArtifacts"]) as tar:
        assert tar.getnames() == ["report.txt"]
    assert final["Tags"] == [{"Key": "team", "Value": "ml"}]
    assert final["ExperimentName"] == "exp-a" and final["RunId"]
    assert final["TrainingStartTime"] and final["TrainingEndTime"]
    layout = core.jobs.layout(d["TrainingJobName"])
    assert (layout.success_file).exists()


def test_exception_gives_an_actionable_failure_reason(core, write_script) -> None:
    script = write_script(
        """
        import sys
        print("starting")
        def load(lr):
            raise ValueError(f"learning rate {lr} is out of range (0, 1]")
        load(5)
        """
    )
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Failed" and final["SecondaryStatus"] == "Failed"
    assert final["FailureReason"] == "AlgorithmError: ValueError: learning rate 5 is out of range (0, 1] (exit code 1)"
    assert final["ExitCode"] == 1
    assert final["ModelArtifacts"]["S3ModelArtifacts"] is None


def test_failure_file_is_the_reason(core, write_script) -> None:
    script = write_script(
        """
        import os, sys
        with open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w") as f:
            f.write("Data error: column 'age' missing in train.csv. " + "x" * 2000)
        sys.exit(3)
        """
    )
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("Data error: column 'age' missing")
    assert len(final["FailureReason"]) == 1024


def test_exit_without_traceback_says_code_and_last_line(core, write_script) -> None:
    script = write_script("import sys\nprint('disk full, giving up')\nsys.exit(7)\n")
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"], timeout=60))
    assert "exit code 7" in final["FailureReason"] and "disk full, giving up" in final["FailureReason"]


TREE_SCRIPT = """
import os, subprocess, sys, time
pids = []
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
escapee = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True)
with open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "..", "pids.txt"), "w") as f:
    f.write(f"{os.getpid()} {child.pid} {escapee.pid}")
print("tree started", flush=True)
time.sleep(600)
"""


def _host_pid(name: str, seen: int) -> int | None:
    """The host's pid of the job's process that sees itself as `seen`.

    Inside the job's PID namespace the script sees other numbers than the host (the last
    field of NSpid in /proc/PID/status); without a namespace they are the same.
    """
    for pid in procutil.processes_with_env(f"TRAINING_JOB_NAME={name}"):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        nspids = next((line.split()[1:] for line in status.splitlines() if line.startswith("NSpid:")), [str(pid)])
        if int(nspids[-1]) == seen:
            return pid
    return None


def _read_pids(core, name: str) -> list[int]:
    path = core.jobs.layout(name).output / "pids.txt"
    wait_for(lambda: path.exists() and len(path.read_text().split()) == 3, 60, message="pids.txt")
    seen = [int(p) for p in path.read_text().split()]
    return wait_for(lambda: (pids := [_host_pid(name, p) for p in seen]) and all(pids) and pids, 30, message="the job's host pids")


def test_stop_kills_the_whole_tree(core, write_script) -> None:
    script = write_script(TREE_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    pids = _read_pids(core, name)
    assert all(procutil.is_alive(p) for p in pids)
    stopping = to_json(core.jobs.stop(name))
    assert stopping["TrainingJobStatus"] in ("Stopping", "Stopped")
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped" and final["SecondaryStatus"] == "Stopped"
    wait_for(lambda: not any(procutil.is_alive(p) for p in pids), 15, message="every process of the job to end")
    assert final["ModelArtifacts"]["S3ModelArtifacts"]  # the model is still packed
    assert "Stopping" in [t["Status"] for t in final["SecondaryStatusTransitions"]]
    from labstudio.errors import Conflict

    with pytest.raises(Conflict):
        core.jobs.stop(name)


def test_max_runtime_stops_and_still_packs_the_model(core, write_script) -> None:
    script = write_script(
        """
        import os, time
        open(os.path.join(os.environ["SM_MODEL_DIR"], "checkpoint.txt"), "w").write("epoch 1")
        print("saved", flush=True)
        time.sleep(600)
        """
    )
    name = to_json(core.jobs.submit({"entry_point": str(script), "max_runtime_seconds": 2}))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped" and final["SecondaryStatus"] == "MaxRuntimeExceeded"
    assert final["StoppingCondition"]["MaxRuntimeInSeconds"] == 2
    with tarfile.open(final["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        assert tar.getnames() == ["checkpoint.txt"]


def test_sigterm_handler_gets_the_grace_period(core, write_script) -> None:
    script = write_script(
        """
        import os, signal, sys, time
        def save(*_):
            open(os.path.join(os.environ["SM_MODEL_DIR"], "saved-on-term.txt"), "w").write("ok")
            print("saved on SIGTERM", flush=True)
            sys.exit(0)
        signal.signal(signal.SIGTERM, save)
        print("ready", flush=True)
        time.sleep(600)
        """
    )
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    wait_for(lambda: "ready" in to_json(core.jobs.logs(name))["text"], 60, message="script ready")
    core.jobs.stop(name)
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Stopped"
    assert "saved on SIGTERM" in to_json(core.jobs.logs(name))["text"]
    with tarfile.open(final["ModelArtifacts"]["S3ModelArtifacts"]) as tar:
        assert "saved-on-term.txt" in tar.getnames()


def test_supervisor_killed_with_sigkill_is_detected(core, write_script) -> None:
    script = write_script(TREE_SCRIPT)
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    pids = _read_pids(core, name)
    job = wait_for(lambda: (j := core.jobs.get(name)).supervisor_pid and j, 30, message="supervisor pid recorded")
    os.kill(job.supervisor_pid, signal.SIGKILL)
    wait_for(lambda: not procutil.is_alive(job.supervisor_pid, job.supervisor_start_ticks), 10, message="supervisor gone")
    assert core.jobs.reconcile() == [name]
    final = to_json(core.jobs.describe(name))
    assert final["TrainingJobStatus"] == "Failed"
    assert f"supervisor (pid {job.supervisor_pid}) ended unexpectedly" in final["FailureReason"]
    # the script, its child, and the child that left the process group all die
    wait_for(lambda: not any(procutil.is_alive(p) for p in pids), 15, message="every process of the job killed")


def test_queue_waits_for_a_free_slot(core, write_script, monkeypatch, tmp_path) -> None:
    from labstudio.core import Core

    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "1")
    one = Core.from_env()
    gate = tmp_path / "gate"  # the first job holds the slot until the test has seen the second wait
    blocker = write_script(f"import os, time\nprint('busy', flush=True)\nwhile not os.path.exists({str(gate)!r}):\n    time.sleep(0.05)\n",
                           name="block.py")
    quick = write_script("print('quick done')\n", name="quick.py")
    first = to_json(one.jobs.submit({"entry_point": str(blocker)}))["TrainingJobName"]
    wait_for(lambda: one.jobs.get(first).secondary_status == "Training", 30, message="first job training")
    second = to_json(one.jobs.submit({"entry_point": str(quick)}))["TrainingJobName"]
    waiting = wait_for(lambda: "Waiting for a free slot" in (j := one.jobs.get(second)).status_message and j, 30, message="queued message")
    assert waiting.status == "InProgress" and waiting.secondary_status == "Starting"
    assert one.jobs.get(first).status == "InProgress"
    gate.touch()
    final = to_json(one.jobs.wait(second, timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    first_final = to_json(one.jobs.describe(first))
    assert first_final["TrainingJobStatus"] == "Completed"
    # the second only started once the first's script had ended (the slot frees before packing)
    script_end = next(t["StartTime"] for t in first_final["SecondaryStatusTransitions"] if t["Status"] == "Uploading")
    assert final["TrainingStartTime"] >= script_end


def test_stop_while_queued(core, write_script, monkeypatch) -> None:
    from labstudio.core import Core

    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "1")
    one = Core.from_env()
    blocker = write_script("import time\ntime.sleep(4)\n", name="block.py")
    first = to_json(one.jobs.submit({"entry_point": str(blocker)}))["TrainingJobName"]
    wait_for(lambda: one.jobs.get(first).secondary_status == "Training", 30, message="first training")
    second = to_json(one.jobs.submit({"entry_point": str(blocker)}))["TrainingJobName"]
    wait_for(lambda: "Waiting" in one.jobs.get(second).status_message, 30, message="queued")
    one.jobs.stop(second)
    final = to_json(one.jobs.wait(second, timeout=30))
    assert final["TrainingJobStatus"] == "Stopped" and final["TrainingStartTime"] is None
    one.jobs.stop(first)
    one.jobs.wait(first, timeout=30)


def test_job_outlives_the_process_that_launched_it(labstudio_home, write_script) -> None:
    script = write_script("import time\ntime.sleep(2)\nprint('finished alone')\n")
    launcher = subprocess.run(
        [sys.executable, "-c", f"from labstudio.core import Core; print(Core.from_env().jobs.submit({{'entry_point': {str(script)!r}}}).TrainingJobName)"],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
    )
    name = launcher.stdout.strip().splitlines()[-1]
    from labstudio.core import Core

    final = to_json(Core.from_env().jobs.wait(name, timeout=60))
    assert final["TrainingJobStatus"] == "Completed"
    assert "finished alone" in to_json(Core.from_env().jobs.logs(name))["text"]


def test_twenty_jobs_writing_metrics_lose_no_point(core, write_script, monkeypatch) -> None:
    from labstudio.core import Core

    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "20")
    many = Core.from_env()
    script = write_script(
        """
        import sys
        n = int(sys.argv[sys.argv.index("--points") + 1])
        for i in range(n):
            print(f"step={i} loss={1.0 / (i + 1)} acc={i / n}")
        """
    )
    names = [
        to_json(many.jobs.submit(
            {
                "entry_point": str(script),
                "hyperparameters": {"points": 2000},
                "metric_definitions": [{"Name": "loss", "Regex": r"loss=([0-9.e-]+)"}, {"Name": "acc", "Regex": r"acc=([0-9.e-]+)"}],
            }
        ))["TrainingJobName"]
        for _ in range(20)
    ]
    for name in names:
        final = to_json(many.jobs.wait(name, timeout=240))
        assert final["TrainingJobStatus"] == "Completed", final["FailureReason"]
        counts = {m["name"]: len(m["points"]) for m in to_json(many.jobs.metrics(name))}
        assert counts == {"loss": 2000, "acc": 2000}, (name, counts)
        steps = [p["step"] for p in to_json(many.jobs.metrics(name))[0]["points"]]
        assert steps == list(range(2000))


def test_logs_follow_by_offset(core, write_script) -> None:
    script = write_script(
        """
        import time
        for i in range(5):
            print(f"line {i} é", flush=True)
            time.sleep(0.2)
        """
    )
    name = to_json(core.jobs.submit({"entry_point": str(script)}))["TrainingJobName"]
    text, offset = "", 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        chunk = to_json(core.jobs.logs(name, offset))
        text += chunk["text"]
        offset = chunk["next_offset"]
        if chunk["complete"]:
            break
        time.sleep(0.05)
    assert text == "".join(f"line {i} é\n" for i in range(5))
    # a chunk cut inside a UTF-8 character never splits it
    small = to_json(core.jobs.logs(name, 0, max_bytes=8))
    assert small["text"] == "line 0 " and small["next_offset"] == 7


def test_every_job_is_a_run(core, write_script, tmp_path: Path) -> None:
    from sqlalchemy import select

    from labstudio.store import schema

    script = write_script(SAGEMAKER_STYLE)
    name = to_json(core.jobs.submit(
        {
            "entry_point": str(script),
            "hyperparameters": {"epochs": 2},
            "channels": {"train": str(_data(tmp_path))},
            "metric_definitions": [{"Name": "loss", "Regex": r"train_loss=([0-9.]+)"}],
            "trial_name": "sweep-1",
        }
    ))["TrainingJobName"]
    final = to_json(core.jobs.wait(name, timeout=60))
    assert final["ExperimentConfig"] == {"ExperimentName": "Default", "TrialName": "sweep-1"}
    with core.db.read() as conn:
        run = conn.execute(select(schema.runs).where(schema.runs.c.id == final["RunId"])).one()
        params = dict(conn.execute(select(schema.run_params.c.key, schema.run_params.c.value).where(schema.run_params.c.run_id == run.id)).all())
        arts = {(a.name, a.is_output) for a in conn.execute(select(schema.run_artifacts).where(schema.run_artifacts.c.run_id == run.id))}
        exp = conn.execute(select(schema.experiments.c.name).where(schema.experiments.c.id == run.experiment_id)).scalar()
        trial = conn.execute(select(schema.trials.c.name).where(schema.trials.c.id == run.trial_id)).scalar()
    assert exp == "Default" and trial == "sweep-1" and run.status == "Completed" and run.source_name == name
    assert params == {"epochs": "2"}
    assert ("train", False) in arts and ("SageMaker.ModelArtifact", True) in arts and ("SageMaker.OutputData", True) in arts
