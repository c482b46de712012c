"""A full disk, for real: labstudio's home, its store and the jobs' destinations on small tmpfs
mounts (20 MB, as root; the tests skip, saying why, only where nothing can be mounted).

A job that fills the disk fails with a reason naming the disk, its supervisor does not die
silently, the store stays intact, the server keeps answering reads and answers writes 507
with the JSON error shape; every kind of job and archive says the same when its own
destination is full; a store too full to take the job's end leaves the reason for the
reconciler.
"""
from __future__ import annotations

import errno
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import _stop_leftovers, wait_for
from httpjson import body as _body
from httpjson import error as _error
from httpjson import wait_status
from labstudio import procs as procutil
from labstudio.errors import DiskFull

FLOOD = "import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(40 * 1024):\n    sys.stdout.write(line)\nprint('done')\n"


def _mount(path: Path, size: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("a full disk is tested on a small tmpfs, which only root can mount (mount -t tmpfs)")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs at {path} ({done.stderr.strip() or done.returncode}): the full-disk tests need one")


def _unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)  # something still holds it: detach it now


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """small_disk(name, size="20m"): a new tmpfs under tmp_path, unmounted at teardown."""
    mounted: list[Path] = []

    def make(name: str, size: str = "20m") -> Path:
        path = tmp_path / name
        _mount(path, size)
        mounted.append(path)
        return path

    yield make
    for path in reversed(mounted):
        _unmount(path)


