"""The inference handler contract, in process: SageMaker semantics and the status mapping."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from labstudio.serving import codecs
from labstudio.serving.contract import Handlers, InvocationError, ModelLoadError
from serving_helpers import FOUR_HANDLERS, TRANSFORM_FN, from_npy, npy, write_source


@pytest.fixture(autouse=True)
def _clean_modules():
    yield
    for name in ("inference", "serve", "train"):
        sys.modules.pop(name, None)


def test_four_handlers_json_csv_npy(tmp_path: Path, diabetes_model) -> None:
    src = write_source(tmp_path / "src", FOUR_HANDLERS)
    h = Handlers(str(diabetes_model["dir"]), str(src))
    assert h.user_functions == ["input_fn", "model_fn", "output_fn", "predict_fn"]
    rows, expected = diabetes_model["rows"], diabetes_model["expected"]

    body, kind = h.invoke(json.dumps({"rows": rows.tolist()}).encode(), "application/json", "application/json")
    assert kind == "application/json"
    assert np.allclose(json.loads(body)["predictions"], expected)

    csv = "\n".join(",".join(map(str, r)) for r in rows).encode()
    body, kind = h.invoke(csv, "text/csv", "text/csv")
    assert kind == "text/csv" and np.allclose([float(x) for x in body.decode().split()], expected, atol=1e-5)

    body, kind = h.invoke(npy(rows), "application/x-npy", "application/x-npy")
    assert kind == "application/x-npy" and np.allclose(from_npy(body), expected)


def test_accept_any_falls_back_to_default_accept(tmp_path: Path, diabetes_model) -> None:
    src = write_source(tmp_path / "src", FOUR_HANDLERS)
    h = Handlers(str(diabetes_model["dir"]), str(src), default_accept="application/json")
    body, kind = h.invoke(json.dumps(diabetes_model["rows"].tolist()).encode(), "application/json", "*/*")
    # output_fn returned a body only: the content type is the (substituted) accept
    assert kind == "application/json" and json.loads(body)["accept"] == "application/json"
    body, _ = h.invoke(json.dumps(diabetes_model["rows"].tolist()).encode(), "application/json", None)
    assert json.loads(body)["accept"] == "application/json"


def test_handler_errors_are_400_with_the_handlers_message(tmp_path: Path, diabetes_model) -> None:
    h = Handlers(str(diabetes_model["dir"]), str(write_source(tmp_path / "src", FOUR_HANDLERS)))
    with pytest.raises(InvocationError) as err:
        h.invoke(b"{not json", "application/json", "application/json")
    assert err.value.status_code == 400 and "input_fn" in err.value.message and "JSONDecodeError" in err.value.message
    with pytest.raises(InvocationError) as err:
        h.invoke(b"<a/>", "application/xml", "application/json")
    assert err.value.status_code == 400 and "cannot read application/xml" in err.value.message
    with pytest.raises(InvocationError) as err:  # wrong number of features: sklearn's ValueError
        h.invoke(b"[[1, 2]]", "application/json", "application/json")
    assert err.value.status_code == 400 and "features" in err.value.message


def test_transform_fn(tmp_path: Path, iris_model) -> None:
    h = Handlers(str(iris_model["dir"]), str(write_source(tmp_path / "src", TRANSFORM_FN)))
    assert h.user_functions == ["model_fn", "transform_fn"]
    body, kind = h.invoke(json.dumps(iris_model["rows"].tolist()).encode(), "application/json", "*/*")
    assert kind == "application/json"
    assert json.loads(body) == {"classes": iris_model["expected"].tolist(), "via": "transform_fn"}


def test_transform_fn_with_input_fn_is_refused(tmp_path: Path, iris_model) -> None:
    src = write_source(tmp_path / "src", TRANSFORM_FN + "\n\ndef input_fn(body, content_type):\n    return body\n")
    with pytest.raises(ModelLoadError, match="transform_fn together with input_fn"):
        Handlers(str(iris_model["dir"]), str(src))


def test_no_handlers_serves_the_joblib_model_with_default_codecs(iris_model) -> None:
    h = Handlers(str(iris_model["dir"]))
    assert h.module_path is None and h.user_functions == []
    rows, expected = iris_model["rows"], iris_model["expected"]
    body, kind = h.invoke(json.dumps(rows.tolist()).encode(), "application/json", "application/json")
    assert kind == "application/json" and json.loads(body) == expected.tolist()
    body, kind = h.invoke(",".join(map(str, rows[0])).encode(), "text/csv", "text/csv")  # one row as a flat CSV line
    assert kind == "text/csv" and body.decode().strip() == str(expected[0])
    body, kind = h.invoke(npy(rows), "application/x-npy", "application/x-npy")
    assert np.array_equal(from_npy(body), expected)
    body, kind = h.invoke(json.dumps({"instances": rows.tolist()}).encode(), "application/json; charset=utf-8", "application/x-npz")
    assert kind == "application/x-npz" and np.array_equal(codecs.decode(body, codecs.NPZ), expected)
    with pytest.raises(InvocationError) as err:
        h.invoke(b"x", "application/xml", "application/json")
    assert err.value.status_code == 415
    with pytest.raises(InvocationError) as err:
        h.invoke(json.dumps(rows.tolist()).encode(), "application/json", "image/png")
    assert err.value.status_code == 406
    with pytest.raises(InvocationError) as err:
        h.invoke(b"1,2,zz", "text/csv", "application/json")
    assert err.value.status_code == 400 and "zz" in err.value.message
    with pytest.raises(InvocationError) as err:
        h.invoke(b"\x93NUMPY junk", "application/x-npy", "application/json")
    assert err.value.status_code == 400


def test_model_fn_raising_gives_a_reason(tmp_path: Path, iris_model) -> None:
    src = write_source(tmp_path / "src", "def model_fn(model_dir):\n    raise RuntimeError('weights are corrupt')\n")
    with pytest.raises(ModelLoadError, match="model_fn raised RuntimeError: weights are corrupt"):
        Handlers(str(iris_model["dir"]), str(src))


def test_no_model_file_and_no_model_fn(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelLoadError, match="no model_fn"):
        Handlers(str(tmp_path / "empty"))


def test_context_argument_and_tuple_output(tmp_path: Path, iris_model) -> None:
    src = write_source(
        tmp_path / "src",
        """
        def model_fn(model_dir, context):
            return context.variant

        def predict_fn(data, model, context):
            return [model, context.system_properties["model_dir"] != ""]

        def output_fn(prediction, accept):
            return str(prediction), "text/plain"
        """,
        name="serve.py",
    )
    h = Handlers(str(iris_model["dir"]), str(src), entry_point="serve.py", variant="blue")
    body, kind = h.invoke(b"[1]", "application/json", "*/*")
    assert kind == "text/plain" and body == b"['blue', True]"


def test_accept_candidates_honour_q_values() -> None:
    assert codecs.accept_candidates("text/csv;q=0.5, application/json") == ("application/json", "text/csv")
    assert codecs.encode([1, 2], "image/png, text/csv")[1] == "text/csv"
