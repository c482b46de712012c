"""The small pipeline the UI tests run (and the Jest fixtures were taken from): written with
labstudio's SageMaker-style SDK and registered in the store, not run.

    Prep (processing) -> Train (training) -> Evaluate (processing, evaluation.json)
        -> CheckScore (condition: score >= MinScore) -> else ScoreTooLow (fail)

Parameters: Tag (String, passed to Prep), Scale (Float, Train's hyperparameter), MinScore
(Float). With the defaults the score is about 3 and the execution succeeds; MinScore 10 sends
it down the Fail branch.
"""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPTS = HERE / "fixtures" / "pipeline"
NAME = "ui-pipeline"


def build(folder: Path, name: str = NAME) -> Any:
    """The pipeline, its scripts and data copied under `folder` (data/, code/)."""
    from labstudio.estimator import Estimator
    from labstudio.inputs import TrainingInput
    from labstudio.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
    from labstudio.workflow.condition_step import ConditionStep
    from labstudio.workflow.conditions import ConditionGreaterThanOrEqualTo
    from labstudio.workflow.fail_step import FailStep
    from labstudio.workflow.functions import Join, JsonGet
    from labstudio.workflow.parameters import ParameterFloat, ParameterString
    from labstudio.workflow.pipeline import Pipeline
    from labstudio.workflow.pipeline_context import PipelineSession
    from labstudio.workflow.properties import PropertyFile
    from labstudio.workflow.steps import ProcessingStep, TrainingStep

    code = folder / "code"
    code.mkdir(parents=True, exist_ok=True)
    for script in SCRIPTS.glob("*.py"):
        shutil.copy(script, code / script.name)
    data = folder / "data"
    data.mkdir(exist_ok=True)
    (data / "data.csv").write_text("\n".join(f"{2 + i % 3},{i}" for i in range(12)) + "\n")

    warnings.simplefilter("ignore")  # role and image only matter on SageMaker
    session = PipelineSession()
    tag = ParameterString("Tag", default_value="first")
    scale = ParameterFloat("Scale", default_value=1.0)
    min_score = ParameterFloat("MinScore", default_value=1.0)

    def processor() -> Any:
        return ScriptProcessor(command=["python3"], image_uri="local", role="SageMakerRole", instance_type="ml.m5.large",
                               instance_count=1, sagemaker_session=session)

    prep = ProcessingStep("Prep", step_args=processor().run(
        code=str(code / "prep.py"), arguments=[tag],
        inputs=[ProcessingInput(source=str(data), destination="/opt/ml/processing/input")],
        outputs=[ProcessingOutput(output_name=n, source=f"/opt/ml/processing/{n}") for n in ("train", "test")]))
    estimator = Estimator(entry_point="train.py", source_dir=str(code), role="SageMakerRole", instance_type="ml.m5.large",
                          instance_count=1, hyperparameters={"scale": scale}, sagemaker_session=session,
                          metric_definitions=[{"Name": "loss", "Regex": r"loss=([0-9.]+)"}])
    train = TrainingStep("Train", step_args=estimator.fit({"train": TrainingInput(
        prep.properties.ProcessingOutputConfig.Outputs["train"].S3Output.S3Uri)}))
    report = PropertyFile(name="Evaluation", output_name="evaluation", path="evaluation.json")
    evaluate = ProcessingStep("Evaluate", property_files=[report], step_args=processor().run(
        code=str(code / "evaluate.py"),
        inputs=[ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model")],
        outputs=[ProcessingOutput(output_name="evaluation", source="/opt/ml/processing/evaluation")]))
    fail = FailStep("ScoreTooLow", error_message=Join(on=" ", values=["The score is below", min_score]))
    check = ConditionStep("CheckScore", conditions=[ConditionGreaterThanOrEqualTo(
        left=JsonGet(step_name=evaluate.name, property_file=report, json_path="metrics.score.value"), right=min_score)],
        if_steps=[], else_steps=[fail])
    return Pipeline(name, parameters=[tag, scale, min_score], steps=[prep, train, evaluate, check], sagemaker_session=session)


def seed(folder: Path) -> None:
    """Register the pipeline (no execution: the tests start them)."""
    build(folder).upsert(role_arn="arn:aws:iam::000000000000:role/ui", description="The UI tests' small pipeline")
