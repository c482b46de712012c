"""A pipeline definition: SageMaker's JSON shape, and mistakes refused before anything runs with
a message naming the step and the field (the SDK's definition() and the service's create alike)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from labstudio.answer import to_json
from labstudio.errors import Invalid
from labstudio.inputs import TrainingInput
from labstudio.processing import ProcessingInput, ProcessingOutput
from labstudio.workflow.condition_step import ConditionStep
from labstudio.workflow.conditions import ConditionEquals, ConditionGreaterThan, ConditionIn, ConditionNot, ConditionOr
from labstudio.workflow.execution_variables import ExecutionVariables
from labstudio.workflow.fail_step import FailStep
from labstudio.workflow.functions import Join, JsonGet
from labstudio.workflow.parameters import ParameterBoolean, ParameterFloat, ParameterInteger, ParameterString
from labstudio.workflow.pipeline import Pipeline
from labstudio.workflow.pipeline_context import LocalPipelineSession, PipelineSession
from labstudio.workflow.properties import PropertyFile
from labstudio.workflow.retry import SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy, StepExceptionTypeEnum, StepRetryPolicy
from labstudio.workflow.steps import CacheConfig, ProcessingStep, TrainingStep
from pipeline_helpers import estimator, processor, write_project


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_project(tmp_path / "project")
    monkeypatch.chdir(folder)
    return folder


def _prep(session, name: str = "Prep", **kwargs):  # type: ignore[no-untyped-def]
    return ProcessingStep(name, step_args=processor(session).run(
        code="code/prep.py", inputs=[ProcessingInput(source="data", destination="/opt/ml/processing/input")],
        outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train")]), **kwargs)


def test_the_definition_is_sagemakers_json(project: Path) -> None:
    session = PipelineSession()
    rounds = ParameterInteger("Rounds", default_value=3)
    mode = ParameterString("Mode", default_value="fast", enum_values=["fast", "slow"])
    prep = _prep(session, cache_config=CacheConfig(enable_caching=True, expire_after="P30D"))
    train = TrainingStep("Train", step_args=estimator(session, rounds=rounds).fit(
        {"train": TrainingInput(prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri, content_type="text/csv")}),
        retry_policies=[SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], max_attempts=2)])
    fail = FailStep("Stop", error_message=Join(on=" ", values=["mode was", mode, ExecutionVariables.PIPELINE_EXECUTION_ID]))
    check = ConditionStep("Check", conditions=[ConditionOr([ConditionEquals(mode, "slow"), ConditionNot(ConditionIn(rounds, [1, 2]))])],
                          if_steps=[fail])
    definition = json.loads(Pipeline("shape", parameters=[rounds, mode], steps=[prep, train, check], sagemaker_session=session).definition())

    assert definition["Version"] == "2020-12-01"
    assert definition["Parameters"] == [{"Name": "Rounds", "Type": "Integer", "DefaultValue": 3},
                                        {"Name": "Mode", "Type": "String", "DefaultValue": "fast", "EnumValues": ["fast", "slow"]}]
    assert definition["PipelineExperimentConfig"] == {"ExperimentName": {"Get": "Execution.PipelineName"},
                                                      "TrialName": {"Get": "Execution.PipelineExecutionId"}}
    steps = {s["Name"]: s for s in definition["Steps"]}
    assert steps["Prep"]["Type"] == "Processing" and steps["Prep"]["CacheConfig"] == {"Enabled": True, "ExpireAfter": "P30D"}
    app = steps["Prep"]["Arguments"]["AppSpecification"]
    assert app["ContainerEntrypoint"] == ["python3", "/opt/ml/processing/input/code/prep.py"]
    code = next(i for i in steps["Prep"]["Arguments"]["ProcessingInputs"] if i["InputName"] == "code")
    assert code["S3Input"]["LocalPath"] == "/opt/ml/processing/input/code" and code["S3Input"]["S3Uri"].endswith("/prep.py")
    args = steps["Train"]["Arguments"]
    assert args["HyperParameters"]["rounds"] == {"Std:Join": {"On": "", "Values": [{"Get": "Parameters.Rounds"}]}}
    assert json.loads(args["HyperParameters"]["sagemaker_program"]) == "train.py"
    assert args["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Steps.Prep.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri"}
    assert args["InputDataConfig"][0]["ContentType"] == "text/csv"
    assert args["ResourceConfig"]["InstanceType"] == "ml.m5.xlarge"  # kept: the step runs locally whatever it names
    assert steps["Train"]["RetryPolicies"] == [{"BackoffRate": 2.0, "IntervalSeconds": 1, "MaxAttempts": 2,
                                                "ExceptionType": ["SageMaker.JOB_INTERNAL_ERROR"]}]
    condition = steps["Check"]["Arguments"]["Conditions"][0]
    assert condition["Type"] == "Or" and condition["Conditions"][1] == {
        "Type": "Not", "Condition": {"Type": "In", "QueryValue": {"Get": "Parameters.Rounds"}, "Values": [1, 2]}}
    assert steps["Check"]["Arguments"]["IfSteps"][0]["Arguments"]["ErrorMessage"]["Std:Join"]["Values"][2] == {
        "Get": "Execution.PipelineExecutionId"}
    # The code was snapshotted by content: defining again makes the same definition.
    again = json.loads(Pipeline("shape", parameters=[rounds, mode], steps=[prep, train, check], sagemaker_session=session).definition())
    assert again == definition


def _definition_error(pipeline: Pipeline) -> str:
    with pytest.raises(ValueError) as info:
        pipeline.definition()
    return str(info.value)


def test_a_cycle_is_refused_naming_its_steps(project: Path) -> None:
    session = PipelineSession()
    a = _prep(session, "A")
    b = _prep(session, "B", depends_on=["A"])
    a.add_depends_on(["B"])
    message = _definition_error(Pipeline("cycle", steps=[a, b], sagemaker_session=session))
    assert "cycle" in message and "A" in message and "B" in message and "DependsOn" in message


def test_a_reference_to_a_step_the_pipeline_does_not_have_names_the_step_and_field(project: Path) -> None:
    session = PipelineSession()
    prep = _prep(session)
    train = TrainingStep("Train", step_args=estimator(session).fit(
        {"train": TrainingInput(prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri)}))
    message = _definition_error(Pipeline("dangling", steps=[train], sagemaker_session=session))  # Prep left out
    assert "'Train'" in message and "'Prep'" in message and "Train.Arguments.InputDataConfig[0].DataSource.S3DataSource.S3Uri" in message


def test_an_unknown_parameter_is_refused_naming_the_step(project: Path) -> None:
    session = PipelineSession()
    threshold = ParameterFloat("Threshold", default_value=1.0)
    fail = FailStep("Stop", error_message=Join(on=" ", values=["over", threshold]))
    message = _definition_error(Pipeline("unknown-param", steps=[fail], sagemaker_session=session))  # parameters not listed
    assert "'Stop'" in message and "'Threshold'" in message and "Stop.Arguments.ErrorMessage" in message


def test_a_condition_comparing_a_string_with_a_number_is_refused(project: Path) -> None:
    session = PipelineSession()
    mode = ParameterString("Mode", default_value="fast")
    check = ConditionStep("Check", conditions=[ConditionGreaterThan(left=mode, right=3)])
    message = _definition_error(Pipeline("types", parameters=[mode], steps=[check], sagemaker_session=session))
    assert "'Check'" in message and "GreaterThan" in message and "Check.Arguments.Conditions[0]" in message


def test_a_jsonget_of_a_property_file_the_step_does_not_declare_is_refused(project: Path) -> None:
    session = PipelineSession()
    prep = _prep(session)
    other = PropertyFile(name="Other", output_name="train", path="x.json")
    check = ConditionStep("Check", conditions=[ConditionEquals(left=JsonGet(step_name="Prep", property_file=other, json_path="a"), right=1)])
    message = _definition_error(Pipeline("files", steps=[prep, check], sagemaker_session=session))
    assert "'Other'" in message and "'Prep'" in message and "Check.Arguments.Conditions[0].LeftValue" in message


def test_bad_cache_and_retry_settings_are_refused_naming_the_field(project: Path) -> None:
    session = PipelineSession()
    message = _definition_error(Pipeline("cache", steps=[_prep(session, cache_config=CacheConfig(True, "thirty days"))], sagemaker_session=session))
    assert "Prep.CacheConfig.ExpireAfter" in message and "ISO-8601" in message
    with pytest.raises(ValueError, match="Only one of"):
        StepRetryPolicy(exception_types=[StepExceptionTypeEnum.SERVICE_FAULT]).to_request()


def test_the_service_refuses_the_same_mistakes_and_bad_start_parameters(project: Path, core) -> None:  # type: ignore[no-untyped-def]
    good = {"Version": "2020-12-01", "Parameters": [{"Name": "N", "Type": "Integer", "DefaultValue": 1}, {"Name": "Flag", "Type": "Boolean"}],
            "Steps": [{"Name": "Stop", "Type": "Fail", "Arguments": {"ErrorMessage": {"Get": "Parameters.N"}}}]}
    with pytest.raises(Invalid) as info:
        core.pipelines.create("p", {**good, "Steps": [{"Name": "X", "Type": "Lambda", "Arguments": {}}]})
    assert info.value.field == "X.Type" and "Lambda" in info.value.message
    with pytest.raises(Invalid) as info:
        core.pipelines.create("p", "{not json")
    assert info.value.field == "PipelineDefinition"
    core.pipelines.create("p", good)
    for params, field in (({"Nope": "1"}, "PipelineParameters.Nope"), ({"N": "x", "Flag": "true"}, "PipelineParameters.N"),
                          ({"N": 2}, "PipelineParameters.Flag"), ({"Flag": "maybe"}, "PipelineParameters.Flag")):
        with pytest.raises(Invalid) as info:
            core.pipelines.start("p", params)
        assert info.value.field == field, (params, info.value.message)
    assert core.pipelines.list_executions("p")["PipelineExecutionSummaries"] == []  # nothing was started


def test_local_pipeline_session_makes_steps_not_jobs(project: Path, core) -> None:  # type: ignore[no-untyped-def]
    session = LocalPipelineSession()
    flag = ParameterBoolean("Flag", default_value=True)
    args = estimator(session, flag=flag).fit({"train": "data"})
    assert args.caller_name == "fit" and to_json(core.jobs.list())["TrainingJobSummaries"] == []
    request = args.args
    assert request["InputDataConfig"][0]["DataSource"]["S3DataSource"]["S3Uri"] == f"file://{project / 'data'}"
