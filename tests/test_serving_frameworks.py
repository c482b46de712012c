"""Framework serving defaults as SageMaker's containers have them, and messages that help.

XGBoost: LibSVM (and CSV) bodies become a DMatrix; PyTorch: the default predict_fn makes a
tensor on the model's device and runs the model in eval mode under no_grad. Failures say
which decoder ran, how many features the model expects, and keep a multi-line message's
first line.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from labstudio.shapes import to_json
from serving_helpers import post, write_source

xgb = pytest.importorskip("xgboost")


@pytest.fixture(autouse=True)
def _clean_modules():
    yield
    for name in ("inference", "serve", "train"):
        sys.modules.pop(name, None)


def _libsvm(rows: np.ndarray) -> str:
    return "\n".join(" ".join(f"{j}:{v}" for j, v in enumerate(row) if v != 0) for row in rows)


@pytest.fixture(scope="module")
def booster(tmp_path_factory: pytest.TempPathFactory) -> dict:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(float)
    model = xgb.train({"objective": "binary:logistic", "max_depth": 2}, xgb.DMatrix(X, label=y), num_boost_round=5)
    folder = tmp_path_factory.mktemp("xgb") / "model"
    folder.mkdir()
    model.save_model(str(folder / "xgboost-model.json"))
    rows = X[:3]
    return {"dir": folder, "rows": rows, "expected": model.predict(xgb.DMatrix(rows))}


XGB_MODEL_FN = """
import os
import xgboost as xgb


def model_fn(model_dir):
    booster = xgb.Booster()
    booster.load_model(os.path.join(model_dir, "xgboost-model.json"))
    return booster
"""


def test_xgboost_endpoint_accepts_libsvm_and_csv_with_the_default_handlers(endpoints, tmp_path: Path, booster) -> None:
    src = write_source(tmp_path / "src", XGB_MODEL_FN)
    d = endpoints.deploy(str(booster["dir"]), name="xgb", source_dir=str(src), wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d.get("FailureReason")
    url, rows, expected = d["EndpointUrl"], booster["rows"], booster["expected"]

    code, _, body = post(url, _libsvm(rows), "text/libsvm", "application/json")
    assert code == 200, body
    assert np.allclose(json.loads(body), expected, atol=1e-6)
    labelled = "\n".join(f"1 {line}" for line in _libsvm(rows).splitlines())  # a label first, as in a LibSVM file
    code, _, body = post(url, labelled, "text/x-libsvm", "application/json")
    assert code == 200 and np.allclose(json.loads(body), expected, atol=1e-6)
    code, _, body = post(url, "\n".join(",".join(map(str, r)) for r in rows), "text/csv", "text/csv")
    assert code == 200 and np.allclose([float(v) for v in body.split()], expected, atol=1e-6)
    code, _, body = post(url, "0:0.5 1:0.5 2:0.5", "text/libsvm", "application/json")  # a LibSVM row may stop early
    assert code == 200 and len(json.loads(body)) == 1

    # a bad body names the decoder that ran; too many features says how many the model expects
    code, _, body = post(url, "1:0.5 oops", "text/libsvm", "application/json")
    message = json.loads(body)["message"]
    assert code == 400 and "XGBoost LibSVM decoder" in message and "'oops' is not index:value" in message
    code, _, body = post(url, "0.1,0.2,0.3,0.4,0.5,0.6", "text/csv", "application/json")
    message = json.loads(body)["message"]
    assert code == 400 and "the model expects 4 features per row" in message and "6" in message


def test_default_decoder_failure_names_the_decoder(tmp_path: Path, iris_model) -> None:
    from labstudio.serving.contract import Handlers, InvocationError

    h = Handlers(str(iris_model["dir"]))
    with pytest.raises(InvocationError) as err:
        h.invoke(b"1,2,x,4", "text/csv", "application/json")
    assert err.value.status_code == 400
    assert "default input_fn's CSV decoder" in err.value.message and "'x'" in err.value.message
    body, _ = h.invoke(b"0:5.1 1:3.5 2:1.4 3:0.2", "text/libsvm", "application/json")  # the generic LibSVM decoder
    assert json.loads(body) == [0]


TORCH_MODEL_FN = """
import os
import torch


