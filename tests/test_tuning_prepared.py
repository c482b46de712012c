"""A tuner prepares its next trial ahead (JobService.prepare/launch): a prepared job is not a
job until it is launched, and one a dead tuner left behind is removed, never run."""
from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.errors import NotFound
from labstudio.shapes import to_json
from labstudio.store import runs as runs_store
from labstudio.store import tuning as tuning_store
from test_tuning_process import TRIAL, _request, _trials


def test_a_prepared_job_is_no_job_until_launched(core, write_script) -> None:
    script = write_script("print('loss: 0.5')\n")
    request = {"name": "ahead", "entry_point": script.name, "source_dir": str(script.parent)}
    prepared = core.jobs.prepare(request)
    folder = core.jobs.layout("ahead").job_dir
    assert (folder / "launch.json").exists() and (core.jobs.code_dir("ahead") / "train.py").exists()
    with pytest.raises(NotFound):
        core.jobs.get("ahead")
    assert to_json(core.jobs.list())["TrainingJobSummaries"] == []

    # Whatever the caller's part of the launch transaction raises, nothing is recorded or left.
    def refuse(conn) -> None:  # type: ignore[no-untyped-def]
        raise RuntimeError("stopped meanwhile")

    with pytest.raises(RuntimeError):
        core.jobs.launch(prepared, also=refuse)
    assert not folder.exists()
    with pytest.raises(NotFound):
        core.jobs.get("ahead")
    with core.db.read() as conn:
        assert not runs_store.run_exists(conn, prepared.run_id)  # the run rolled back with the job's row

    prepared = core.jobs.prepare(request)
    core.jobs.discard(prepared)
    assert not folder.exists()

    prepared = core.jobs.prepare(request)
    described = to_json(core.jobs.launch(prepared))
    assert described is not None and described["TrainingJobName"] == "ahead"
    final = to_json(core.jobs.wait("ahead", timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final["FailureReason"]
    assert final["FinalMetricDataList"] == [] and to_json(core.jobs.logs("ahead"))["text"] == "loss: 0.5\n"


def test_a_trial_a_dead_tuner_prepared_is_removed_and_asked_again(core, write_script) -> None:
    script = write_script(TRIAL)
    body = _request(script, "prep", max_jobs=4, max_parallel_jobs=1)
    body["training"]["hyperparameters"] = {"steps": 6, "delay": 0.05}
    core.tuning.submit(body)

    def finished() -> int:
        with core.db.read() as conn:
            return sum(1 for t in tuning_store.list_trials(conn, "prep") if t.state == "Finished")

    wait_for(lambda: finished() >= 1, timeout=120, message="a finished trial")
    job = core.tuning.get("prep")
    os.kill(job.tuner_pid, signal.SIGKILL)
    wait_for(lambda: not procutil.is_alive(job.tuner_pid, job.tuner_start_ticks), timeout=30, message="the tuner to die")
    # As if the dead tuner had prepared its next trial (folder, code, plan) and died before launching it.
    with core.db.read() as conn:
        number = max(t.number for t in tuning_store.list_trials(conn, "prep")) + 1
    planted = f"prep-{number:03d}-feedf00d"
    core.jobs.prepare({"name": planted, "entry_point": script.name, "source_dir": str(script.parent)})
    jobs_dir: Path = core.settings.jobs_dir
    assert (jobs_dir / planted).is_dir()
    # As if it had died half-way through preparing one: its folder and code, no launch plan yet.
    half = jobs_dir / f"prep-{number:03d}-0ddba11a"
    (half / "opt" / "ml" / "code").mkdir(parents=True)
    (half / "opt" / "ml" / "code" / script.name).write_text(script.read_text())
    assert core.tuning.check("prep") is True  # a new tuner was started
    final = to_json(core.tuning.wait("prep", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]

    names = [t["TrainingJobName"] for t in _trials(core, "prep")]
    assert [int(n.rsplit("-", 2)[1]) for n in names] == [1, 2, 3, 4]
    assert planted not in names
    assert not (jobs_dir / planted).exists() and not half.exists()
    # Every folder the sweep left is a job's: nothing prepared ahead was left behind or run twice.
    assert sorted(p.name for p in jobs_dir.iterdir() if p.name.startswith("prep-")) == sorted(names)
    jobs = to_json(core.jobs.list(name_contains="prep-", limit=1000))["TrainingJobSummaries"]
    assert sorted(j["TrainingJobName"] for j in jobs) == sorted(names)