@pytest.fixture
def labstudio_home(small_disk: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """conftest's home, on a 20 MB disk of its own (store, jobs and artifacts all on it)."""
    home = small_disk("home-disk") / "home"
    monkeypatch.setenv("LABSTUDIO_HOME", str(home))
    monkeypatch.setenv("LABSTUDIO_DB_URL", f"sqlite:///{home / 'labstudio.db'}")
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", str(home / "artifacts"))
    monkeypatch.setenv("LABSTUDIO_MAX_CONCURRENT_JOBS", "4")
    monkeypatch.setenv("LABSTUDIO_STOP_GRACE_SECONDS", "3")
    for name in ("LABSTUDIO_BACKEND", "LABSTUDIO_RAY_ADDRESS", "LABSTUDIO_HOST_ID", "LABSTUDIO_HEARTBEAT_LIMIT_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    yield home
    _stop_leftovers(home)
    _close_store()


def _close_store() -> None:
    """Close this process's pooled connections to the store (the server's too), so the disk unmounts."""
    from labstudio.config import Settings
    from labstudio.store import get_database

    try:
        get_database(Settings.from_env()).dispose()
    except Exception:  # never opened, or not openable: nothing to close
        pass


def fill(disk: Path, name: str = "filler") -> Path:
    """Write a file until the disk has no byte left; returns it (delete it to give the space back)."""
    filler = disk / name
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        chunk = b"\0" * (1 << 16)
        while True:
            try:
                if os.write(fd, chunk) < len(chunk):
                    chunk = b"\0"
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
                if len(chunk) == 1:
                    return filler
                chunk = b"\0"
    finally:
        os.close(fd)


def _supervisor_gone(job_dir: Path) -> bool:
    pid, ticks = (int(v) for v in (job_dir / "supervisor.pid").read_text().split())
    return not procutil.is_alive(pid, ticks)


def _integrity(home: Path) -> str:
    conn = sqlite3.connect(home / "labstudio.db")
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


# -- the job that fills the disk, through the REST API -------------------------------------------


async def test_a_job_that_fills_the_disk_fails_saying_so_and_the_server_carries_on(jp_fetch, jp_root_dir: Path, labstudio_home: Path) -> None:
    disk = labstudio_home.parent
    (jp_root_dir / "flood.py").write_text(FLOOD)
    resp = await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "flood.py", "name": "flood"}))
    assert resp.code == 201
    final = await wait_status(jp_fetch, "jobs", "flood", "TrainingJobStatus", timeout=120)
    job_dir = labstudio_home / "jobs" / "flood"
    reason = final["FailureReason"]
    assert final["TrainingJobStatus"] == "Failed", final
    assert reason.startswith("ClientError: The disk is full"), reason
    assert f"the job's log ({job_dir / 'output.log'})" in reason and f"the file system at {disk} has" in reason, reason
    assert final["SecondaryStatusTransitions"][-1]["Status"] == "Failed"
    # the supervisor ends by itself, having stopped the script, and leaves nothing behind in the job's folder
    wait_for(lambda: _supervisor_gone(job_dir), message="the supervisor to exit")
    assert not (job_dir / "disk.reserve").exists() and not (job_dir / "disk_full").exists()
    assert not procutil.processes_with_env("TRAINING_JOB_NAME=flood")
    # the store is intact, and the server answers reads: the job, the list, its log
    assert _integrity(labstudio_home) == "ok"
    listed = _body(await jp_fetch("labstudio", "api", "jobs"))["TrainingJobSummaries"]
    assert [(j["TrainingJobName"], j["TrainingJobStatus"]) for j in listed] == [("flood", "Failed")]
    log = _body(await jp_fetch("labstudio", "api", "jobs", "flood", "logs", params={"offset": 0}))
    assert log["text"].startswith("x" * 1023 + "\n")

    # every byte taken: writes answer 507 with the JSON error shape, reads still answer
    filler = fill(disk)
    code, err = await _error(jp_fetch, "labstudio", "api", "experiments", method="POST", body=json.dumps({"name": "while-full"}))
    assert code == 507, err
    assert err["message"].startswith("The disk is full: no space left to write to labstudio's store"), err
    assert str(labstudio_home / "labstudio.db") in err["message"] and "Free space there and try again." in err["message"]
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps({"entry_point": "flood.py", "name": "second"}))
    assert code == 507 and err["message"].startswith("The disk is full"), err
    assert not (labstudio_home / "jobs" / "second").exists()  # a refused submit leaves nothing
    assert _body(await jp_fetch("labstudio", "api", "jobs", "flood"))["TrainingJobStatus"] == "Failed"
    assert _body(await jp_fetch("labstudio", "api", "experiments")) is not None
    assert _integrity(labstudio_home) == "ok"
    cli = subprocess.run([sys.executable, "-m", "labstudio.cli", "experiments", "create", "from-the-cli"], capture_output=True, text=True, timeout=120)
    assert cli.returncode == 1 and cli.stderr.startswith("labstudio: error: The disk is full: no space left to write to labstudio's store"), cli
    assert len(cli.stderr.splitlines()) == 1, cli.stderr  # one line, no traceback

    # space back: writes work again
    filler.unlink()
    resp = await jp_fetch("labstudio", "api", "experiments", method="POST", body=json.dumps({"name": "after"}))
    assert resp.code == 201


# -- a store too full to take the job's end: the marker and the reconciler -------------------------


METRICS_FOREVER = """
import time
i = 0
while True:
    i += 1
    print(f"step {i} loss={1.0 / i}", flush=True)
    time.sleep(0.02)
"""


