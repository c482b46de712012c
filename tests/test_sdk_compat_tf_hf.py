"""TensorFlow and Hugging Face drivers in the SageMaker SDK's style, imports pointing at labstudio.

The TensorFlow driver trains a tiny Keras model in script mode, saves it as a SavedModel under
``model_dir/1/`` and deploys it with no inference script: the endpoint answers as SageMaker's
TF Serving container does (``{"instances"}`` and CSV rows in, ``{"predictions"}`` out), and an
inference.py with ``input_handler``/``output_handler`` reshapes both sides, and one ``handler``
posts to ``context.rest_uri`` itself. The Hugging Face
driver builds a tiny random BERT classifier offline and deploys it with ``HF_TASK`` only, as the
Hugging Face inference toolkit serves it. Each driver is its own Python process; frameworks
that are absent skip with the reason, and the install hint is checked with the packages blocked.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from labstudio.shapes import to_json
from test_sdk_compat_drivers import DUMMY_ROLE, result, run_driver

needs_tf = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="tensorflow is not installed (pip install tensorflow-cpu)")
needs_hf = pytest.mark.skipif(
    importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None,
    reason="transformers (with torch) is not installed",
)

TF_TRAIN = """
import argparse, os
import numpy as np
import tensorflow as tf
from sklearn.datasets import load_diabetes

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--model_dir", type=str)
    parser.add_argument("--sm-model-dir", type=str, default=os.environ.get("SM_MODEL_DIR"))
    args, _ = parser.parse_known_args()
    print("model_dir hyperparameter:", args.model_dir)
    X, y = load_diabetes(return_X_y=True, scaled=True)
    y = (y - y.mean()) / y.std()
    tf.random.set_seed(0)
    model = tf.keras.Sequential([tf.keras.Input(shape=(10,)), tf.keras.layers.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.1), loss="mse")
    model.fit(X.astype("float32"), y.astype("float32"), epochs=args.epochs, batch_size=64, verbose=0)
    model.export(os.path.join(args.sm_model_dir, "1"))
"""

TF_HANDLERS = """
import json


def input_handler(data, context):
    assert context.request_content_type == "text/csv", context.request_content_type
    rows = [[float(v) for v in line.split(",")] for line in data.read().decode("utf-8").splitlines() if line]
    return json.dumps({"instances": rows})


def output_handler(response, context):
    if response.status_code != 200:
        raise ValueError(response.content.decode("utf-8"))
    predictions = response.json()["predictions"]
    return json.dumps({"scores": [p[0] for p in predictions], "accept": context.accept_header}), "application/json"
"""

TF_HANDLER = """
import json
import requests


def handler(data, context):
    rows = json.loads(data.read().decode("utf-8"))
    response = requests.post(context.rest_uri, data=json.dumps({"inputs": rows}))
    if response.status_code != 200:
        raise ValueError(response.content.decode("utf-8"))
    return json.dumps({"columns": response.json()["outputs"], "uri": context.rest_uri.split("/v1/")[1]}), context.accept_header
"""

TF_DRIVER = f"""
import json
import numpy as np
from sklearn.datasets import load_diabetes

from labstudio.local import LocalSession                          # was: from sagemaker.local import LocalSession
from labstudio.tensorflow import TensorFlow                       # was: from sagemaker.tensorflow import TensorFlow
from labstudio.tensorflow.model import TensorFlowModel            # was: from sagemaker.tensorflow.model import TensorFlowModel

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
estimator = TensorFlow(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.16",
                       py_version="py310", model_dir="/opt/ml/model", instance_count=1, instance_type="local",
                       sagemaker_session=session, hyperparameters={{"epochs": 40}})
estimator.fit()

X, y = load_diabetes(return_X_y=True, scaled=True)
predictor = estimator.deploy(initial_instance_count=1, instance_type="local")
out = predictor.predict({{"instances": X[:50].tolist()}})
scores = [p[0] for p in out["predictions"]]
print("keys:", sorted(out))
print("corr:", float(np.corrcoef(scores, y[:50])[0, 1]))
print("list:", predictor.predict(X[:2].tolist())["predictions"] == out["predictions"][:2])
runtime = session.sagemaker_runtime_client
csv_body = "\\n".join(",".join(str(v) for v in row) for row in X[:3])
answer = runtime.invoke_endpoint(EndpointName=predictor.endpoint_name, ContentType="text/csv", Body=csv_body)
print("csv:", json.loads(answer["Body"].read())["predictions"] == out["predictions"][:3])
try:
    predictor.predict({{"instances": X[:2, :4].tolist()}})
except Exception as exc:
    print("narrow:", str(exc).replace("\\n", " "))
predictor.delete_endpoint()

model = TensorFlowModel(model_data=estimator.model_data, role="{DUMMY_ROLE}", entry_point="inference.py", source_dir="serve",
                        framework_version="2.16", sagemaker_session=session)
