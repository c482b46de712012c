"""A pipeline execution's runner dies (kill -9, or between recording a step and starting its job)
and a new one resumes it from the store: no step runs twice, a recorded job is started once,
and nothing that is not in the definition runs."""
from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from conftest import wait_for
from labstudio import procs
from labstudio.answer import to_json
from labstudio.processing import ProcessingInput
from labstudio.store import leases as leases_store
from labstudio.store import pipelines as pipelines_store
from labstudio.workflow.pipeline import Pipeline
from labstudio.workflow.pipeline_context import PipelineSession
from labstudio.workflow.runner import Runner, lease_name
from labstudio.workflow.stepjobs import StepJobs
from labstudio.workflow.steps import ProcessingStep
from pipeline_helpers import processor, steps_by_name, write_project

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_project(tmp_path / "project")
    monkeypatch.chdir(folder)
    return folder


def _gated(session: Any, name: str, gate: Path, **kwargs: Any) -> ProcessingStep:
    return ProcessingStep(name, step_args=processor(session).run(code="code/gated.py", arguments=[str(gate)]), **kwargs)


def _runner_pid(core, execution_id: str) -> tuple[int, int | None]:  # type: ignore[no-untyped-def]
    with core.db.read() as conn:
        lease = leases_store.get(conn, lease_name(execution_id))
    assert lease is not None and lease.pid
    return lease.pid, lease.start_ticks


