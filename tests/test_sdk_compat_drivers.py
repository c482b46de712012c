"""Drivers written the way SageMaker local-mode drivers are, with their imports pointing at labstudio.

Each driver runs as its own Python process (as `python driver.py` would), trains for real, deploys
for real and predicts with the framework predictor's SageMaker defaults; the test then checks
what the driver printed and what the store holds. Data are tiny offline stand-ins (sklearn's
bundled iris and diabetes sets).
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from labstudio.shapes import to_json

DUMMY_ROLE = "arn:aws:iam::111111111111:role/service-role/AmazonSageMaker-ExecutionRole-20200101T000001"


def run_driver(work: Path, driver: str, files: dict[str, str], timeout: float = 240) -> str:
    """Write the driver and its code folder, run it with this Python, return its stdout (fails with its output)."""
    for name, body in files.items():
        path = work / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(body))
    (work / "driver.py").write_text(textwrap.dedent(driver))
    env = {**os.environ, "LABSTUDIO_WIDGETS": "0", "PYTHONWARNINGS": "ignore"}
    done = subprocess.run([sys.executable, "driver.py"], cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"driver failed ({done.returncode})\n--- stdout\n{done.stdout[-6000:]}\n--- stderr\n{done.stderr[-6000:]}"
    return done.stdout


def result(stdout: str, key: str) -> str:
    """The value a driver printed as `key: value`."""
    for line in stdout.splitlines():
        if line.startswith(f"{key}: "):
            return line[len(key) + 2:]
    raise AssertionError(f"the driver printed no {key!r} line:\n{stdout}")


SKLEARN_TRAIN = """
import argparse, os
import joblib
import pandas as pd
from sklearn.linear_model import LogisticRegression

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    parser.add_argument("--train", type=str, default=os.environ["SM_CHANNEL_TRAIN"])
    args, _ = parser.parse_known_args()
    files = sorted(os.listdir(args.train))
    print("channel files:", files)
    df = pd.concat(pd.read_csv(os.path.join(args.train, f), header=None) for f in files)
    model = LogisticRegression(C=args.C, max_iter=500).fit(df.iloc[:, 1:], df.iloc[:, 0])
    joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))
"""

SKLEARN_DRIVER = f"""
import json, os, tarfile
import pandas as pd
from sklearn.datasets import load_iris

import labstudio as sagemaker                             # was: import sagemaker
from labstudio.inputs import TrainingInput                # was: from sagemaker.inputs import TrainingInput
from labstudio.local import LocalSession                  # was: from sagemaker.local import LocalSession
from labstudio.s3 import S3Downloader                     # was: from sagemaker.s3 import S3Downloader
from labstudio.sklearn.estimator import SKLearn           # was: from sagemaker.sklearn.estimator import SKLearn

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
role = sagemaker.get_execution_role() if os.environ.get("USE_ROLE") else "{DUMMY_ROLE}"

X, y = load_iris(return_X_y=True, as_frame=True)
os.makedirs("data", exist_ok=True)
pd.concat([y, X], axis=1).to_csv("data/iris.csv", header=False, index=False)
prefix = "sagemaker/DEMO-sklearn"
train_uri = session.upload_data("data", bucket=session.default_bucket(), key_prefix=prefix + "/train")
print("train_uri:", train_uri)

sklearn = SKLearn(entry_point="train.py", source_dir="code", framework_version="1.2-1", py_version="py3",
                  instance_type="local", instance_count=1, role=role, sagemaker_session=session,
                  hyperparameters={{"C": 0.5}})
sklearn.fit({{"train": TrainingInput(train_uri, content_type="text/csv")}})
name = sklearn.latest_training_job.name
described = session.sagemaker_client.describe_training_job(TrainingJobName=name)
print("status:", described["TrainingJobStatus"])

S3Downloader.download(sklearn.model_data, "downloaded")
with tarfile.open(os.path.join("downloaded", os.path.basename(sklearn.model_data))) as tar:
    print("archive:", sorted(tar.getnames()))

predictor = sklearn.deploy(initial_instance_count=1, instance_type="local")
print("predicted:", predictor.predict(X.values[[0, 60, 120]]).tolist())
answer = session.sagemaker_runtime_client.invoke_endpoint(
    EndpointName=predictor.endpoint_name, ContentType="text/csv", Accept="application/json", Body="5.1,3.5,1.4,0.2")
