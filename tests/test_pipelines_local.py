"""SageMaker Pipelines on the local backend, with real jobs: every kind of step, a condition's
two branches, a cached rerun, parallel branches and ParallelismConfiguration, a tuning step,
retries, stop, and errors that can only be known when a step runs."""
from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

from conftest import wait_for
from labstudio import arns
from labstudio.answer import to_json
from labstudio.inputs import TrainingInput
from labstudio.model import Model
from labstudio.processing import ProcessingInput, ProcessingOutput
from labstudio.transformer import Transformer
from labstudio.workflow.condition_step import ConditionStep
from labstudio.workflow.conditions import ConditionLessThanOrEqualTo
from labstudio.workflow.execution_variables import ExecutionVariables
from labstudio.workflow.fail_step import FailStep
from labstudio.workflow.functions import Join, JsonGet
from labstudio.workflow.model_step import ModelStep
from labstudio.workflow.parallelism_config import ParallelismConfiguration
from labstudio.workflow.parameters import ParameterFloat, ParameterString
from labstudio.workflow.pipeline import Pipeline
from labstudio.workflow.pipeline_context import LocalPipelineSession, PipelineSession
from labstudio.workflow.properties import PropertyFile
from labstudio.workflow.retry import SageMakerJobExceptionTypeEnum, SageMakerJobStepRetryPolicy
from labstudio.workflow.steps import CacheConfig, ProcessingStep, TrainingStep, TransformStep, TuningStep
from pipeline_helpers import estimator, processor, steps_by_name, write_project

pytestmark = pytest.mark.slow


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = write_project(tmp_path / "project")
    monkeypatch.chdir(folder)
    return folder


def _prep(session, input_data, cache: CacheConfig | None = None) -> ProcessingStep:  # type: ignore[no-untyped-def]
    args = processor(session).run(
        inputs=[ProcessingInput(source=input_data, destination="/opt/ml/processing/input")],
        outputs=[ProcessingOutput(output_name="train", source="/opt/ml/processing/train"),
                 ProcessingOutput(output_name="test", source="/opt/ml/processing/test")],
        code="code/prep.py",
    )
    return ProcessingStep("Prep", step_args=args, cache_config=cache)


def _train_input(prep: ProcessingStep) -> TrainingInput:
    return TrainingInput(prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri, content_type="text/csv")


