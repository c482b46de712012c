"""Tuning jobs with real processes: a parallel sweep, early stopping, resume after kill -9 of
the tuner, stop, and a sweep whose every trial fails. Trials are ordinary training jobs."""
from __future__ import annotations

import dataclasses
import os
import signal
from pathlib import Path
from typing import Any

import pytest

from conftest import wait_for
from labstudio import procs as procutil
from labstudio.shapes import to_json
from labstudio.store import events as events_store
from labstudio.store import tuning as tuning_store

# A trial: one `loss: <value>` line per step, driven by its hyperparameters.
TRIAL = """
import argparse, sys, time
p = argparse.ArgumentParser()
p.add_argument("--level", type=float, default=1.0)
p.add_argument("--steps", type=int, default=4)
p.add_argument("--delay", type=float, default=0.04)
p.add_argument("--fail", default="no")
p.add_argument("--slow-levels", default="")  # levels whose steps take ten times the delay
a, _ = p.parse_known_args()
if a.fail == "yes":
    sys.exit("bad data: column 'y' is missing")
slow = a.level in [float(x) for x in a.slow_levels.split(",") if x]
for i in range(a.steps):
    time.sleep(a.delay * 10 if slow else a.delay)
    print(f"loss: {a.level + 1.0 / (i + 1):.5f}", flush=True)
"""

METRICS = [{"Name": "loss", "Regex": r"loss: ([0-9.]+)"}]


def _request(script: Path, name: str, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "training": {
            "entry_point": script.name,
            "source_dir": str(script.parent),
            "hyperparameters": {"steps": 4},
            "metric_definitions": METRICS,
        },
        "objective_metric_name": "loss",
        "objective_type": "Minimize",
        "hyperparameter_ranges": {"level": {"type": "Continuous", "min_value": 0.0, "max_value": 5.0}},
        "strategy": "Random",
        "max_jobs": 6,
        "max_parallel_jobs": 2,
        "random_seed": 11,
    }
    body.update(changes)
    return body


