"""`labstudio pipelines ...` as a user runs it: a real process per command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_helpers import cli_runner
from labstudio.processing import ProcessingInput
from labstudio.workflow.fail_step import FailStep
from labstudio.workflow.functions import Join
from labstudio.workflow.parameters import ParameterString
from labstudio.workflow.pipeline import Pipeline
from labstudio.workflow.pipeline_context import PipelineSession
from labstudio.workflow.steps import ProcessingStep
from pipeline_helpers import processor, write_project

pytestmark = pytest.mark.slow


@pytest.mark.timeout(600)
def test_pipelines_commands(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    project = write_project(tmp_path / "project")
    monkeypatch.chdir(project)
    session = PipelineSession()
    tag = ParameterString("Tag", default_value="plain")
    prep = ProcessingStep("Prep", step_args=processor(session).run(
        code="code/prep.py", arguments=[tag], inputs=[ProcessingInput(source="data", destination="/opt/ml/processing/input")]))
    Pipeline("cli-demo", parameters=[tag], steps=[prep], sagemaker_session=session).upsert()
    Pipeline("cli-fails", steps=[FailStep("Stop", error_message=Join(on=" ", values=["stopped", "here"]))], sagemaker_session=session).upsert()
    run = cli_runner(project)

    listed = run("pipelines", "list").stdout
    assert "cli-demo" in listed and "cli-fails" in listed
    described = run("pipelines", "describe", "cli-demo").stdout
    assert "Tag (String) = plain" in described and "Prep (Processing)" in described
    assert json.loads(run("pipelines", "definition", "cli-demo").stdout)["Steps"][0]["Name"] == "Prep"

    waited = run("pipelines", "start", "cli-demo", "-p", "Tag=from-cli", "--wait")
    assert "Prep  Succeeded" in waited.stdout and "Succeeded in" in waited.stdout.splitlines()[-1]
    executions = run("pipelines", "executions", "cli-demo", "--json").stdout
    (execution,) = json.loads(executions)["PipelineExecutionSummaries"]
    assert {"Name": "Tag", "Value": "from-cli"} in execution["PipelineParameters"]
    steps = run("pipelines", "steps", execution["PipelineExecutionId"]).stdout
    assert "Prep" in steps and "Succeeded" in steps and execution["PipelineExecutionId"] in steps

    failed = run("pipelines", "start", "cli-fails", "--wait", check=False)
    assert failed.returncode == 1 and "stopped here" in failed.stdout
    started = run("pipelines", "start", "cli-demo").stdout.strip()
    assert len(started) == 12  # the execution id, at once

    bad = run("pipelines", "start", "cli-demo", "-p", "Nope=1", check=False)
    assert bad.returncode == 2 and bad.stderr.strip().startswith("labstudio: error:") and "'Nope'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    missing = run("pipelines", "describe", "nope", check=False)
    assert missing.returncode == 1 and "does not exist" in missing.stderr
    stop_done = run("pipelines", "stop", execution["PipelineExecutionId"], check=False)
    assert stop_done.returncode == 1 and "already Succeeded" in stop_done.stderr