print("runtime:", json.loads(answer["Body"].read()))
predictor.delete_endpoint()
"""


def test_sklearn_driver_uploads_data_to_a_channel_and_uses_the_session_clients(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, SKLEARN_DRIVER, {"code/train.py": SKLEARN_TRAIN})

    bucket_dir = labstudio_home / "artifacts" / "buckets" / "labstudio-local" / "sagemaker" / "DEMO-sklearn" / "train"
    assert result(out, "train_uri") == f"file://{bucket_dir}"
    assert (bucket_dir / "iris.csv").is_file()
    assert "channel files: ['iris.csv']" in out
    assert result(out, "status") == "Completed"
    assert result(out, "archive") == "['model.joblib']"
    assert json.loads(result(out, "predicted")) == [0, 1, 2]
    assert json.loads(result(out, "runtime")) == [0]
    [job] = to_json(core.jobs.list())["TrainingJobSummaries"]
    described = to_json(core.jobs.describe(job["TrainingJobName"]))
    assert described["HyperParameters"]["C"] == "0.5"
    assert core.endpoints.list()["Endpoints"] == []


XGB_TRAIN = """
import argparse, os, pickle
import xgboost as xgb

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--max_depth", type=int)
    parser.add_argument("--eta", type=float)
    parser.add_argument("--objective", type=str)
    parser.add_argument("--num_round", type=int)
    parser.add_argument("--model_dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    parser.add_argument("--train", type=str, default=os.environ.get("SM_CHANNEL_TRAIN"))
    args, _ = parser.parse_known_args()
    dtrain = xgb.DMatrix(os.path.join(args.train, "diabetes.libsvm") + "?format=libsvm")
    booster = xgb.train({"max_depth": args.max_depth, "eta": args.eta, "objective": args.objective}, dtrain,
                        num_boost_round=args.num_round, evals=[(dtrain, "train")])
    pickle.dump(booster, open(os.path.join(args.model_dir, "xgboost-model"), "wb"))


def model_fn(model_dir):
    return pickle.load(open(os.path.join(model_dir, "xgboost-model"), "rb"))
"""

XGB_DRIVER = f"""
import os
from sklearn.datasets import dump_svmlight_file, load_diabetes

from labstudio import TrainingInput                       # was: from sagemaker import TrainingInput
from labstudio.local import LocalSession                  # was: from sagemaker.local import LocalSession
from labstudio.xgboost.estimator import XGBoost           # was: from sagemaker.xgboost.estimator import XGBoost

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
X, y = load_diabetes(return_X_y=True)
os.makedirs("data/train", exist_ok=True)
dump_svmlight_file(X[:400], y[:400], "data/train/diabetes.libsvm", zero_based=False)

estimator = XGBoost(entry_point="train.py", source_dir="code", framework_version="1.7-1", role="{DUMMY_ROLE}",
                    instance_count=1, instance_type="local", sagemaker_session=session, output_path="file://model/",
                    hyperparameters={{"max_depth": "3", "eta": "0.3", "objective": "reg:squarederror", "num_round": "30"}})
train_input = TrainingInput("file://data/train", content_type="text/libsvm")
estimator.fit({{"train": train_input}})
print("model_data:", estimator.model_data)

predictor = estimator.deploy(initial_instance_count=1, instance_type="local")
print("content_type:", predictor.content_type)
row = "-99 " + " ".join(f"{{i + 1}}:{{v}}" for i, v in enumerate(X[420]))   # dummy label, as the samples send
print("prediction:", predictor.predict(row))
print("truth:", y[420])
predictor.delete_endpoint(predictor.endpoint_name)
"""


@pytest.mark.skipif(importlib.util.find_spec("xgboost") is None, reason="xgboost is not installed")
def test_xgboost_driver_predicts_with_sagemakers_default_libsvm_serializer(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, XGB_DRIVER, {"code/train.py": XGB_TRAIN})

    assert result(out, "model_data").endswith("model.tar.gz") and (tmp_path / "model").is_dir()
    assert result(out, "content_type") == "text/libsvm"
    [[value]] = json.loads(result(out, "prediction").replace("'", '"'))
    prediction, truth = float(value), float(result(out, "truth"))
    assert 25.0 < prediction < 346.0 and abs(prediction - truth) < 120, out  # a real regression of the diabetes target
    assert core.endpoints.list()["Endpoints"] == []


TORCH_TRAIN = """
import argparse, os
import torch
from sklearn.datasets import load_diabetes

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--lr", type=float, default=0.1)
    args, _ = parser.parse_known_args()
    X, y = load_diabetes(return_X_y=True, scaled=True)
    y = (y - y.mean()) / y.std()  # a standardized target: a few hundred steps fit it
    X, y = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).unsqueeze(1)
    torch.manual_seed(0)
    model = torch.nn.Linear(10, 1)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    for epoch in range(args.epochs):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        opt.step()
    print(f"final loss={loss.item():.3f}")
    torch.save(model.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "model.pth"))
"""

TORCH_INFERENCE = """
import os
import torch


def model_fn(model_dir):
    model = torch.nn.Linear(10, 1)
    model.load_state_dict(torch.load(os.path.join(model_dir, "model.pth")))
    return model
"""

TORCH_DRIVER = f"""
import numpy as np
from sklearn.datasets import load_diabetes

from labstudio.local import LocalSession                  # was: from sagemaker.local import LocalSession
from labstudio.pytorch import PyTorch                     # was: from sagemaker.pytorch import PyTorch
from labstudio.pytorch.model import PyTorchModel          # was: from sagemaker.pytorch.model import PyTorchModel

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
estimator = PyTorch(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.1",
                    py_version="py310", instance_count=1, instance_type="local", sagemaker_session=session,
                    hyperparameters={{"epochs": 300, "lr": 0.5}})
estimator.fit()

model = PyTorchModel(model_data=estimator.model_data, role="{DUMMY_ROLE}", entry_point="inference.py", source_dir="code",
                     framework_version="2.1", py_version="py310", sagemaker_session=session)
predictor = model.deploy(initial_instance_count=1, instance_type="local")
X, y = load_diabetes(return_X_y=True, scaled=True)
out = predictor.predict(X[:50].astype(np.float32))
print("shape:", out.shape, out.dtype)
print("corr:", float(np.corrcoef(out[:, 0], y[:50])[0, 1]))
predictor.delete_endpoint()
"""


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="torch is not installed")
def test_pytorch_driver_serves_a_tiny_model_with_the_default_predict_fn(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, TORCH_DRIVER, {"code/train.py": TORCH_TRAIN, "code/inference.py": TORCH_INFERENCE})

    assert result(out, "shape") == "(50, 1) float32"
    assert float(result(out, "corr")) > 0.6, out  # the served model is the trained one, not noise
    [job] = to_json(core.jobs.list())["TrainingJobSummaries"]
    assert job["TrainingJobStatus"] == "Completed"
    assert core.endpoints.list()["Endpoints"] == []
