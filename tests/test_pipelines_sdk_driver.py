"""A local-mode pipeline driver in the shape of SageMaker's public local-mode pipeline sample
(preprocess -> train -> evaluate -> condition -> create model + batch transform, else fail),
written for this test with labstudio's imports where SageMaker's would be, run cell by cell by
a real kernel; then %pipeline in the same kernel."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sdk_helpers import client, dump, make_notebook, text

pytestmark = pytest.mark.slow

PREPROCESS = '''
import numpy as np
import os

base = "/opt/ml/processing"
rows = np.loadtxt(f"{base}/input/shells.csv", delimiter=",")
rng = np.random.default_rng(7)
rng.shuffle(rows)
features = (rows[:, 1:] - rows[:, 1:].mean(axis=0)) / rows[:, 1:].std(axis=0)
data = np.column_stack([rows[:, 0], features])
train, validation, test = np.split(data, [int(0.7 * len(data)), int(0.85 * len(data))])
for name, part in (("train", train), ("validation", validation), ("test", test)):
    os.makedirs(f"{base}/{name}", exist_ok=True)
    np.savetxt(f"{base}/{name}/{name}.csv", part, delimiter=",")
print("split", len(train), len(validation), len(test))
'''

TRAIN = '''
import argparse, os, pickle
import numpy as np
import xgboost as xgb

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    for name, kind in (("max_depth", int), ("eta", float), ("num_round", int), ("objective", str), ("subsample", float)):
        p.add_argument(f"--{name}", type=kind)
    a, _ = p.parse_known_args()
    train = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
    validation = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_VALIDATION"], "validation.csv"), delimiter=",")
    dtrain = xgb.DMatrix(train[:, 1:], label=train[:, 0])
    dval = xgb.DMatrix(validation[:, 1:], label=validation[:, 0])
    params = {"objective": a.objective, "max_depth": a.max_depth, "eta": a.eta, "subsample": a.subsample, "eval_metric": "rmse"}
    booster = xgb.train(params, dtrain, num_boost_round=a.num_round, evals=[(dtrain, "train"), (dval, "validation")])
    pickle.dump(booster, open(os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model"), "wb"))
'''

EVALUATE = '''
import json, os, pathlib, pickle, tarfile
import numpy as np
import xgboost as xgb

with tarfile.open("/opt/ml/processing/model/model.tar.gz") as tar:
    tar.extractall(path=".")
booster = pickle.load(open("xgboost-model", "rb"))
test = np.loadtxt("/opt/ml/processing/test/test.csv", delimiter=",")
predictions = booster.predict(xgb.DMatrix(test[:, 1:]))
mse = float(np.mean((test[:, 0] - predictions) ** 2))
pathlib.Path("/opt/ml/processing/evaluation").mkdir(parents=True, exist_ok=True)
json.dump({"regression_metrics": {"mse": {"value": mse}}}, open("/opt/ml/processing/evaluation/evaluation.json", "w"))
'''

INFERENCE = '''
import io, os, pickle
import numpy as np
import xgboost as xgb

def model_fn(model_dir):
    return pickle.load(open(os.path.join(model_dir, "xgboost-model"), "rb"))

def transform_fn(model, body, content_type, accept):
    text = body.decode() if isinstance(body, bytes) else body
    rows = np.loadtxt(io.StringIO(text), delimiter=",", ndmin=2)
    return ",".join(str(v) for v in model.predict(xgb.DMatrix(rows[:, 1:])))
'''

CELLS = [
    # 0: the session, its region and bucket
    "import labstudio\nfrom labstudio.workflow.pipeline_context import LocalPipelineSession\n"
    "session = LocalPipelineSession()\nregion = session.boto_region_name\nbucket = session.default_bucket()\n"
    "prefix = 'local-pipeline-driver'\nrole = labstudio.get_execution_role()",
    # 1: the data, uploaded to the session's bucket
    "input_uri = labstudio.s3.S3Uploader.upload(local_path='data/shells.csv', desired_s3_uri=f's3://{bucket}/{prefix}/data')\nprint(input_uri)",
    # 2: parameters
    "from labstudio.workflow.parameters import ParameterString, ParameterFloat\ninstance_type = 'ml.m5.xlarge'\n"
    "input_data = ParameterString(name='InputData', default_value=input_uri)\nmse_threshold = ParameterFloat(name='MseThreshold', default_value=50.0)",
    # 3: processing step
    "from labstudio.sklearn.processing import SKLearnProcessor\nfrom labstudio.processing import ProcessingInput, ProcessingOutput\n"
    "from labstudio.workflow.steps import ProcessingStep\n"
    "processor = SKLearnProcessor(framework_version='1.0-1', instance_type=instance_type, instance_count=1, base_job_name='prep', role=role, sagemaker_session=session)\n"
    "processor_args = processor.run(inputs=[ProcessingInput(source=input_data, destination='/opt/ml/processing/input')],\n"
    "    outputs=[ProcessingOutput(output_name=n, source=f'/opt/ml/processing/{n}') for n in ('train', 'validation', 'test')],\n"
    "    code='code/preprocess.py')\nstep_process = ProcessingStep(name='ShellsProcess', step_args=processor_args)",
    # 4: training step (script mode with the XGBoost image)
    "from labstudio.estimator import Estimator\nfrom labstudio.inputs import TrainingInput\nfrom labstudio.workflow.steps import TrainingStep\n"
    "image_uri = labstudio.image_uris.retrieve(framework='xgboost', region=region, version='1.5-1', instance_type=instance_type)\n"
    "xgb_train = Estimator(image_uri=image_uri, entry_point='code/train.py', instance_type=instance_type, instance_count=1,\n"
    "    output_path=f's3://{bucket}/{prefix}/model', role=role, sagemaker_session=session)\n"
    "xgb_train.set_hyperparameters(objective='reg:squarederror', num_round=20, max_depth=4, eta=0.3, subsample=0.8)\n"
    "train_args = xgb_train.fit(inputs={\n"
    "    'train': TrainingInput(s3_data=step_process.properties.ProcessingOutputConfig.Outputs['train'].S3Output.S3Uri, content_type='text/csv'),\n"
    "    'validation': TrainingInput(s3_data=step_process.properties.ProcessingOutputConfig.Outputs['validation'].S3Output.S3Uri, content_type='text/csv')})\n"
    "step_train = TrainingStep(name='ShellsTrain', step_args=train_args)",
    # 5: evaluation step with a property file
    "from labstudio.processing import ScriptProcessor\nfrom labstudio.workflow.properties import PropertyFile\n"
    "evaluator = ScriptProcessor(image_uri=image_uri, command=['python3'], instance_type=instance_type, instance_count=1, base_job_name='eval', role=role, sagemaker_session=session)\n"
    "eval_args = evaluator.run(inputs=[ProcessingInput(source=step_train.properties.ModelArtifacts.S3ModelArtifacts, destination='/opt/ml/processing/model'),\n"
    "    ProcessingInput(source=step_process.properties.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri, destination='/opt/ml/processing/test')],\n"
    "    outputs=[ProcessingOutput(output_name='evaluation', source='/opt/ml/processing/evaluation')], code='code/evaluate.py')\n"
    "report = PropertyFile(name='EvaluationReport', output_name='evaluation', path='evaluation.json')\n"
    "step_eval = ProcessingStep(name='ShellsEval', step_args=eval_args, property_files=[report])",
    # 6: model, transform, fail, condition
    "from labstudio.model import Model\nfrom labstudio.workflow.model_step import ModelStep\nfrom labstudio.transformer import Transformer\n"
    "from labstudio.workflow.steps import TransformStep\nfrom labstudio.workflow.functions import Join, JsonGet\nfrom labstudio.workflow.fail_step import FailStep\n"
    "from labstudio.workflow.conditions import ConditionLessThanOrEqualTo\nfrom labstudio.workflow.condition_step import ConditionStep\n"
    "model = Model(image_uri=image_uri, model_data=step_train.properties.ModelArtifacts.S3ModelArtifacts, source_dir='code', entry_point='inference.py', role=role, sagemaker_session=session)\n"
    "step_create_model = ModelStep(name='ShellsCreateModel', step_args=model.create(instance_type=instance_type))\n"
    "transformer = Transformer(model_name=step_create_model.properties.ModelName, instance_type=instance_type, instance_count=1, output_path=f's3://{bucket}/{prefix}/transform', sagemaker_session=session)\n"
    "transform_data = Join(on='/', values=[step_process.properties.ProcessingOutputConfig.Outputs['test'].S3Output.S3Uri, 'test.csv'])\n"
    "step_transform = TransformStep(name='ShellsTransform', step_args=transformer.transform(transform_data, content_type='text/csv'))\n"
    "step_fail = FailStep(name='ShellsMSEFail', error_message=Join(on=' ', values=['Execution failed due to MSE >', mse_threshold]))\n"
    "cond = ConditionLessThanOrEqualTo(left=JsonGet(step_name=step_eval.name, property_file=report, json_path='regression_metrics.mse.value'), right=mse_threshold)\n"
    "step_cond = ConditionStep(name='ShellsMSECond', conditions=[cond], if_steps=[step_create_model, step_transform], else_steps=[step_fail])",
    # 7: the pipeline, its definition, upsert and start
    "import json\nfrom labstudio.workflow.pipeline import Pipeline\n"
    "pipeline = Pipeline(name='LocalDriverPipeline', parameters=[input_data, mse_threshold], steps=[step_process, step_train, step_eval, step_cond], sagemaker_session=session)\n"
    "definition = json.loads(pipeline.definition())\nprint('steps in definition', [s['Name'] for s in definition['Steps']])\n"
    "pipeline.upsert(role_arn=role)\nexecution = pipeline.start()\nprint('status', execution.describe()['PipelineExecutionStatus'])",
    # 8: the steps, read the way the sample reads them
    "steps = execution.list_steps()\nprint('names', [s['StepName'] for s in steps['PipelineExecutionSteps']])\n"
    "processing_job_name = steps['PipelineExecutionSteps'][0]['Metadata']['ProcessingJob']['Arn']\n"
    "outputs = session.sagemaker_client.describe_processing_job(ProcessingJobName=processing_job_name)['ProcessingOutputConfig']['Outputs']\n"
    "for key in outputs:\n    print('output', key, outputs[key]['S3Output']['S3Uri'])\n"
    "training_job_name = steps['PipelineExecutionSteps'][1]['Metadata']['TrainingJob']['Arn']\n"
    "print('model at', session.sagemaker_client.describe_training_job(TrainingJobName=training_job_name)['ModelArtifacts']['S3ModelArtifacts'])\n"
    "model_name = steps['PipelineExecutionSteps'][-1]['Metadata']['Model']['Arn']\n"
    "print('model', session.sagemaker_client.describe_model(ModelName=model_name)['ModelName'])\n"
    "transform_job_name = steps['PipelineExecutionSteps'][4]['Metadata']['TransformJob']['Arn']\n"
    "print('transform', session.sagemaker_client.describe_transform_job(TransformJobName=transform_job_name)['TransformJobStatus'])",
    # 9: the magic
    "%load_ext labstudio\n%pipeline list",
    "%pipeline steps {execution.arn}",
]


@pytest.mark.timeout(900)
def test_a_local_mode_pipeline_driver_runs_in_a_kernel(tmp_path: Path, labstudio_home: Path, core) -> None:  # type: ignore[no-untyped-def]
    work = tmp_path / "driver"
    (work / "code").mkdir(parents=True)
    for name, body in (("preprocess.py", PREPROCESS), ("train.py", TRAIN), ("evaluate.py", EVALUATE), ("inference.py", INFERENCE)):
        (work / "code" / name).write_text(body)
    (work / "data").mkdir()
    rng = np.random.default_rng(3)
    features = rng.uniform(0.1, 1.0, size=(300, 4))
    rings = features @ np.array([3.0, 4.0, 2.0, 6.0]) + rng.normal(scale=0.5, size=300)
    np.savetxt(work / "data" / "shells.csv", np.column_stack([rings, features]), delimiter=",")

    nb = make_notebook(*CELLS)
    nb.cells[-1].source = nb.cells[-1].source.replace("{execution.arn}", "$execution.arn")
    client(nb, work, timeout=600).execute()
    out = [text(c) for c in nb.cells]
    assert "status Succeeded" in out[7], dump(nb)
    assert "steps in definition ['ShellsProcess', 'ShellsTrain', 'ShellsEval', 'ShellsMSECond']" in out[7]
    assert "names ['ShellsProcess', 'ShellsTrain', 'ShellsEval', 'ShellsMSECond', 'ShellsTransform', 'ShellsCreateModel-CreateModel']" in out[8]
    for name in ("train", "validation", "test"):
        assert f"output {name} " in out[8]
    assert "transform Completed" in out[8] and "model ShellsCreateModel-CreateModel-" in out[8]
    assert "LocalDriverPipeline" in out[9] and "Succeeded" in out[9]
    assert "ShellsTransform" in out[10]
    # The model went where the driver asked: the session's bucket, kept in the artifact store.
    bucket = core.settings.artifact_uri.removeprefix("file://") + "/buckets/labstudio-local/local-pipeline-driver"
    assert list(Path(bucket, "model").glob("*/output/model.tar.gz"))
    assert (Path(bucket) / "transform" / "test.csv.out").read_text().count(",") > 10
