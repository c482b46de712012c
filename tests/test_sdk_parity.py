"""SDK parity with SageMaker found in public local-mode samples (issue 19, finding 9).

- ``distribution={"parameter_server": {"enabled": True}}`` on one instance: SageMaker accepts it
  (its TensorFlow container then runs the script once, with no parameter server), and public
  TensorFlow samples pass it without using it. labstudio accepts it there with one warning and
  keeps refusing it on several hosts (it starts no parameter servers), through the SDK and REST.
- Serving defaults follow the Model class, as SageMaker's container image does: a
  ``PyTorchModel`` whose ``model_fn`` returns a ``transformers`` pipeline is served with the
  PyTorch container's default output_fn (its CSV encoder writes the rows of numbers), where the
  generic ``Model`` keeps choosing by the object's type (the Hugging Face encoder, which refuses
  rows that are not objects).

Each driver is its own Python process that trains or deploys for real.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from httpjson import body as _body
from httpjson import error as _error
from test_sdk_compat_drivers import DUMMY_ROLE, result, run_driver

needs_tf = pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="tensorflow is not installed (pip install tensorflow-cpu)")
needs_hf = pytest.mark.skipif(
    importlib.util.find_spec("transformers") is None or importlib.util.find_spec("torch") is None,
    reason="transformers (with torch) is not installed",
)

PS_TRAIN = """
import json, os

if __name__ == "__main__":
    print("trained on", os.environ["SM_CURRENT_HOST"], "of", json.loads(os.environ["SM_HOSTS"]))
    open(os.path.join(os.environ["SM_MODEL_DIR"], "weights.txt"), "w").write("1")
"""

PS_DRIVER = f"""
import warnings

from labstudio.local import LocalSession                          # was: from sagemaker.local import LocalSession
from labstudio.tensorflow import TensorFlow                       # was: from sagemaker.tensorflow import TensorFlow

session = LocalSession()
session.config = {{"local": {{"local_code": True}}}}
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    estimator = TensorFlow(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.11",
                           py_version="py39", instance_count=1, instance_type="local", sagemaker_session=session,
                           distribution={{"parameter_server": {{"enabled": True}}}})
    estimator.fit()
said = [str(w.message) for w in caught if "parameter_server" in str(w.message)]
print("warnings:", len(said))
print("warning:", said[0] if said else "")
print("job:", estimator.latest_training_job.name)
print("status:", estimator.latest_training_job.describe()["TrainingJobStatus"])
try:
    TensorFlow(entry_point="train.py", source_dir="code", role="{DUMMY_ROLE}", framework_version="2.11", py_version="py39",
               instance_count=2, instance_type="local", distribution={{"parameter_server": {{"enabled": True}}}})
    print("two hosts: accepted")
except ValueError as exc:
    print("two hosts:", exc)
"""


@needs_tf
def test_parameter_server_on_one_instance_runs_the_script_once_with_one_warning(tmp_path: Path, labstudio_home: Path, core) -> None:
    out = run_driver(tmp_path, PS_DRIVER, {"code/train.py": PS_TRAIN})

    assert result(out, "warnings") == "1", out
    assert "no parameter server" in result(out, "warning")
    assert result(out, "status") == "Completed"
    log = core.jobs.logs(result(out, "job"))["text"]
    assert [line for line in log.splitlines() if line.startswith("trained on")] == ["trained on algo-1 of ['algo-1']"], log
    refused = result(out, "two hosts")
    assert "'parameter_server' on 2 instances is not supported" in refused and "instance_count" in refused, refused


async def test_parameter_server_through_rest_one_instance_accepted_two_refused(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    folder = jp_root_dir / "ps"
    folder.mkdir()
    (folder / "train.py").write_text("print('ran once')\n")
    request = {"entry_point": "train.py", "source_dir": "ps", "distribution": {"parameter_server": {"enabled": True}}}

    resp = await jp_fetch("labstudio", "api", "jobs", method="POST", body=json.dumps({**request, "name": "ps-one", "instance_count": 1}))
    assert resp.code == 201 and _body(resp)["ResourceConfig"]["InstanceCount"] == 1

    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps({**request, "name": "ps-two", "instance_count": 2}))
    assert code == 400 and err["field"] == "distribution" and "starts no parameter servers" in err["message"], err
    bad = {**request, "name": "ps-bad", "distribution": {"parameter_server": {"enabled": "yes"}}}
    code, err = await _error(jp_fetch, "labstudio", "api", "jobs", method="POST", body=json.dumps(bad))
    assert code == 400 and err["field"] == "distribution", err


HF_MODEL = """
import os
import torch
from transformers import BertConfig, BertForSequenceClassification, BertTokenizer