handled = model.deploy(initial_instance_count=1, instance_type="local")
answer = runtime.invoke_endpoint(EndpointName=handled.endpoint_name, ContentType="text/csv", Accept="application/json", Body=csv_body)
doc = json.loads(answer["Body"].read())
print("handled:", doc["accept"], np.allclose(doc["scores"], scores[:3], atol=1e-5))
handled.delete_endpoint()

posting = TensorFlowModel(model_data=estimator.model_data, role="{DUMMY_ROLE}", entry_point="inference.py", source_dir="post",
                          framework_version="2.16", sagemaker_session=session).deploy(initial_instance_count=1, instance_type="local")
doc = posting.predict(X[:3].tolist())
print("posted:", doc["uri"], np.allclose([c[0] for c in doc["columns"]], scores[:3], atol=1e-5))
posting.delete_endpoint()
"""


@needs_tf
def test_tensorflow_savedmodel_is_served_as_tf_serving_with_and_without_handlers(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, TF_DRIVER, {"code/train.py": TF_TRAIN, "serve/inference.py": TF_HANDLERS, "post/inference.py": TF_HANDLER}, timeout=400)

    assert result(out, "keys") == "['predictions']"
    assert float(result(out, "corr")) > 0.6, out  # the trained model answers, not an untrained one
    assert result(out, "list") == "True"  # a bare list of rows is sent as instances
    assert result(out, "csv") == "True"  # CSV rows are instances too
    narrow = result(out, "narrow")
    assert "expects 10 features per row" in narrow and "has 4" in narrow
    assert result(out, "handled") == "application/json True"
    assert result(out, "posted") == "models/model:predict True"  # a handler posting to context.rest_uri itself
    [job] = to_json(core.jobs.list())["TrainingJobSummaries"]
    assert job["TrainingJobStatus"] == "Completed"
    assert core.endpoints.list()["Endpoints"] == []


HF_TRAIN = """
import argparse, os
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--model-dir", type=str, default=os.environ["SM_MODEL_DIR"])
    args, _ = parser.parse_known_args()
    vocab = os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "vocab.txt")
    with open(vocab, "w") as f:
        f.write("\\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie", "a"]) + "\\n")
    tokenizer = BertTokenizer(vocab)
    config = BertConfig(vocab_size=9, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
                        max_position_embeddings=32, num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"},
                        label2id={"NEGATIVE": 0, "POSITIVE": 1})
    torch.manual_seed(0)
    model = BertForSequenceClassification(config)
    batch = tokenizer(["a good movie", "a bad movie", "good", "bad"], return_tensors="pt", padding=True)
    labels = torch.tensor([1, 0, 1, 0])
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    for _ in range(args.steps):
        opt.zero_grad()
        loss = model(**batch, labels=labels).loss
        loss.backward()
        opt.step()
    print(f"final loss={loss.item():.3f}")
    model.save_pretrained(args.model_dir)
    tokenizer.save_pretrained(args.model_dir)
"""

HF_DRIVER = f"""
from labstudio.huggingface import HuggingFace                     # was: from sagemaker.huggingface import HuggingFace
from labstudio.huggingface import HuggingFaceModel                # was: from sagemaker.huggingface import HuggingFaceModel
from labstudio.local import LocalSession                          # was: from sagemaker.local import LocalSession

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
estimator = HuggingFace(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", transformers_version="4.26",
                        pytorch_version="1.13", py_version="py39", instance_count=1, instance_type="local",
                        sagemaker_session=session, hyperparameters={{"steps": 40}})
estimator.fit()

inferred = estimator.deploy(initial_instance_count=1, instance_type="local")   # no HF_TASK: from config.json
print("inferred:", [inferred.predict({{"inputs": text}})[0]["label"] for text in ("a good movie", "a bad movie")])
inferred.delete_endpoint()

hf_model = HuggingFaceModel(model_data=estimator.model_data, role="{DUMMY_ROLE}", transformers_version="4.26",
                            pytorch_version="1.13", py_version="py39", env={{"HF_TASK": "text-classification"}},
                            sagemaker_session=session)
predictor = hf_model.deploy(initial_instance_count=1, instance_type="local")
one = predictor.predict({{"inputs": "a good movie"}})
print("one:", [sorted(item) for item in one], [item["label"] for item in one])
both = predictor.predict({{"inputs": "a bad movie", "parameters": {{"top_k": None}}}})
print("both:", sorted(item["label"] for item in both), round(sum(item["score"] for item in both), 4))
try:
    predictor.predict({{"inputs": "a movie", "parameters": "top_k"}})
except Exception as exc:
    print("bad parameters:", str(exc).replace("\\n", " "))