def _trials(core, name: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    return to_json(core.tuning.training_jobs(name, sort_by="CreationTime", sort_order="Ascending"))["TrainingJobSummaries"]


def _max_overlap(core, names: list[str]) -> int:  # type: ignore[no-untyped-def]
    """Most trials InProgress at once, from their jobs' recorded status transitions: a job is
    running from its first transition (Starting) to its terminal one."""
    edges = []
    for name in names:
        transitions = to_json(core.jobs.describe(name))["SecondaryStatusTransitions"]
        edges.append((transitions[0]["StartTime"], 1))
        edges.append((transitions[-1]["StartTime"], -1))
    running = peak = 0
    for _, delta in sorted(edges, key=lambda e: (e[0], e[1])):  # an end before a start at the same instant
        running += delta
        peak = max(peak, running)
    return peak


def test_a_parallel_sweep_runs_trials_as_jobs_and_finds_the_best(core, write_script) -> None:
    script = write_script(TRIAL)
    d = to_json(core.tuning.submit(_request(script, "sweep")))
    assert d["HyperParameterTuningJobStatus"] == "InProgress"
    # The trials train from the snapshot taken at submit: a broken script now changes nothing.
    script.write_text("import sys; sys.exit('edited after submit')\n")
    final = to_json(core.tuning.wait("sweep", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]
    assert final["TrainingJobStatusCounters"] == {"Completed": 6, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0}
    assert final["ObjectiveStatusCounters"] == {"Succeeded": 6, "Pending": 0, "Failed": 0}
    assert final["HyperParameterTuningEndTime"]

    trials = _trials(core, "sweep")
    names = [t["TrainingJobName"] for t in trials]
    assert len(names) == 6 == len(set(names))
    assert [n.rsplit("-", 2)[0] for n in names] == ["sweep"] * 6
    assert [n.rsplit("-", 2)[1] for n in names] == ["001", "002", "003", "004", "005", "006"]
    # Each trial is an ordinary training job: its run in the tuning job's experiment, its metrics, its tag.
    for trial in trials:
        job = to_json(core.jobs.describe(trial["TrainingJobName"]))
        level = float(trial["TunedHyperParameters"]["level"])
        assert 0.0 <= level <= 5.0
        assert job["TrainingJobStatus"] == "Completed" and job["ExperimentName"] == "sweep" and job["RunId"] == trial["RunId"]
        assert job["HyperParameters"]["level"] == trial["TunedHyperParameters"]["level"]
        assert job["HyperParameters"]["steps"] == "4"
        assert {"Key": "labstudio:tuning-job", "Value": "sweep"} in job["Tags"]
        last = job["FinalMetricDataList"][0]["Value"]
        assert last == pytest.approx(level + 0.25, abs=1e-4)
        assert trial["FinalHyperParameterTuningJobObjectiveMetric"]["Value"] == pytest.approx(last)
    best = min(trials, key=lambda t: t["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    assert final["BestTrainingJob"]["TrainingJobName"] == best["TrainingJobName"]
    assert final["BestTrainingJob"]["FinalHyperParameterTuningJobObjectiveMetric"]["Type"] == "Minimize"
    # max_parallel_jobs=2: never more than two trials in progress, and two did run together.
    assert _max_overlap(core, names) == 2
    # The change feed told the panel about it.
    with core.db.read() as conn:
        events = [e for e in events_store.tail(conn, 0, limit=10_000) if e["kind"].startswith("tuning.")]
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "tuning.created" and kinds.count("tuning.progress") == 6
    assert events[-1] == {**events[-1], "kind": "tuning.status", "payload": {"name": "sweep", "status": "Completed"}}
    last_progress = [e["payload"] for e in events if e["kind"] == "tuning.progress"][-1]
    assert last_progress["completed"] == 6 and last_progress["total"] == 6
    assert last_progress["best"] == pytest.approx(best["FinalHyperParameterTuningJobObjectiveMetric"]["Value"])
    listed = to_json(core.tuning.list())["HyperParameterTuningJobSummaries"]
    assert [s["HyperParameterTuningJobName"] for s in listed] == ["sweep"]
    assert listed[0]["BestObjectiveValue"] == pytest.approx(last_progress["best"])


def test_early_stopping_stops_trials_worse_than_the_median(core, write_script) -> None:
    """Grid over level 0..5 with seed 1 runs the levels in the order 2, 1, 4, 0, 3, 5 (one at a
    time): from the fourth trial on, three earlier trials exist; level 0 beats their median,
    levels 3 and 5 do not and are stopped, and the sweep goes on."""
    script = write_script(TRIAL)
    body = _request(
        script,
        "early",
        strategy="Grid",
        random_seed=1,
        max_jobs=None,
        max_parallel_jobs=1,
        early_stopping_type="Auto",
        hyperparameter_ranges={"level": {"type": "Integer", "min_value": 0, "max_value": 5}},
    )
    # The trials the rule should stop run for half a minute, so that however loaded the
    # machine, the tuner reads their curve and stops them well before their end (the engine
    # stores captured metrics in batches); if the rule failed to stop them, they would
    # complete and the test fail. The others are quick.
    body["training"]["hyperparameters"] = {"steps": 25, "delay": 0.12, "slow-levels": "3,5"}
    core.tuning.submit(body)
    final = to_json(core.tuning.wait("early", timeout=240))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]
    trials = _trials(core, "early")
    by_level = {int(t["TunedHyperParameters"]["level"]): t for t in trials}
    assert [int(t["TunedHyperParameters"]["level"]) for t in trials] == [2, 1, 4, 0, 3, 5]
    for level in (3, 5):
        trial = by_level[level]
        assert trial["EarlyStopped"] is True and trial["TrainingJobStatus"] == "Stopped"
        points = to_json(core.jobs.metrics(trial["TrainingJobName"]))[0]["points"]
        assert 3 <= len(points) < 25  # really stopped, after the rule's first decision step
    for level in (0, 1, 2, 4):
        assert by_level[level]["EarlyStopped"] is False and by_level[level]["TrainingJobStatus"] == "Completed"
    assert final["TrainingJobStatusCounters"]["Stopped"] == 2 and final["TrainingJobStatusCounters"]["Completed"] == 4
    assert final["BestTrainingJob"]["TunedHyperParameters"] == {"level": "0"}


# A trial that, once its losses are printed, waits until the test opens its gate: the file
# go-<trial number> in the folder --gate names. The test decides which trials may end, so the
# state it kills the tuner in does not depend on how loaded the machine is.
GATED_TRIAL = TRIAL + """
import os, pathlib
p.add_argument("--gate", default="")
a, _ = p.parse_known_args()
if a.gate:
    number = int(os.environ["TRAINING_JOB_NAME"].rsplit("-", 2)[1])
    while not (pathlib.Path(a.gate) / f"go-{number}").exists():
        time.sleep(0.02)
"""


def _open_gates(gate: Path, *numbers: int) -> None:
    for n in numbers:
        (gate / f"go-{n}").touch()


def _kill_tuner(core, name: str):  # type: ignore[no-untyped-def]
    job = core.tuning.get(name)
    assert procutil.is_alive(job.tuner_pid, job.tuner_start_ticks)
    os.kill(job.tuner_pid, signal.SIGKILL)
    wait_for(lambda: not procutil.is_alive(job.tuner_pid, job.tuner_start_ticks), timeout=30, message="the tuner to die")
    return job


def test_the_tuner_resumes_after_kill_9_without_losing_or_repeating_a_trial(core, write_script, tmp_path: Path) -> None:
    gate = tmp_path / "gate"
    gate.mkdir()
    script = write_script(GATED_TRIAL)
    body = _request(script, "resume", max_jobs=7)
    body["training"]["hyperparameters"] = {"steps": 6, "delay": 0.05, "gate": str(gate)}
    _open_gates(gate, 1, 2)  # trials 1 and 2 finish; 3 and 4 start and wait at their gate
    core.tuning.submit(body)

    def trials() -> list[tuning_store.TrialRecord]:
        with core.db.read() as conn:
            return tuning_store.list_trials(conn, "resume")

    wait_for(lambda: [t.state for t in trials()][:2] == ["Finished", "Finished"] and len(trials()) == 4, timeout=120, message="two finished trials and two waiting")
    job = _kill_tuner(core, "resume")
    # The tuner can only have recorded trials 1-4: 3 and 4 cannot end before their gate opens.
    recorded = trials()
    assert [t.number for t in recorded] == [1, 2, 3, 4]
    # As if the dead tuner had recorded trial 5 and died before submitting its job.
    orphan = "resume-005-0badcafe"
    core.db.run_write(lambda conn: tuning_store.add_trial(conn, "resume", 5, orphan, {"level": 1.5}, {}, recorded[-1].created_time))
    assert core.tuning.check("resume") is True  # a new tuner was started
    _open_gates(gate, *range(3, 8))
    final = to_json(core.tuning.wait("resume", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]
    assert core.tuning.get("resume").tuner_pid != job.tuner_pid

    trials_after = _trials(core, "resume")
    names = [t["TrainingJobName"] for t in trials_after]
    assert len(names) == 7 == len(set(names))
    numbers = [int(n.rsplit("-", 2)[1]) for n in names]
    assert numbers == list(range(1, 8))
    assert all(t["TrainingJobStatus"] == "Completed" for t in trials_after)
    recorded_orphan = next(t for t in trials_after if t["TrainingJobName"] == orphan)
    assert recorded_orphan["TunedHyperParameters"] == {"level": "1.5"}  # submitted as recorded, not asked again
    # No trial ran twice: exactly one training job per trial, each with one run.
    jobs = to_json(core.jobs.list(name_contains="resume-", limit=1000))["TrainingJobSummaries"]
    assert sorted(j["TrainingJobName"] for j in jobs) == sorted(names)
    assert len({j["RunId"] for j in jobs}) == 7


def test_a_resumed_tuner_never_runs_more_than_max_jobs_trials(core, write_script, tmp_path: Path) -> None:
    """Issue 27: a store holding a recorded, never-submitted trial beyond max_jobs (which no
    tuner records) must not make a resumed sweep run max_jobs + 1 trials."""
    gate = tmp_path / "gate"
    gate.mkdir()
    script = write_script(GATED_TRIAL)
    body = _request(script, "capped", max_jobs=3)
    body["training"]["hyperparameters"] = {"steps": 2, "delay": 0.01, "gate": str(gate)}
    _open_gates(gate, 1, 2)
    core.tuning.submit(body)
    wait_for(lambda: len(_trials(core, "capped")) == 3, timeout=120, message="every trial recorded")
    _kill_tuner(core, "capped")
    core.db.run_write(lambda conn: tuning_store.add_trial(conn, "capped", 4, "capped-004-0badcafe", {"level": 1.5}, {}, 0.0))
    assert core.tuning.check("capped") is True
    _open_gates(gate, 3, 4)
    final = to_json(core.tuning.wait("capped", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]
    names = [t["TrainingJobName"] for t in _trials(core, "capped")]
    assert [int(n.rsplit("-", 2)[1]) for n in names] == [1, 2, 3]
    assert "capped-004-0badcafe" not in {j["TrainingJobName"] for j in to_json(core.jobs.list(name_contains="capped-"))["TrainingJobSummaries"]}
    assert final["TrainingJobStatusCounters"]["Completed"] == 3


def test_a_trial_recorded_by_a_tuner_that_died_before_starting_it_still_runs(core, write_script, tmp_path: Path, monkeypatch) -> None:
    """A tuner killed between recording a trial (its rows) and starting its supervisor: the
    next tuner starts it, once; the trial is neither lost (failed after the start grace) nor
    run twice."""
    from labstudio.jobs.backends.local import LocalBackend

    gate = tmp_path / "gate"
    gate.mkdir()
    script = write_script(GATED_TRIAL)
    body = _request(script, "unstarted", max_jobs=3, max_parallel_jobs=1)
    body["training"]["hyperparameters"] = {"steps": 2, "delay": 0.01, "gate": str(gate)}
    core.tuning.submit(body)
    wait_for(lambda: len(_trials(core, "unstarted")) == 1, timeout=120, message="trial 1 recorded")
    _kill_tuner(core, "unstarted")
    # As the dead tuner would have: trial 2's rows written, its supervisor never started.
    prepared = core.jobs.prepare(dataclasses.replace(_trial_spec_of(core, "unstarted"), name="unstarted-002-0badcafe"))
    # Only this patch is undone after the launch: monkeypatch.undo() would also undo the
    # fixtures' environment (LABSTUDIO_HOME, LABSTUDIO_DB_URL) and point the teardown at ~/.labstudio.
    with monkeypatch.context() as patched:
        patched.setattr(LocalBackend, "submit", lambda self, job, layout: None)  # dies before the start
        core.jobs.launch(prepared, also=lambda conn: (
            tuning_store.add_trial(conn, "unstarted", 2, "unstarted-002-0badcafe", {"level": 2.5}, {}, 0.0),
            tuning_store.set_trial(conn, "unstarted", 2, state="Submitted"),
        ))
    assert core.jobs.get("unstarted-002-0badcafe").supervisor_pid is None
    assert core.tuning.check("unstarted") is True
    _open_gates(gate, 1, 2, 3)
    final = to_json(core.tuning.wait("unstarted", timeout=180))
    assert final["HyperParameterTuningJobStatus"] == "Completed", final["FailureReason"]
    trials = _trials(core, "unstarted")
    assert [t["TrainingJobName"] for t in trials][1] == "unstarted-002-0badcafe"
    assert all(t["TrainingJobStatus"] == "Completed" for t in trials), [t["FailureReason"] for t in trials]
    # Its script ran once: one log with its two loss lines, one supervisor.
    assert to_json(core.jobs.logs("unstarted-002-0badcafe"))["text"].count("loss:") == 2


def _trial_spec_of(core, name: str):  # type: ignore[no-untyped-def]
    """The training spec a tuning job's trials are made from (its template, from its code snapshot)."""
    from labstudio.tuning.service import code_dir
    from labstudio.tuning.spec import TuningSpec

    spec = TuningSpec.from_dict(core.tuning.get(name).spec)
    return dataclasses.replace(
        spec.template,
        source_dir=str(code_dir(core.settings, name)),
        source_is_single_file=False,
        hyperparameters={**spec.template.hyperparameters, "level": 2.5},
        experiment_name=spec.experiment_name,
        tags={**spec.template.tags, **spec.tags, "labstudio:tuning-job": name},
        trial_name=None,
    )


def test_stop_stops_every_running_trial(core, write_script) -> None:
    script = write_script(TRIAL)
    body = _request(script, "halt", max_jobs=4)
    body["training"]["hyperparameters"] = {"steps": 600, "delay": 0.1}
    core.tuning.submit(body)

    def running() -> int:
        return sum(1 for t in _trials(core, "halt") if t["TrainingStartTime"] and t["TrainingJobStatus"] == "InProgress")

    wait_for(lambda: running() == 2, timeout=120, message="two running trials")
    stopping = to_json(core.tuning.stop("halt"))
    assert stopping["HyperParameterTuningJobStatus"] in ("Stopping", "Stopped")
    final = to_json(core.tuning.wait("halt", timeout=120))
    assert final["HyperParameterTuningJobStatus"] == "Stopped"
    trials = _trials(core, "halt")
    assert len(trials) == 2 and all(t["TrainingJobStatus"] == "Stopped" for t in trials)
    assert all(t["EarlyStopped"] is False for t in trials)
    assert final["TrainingJobStatusCounters"]["Stopped"] == 2
    from labstudio.errors import Conflict

    with pytest.raises(Conflict):
        core.tuning.stop("halt")


def test_a_sweep_whose_every_trial_fails_is_failed_with_the_first_reason(core, write_script) -> None:
    script = write_script(TRIAL)
    body = _request(script, "doomed", max_jobs=3)
    body["training"]["hyperparameters"] = {"fail": "yes"}
    core.tuning.submit(body)
    final = to_json(core.tuning.wait("doomed", timeout=120))
    assert final["HyperParameterTuningJobStatus"] == "Failed"
    assert final["TrainingJobStatusCounters"]["NonRetryableError"] == 3
    assert final["ObjectiveStatusCounters"] == {"Succeeded": 0, "Pending": 0, "Failed": 3}
    first = _trials(core, "doomed")[0]
    assert first["FailureReason"] and "column 'y' is missing" in first["FailureReason"]
    assert first["TrainingJobName"] in final["FailureReason"] and first["FailureReason"] in final["FailureReason"]
    assert final["BestTrainingJob"] is None