os.makedirs("model", exist_ok=True)
with open("vocab.txt", "w") as f:
    f.write("\\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "good", "bad", "movie", "a"]) + "\\n")
config = BertConfig(vocab_size=9, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16,
                    max_position_embeddings=32, num_labels=2, id2label={0: "NEGATIVE", 1: "POSITIVE"},
                    label2id={"NEGATIVE": 0, "POSITIVE": 1})
torch.manual_seed(0)
BertForSequenceClassification(config).save_pretrained("model")
BertTokenizer("vocab.txt").save_pretrained("model")
"""

# The script loads a pipeline and scores texts; decoding and encoding are left to the container.
PIPELINE_SCRIPT = """
import json
from transformers import pipeline


def model_fn(model_dir):
    return pipeline("text-classification", model=model_dir, tokenizer=model_dir, device=-1)


def input_fn(body, content_type):
    return json.loads(body)


def predict_fn(texts, classifier):
    return [[round(item["score"], 4)] for item in classifier(texts)]
"""

PIPELINE_DRIVER = f"""
exec(open("make_model.py").read())

from labstudio.deserializers import CSVDeserializer               # was: from sagemaker.deserializers import CSVDeserializer
from labstudio.model import Model                                 # was: from sagemaker.model import Model
from labstudio.pytorch import PyTorchModel                        # was: from sagemaker.pytorch import PyTorchModel
from labstudio.serializers import JSONSerializer                  # was: from sagemaker.serializers import JSONSerializer

texts = ["a good movie", "a bad movie"]
torch_model = PyTorchModel(model_data="model", role="{DUMMY_ROLE}", entry_point="inference.py", source_dir="code",
                           framework_version="2.1", py_version="py310")
predictor = torch_model.deploy(initial_instance_count=1, instance_type="local", serializer=JSONSerializer(),
                               deserializer=CSVDeserializer())
rows = predictor.predict(texts)
print("pytorch rows:", len(rows), all(len(row) == 1 and 0.0 < float(row[0]) < 1.0 for row in rows))
predictor.delete_endpoint()

generic = Model(model_data="model", role="{DUMMY_ROLE}", entry_point="inference.py", source_dir="code")
predictor = generic.deploy(initial_instance_count=1, instance_type="local", serializer=JSONSerializer(),
                           deserializer=CSVDeserializer())
try:
    predictor.predict(texts)
    print("generic: answered")
except Exception as exc:
    print("generic:", str(exc).replace("\\n", " "))
predictor.delete_endpoint()
"""


@needs_hf
def test_a_pytorch_model_serving_a_pipeline_gets_the_pytorch_containers_defaults(tmp_path: Path, labstudio_home: Path, core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    out = run_driver(tmp_path, PIPELINE_DRIVER, {"make_model.py": HF_MODEL, "code/inference.py": PIPELINE_SCRIPT}, timeout=300)

    assert result(out, "pytorch rows") == "2 True", out  # the PyTorch container's CSV encoder: one row per score
    # the generic Model still chooses by the object: a pipeline gets the Hugging Face toolkit's encoder
    assert "Hugging Face CSV encoder" in result(out, "generic"), out
    assert core.endpoints.list()["Endpoints"] == []


async def test_an_unknown_serving_framework_is_refused_naming_the_field(jp_fetch, jp_root_dir: Path) -> None:  # type: ignore[no-untyped-def]
    (jp_root_dir / "m").mkdir()
    body = {"EndpointName": "fw", "ProductionVariants": [{"Source": "m", "Environment": {"LABSTUDIO_SERVING_FRAMEWORK": "keras"}}]}
    code, err = await _error(jp_fetch, "labstudio", "api", "endpoints", method="POST", body=json.dumps(body))
    assert code == 400 and err["field"] == "Environment", err
    assert "pytorch" in err["message"] and "LABSTUDIO_SERVING_FRAMEWORK" in err["message"], err
