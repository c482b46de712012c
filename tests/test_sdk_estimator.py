"""Estimator, Model and Predictor in-process: SageMaker argument handling, fit, Ctrl-C, analytics, attach."""
from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import labstudio
from conftest import wait_for
from labstudio.sdk import compat
from labstudio.sdk.compat import SageMakerArgumentWarning
from labstudio.shapes import to_json

TRAIN = """
import argparse, json, os, time
p = argparse.ArgumentParser()
p.add_argument("--epochs", type=int, default=3)
p.add_argument("--sleep", type=float, default=0.0)
a, _ = p.parse_known_args()
for i in range(a.epochs):
    print(f"epoch={i} loss={1.0 / (i + 1):.4f}", flush=True)
    time.sleep(a.sleep)
chans = {c: sorted(os.listdir(os.environ["SM_CHANNEL_" + c.upper()])) for c in json.loads(os.environ["SM_CHANNELS"])}
print("channels", json.dumps(chans), "gpus", os.environ["SM_NUM_GPUS"], flush=True)
open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w").write(json.dumps({"scale": 2.0}))
"""

METRICS = [{"Name": "loss", "Regex": "loss=([0-9.]+)"}]


@pytest.fixture
def project(tmp_path: Path, labstudio_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LABSTUDIO_WIDGETS", "0")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "train.py").write_text(TRAIN)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("1,2\n")
    return tmp_path


def _sagemaker_warnings(record: list[warnings.WarningMessage]) -> list[warnings.WarningMessage]:
    return [w for w in record if issubclass(w.category, SageMakerArgumentWarning)]


def test_sagemaker_only_arguments_warn_once_and_say_why() -> None:
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        labstudio.Estimator("train.py", role="arn:aws:iam::1:role/x", framework_version="1.2-1", image_uri="img", volume_size=30,
                            sagemaker_session=object())
    found = _sagemaker_warnings(record)
    assert len(found) == 1
    message = str(found[0].message)
    for name in ("role", "framework_version", "image_uri", "volume_size", "sagemaker_session"):
        assert name in message
    assert "only matter on SageMaker" in message and "local process" in message
    assert found[0].filename == __file__  # points at the caller, not at labstudio


def test_framework_aliases_and_no_warning_without_sagemaker_arguments() -> None:
    from labstudio.local import LocalSession
    from labstudio.pytorch import PyTorch
    from labstudio.sklearn import SKLearn, SKLearnPredictor
    from labstudio.xgboost import XGBoost

    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        labstudio.Estimator("train.py", hyperparameters={"a": 1})
        SKLearn("train.py", sagemaker_session=LocalSession())
    assert _sagemaker_warnings(record) == []
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        est = SKLearn("train.py", "1.2-1", role="r")
        XGBoost("train.py", "1.7-1")
        PyTorch("train.py", framework_version="2.1", py_version="py310")
    assert len(_sagemaker_warnings(record)) == 3
    assert est._predictor_cls is SKLearnPredictor
    predictor = SKLearnPredictor("ep")
    assert predictor.content_type == "application/x-npy" and predictor.accept == ("application/x-npy",)


def test_bad_arguments_are_clear_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"'ml\.m5\.xlarge' is not available.*'local'.*'local_gpu'"):
        labstudio.Estimator("train.py", instance_type="ml.m5.xlarge")
    monkeypatch.setattr(compat, "gpu_count", lambda: 0)
    with pytest.raises(ValueError, match="needs an NVIDIA GPU"):
        labstudio.Estimator("train.py", instance_type="local_gpu")
    with pytest.raises(ValueError, match="instance_count"):
        labstudio.Estimator("train.py", instance_count=65)  # up to 64 hosts (docs/multi-host.md)
    with pytest.raises(TypeError, match="unexpected keyword argument 'epochs'"):
        labstudio.Estimator("train.py", epochs=3)
    with pytest.raises(ValueError, match="git_config"):
        labstudio.Estimator("train.py", git_config={"repo": "x"})
    with pytest.raises(ValueError, match="entry_point is required"):
        labstudio.Estimator(image_uri="my-image")
    with pytest.warns(DeprecationWarning, match="train_instance_type"):
        est = labstudio.Estimator("train.py", train_instance_type="local")
    assert est.instance_type == "local"
    with pytest.raises(ValueError, match="call fit"):
        est.deploy()
    with pytest.raises(ValueError, match="call fit"):
        _ = est.model_data


