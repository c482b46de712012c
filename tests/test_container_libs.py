"""The framework containers' own libraries, as scripts written for them import them.

They exist on the import path of job scripts and endpoint workers only: this test's own
interpreter (a user's notebook) cannot import them.
"""
from __future__ import annotations

import importlib
import json
from pathlib import Path

import numpy as np
import pytest

from labstudio.shapes import to_json
from serving_helpers import post, write_source

SHIMS = ("sagemaker_containers", "sagemaker_training", "sagemaker_inference", "sagemaker_xgboost_container")


@pytest.mark.parametrize("name", SHIMS)
def test_the_container_libraries_are_not_importable_outside_jobs(name: str) -> None:
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(name)


def test_a_training_script_uses_sagemaker_containers_and_sagemaker_training(core, write_script, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "rows.csv").write_text("1,2\n")
    script = write_script(
        """
        import json, os, sys
        import sagemaker_containers
        from sagemaker_containers.beta.framework import content_types, encoders
        from sagemaker_training import environment

        old = sagemaker_containers.training_env()
        new = environment.Environment()
        out = {
            "hps": old.hyperparameters,
            "channels": old.channel_input_dirs,
            "model_dir": new.model_dir,
            "hosts": new.hosts,
            "current_host": new.current_host,
            "num_gpus": new.num_gpus,
            "module_name": new.module_name,
            "csv": encoders.encode([[1, 2], [3, 4]], content_types.CSV),
            "decoded": encoders.decode("[1.5, 2.5]", content_types.JSON).tolist(),
            "shim_path": sagemaker_containers.__file__,
        }
        json.dump(out, open(os.path.join(new.model_dir, "env.json"), "w"))
        """
    )
    job = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(script.parent), "hyperparameters": {"epochs": 3, "lr": 0.5},
                            "channels": {"train": str(data)}}))
    final = to_json(core.jobs.wait(job["TrainingJobName"], timeout=90))
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    layout = core.jobs.layout(final["TrainingJobName"])
    out = json.loads((layout.model / "env.json").read_text())
    assert out["hps"] == {"epochs": 3, "lr": 0.5}
    assert set(out["channels"]) == {"train"} and Path(out["channels"]["train"]).name == "train"
    assert Path(out["model_dir"]).resolve() == layout.model.resolve() or out["model_dir"] == "/opt/ml/model"
    assert out["hosts"] == ["algo-1"] and out["current_host"] == "algo-1" and out["module_name"] == "train"
    assert out["csv"] == "1,2\n3,4\n" and out["decoded"] == [1.5, 2.5]
    assert "labstudio/container_libs" in out["shim_path"]


INFERENCE = """
import json
import os

import joblib
from sagemaker_containers.beta.framework import worker
from sagemaker_inference import content_types, decoder, default_inference_handler, encoder, errors, utils

HANDLER = default_inference_handler.DefaultInferenceHandler()
assert utils.retrieve_content_type_header({"ContentType": "text/csv"}) == "text/csv"


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(body, content_type):
    if content_type == "application/x-custom":
        raise errors.UnsupportedFormatError(content_type)
    return HANDLER.default_input_fn(body, content_type)


def predict_fn(data, model):
    return model.predict(decoder.decode(encoder.encode(data, content_types.NPY), content_types.NPY))


def output_fn(prediction, accept):
    if accept == content_types.CSV:
        return worker.Response(encoder.encode(prediction, accept), mimetype=accept)
    return json.dumps({"predictions": prediction.tolist(), "via": "sagemaker_inference"})
"""


def test_an_inference_script_uses_sagemaker_inference(endpoints, tmp_path: Path, iris_model) -> None:
    src = write_source(tmp_path / "src", INFERENCE)
    d = endpoints.deploy(str(iris_model["dir"]), name="toolkit", source_dir=str(src), wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d.get("FailureReason")
    url = d["EndpointUrl"]
    rows = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]]
    code, _, body = post(url, json.dumps(rows), "application/json", "application/json")
    assert code == 200 and json.loads(body) == {"predictions": [0, 2], "via": "sagemaker_inference"}
    code, headers, body = post(url, "5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3", "text/csv", "text/csv")
    assert code == 200 and headers["content-type"].startswith("text/csv")
    assert np.allclose([float(v) for v in body.split()], [0, 2])
    code, _, body = post(url, "x", "application/x-custom", "application/json")
    assert code == 415 and "application/x-custom is not supported" in json.loads(body)["message"]