predictor.delete_endpoint()
"""


@needs_hf
def test_huggingface_script_mode_model_is_served_as_a_pipeline_from_hf_task_or_its_config(tmp_path: Path, labstudio_home: Path, core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    out = run_driver(tmp_path, HF_DRIVER, {"code/train.py": HF_TRAIN}, timeout=300)

    assert result(out, "inferred") == "['POSITIVE', 'NEGATIVE']"  # the trained classifier, task from its config
    assert result(out, "one") == "[['label', 'score']] ['POSITIVE']"
    assert result(out, "both") == "['NEGATIVE', 'POSITIVE'] 1.0"  # parameters reach the pipeline call
    assert "'parameters' must be a JSON object" in result(out, "bad parameters")
    [job] = to_json(core.jobs.list())["TrainingJobSummaries"]
    assert job["TrainingJobStatus"] == "Completed"
    assert core.endpoints.list()["Endpoints"] == []


BLOCKED_DRIVER = f"""
import sys

# Simulate a Python without the frameworks: imports of them fail, find_spec finds nothing.
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "transformers"):
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
for name in ("tensorflow", "transformers"):
    sys.modules[name] = None

from labstudio.huggingface import HuggingFace                     # was: from sagemaker.huggingface import HuggingFace
from labstudio.tensorflow import TensorFlow                       # was: from sagemaker.tensorflow import TensorFlow

for est in (TensorFlow(entry_point="train.py", framework_version="2.16", py_version="py310", role="{DUMMY_ROLE}",
                       instance_count=1, instance_type="local"),
            HuggingFace(entry_point="train.py", transformers_version="4.26", pytorch_version="1.13", py_version="py39",
                        role="{DUMMY_ROLE}", instance_count=1, instance_type="local")):
    try:
        est.fit()
    except ValueError as exc:
        print(type(est).__name__ + ":", exc)
"""


def test_tensorflow_and_huggingface_name_the_package_when_it_is_absent(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, BLOCKED_DRIVER, {"train.py": "print('never runs')\n"})

    assert "`pip install tensorflow`" in result(out, "TensorFlow")
    assert "TensorFlow.fit() needs tensorflow" in result(out, "TensorFlow")
    assert "`pip install transformers`" in result(out, "HuggingFace")
    assert to_json(core.jobs.list())["TrainingJobSummaries"] == []  # refused before any job started


SERVER_BLOCKED = """
import sys

class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "transformers"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Blocker())
for name in ("tensorflow", "transformers"):
    sys.modules[name] = None

from labstudio.serving.contract import Handlers, ModelLoadError

for folder in sys.argv[1:]:
    try:
        Handlers(folder)
    except ModelLoadError as exc:
        print(folder.rsplit("/", 1)[-1] + ":", exc)
"""


def test_the_model_server_names_the_package_a_framework_model_folder_needs(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "tf" / "1").mkdir(parents=True)
    (tmp_path / "tf" / "1" / "saved_model.pb").write_bytes(b"")
    (tmp_path / "hf").mkdir()
    (tmp_path / "hf" / "config.json").write_text(json.dumps({"architectures": ["BertForSequenceClassification"]}))
    (tmp_path / "hf" / "model.safetensors").write_bytes(b"")
    (tmp_path / "server.py").write_text(SERVER_BLOCKED)
    done = subprocess.run([sys.executable, "server.py", str(tmp_path / "tf"), str(tmp_path / "hf")], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr

    assert "holds a SavedModel" in result(done.stdout, "tf") and "`pip install tensorflow`" in result(done.stdout, "tf")
    assert "`pip install transformers`" in result(done.stdout, "hf")


KERAS2_DRIVER = f"""
from labstudio.tensorflow import TensorFlow                       # was: from sagemaker.tensorflow import TensorFlow

old = TensorFlow(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.8", py_version="py39",
                 instance_count=1, instance_type="local")
old.fit()
new = TensorFlow(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.16", py_version="py310",
                 instance_count=1, instance_type="local")
print("2.16 environment:", new.environment.get("TF_USE_LEGACY_KERAS"))
"""


@needs_tf
def test_tensorflow_before_2_16_runs_with_keras_2_when_tf_keras_is_installed(tmp_path: Path, labstudio_home: Path, core,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    # A stand-in for the tf-keras distribution (only its presence matters: the script does not import it).
    (tmp_path / "site" / "tf_keras").mkdir(parents=True)
    (tmp_path / "site" / "tf_keras" / "__init__.py").write_text("")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "site"))
    monkeypatch.delenv("TF_USE_LEGACY_KERAS", raising=False)
    script = "import os\nprint('script sees:', os.environ.get('TF_USE_LEGACY_KERAS'))\n"
    out = run_driver(tmp_path / "work", KERAS2_DRIVER, {"code/train.py": script})

    assert result(out, "script sees") == "1"  # SageMaker's 2.8 container has Keras 2: model.save(dir) works
    assert result(out, "2.16 environment") == "None"