def test_fit_inputs_metrics_analytics_output_path_and_attach(project: Path, core, capsys: pytest.CaptureFixture[str]) -> None:
    out = project / "models"
    est = labstudio.Estimator(
        "train.py", source_dir="src", hyperparameters={"epochs": 4}, metric_definitions=METRICS,
        output_path=f"file://{out}", base_job_name="my-base",
    )
    est.fit({"train": "file://./data", "validation": labstudio.TrainingInput(f"file://{project / 'data'}")},
            experiment_config={"ExperimentName": "sdk-exp", "TrialName": "sweep", "TrialComponentDisplayName": "first try"})
    printed = capsys.readouterr().out
    job = est.latest_training_job
    assert job.name.startswith("my-base-")
    assert "epoch=3 loss=0.2500" in printed and f"Training job {job.name}: Completed" in printed
    assert 'channels {"train": ["a.csv"], "validation": ["a.csv"]} gpus 0' in printed
    described = job.describe()
    assert described["TrainingJobStatus"] == "Completed" and described["ExperimentName"] == "sdk-exp"
    assert described["ExperimentConfig"]["TrialName"] == "sweep"
    assert core.experiments.get_run(described["RunId"])["name"] == "first try"
    assert est.model_data == f"file://{out}/{job.name}/output/model.tar.gz"
    assert (out / job.name / "output" / "model.tar.gz").is_file()

    frame = est.training_job_analytics.dataframe()
    assert list(frame.columns) == ["timestamp", "metric_name", "value"]
    assert list(frame["value"]) == [1.0, 0.5, 0.3333, 0.25] and set(frame["metric_name"]) == {"loss"}
    assert (frame["timestamp"] >= 0).all() and frame["timestamp"].is_monotonic_increasing

    attached = labstudio.Estimator.attach(job.name)
    assert attached.hyperparameters() == {"epochs": 4}
    assert attached.metric_definitions == METRICS
    assert attached.model_data == described["ModelArtifacts"]["S3ModelArtifacts"]

    with pytest.raises(ValueError, match="unknown key"):
        est.fit("data", experiment_config={"Experiment": "x"})
    # s3:// channels are supported now (tests/test_s3.py); one that cannot be read is refused at fit, naming it
    with pytest.raises(ValueError, match="channel 'training' s3://bucket/train: "):
        est.fit("s3://bucket/train")


def test_single_input_is_the_training_channel_and_dependencies_are_shipped(project: Path) -> None:
    (project / "lib" / "helpers").mkdir(parents=True)
    (project / "lib" / "helpers" / "__init__.py").write_text("GREETING = 'hello from a dependency'\n")
    (project / "solo.py").write_text("import helpers, os\nprint(helpers.GREETING, sorted(os.listdir(os.environ['SM_CHANNEL_TRAINING'])))\n")
    est = labstudio.Estimator("solo.py", dependencies=["lib/helpers"])
    est.fit("data", logs=False)
    assert "hello from a dependency ['a.csv']" in est.latest_training_job.logs()


def test_local_gpu_sets_sm_num_gpus_from_the_gpus_present(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compat, "gpu_count", lambda: 2)
    est = labstudio.Estimator("train.py", source_dir="src", instance_type="local_gpu", hyperparameters={"epochs": 1})
    est.fit("data", logs="None")
    assert "gpus 2" in est.latest_training_job.logs()


def test_failed_job_raises_unexpected_status_with_the_reason(project: Path) -> None:
    (project / "bad.py").write_text("raise ValueError('learning rate must be positive')\n")
    est = labstudio.Estimator("bad.py")
    with pytest.raises(labstudio.UnexpectedStatusException, match="learning rate must be positive") as err:
        est.fit(logs=False)
    assert err.value.actual_status == "Failed"
    # what needs the model says which action it refused
    name = est.latest_training_job.name
    for call, action in ((est.deploy, "can be deployed"), (est.transformer, "can run a batch transform"),
                         (est.create_model, "can make a Model")):
        with pytest.raises(ValueError, match=f"training job {name} is Failed: only a Completed job {action}"):
            call()