class Probe(torch.nn.Module):
    \"\"\"A linear layer whose output also says what it was given: tensor dtype, grad mode, eval mode.\"\"\"

    def __init__(self):
        super().__init__()
        self.linear = torch.nn.Linear(3, 1)

    def forward(self, x):
        assert isinstance(x, torch.Tensor), type(x)
        flags = torch.tensor([[float(x.dtype == torch.float32), float(torch.is_grad_enabled()), float(self.training)]])
        return torch.cat([self.linear(x), flags.expand(x.shape[0], 3)], dim=1)


def model_fn(model_dir):
    model = Probe()
    model.load_state_dict(torch.load(os.path.join(model_dir, "model.pth")))
    return model  # left in training mode on purpose: the default predict_fn must switch to eval
"""


def test_pytorch_default_predict_fn_makes_a_tensor_under_no_grad(endpoints, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    folder = tmp_path / "model"
    folder.mkdir()
    linear = torch.nn.Linear(3, 1)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[1.0, 2.0, 3.0]]))
        linear.bias.fill_(0.5)
    torch.save({"linear.weight": linear.weight.detach(), "linear.bias": linear.bias.detach()}, folder / "model.pth")
    src = write_source(tmp_path / "src", TORCH_MODEL_FN)
    d = endpoints.deploy(str(folder), name="torch", source_dir=str(src), wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d.get("FailureReason")
    url = d["EndpointUrl"]

    code, _, body = post(url, json.dumps([[1, 1, 1], [0, 0, 2]]), "application/json", "application/json")
    assert code == 200, body
    # float64 JSON numbers became a float32 tensor; no grad; eval mode
    assert np.allclose(json.loads(body), [[6.5, 1, 0, 0], [6.5, 1, 0, 0]])
    code, _, body = post(url, "1,1,1", "text/csv", "application/json")  # one flat row
    assert code == 200 and np.allclose(json.loads(body), [[6.5, 1, 0, 0]])
    code, _, body = post(url, json.dumps([[1, 2]]), "application/json", "application/json")
    message = json.loads(body)["message"]
    assert code == 400 and "the model expects 3 features per row" in message and "has 2" in message


MULTILINE = """
def model_fn(model_dir):
    return None


def predict_fn(data, model):
    raise RuntimeError("Check failed: the useful first line\\nStack trace:\\n  [bt] (0) libxgboost.so(+0x1234)\\n  [bt] (1) libxgboost.so(+0x5678)")
"""


def test_a_multi_line_error_keeps_its_first_line(tmp_path: Path, iris_model) -> None:
    from labstudio.serving.contract import Handlers, InvocationError

    h = Handlers(str(iris_model["dir"]), str(write_source(tmp_path / "src", MULTILINE)))
    with pytest.raises(InvocationError) as err:
        h.invoke(b"[[1, 2]]", "application/json", "application/json")
    assert err.value.status_code == 500
    assert "RuntimeError: Check failed: the useful first line" in err.value.message
    assert "[bt]" not in err.value.message


ARGPARSE_AT_IMPORT = """
import argparse
import os

parser = argparse.ArgumentParser()
parser.add_argument("--epochs", type=int, required=True)
args = parser.parse_args()


def model_fn(model_dir):
    return None
"""


def test_deploying_a_script_that_parses_arguments_at_import_says_how_to_fix_it(endpoints, tmp_path: Path, iris_model) -> None:
    src = write_source(tmp_path / "src", ARGPARSE_AT_IMPORT, name="train.py")
    d = endpoints.deploy(str(iris_model["dir"]), name="argparse", source_dir=str(src), entry_point="train.py", wait=True, timeout=120)
    assert d["EndpointStatus"] == "Failed"
    reason = d["FailureReason"]
    assert "importing train.py raised SystemExit: 2" in reason
    assert "the following arguments are required: --epochs" in reason
    assert "imported (not run)" in reason and 'if __name__ == "__main__":' in reason and "--entry-point" in reason


def test_a_training_failure_keeps_the_first_and_last_line_of_the_error(core, write_script) -> None:
    script = write_script("raise ValueError('bad input shape (3, 5)\\nmore detail\\nhint: the last line')\n")
    final = to_json(core.jobs.wait(to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(script.parent)}))["TrainingJobName"], timeout=60))
    assert final["TrainingJobStatus"] == "Failed"
    assert "ValueError: bad input shape (3, 5) … hint: the last line" in final["FailureReason"]