def test_a_full_store_fails_the_job_and_the_reconciler_reports_why(labstudio_home, small_disk, write_script, monkeypatch) -> None:
    """The store on a disk of its own fills up while a job logs metrics: the supervisor stops the
    script, cannot record the end, and leaves the reason for the reconciler, which reports it
    (not "the supervisor ended unexpectedly") once the store can be written again."""
    from labstudio.core import Core

    store_disk = small_disk("store-disk", "8m")
    monkeypatch.setenv("LABSTUDIO_DB_URL", f"sqlite:///{store_disk / 'labstudio.db'}")
    core = Core.from_env()
    script = write_script(METRICS_FOREVER)
    name = core.jobs.submit({"entry_point": str(script), "name": "metrics-forever",
                             "metric_definitions": [{"Name": "loss", "Regex": r"loss=([0-9.e-]+)"}]})["TrainingJobName"]
    wait_for(lambda: core.jobs.metrics(name), message="the first metrics")
    filler = fill(store_disk)
    job_dir = core.jobs.layout(name).job_dir
    wait_for(lambda: _supervisor_gone(job_dir), timeout=120, message="the supervisor to give up on the full store")
    assert "The disk is full: no space left to write to labstudio's store" in (job_dir / "disk_full").read_text()
    assert not procutil.processes_with_env(f"TRAINING_JOB_NAME={name}")  # the script was stopped
    assert core.jobs.describe(name)["TrainingJobStatus"] == "InProgress"  # reads work; the end is not recorded yet
    with pytest.raises(DiskFull) as full:  # the reconciler cannot write either: one typed error, not a traceback
        core.jobs.check(name)
    assert "labstudio's store" in full.value.message
    filler.unlink()
    assert core.jobs.check(name)
    final = core.jobs.describe(name)
    assert final["TrainingJobStatus"] == "Failed"
    assert final["FailureReason"].startswith("ClientError: The disk is full: no space left to write to labstudio's store"), final
    assert str(store_disk / "labstudio.db") in final["FailureReason"]
    assert not (job_dir / "disk.reserve").exists()
    assert _integrity(store_disk) == "ok"


# -- every kind of job and archive, when its own destination is full ----------------------------


def _files(folder: Path, skip: str = "filler") -> list[str]:
    """Every file under a folder (the filler aside): a job that failed for want of space leaves none."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file() and p.name != skip)


def _destination(small_disk: Callable[..., Path], name: str) -> Path:
    disk = small_disk(name, "1m")
    fill(disk)
    return disk


def test_a_training_jobs_archives_on_a_full_output_path(core, small_disk, write_script) -> None:
    dest = _destination(small_disk, "archives-disk")
    script = write_script("import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'model.bin'), 'wb').write(os.urandom(200000))\n")
    name = core.jobs.submit({"entry_point": str(script), "name": "archive-full", "output_path": str(dest / "out")})["TrainingJobName"]
    final = core.jobs.wait(name, timeout=120)
    assert final["TrainingJobStatus"] == "Failed", final
    target = dest / "out" / name / "output" / "model.tar.gz"
    assert final["FailureReason"].startswith(f"ClientError: The disk is full: no space left to write an archive ({target}); "
                                             f"the file system at {dest} has 0 bytes free of 1.0 MB."), final["FailureReason"]
    assert "ModelArtifacts" not in final or not final["ModelArtifacts"].get("S3ModelArtifacts")
    assert _files(dest) == []  # no half-written archive
    assert not (core.jobs.layout(name).job_dir / "disk.reserve").exists()


def test_a_processing_jobs_output_on_a_full_destination(core, small_disk, write_script) -> None:
    dest = _destination(small_disk, "processing-disk")
    script = write_script("import os\nopen('/opt/ml/processing/out/result.bin', 'wb').write(os.urandom(200000))\n", name="process.py")
    name = core.processing.submit({
        "code": str(script), "name": "output-full",
        "outputs": [{"source": "/opt/ml/processing/out", "destination": str(dest / "results"), "output_name": "result"}],
    })["ProcessingJobName"]
    final = core.processing.wait(name, timeout=120)
    assert final["ProcessingJobStatus"] == "Failed", final
    assert final["FailureReason"].startswith(f"ClientError: The disk is full: no space left to write output 'result' ({dest / 'results'}); "
                                             f"the file system at {dest} has 0 bytes free"), final["FailureReason"]
    assert _files(dest) == []


TRANSFORM_CODE = """
def model_fn(model_dir):
    return None

def predict_fn(data, model):
    return data