@pytest.mark.timeout(900)
def test_every_step_kind_runs_then_a_cached_rerun_takes_the_fail_branch(project: Path, core) -> None:  # type: ignore[no-untyped-def]
    session = LocalPipelineSession()
    input_data = ParameterString("InputData", default_value=str(project / "data" / "data.csv"))
    threshold = ParameterFloat("Threshold", default_value=10.0)
    scale = ParameterFloat("Scale", default_value=1.0)
    cache = CacheConfig(enable_caching=True, expire_after="PT1H")
    prep = _prep(session, input_data, cache)
    train = TrainingStep("Train", step_args=estimator(session, scale=scale).fit({"train": _train_input(prep)}), cache_config=cache)
    report = PropertyFile(name="Report", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep("Evaluate", property_files=[report], step_args=processor(session).run(
        inputs=[ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model")],
        outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")],
        code="code/evaluate.py",
        arguments=["--execution", ExecutionVariables.PIPELINE_EXECUTION_ID],
    ))
    model = Model(model_data=train.properties.ModelArtifacts.S3ModelArtifacts, entry_point="train.py", source_dir="code",
                  image_uri="local-image", role="SageMakerRole", sagemaker_session=session)
    create = ModelStep("Model", step_args=model.create(instance_type="ml.m5.large"))
    transformer = Transformer(model_name=create.properties.ModelName, instance_type="ml.m5.xlarge", instance_count=1,
                              output_path=str(project / "scored"), sagemaker_session=session)
    score = TransformStep("Score", step_args=transformer.transform(
        Join(on="/", values=[prep.properties.ProcessingOutputConfig.Outputs["test"].S3Output.S3Uri, "test.csv"]), content_type="text/csv"))
    register = ModelStep("Register", step_args=model.register(content_types=["text/csv"], response_types=["text/csv"],
                                                              model_package_group_name="pipeline-models", approval_status="Approved"))
    fail = FailStep("TooHigh", error_message=Join(on=" ", values=["score above", threshold]))
    check = ConditionStep("Check", if_steps=[create, score, register], else_steps=[fail], conditions=[
        ConditionLessThanOrEqualTo(left=JsonGet(step_name=evaluate.name, property_file=report, json_path="metrics.score.value"), right=threshold),
    ])
    pipeline = Pipeline("every-kind", parameters=[input_data, threshold, scale], steps=[prep, train, evaluate, check], sagemaker_session=session)
    pipeline.upsert(role_arn="SageMakerRole")

    first = pipeline.start()  # local mode: returns once the execution ended
    described = first.describe()
    assert described["PipelineExecutionStatus"] == "Succeeded", described.get("FailureReason")
    steps = steps_by_name(first.list_steps()["PipelineExecutionSteps"])
    assert set(steps) == {"Prep", "Train", "Evaluate", "Check", "Model-CreateModel", "Score", "Register-RegisterModel"}
    assert all(s["StepStatus"] == "Succeeded" for s in steps.values()), steps
    assert steps["Check"]["Metadata"]["Condition"]["Outcome"] == "True"
    execution_id = described["PipelineExecutionId"]

    # Every job step was an ordinary job of its kind, in the pipeline's experiment, the execution its trial.
    prep_job = steps["Prep"]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    train_job = steps["Train"]["Metadata"]["TrainingJob"]["Arn"].rsplit("/", 1)[1]
    score_job = steps["Score"]["Metadata"]["TransformJob"]["Arn"].rsplit("/", 1)[1]
    assert to_json(core.processing.describe(prep_job))["ProcessingJobStatus"] == "Completed"
    trained = to_json(core.jobs.describe(train_job))
    assert trained["TrainingJobStatus"] == "Completed"
    assert trained["ExperimentConfig"] == {"ExperimentName": "every-kind", "TrialName": execution_id}
    assert trained["HyperParameters"]["scale"] == "1.0"
    assert trained["InputDataConfig"][0]["ContentType"] == "text/csv"
    assert to_json(core.transforms.describe(score_job))["TransformJobStatus"] == "Completed"
    evaluate_job = steps["Evaluate"]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    assert f"--execution {execution_id}" in to_json(core.processing.logs(evaluate_job))["text"]  # an execution variable among the arguments
    # The transform scored the test rows (3,4 first) with the trained weight (labels 2,3,4,2: 2.75).
    scored = [float(x) for x in re.findall(r"-?[0-9]+(?:\.[0-9]+)?", (project / "scored" / "test.csv.out").read_text())]
    assert scored[:2] == [pytest.approx(3 * 2.75), pytest.approx(4 * 2.75)]
    # The model step created a model the transform used; the register step a package that knows its execution.
    model_name = steps["Model-CreateModel"]["Metadata"]["Model"]["Arn"].rsplit("/", 1)[1]
    assert core.pipelines.describe_model(model_name)["PipelineExecutionArn"] == first.arn
    package_arn = steps["Register-RegisterModel"]["Metadata"]["RegisterModel"]["Arn"]
    package = core.registry.describe_package(package_arn)
    assert package["PipelineExecutionArn"] == first.arn and package["ModelApprovalStatus"] == "Approved"
    # Lineage: the execution is a context upstream of its jobs and of the package.
    above = core.lineage.query([package_arn], direction="Ascendants")["Vertices"]
    assert any(v["Type"] == "PipelineExecution" for v in above), above

    # Rerun with a threshold the score misses: Prep and Train come from the cache, the Fail branch ends it.
    second = pipeline.start(parameters={"Threshold": 1.0})
    again = second.describe()
    assert again["PipelineExecutionStatus"] == "Failed"
    assert again["FailureReason"] == "score above 1.0"
    steps2 = steps_by_name(second.list_steps()["PipelineExecutionSteps"])
    assert set(steps2) == {"Prep", "Train", "Evaluate", "Check", "TooHigh"}
    for name in ("Prep", "Train"):
        assert steps2[name]["CacheHitResult"] == {"SourcePipelineExecutionArn": first.arn}
        assert steps2[name]["Metadata"] == steps[name]["Metadata"]  # the earlier jobs, not new ones
    assert "CacheHitResult" not in steps2["Evaluate"]
    assert steps2["TooHigh"]["StepStatus"] == "Failed" and steps2["TooHigh"]["Metadata"]["Fail"]["ErrorMessage"] == "score above 1.0"
    assert steps2["Check"]["EvaluatedConditions"][0]["LeftValue"] == pytest.approx(2.75)
    assert len(to_json(core.processing.list(name_contains="Prep-"))["ProcessingJobSummaries"]) == 1
    assert len(to_json(core.jobs.list(name_contains="Train-"))["TrainingJobSummaries"]) == 1

    # New data is a cache miss: the fingerprint of the step's input changed.
    (project / "data" / "data.csv").write_text("5,1\n5,2\n5,3\n5,4\n")
    third = pipeline.start(parameters={"Threshold": 100.0})
    steps3 = steps_by_name(third.list_steps()["PipelineExecutionSteps"])
    assert "CacheHitResult" not in steps3["Prep"] and third.describe()["PipelineExecutionStatus"] == "Succeeded"


@pytest.mark.timeout(600)
def test_independent_branches_run_together_and_parallelism_configuration_limits_them(project: Path, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session = LocalPipelineSession()
    meet = tmp_path / "meet"
    meet.mkdir()
    left = ProcessingStep("Left", step_args=processor(session).run(code="code/rendezvous.py", arguments=[str(meet / "left"), str(meet / "right")]))
    right = ProcessingStep("Right", step_args=processor(session).run(code="code/rendezvous.py", arguments=[str(meet / "right"), str(meet / "left")]))
    after = ProcessingStep("After", depends_on=[left, right], step_args=processor(session).run(code="code/prep.py", inputs=[
        ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")]))
    pipeline = Pipeline("branches", steps=[left, right, after], sagemaker_session=session)
    pipeline.upsert()
    # Each branch waits for the other's mark: this ends only when the two run at the same time.
    execution = pipeline.start()
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded", execution.describe().get("FailureReason")
    steps = steps_by_name(execution.list_steps()["PipelineExecutionSteps"])
    assert steps["After"]["StartTime"] >= max(steps["Left"]["EndTime"], steps["Right"]["EndTime"])

    alone = tmp_path / "alone"
    alone.mkdir()
    one = [ProcessingStep(f"Alone{i}", step_args=processor(session).run(code="code/alone.py", arguments=[str(alone), f"s{i}"])) for i in range(3)]
    serial = Pipeline("one-at-a-time", steps=one, sagemaker_session=session)
    serial.upsert(parallelism_config=ParallelismConfiguration(1))
    run = serial.start()
    assert run.describe()["PipelineExecutionStatus"] == "Succeeded", run.describe().get("FailureReason")
    assert sorted(p.name for p in alone.iterdir()) == ["s0.done", "s1.done", "s2.done"]
    ordered = sorted(steps_by_name(run.list_steps()["PipelineExecutionSteps"]).values(), key=lambda s: s["StartTime"])
    assert all(a["EndTime"] <= b["StartTime"] for a, b in zip(ordered, ordered[1:]))


@pytest.mark.timeout(600)
def test_a_tuning_step_feeds_its_best_trial_to_later_steps(project: Path, core) -> None:  # type: ignore[no-untyped-def]
    from labstudio.tuner import ContinuousParameter, HyperparameterTuner

    session = LocalPipelineSession()
    prep = _prep(session, str(project / "data" / "data.csv"))
    tuner = HyperparameterTuner(estimator(session), objective_metric_name="loss", objective_type="Minimize",
                                hyperparameter_ranges={"scale": ContinuousParameter(0.5, 1.0)}, max_jobs=2, max_parallel_jobs=2,
                                strategy="Random", random_seed=1)
    tune = TuningStep("Tune", step_args=tuner.fit({"train": _train_input(prep)}))
    best = ProcessingStep("UseBest", step_args=processor(session).run(code="code/prep.py", arguments=[tune.properties.BestTrainingJob.TrainingJobName],
                                                                        inputs=[ProcessingInput(source=str(project / "data"), destination="/opt/ml/processing/input")]))
    pipeline = Pipeline("tuned", steps=[prep, tune, best], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()
    assert execution.describe()["PipelineExecutionStatus"] == "Succeeded", execution.describe().get("FailureReason")
    steps = steps_by_name(execution.list_steps()["PipelineExecutionSteps"])
    tuning_job = steps["Tune"]["Metadata"]["TuningJob"]["Arn"].rsplit("/", 1)[1]
    described = to_json(core.tuning.describe(tuning_job))
    assert described["HyperParameterTuningJobStatus"] == "Completed"
    assert described["TrainingJobStatusCounters"]["Completed"] == 2
    best_job = described["BestTrainingJob"]["TrainingJobName"]
    use_best = steps["UseBest"]["Metadata"]["ProcessingJob"]["Arn"].rsplit("/", 1)[1]
    assert best_job in to_json(core.processing.logs(use_best))["text"]


@pytest.mark.timeout(600)
def test_a_job_step_is_retried_per_its_policy_when_its_supervisor_dies(project: Path, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A job failing for a reason that is not the script's (its supervisor killed: JOB_INTERNAL_ERROR)
    is retried by a SageMakerJobStepRetryPolicy; the second attempt is a new job and succeeds."""
    session = PipelineSession()
    gate = tmp_path / "gate"
    policy = SageMakerJobStepRetryPolicy(exception_types=[SageMakerJobExceptionTypeEnum.INTERNAL_ERROR], interval_seconds=1, max_attempts=2)
    step = ProcessingStep("Flaky", retry_policies=[policy], step_args=processor(session).run(code="code/gated.py", arguments=[str(gate)]))
    pipeline = Pipeline("retried", steps=[step], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()
    first_job = wait_for(lambda: (core.pipelines.list_steps(execution.arn)["PipelineExecutionSteps"] or [{}])[0].get("JobName"),
                         timeout=120, message="the step's job")
    wait_for(lambda: Path(str(gate) + ".started").exists(), timeout=120, message="the first attempt to run")
    pid = wait_for(lambda: core.processing.get(first_job).supervisor_pid, timeout=60, message="the supervisor's pid")
    os.kill(pid, signal.SIGKILL)
    gate.touch()  # the next attempt goes through
    final = core.pipelines.wait(execution.arn, timeout=240)
    assert final["PipelineExecutionStatus"] == "Succeeded", final["FailureReason"]
    (row,) = core.pipelines.list_steps(execution.arn)["PipelineExecutionSteps"]
    assert row["AttemptCount"] == 2 and row["JobName"] != first_job
    assert to_json(core.processing.describe(first_job))["ProcessingJobStatus"] == "Failed"
    assert to_json(core.processing.describe(row["JobName"]))["ProcessingJobStatus"] == "Completed"


@pytest.mark.timeout(600)
def test_stopping_an_execution_stops_its_running_steps(project: Path, core, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    session = PipelineSession()
    gate = tmp_path / "never"
    waits = ProcessingStep("Waits", step_args=processor(session).run(code="code/gated.py", arguments=[str(gate)]))
    later = ProcessingStep("Later", depends_on=[waits], step_args=processor(session).run(code="code/gated.py", arguments=[str(gate)]))
    pipeline = Pipeline("stoppable", steps=[waits, later], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()  # a PipelineSession: returns at once, the execution runs detached
    wait_for(lambda: Path(str(gate) + ".started").exists(), timeout=120, message="the step to run")
    execution.stop()
    final = core.pipelines.wait(execution.arn, timeout=120)
    assert final["PipelineExecutionStatus"] == "Stopped"
    steps = steps_by_name(execution.list_steps())
    assert set(steps) == {"Waits"} and steps["Waits"]["StepStatus"] == "Stopped"
    job = steps["Waits"]["JobName"]
    assert to_json(core.processing.describe(job))["ProcessingJobStatus"] == "Stopped"


@pytest.mark.timeout(600)
def test_a_jsonget_path_missing_from_the_file_fails_the_step_naming_it(project: Path, core) -> None:  # type: ignore[no-untyped-def]
    session = LocalPipelineSession()
    prep = _prep(session, str(project / "data" / "data.csv"))
    train = TrainingStep("Train", step_args=estimator(session).fit({"train": _train_input(prep)}))
    report = PropertyFile(name="Report", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep("Evaluate", property_files=[report], step_args=processor(session).run(
        inputs=[ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model")],
        outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")], code="code/evaluate.py"))
    check = ConditionStep("Check", conditions=[ConditionLessThanOrEqualTo(
        left=JsonGet(step_name="Evaluate", property_file=report, json_path="metrics.accuracy.value"), right=1.0)])
    pipeline = Pipeline("missing-path", steps=[prep, train, evaluate, check], sagemaker_session=session)
    pipeline.upsert()
    execution = pipeline.start()
    described = execution.describe()
    assert described["PipelineExecutionStatus"] == "Failed"
    steps = steps_by_name(execution.list_steps()["PipelineExecutionSteps"])
    reason = steps["Check"]["FailureReason"]
    assert "'Report'" in reason and "metrics.accuracy.value" in reason and "Check.Arguments.Conditions[0].LeftValue" in reason
    assert described["FailureReason"].startswith("Step 'Check' failed")
    assert arns.execution_id_of(execution.arn) == described["PipelineExecutionId"]
