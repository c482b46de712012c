"""The pipelines REST API through a real Jupyter server with authentication on: create from a
definition the SDK wrote, list with the last execution, describe with parameters and DAG,
start (parameters checked), follow the steps, stop, and every bad input a 4xx naming the field."""
from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error
from labstudio.processing import ProcessingInput
from labstudio.workflow.fail_step import FailStep
from labstudio.workflow.functions import Join
from labstudio.workflow.parameters import ParameterInteger, ParameterString
from labstudio.workflow.pipeline import Pipeline
from labstudio.workflow.pipeline_context import PipelineSession
from labstudio.workflow.steps import ProcessingStep
from pipeline_helpers import processor, write_project

API = ("labstudio", "api")
pytestmark = pytest.mark.slow


def _definition(project: Path, gate: Path) -> str:
    session = PipelineSession()
    tag = ParameterString("Tag", default_value="first")
    count = ParameterInteger("Count", default_value=2)
    prep = ProcessingStep("Prep", step_args=processor(session).run(
        code="code/prep.py", arguments=[tag], inputs=[ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")]))
    wait = ProcessingStep("Wait", depends_on=[prep], step_args=processor(session).run(code="code/gated.py", arguments=[str(gate)]))
    return Pipeline("rest", parameters=[tag, count], steps=[prep, wait], sagemaker_session=session).definition()


async def _wait(jp_fetch, execution: str, statuses: tuple[str, ...] = ("Succeeded", "Failed", "Stopped"), timeout: float = 240) -> dict:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        described = _body(await jp_fetch(*API, "pipeline-executions", execution))
        if described["PipelineExecutionStatus"] in statuses:
            return described
        assert loop.time() < deadline, f"execution {execution} still {described['PipelineExecutionStatus']}"
        await asyncio.sleep(0.2)


async def test_create_start_follow_and_stop_over_rest(jp_fetch, jp_root_dir: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    project = write_project(jp_root_dir / "project")
    monkeypatch.chdir(project)
    gate = tmp_path / "gate"
    created = await jp_fetch(*API, "pipelines", method="POST", body=json.dumps({
        "PipelineName": "rest", "PipelineDefinition": _definition(project, gate), "PipelineDescription": "over REST",
        "RoleArn": "arn:aws:iam::000000000000:role/x", "ParallelismConfiguration": {"MaxParallelExecutionSteps": 2}}))
    assert created.code == 201 and _body(created)["PipelineArn"].endswith(":pipeline/rest")
    described = _body(await jp_fetch(*API, "pipelines", "rest"))
    assert described["Parameters"] == [{"Name": "Tag", "Type": "String", "DefaultValue": "first", "EnumValues": None},
                                       {"Name": "Count", "Type": "Integer", "DefaultValue": 2, "EnumValues": None}]
    assert {(e["Source"], e["Target"]) for e in described["Graph"]["Edges"]} == {("Prep", "Wait")}
    assert described["ParallelismConfiguration"] == {"MaxParallelExecutionSteps": 2} and described["LastExecution"] is None

    started = await jp_fetch(*API, "pipelines", "rest", "executions", method="POST", body=json.dumps({
        "PipelineParameters": [{"Name": "Tag", "Value": "second"}], "PipelineExecutionDisplayName": "from-rest"}))
    assert started.code == 201
    execution = _body(started)
    assert execution["PipelineExecutionStatus"] == "Executing" and execution["PipelineExecutionDisplayName"] == "from-rest"
    assert {p["Name"]: p["Value"] for p in execution["PipelineParameters"]} == {"Tag": "second", "Count": "2"}
    ident = execution["PipelineExecutionId"]

    async def waiting_started() -> bool:
        steps = _body(await jp_fetch(*API, "pipeline-executions", ident, "steps"))["PipelineExecutionSteps"]
        return any(s["StepName"] == "Wait" and s["StepStatus"] == "Executing" for s in steps)

    for _ in range(1200):
        if await waiting_started() and Path(str(gate) + ".started").exists():
            break
        await asyncio.sleep(0.2)
    listed = _body(await jp_fetch(*API, "pipelines"))["PipelineSummaries"]
    assert [(p["PipelineName"], p["LastExecution"]["PipelineExecutionStatus"]) for p in listed] == [("rest", "Executing")]
    stopped = await jp_fetch(*API, "pipeline-executions", ident, "stop", method="POST", body="")
    assert stopped.code == 202
    final = await _wait(jp_fetch, ident)
    assert final["PipelineExecutionStatus"] == "Stopped"
    steps = _body(await jp_fetch(*API, "pipeline-executions", ident, "steps", params={"sort_order": "Ascending"}))["PipelineExecutionSteps"]
    assert [(s["StepName"], s["StepStatus"]) for s in steps] == [("Prep", "Succeeded"), ("Wait", "Stopped")]
    assert steps[0]["Metadata"]["ProcessingJob"]["Arn"].endswith(steps[0]["JobName"])
    prep_log = _body(await jp_fetch(*API, "processing-jobs", steps[0]["JobName"], "logs"))["text"]
    assert "second" in prep_log  # the parameter given at start

    executions = _body(await jp_fetch(*API, "pipelines", "rest", "executions"))["PipelineExecutionSummaries"]
    assert [e["PipelineExecutionId"] for e in executions] == [ident] and executions[0]["ElapsedSeconds"] is not None
    code, err = await _error(jp_fetch, *API, "pipeline-executions", ident, "stop", method="POST", body="")
    assert code == 409 and err["field"] == "PipelineExecutionArn"

    updated = await jp_fetch(*API, "pipelines", "rest", method="PUT", body=json.dumps({"PipelineDescription": "changed"}))
    assert updated.code == 200 and _body(await jp_fetch(*API, "pipelines", "rest"))["PipelineDescription"] == "changed"
    deleted = await jp_fetch(*API, "pipelines", "rest", method="DELETE")
    assert deleted.code == 200
    code, _ = await _error(jp_fetch, *API, "pipelines", "rest")
    assert code == 404


async def test_bad_input_is_a_4xx_naming_the_field(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    definition = {"Version": "2020-12-01", "Parameters": [{"Name": "N", "Type": "Integer", "DefaultValue": 1}],
                  "Steps": [{"Name": "A", "Type": "Fail", "Arguments": {"ErrorMessage": "no"}, "DependsOn": ["B"]}]}
    code, err = await _error(jp_fetch, *API, "pipelines", method="POST", body=json.dumps({"PipelineName": "bad", "PipelineDefinition": definition}))
    assert code == 400 and err["field"] == "A.DependsOn[0]" and "'B'" in err["message"]
    cyclic = {**definition, "Steps": [
        {"Name": "A", "Type": "Fail", "Arguments": {"ErrorMessage": {"Get": "Steps.B.ErrorMessage"}}},
        {"Name": "B", "Type": "Fail", "Arguments": {"ErrorMessage": {"Get": "Steps.A.ErrorMessage"}}}]}
    code, err = await _error(jp_fetch, *API, "pipelines", method="POST", body=json.dumps({"PipelineName": "bad", "PipelineDefinition": cyclic}))
    assert code == 400 and "cycle" in err["message"]
    code, err = await _error(jp_fetch, *API, "pipelines", method="POST", body=json.dumps({"PipelineName": "-bad-", "PipelineDefinition": cyclic}))
    assert code == 400 and err["field"] == "PipelineName"
    code, err = await _error(jp_fetch, *API, "pipelines", method="POST", body=json.dumps({"PipelineName": "x", "Definition": {}}))
    assert code == 400
    fine = {**definition, "Steps": [{"Name": "A", "Type": "Fail", "Arguments": {"ErrorMessage": FailStep("A", Join(on=" ", values=["n", 1])).arguments["ErrorMessage"]}}]}
    assert (await jp_fetch(*API, "pipelines", method="POST", body=json.dumps({"PipelineName": "ok", "PipelineDefinition": fine}))).code == 201
    code, err = await _error(jp_fetch, *API, "pipelines", method="POST", body=json.dumps({"PipelineName": "ok", "PipelineDefinition": fine}))
    assert code == 409 and err["field"] == "PipelineName"
    code, err = await _error(jp_fetch, *API, "pipelines", "ok", "executions", method="POST",
                             body=json.dumps({"PipelineParameters": [{"Name": "N", "Value": "seven"}]}))
    assert code == 400 and err["field"] == "PipelineParameters.N"
    code, err = await _error(jp_fetch, *API, "pipelines", "ok", "executions", method="POST",
                             body=json.dumps({"PipelineParameters": [{"Name": "M", "Value": "1"}]}))
    assert code == 400 and err["field"] == "PipelineParameters.M"
    for path in (("pipelines", "nope"), ("pipeline-executions", "nope"), ("pipeline-executions", "nope", "steps"), ("pipelines", "nope", "executions")):
        code, err = await _error(jp_fetch, *API, *path)
        assert code == 404, path
    code, err = await _error(jp_fetch, *API, "pipelines", params={"sort_order": "Sideways"})
    assert code == 400 and err["field"] == "sort_order"
    code, err = await _error(jp_fetch, *API, "pipelines", params={"next_token": "garbage"})
    assert code == 400 and err["field"] == "NextToken"


async def test_the_routes_need_authentication(jp_serverapp, http_server_client, jp_base_url) -> None:  # type: ignore[no-untyped-def]
    from tornado.httpclient import HTTPClientError

    for path in ("pipelines", "pipelines/x", "pipelines/x/executions", "pipeline-executions/x", "pipeline-executions/x/steps"):
        with pytest.raises(HTTPClientError) as info:
            await http_server_client.fetch(f"{jp_base_url}labstudio/api/{path}")
        assert info.value.code == 403, path


async def test_the_events_socket_reports_each_step_as_the_runner_records_it(jp_fetch, jp_ws_fetch, jp_root_dir: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """What the panel's DAG is coloured from: typed `pipeline.*` events, in the order the runner writes them."""
    from labstudio.shapes.events import Event

    project = write_project(jp_root_dir / "project")
    monkeypatch.chdir(project)
    session = PipelineSession()
    prep = ProcessingStep("Prep", step_args=processor(session).run(
        code="code/prep.py", inputs=[ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")]))
    stop = FailStep("Stop", depends_on=[prep], error_message=Join(on=" ", values=["stopped after", "Prep"]))
    definition = Pipeline("evented", steps=[prep, stop], sagemaker_session=session).definition()
    ws = await jp_ws_fetch(*API, "events")
    assert json.loads(await ws.read_message())["kind"] == "hello"
    assert (await jp_fetch(*API, "pipelines", method="POST", body=json.dumps({
        "PipelineName": "evented", "PipelineDefinition": definition}))).code == 201
    ident = _body(await jp_fetch(*API, "pipelines", "evented", "executions", method="POST", body="{}"))["PipelineExecutionId"]
    seen: list[dict] = []

    async def collect() -> None:
        while not any(e["kind"] == "pipeline.execution" and e["payload"]["status"] != "Executing" for e in seen):
            message = json.loads(await ws.read_message())
            Event.model_validate(message)  # every message is one of the typed union's shapes
            if message["kind"].startswith("pipeline."):
                seen.append(message)
    await asyncio.wait_for(collect(), timeout=240)
    ws.close()
    assert seen[0] == {**seen[0], "kind": "pipeline.created", "payload": {"pipeline": "evented"}}
    moves = [(e["kind"], e["payload"].get("step"), e["payload"]["status"]) for e in seen[1:]]
    assert moves[0] == ("pipeline.execution", None, "Executing") and moves[-1] == ("pipeline.execution", None, "Failed")
    steps = [(step, status) for kind, step, status in moves if kind == "pipeline.step"]
    assert steps[-2:] == [("Prep", "Succeeded"), ("Stop", "Failed")], steps
    assert ("Prep", "Executing") in steps and steps.index(("Prep", "Executing")) < steps.index(("Prep", "Succeeded"))
    assert all(e["payload"]["execution_id"] == ident for e in seen[1:])