"""


def test_a_transform_jobs_outputs_on_a_full_output_path(core, small_disk, tmp_path: Path) -> None:
    dest = _destination(small_disk, "transform-disk")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.txt").write_text("none\n")
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "inference.py").write_text(TRANSFORM_CODE)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "rows.csv").write_text("".join(f"{i},{i + 1}\n" for i in range(2000)))
    name = core.transforms.submit({
        "model": str(tmp_path / "model"), "entry_point": "inference.py", "source_dir": str(tmp_path / "code"), "name": "transform-full",
        "input": str(tmp_path / "data"), "output_path": str(dest / "scored"), "content_type": "text/csv", "split_type": "Line",
    })["TransformJobName"]
    final = core.transforms.wait(name, timeout=120)
    assert final["TransformJobStatus"] == "Failed", final
    assert final["FailureReason"].startswith(
        f"ClientError: The disk is full: no space left to write an output file ({dest / 'scored' / 'rows.csv.out'}); "
        f"the file system at {dest} has 0 bytes free"), final["FailureReason"]
    assert _files(dest) == []


def test_a_tuning_trial_that_fills_the_disk_fails_saying_so(core, write_script, labstudio_home: Path) -> None:
    script = write_script(FLOOD, name="flood.py")
    core.tuning.submit({
        "name": "flood-sweep",
        "training": {"entry_point": script.name, "source_dir": str(script.parent), "metric_definitions": [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]},
        "objective_metric_name": "loss", "objective_type": "Minimize",
        "hyperparameter_ranges": {"level": {"type": "Continuous", "min_value": 0.0, "max_value": 1.0}},
        "strategy": "Random", "max_jobs": 1, "max_parallel_jobs": 1, "random_seed": 3,
    })
    final = core.tuning.wait("flood-sweep", timeout=180)
    trial = core.tuning.training_jobs("flood-sweep")["TrainingJobSummaries"][0]
    assert trial["TrainingJobStatus"] == "Failed"
    assert trial["FailureReason"].startswith("ClientError: The disk is full: no space left to write the job's log"), trial
    assert f"the file system at {labstudio_home.parent} has" in trial["FailureReason"]
    assert final["HyperParameterTuningJobStatus"] == "Failed" and trial["FailureReason"] in final["FailureReason"], final


def test_a_run_file_logged_to_a_full_artifact_store(core, small_disk, tmp_path: Path, monkeypatch) -> None:
    from labstudio import Run

    artifacts = _destination(small_disk, "artifacts-disk")
    monkeypatch.setenv("LABSTUDIO_ARTIFACT_URI", str(artifacts))
    report = tmp_path / "report.csv"
    report.write_text("a,b\n" * 50000)
    with Run(experiment_name="full", run_name="r") as run, pytest.raises(DiskFull) as full:
        run.log_file(report)
    assert isinstance(full.value, OSError) and full.value.errno == errno.ENOSPC
    target = artifacts / "runs" / run.run_id / "output" / "report.csv" / "report.csv"
    assert full.value.message == (f"The disk is full: no space left to write a file ({target}); the file system at {artifacts} "
                                  "has 0 bytes free of 1.0 MB. Free space there and try again.")
    assert _files(artifacts) == []
    assert core.experiments.get_run(run.run_id)["artifacts"] == []


def test_the_sdk_copying_archives_to_a_full_local_output_path(labstudio_home, small_disk, write_script) -> None:
    import labstudio

    dest = _destination(small_disk, "sdk-disk")
    script = write_script("import os\nopen(os.path.join(os.environ['SM_MODEL_DIR'], 'model.bin'), 'wb').write(os.urandom(200000))\n")
    est = labstudio.Estimator(str(script.name), source_dir=str(script.parent), output_path=f"file://{dest / 'models'}")
    with pytest.raises(DiskFull) as full:
        est.fit(logs=False)
    name = est.latest_training_job.name
    target = dest / "models" / name / "output" / "model.tar.gz"
    assert full.value.message.startswith(f"The disk is full: no space left to write an archive ({target}); the file system at {dest}")
    assert _files(dest) == []
    assert est.latest_training_job.describe()["TrainingJobStatus"] == "Completed"  # the job's own archive is intact