XGBOOST_SCRIPT = """
import json, os, sys
import xgboost as xgb
from sagemaker_containers import entry_point
from sagemaker_containers._errors import ExecuteUserScriptError
from sagemaker_xgboost_container import distributed
from sagemaker_xgboost_container.data_utils import get_dmatrix

env = json.loads(os.environ["SM_TRAINING_ENV"])
channels = env["channel_input_dirs"]
out = {}
for name, kind in (("libsvm", "libsvm"), ("csv", "text/csv"), ("parquet", "parquet")):
    d = get_dmatrix(channels[name], kind, csv_weights=1 if name == "csv" else 0)
    out[name] = {"rows": d.num_row(), "cols": d.num_col(), "labels": d.get_label().tolist(), "weights": d.get_weight().tolist()}
out["missing"] = get_dmatrix(os.environ.get("SM_CHANNEL_VALIDATION"), "libsvm") is None

def train(dtrain, num_boost_round, model_dir, is_master):
    booster = xgb.train({"max_depth": 2}, dtrain, num_boost_round=num_boost_round)
    if is_master:
        booster.save_model(os.path.join(model_dir, "xgboost-model.json"))
    return is_master

entry_point._wait_hostname_resolution()
distributed.wait_hostname_resolution(env["hosts"])
out["is_master"] = distributed.rabit_run(
    exec_fun=train, args=dict(dtrain=get_dmatrix(channels["libsvm"], "libsvm"), num_boost_round=3, model_dir=env["model_dir"]),
    include_in_training=True, hosts=env["hosts"], current_host=env["current_host"], update_rabit_args=True)
out["skipped"] = distributed.rabit_run(train, {}, include_in_training=False, hosts=env["hosts"], current_host=env["current_host"])
try:
    distributed.rabit_run(train, {}, True, hosts=["algo-1", "algo-2"], current_host="algo-1")
except RuntimeError as exc:
    out["two_hosts"] = str(exc)

here = os.path.dirname(os.path.abspath(__file__))
proc = entry_point.run("file://" + here, "helper.py", ["--n", 4], env_vars={"HELPER_OUT": os.path.join(env["model_dir"], "helper.txt")})
out["helper_code"] = proc.returncode
try:
    entry_point.run(here, "fails.py", [], capture_error=True)
except ExecuteUserScriptError as exc:
    out["fails"] = [exc.return_code, str(exc)]
json.dump(out, open(os.path.join(env["model_dir"], "out.json"), "w"))
"""

HELPER = """
import os, sys
import neighbour
open(os.environ["HELPER_OUT"], "w").write(" ".join(sys.argv[1:]) + " " + neighbour.WORD)
"""


def test_an_xgboost_script_uses_the_containers_data_utils_distributed_and_entry_point(core, write_script, tmp_path: Path) -> None:
    import pandas as pd

    libsvm = tmp_path / "libsvm"
    (libsvm / "part").mkdir(parents=True)
    (libsvm / "a.libsvm").write_text("1 1:0.5 3:2\n0 2:1.5\n")
    (libsvm / "part" / "b.libsvm").write_text("1 1:1 2:1 4:3\n")
    (libsvm / ".hidden").write_text("not data\n")
    csv = tmp_path / "csv"
    csv.mkdir()
    (csv / "rows.csv").write_text("1;0.5;3;4\n0;2;5;6\n")
    parquet = tmp_path / "parquet"
    parquet.mkdir()
    pd.DataFrame({"label": [2.0, 3.0, 4.0], "x": [1.0, 2.0, 3.0]}).to_parquet(parquet / "rows.parquet")
    script = write_script(XGBOOST_SCRIPT)
    write_script(HELPER, name="helper.py")
    write_script("WORD = 'beside'\n", name="neighbour.py")
    write_script("import sys\nsys.exit('helper broke')\n", name="fails.py")
    job = to_json(core.jobs.submit({"entry_point": "train.py", "source_dir": str(script.parent),
                            "channels": {"libsvm": str(libsvm), "csv": str(csv), "parquet": str(parquet)}}))
    final = to_json(core.jobs.wait(job["TrainingJobName"], timeout=120))
    assert final["TrainingJobStatus"] == "Completed", final.get("FailureReason")
    model = core.jobs.layout(final["TrainingJobName"]).model
    out = json.loads((model / "out.json").read_text())
    assert out["libsvm"]["rows"] == 3 and out["libsvm"]["cols"] == 5 and out["libsvm"]["labels"] == [1, 0, 1]
    assert out["csv"] == {"rows": 2, "cols": 2, "labels": [1, 0], "weights": [0.5, 2]}
    assert out["parquet"]["rows"] == 3 and out["parquet"]["cols"] == 1 and out["parquet"]["labels"] == [2, 3, 4]
    assert out["missing"] is True
    assert out["is_master"] is True and out["skipped"] is None and (model / "xgboost-model.json").is_file()
    assert "one host" in out["two_hosts"]
    assert out["helper_code"] == 0 and (model / "helper.txt").read_text() == "--n 4 beside"
    assert out["fails"][0] == 1 and "helper broke" in out["fails"][1]