def test_interrupting_a_waiting_fit_leaves_the_job_running(project: Path, core, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    import labstudio.cli.jobs as cli_jobs

    def interrupted(core_, name, *a, **k):  # the user presses Ctrl-C while the log streams
        wait_for(lambda: "epoch=0" in to_json(core_.jobs.logs(name))["text"], timeout=60)
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_jobs, "follow_logs", interrupted)
    est = labstudio.Estimator("train.py", source_dir="src", hyperparameters={"epochs": 200, "sleep": 0.1})
    with pytest.raises(KeyboardInterrupt):
        est.fit("data")
    name = est.latest_training_job.name
    err = capsys.readouterr().err
    assert f"Stopped waiting for training job {name}; the job keeps running" in err
    assert f"%stop {name}" in err and "latest_training_job.stop()" in err
    assert core.jobs.get(name).status == "InProgress"
    est.latest_training_job.stop()
    assert to_json(core.jobs.wait(name, timeout=60))["TrainingJobStatus"] == "Stopped"


def test_sigint_to_a_driver_script_stops_waiting_not_the_job(project: Path, core) -> None:
    (project / "driver.py").write_text(textwrap.dedent("""
        from labstudio import Estimator
        Estimator("train.py", source_dir="src", hyperparameters={"epochs": 3000, "sleep": 0.1}).fit("data")
    """))
    proc = subprocess.Popen([sys.executable, "driver.py"], cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        job = wait_for(lambda: (to_json(core.jobs.list())["TrainingJobSummaries"] or [None])[0], timeout=60, message="a job")
        name = job["TrainingJobName"]
        wait_for(lambda: "epoch=1" in to_json(core.jobs.logs(name))["text"], timeout=60, message="the job to print")
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0
    assert f"Stopped waiting for training job {name}; the job keeps running" in err
    assert core.jobs.get(name).status == "InProgress"
    core.jobs.stop(name)
    assert to_json(core.jobs.wait(name, timeout=60))["TrainingJobStatus"] == "Stopped"


INFERENCE = """
import json, os
import numpy as np

def model_fn(model_dir):
    with open(os.path.join(model_dir, "model.json")) as f:
        return json.load(f)

def predict_fn(data, model):
    if np.asarray(data).ndim != 2:
        raise ValueError("expected rows of numbers")
    return np.asarray(data) * model["scale"]
"""


def test_deploy_model_and_predictor(project: Path, core) -> None:
    from labstudio.deserializers import JSONDeserializer
    from labstudio.serializers import JSONSerializer

    (project / "src" / "inference.py").write_text(INFERENCE)
    est = labstudio.Estimator("train.py", source_dir="src", hyperparameters={"epochs": 1})
    est.fit("data", logs=False)
    model = labstudio.Model(model_data=est.model_data, entry_point="inference.py", source_dir="src")
    predictor = model.deploy(initial_instance_count=1, instance_type="local", serializer=JSONSerializer(),
                             deserializer=JSONDeserializer(), endpoint_name="sdk-model-ep")
    try:
        assert predictor.endpoint_name == "sdk-model-ep" and model.endpoint_name == "sdk-model-ep"
        assert predictor.predict([[1, 2], [3, 4]]) == [[2.0, 4.0], [6.0, 8.0]]
        raw = labstudio.Predictor("sdk-model-ep")  # SageMaker's defaults: bytes in, bytes out
        assert raw.predict(b"[[1.5]]", initial_args={"ContentType": "application/json"}) == b"[[3.0]]"
        with pytest.raises(labstudio.ModelError, match="expected rows of numbers") as err:
            predictor.predict([1, 2])
        assert err.value.status_code >= 400
        with pytest.raises(ValueError, match="not available"):
            model.deploy(instance_type="ml.m5.large")
    finally:
        predictor.delete_endpoint()
    assert core.endpoints.list()["Endpoints"] == []
