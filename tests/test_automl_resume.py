"""An AutoML job whose coordinator dies mid-way is resumed by whoever looks next (here, `wait`):
the new runner takes the lease over, follows the candidates already running, starts the rest,
and the job ends with exactly MaxCandidates candidates, none run twice."""
from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from automl_helpers import classification_csv, request
from conftest import wait_for
from labstudio import procs

pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
def test_a_killed_runner_is_resumed_from_the_store(core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    data = classification_csv(tmp_path / "customers.csv")
    core.automl.create(request("resumed", data, "label", MaxCandidates=3, Mode="HYPERPARAMETER_TUNING"))
    wait_for(lambda: core.automl.candidates("resumed"), timeout=180, message="a first candidate")
    job = core.automl.get("resumed")
    pid, ticks = job.runner_pid, job.runner_start_ticks
    assert pid and procs.is_alive(pid, ticks)
    os.kill(pid, signal.SIGKILL)  # the runner this test's job started, by its recorded pid
    wait_for(lambda: not procs.is_alive(pid, ticks), timeout=30, message="the runner to be gone")
    started = time.time()
    described = core.automl.wait("resumed", timeout=300)
    assert described["AutoMLJobStatus"] == "Completed", described.get("FailureReason")
    rows = core.automl.candidates("resumed")
    assert [c.number for c in rows] == [1, 2, 3] and len({c.candidate_name for c in rows}) == 3
    assert all(c.job_status == "Completed" for c in rows)
    resumed = core.automl.get("resumed")
    assert resumed.runner_pid != pid and resumed.end_time is not None and resumed.end_time >= started