def _jobs_of(core, execution_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(j["ProcessingJobName"] for j in to_json(core.processing.list(name_contains=execution_id, limit=1000))["ProcessingJobSummaries"])


@pytest.mark.timeout(600)
def test_a_runner_killed_mid_execution_is_resumed_and_runs_nothing_twice(project: Path, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session = PipelineSession()
    first, second = tmp_path / "first", tmp_path / "second"
    a = _gated(session, "A", first)
    b = _gated(session, "B", second, depends_on=[a])
    c = _gated(session, "C", second, depends_on=[a])
    d = ProcessingStep("D", depends_on=[b, c], step_args=processor(session).run(
        code="code/prep.py", inputs=[ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")]))
    pipeline = Pipeline("resumable", steps=[a, b, c, d], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()
    execution_id = execution.arn.rsplit("/", 1)[1]
    wait_for(lambda: Path(str(first) + ".started").exists(), timeout=120, message="step A to run")
    pid, ticks = wait_for(lambda: _runner_pid(core, execution_id), timeout=60, message="the runner's lease")
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not procs.is_alive(pid, ticks), timeout=30, message="the runner to die")
    a_job = steps_by_name(execution.list_steps())["A"]["JobName"]
    first.touch()  # A ends while no runner follows it
    wait_for(lambda: core.processing.get(a_job).status == "Completed", timeout=120, message="A's job to complete")
    assert core.pipelines.describe_execution(execution.arn)["PipelineExecutionStatus"] == "Executing"

    assert core.pipelines.check(execution.arn) is True  # the dead runner is replaced
    second.touch()
    final = core.pipelines.wait(execution.arn, timeout=300)
    assert final["PipelineExecutionStatus"] == "Succeeded", final["FailureReason"]
    steps = steps_by_name(execution.list_steps())
    assert steps["A"]["JobName"] == a_job and all(s["AttemptCount"] == 1 for s in steps.values())
    # Exactly one job per step: A's was adopted, not started again.
    assert _jobs_of(core, execution_id) == sorted(s["JobName"] for s in steps.values())
    assert to_json(core.processing.logs(a_job))["text"].count("through the gate") == 1


@pytest.mark.timeout(600)
def test_a_step_recorded_by_a_runner_that_died_before_starting_its_job_runs_once(
        project: Path, core, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The runner dies after recording B (its row names B's job) and before submitting it, and
    after submitting C's job but before its supervisor started. The next runner submits B under
    its recorded name, starts C's supervisor, and never acts on a row the definition does not have."""
    from labstudio.jobs.backends.local import LocalBackend

    session = PipelineSession()
    gate = tmp_path / "gate"
    gate.touch()
    a = _gated(session, "A", gate)
    b = _gated(session, "B", gate, depends_on=[a])
    c = _gated(session, "C", gate, depends_on=[b])
    pipeline = Pipeline("crashy", steps=[a, b, c], sagemaker_session=session)
    pipeline.upsert()
    started = core.pipelines.start("crashy", detach=False)  # recorded; this test runs its runner
    execution_id = started["PipelineExecutionId"]

    real_submit = StepJobs.submit

    class Crash(BaseException):
        """The runner's process dying at this instruction."""

    def dying_submit(self: StepJobs, kind: str, request: dict[str, Any]) -> None:
        if request["name"].startswith("B-"):
            raise Crash("died between recording B and submitting its job")
        real_submit(self, kind, request)

    monkeypatch.setattr(StepJobs, "submit", dying_submit)
    with pytest.raises(Crash):
        Runner(core.settings, execution_id).run()
    monkeypatch.undo()
    rows = {r.name: r for r in _rows(core, execution_id)}
    assert rows["A"].status == "Succeeded" and rows["B"].status == "Starting" and rows["B"].job_name
    assert not StepJobs(core).exists("processing", rows["B"].job_name)

    # The second runner: B is submitted under its recorded name; then it dies once C's job is
    # recorded in the store but its supervisor was never started.
    def dying_after_launch(self: StepJobs, kind: str, request: dict[str, Any]) -> None:
        if request["name"].startswith("C-"):
            monkeypatch.setattr(LocalBackend, "submit", lambda self, job, layout: None)
            real_submit(self, kind, request)
            raise Crash("died before C's supervisor started")
        real_submit(self, kind, request)

    monkeypatch.setattr(StepJobs, "submit", dying_after_launch)
    with pytest.raises(Crash):
        Runner(core.settings, execution_id).run()
    monkeypatch.undo()
    c_job = {r.name: r for r in _rows(core, execution_id)}["C"].job_name
    assert c_job and core.processing.get(c_job).supervisor_pid is None
    # A row the definition does not have, as something else might write it: never acted on.
    core.db.run_write(lambda conn: pipelines_store.insert_step(conn, {
        "execution_id": execution_id, "name": "Ghost", "type": "Processing", "status": "Starting", "job_kind": "processing",
        "job_name": f"Ghost-{execution_id}", "start_time": 0.0, "arguments": {"AppSpecification": {"ContainerEntrypoint": ["true"]}},
    }))

    assert core.pipelines.check(execution_id) is True  # a detached runner resumes it
    final = core.pipelines.wait(execution_id, timeout=300)
    assert final["PipelineExecutionStatus"] == "Succeeded", final["FailureReason"]
    steps = steps_by_name(core.pipelines.list_steps(execution_id)["PipelineExecutionSteps"])
    assert {n: s["StepStatus"] for n, s in steps.items()} == {"A": "Succeeded", "B": "Succeeded", "C": "Succeeded"}
    assert steps["B"]["JobName"] == rows["B"].job_name and steps["C"]["JobName"] == c_job
    assert _jobs_of(core, execution_id) == sorted([rows["A"].job_name, rows["B"].job_name, c_job])
    assert not StepJobs(core).exists("processing", f"Ghost-{execution_id}")
    for job in (rows["B"].job_name, c_job):
        assert to_json(core.processing.logs(job))["text"].count("through the gate") == 1  # ran once


def _rows(core, execution_id: str) -> list[pipelines_store.StepRow]:  # type: ignore[no-untyped-def]
    with core.db.read() as conn:
        return pipelines_store.list_steps(conn, execution_id)


@pytest.mark.timeout(600)
def test_a_runner_and_its_steps_are_forked_by_the_warm_server(project: Path, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Once this process has a warm server (jobs/forkserver.py), an execution's runner is
    forked by it, and so are its steps' supervisors: no interpreter start, no store import
    before the first step. The execution still runs to its end."""
    from labstudio.jobs import forkserver

    env = core.settings.child_env()
    forkserver.ensure_started(env)
    wait_for(lambda: forkserver.answers(forkserver.address(env)), timeout=120, message="the warm server to listen")
    session = PipelineSession()
    gate = tmp_path / "gate"
    pipeline = Pipeline("warm", steps=[_gated(session, "A", gate)], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()
    execution_id = execution.arn.rsplit("/", 1)[1]
    wait_for(lambda: Path(str(gate) + ".started").exists(), timeout=120, message="step A to run")
    runner, _ = _runner_pid(core, execution_id)
    assert b"labstudio.jobs.forkserver" in Path(f"/proc/{runner}/cmdline").read_bytes()
    step_job = steps_by_name(execution.list_steps())["A"]["JobName"]
    # The supervisor records its pid with the job's start, written after the script spawns
    # (jobs/store_writer.py), so the script's first act can come before it.
    wait_for(lambda: core.processing.get(step_job).supervisor_pid, timeout=60, message="step A's supervisor to record its pid")
    job = core.processing.get(step_job)
    assert job.supervisor_pid and b"labstudio.jobs.forkserver" in Path(f"/proc/{job.supervisor_pid}/cmdline").read_bytes()
    gate.touch()
    final = core.pipelines.wait(execution.arn, timeout=300)
    assert final["PipelineExecutionStatus"] == "Succeeded", final["FailureReason"]
