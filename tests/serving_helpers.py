"""Models, inference scripts and HTTP helpers shared by the serving tests (all offline).

Also a pytest plugin (listed in conftest.py's `pytest_plugins`): its fixtures are available to
every test by argument name; import only the plain helpers from here.
"""
from __future__ import annotations

import http.client
import io
import json
import tarfile
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

FOUR_HANDLERS = """
import io
import json
import os

import joblib
import numpy as np


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def input_fn(body, content_type):
    if content_type == "application/json":
        data = json.loads(body)
        return np.asarray(data["rows"] if isinstance(data, dict) else data, dtype=float)
    if content_type == "text/csv":
        return np.loadtxt(io.StringIO(body), delimiter=",", ndmin=2)
    if content_type == "application/x-npy":
        return np.load(io.BytesIO(body))
    raise ValueError(f"inference.py cannot read {content_type}")


def predict_fn(data, model):
    return model.predict(data)


def output_fn(prediction, accept):
    if accept == "text/csv":
        return "\\n".join(f"{p:.6f}" for p in prediction), "text/csv"
    if accept == "application/x-npy":
        buffer = io.BytesIO()
        np.save(buffer, prediction)
        return buffer.getvalue(), accept
    return json.dumps({"predictions": prediction.tolist(), "accept": accept})
"""

TRANSFORM_FN = """
import json
import os

import joblib
import numpy as np


def model_fn(model_dir):
    return joblib.load(os.path.join(model_dir, "model.joblib"))


def transform_fn(model, body, content_type, accept):
    rows = np.asarray(json.loads(body), dtype=float)
    return json.dumps({"classes": model.predict(rows).tolist(), "via": "transform_fn"}), "application/json"
"""

CONSTANT = """
import json


def model_fn(model_dir):
    with open(model_dir + "/value.txt") as handle:
        return float(handle.read())


def transform_fn(model, body, content_type, accept):
    return json.dumps({{"value": model}}), "application/json"
"""


@pytest.fixture(scope="session")
def diabetes_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A Ridge regressor on load_diabetes saved with joblib, and a few rows to send it."""
    import joblib
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import Ridge

    X, y = load_diabetes(return_X_y=True)
    model = Ridge(alpha=0.5).fit(X, y)
    folder = tmp_path_factory.mktemp("diabetes") / "model"
    folder.mkdir()
    joblib.dump(model, folder / "model.joblib")
    return {"dir": folder, "rows": X[:3], "expected": model.predict(X[:3])}


@pytest.fixture(scope="session")
def iris_model(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import joblib
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    folder = tmp_path_factory.mktemp("iris") / "model"
    folder.mkdir()
    joblib.dump(model, folder / "model.joblib")
    return {"dir": folder, "rows": X[[0, 60, 120]], "expected": model.predict(X[[0, 60, 120]])}


def write_source(folder: Path, body: str, name: str = "inference.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(body))
    return folder


def make_archive(model_dir: Path, archive: Path, code: Path | None = None) -> Path:
    """A SageMaker-style model.tar.gz: model files at the root, optional code/ folder."""
    with tarfile.open(archive, "w:gz") as tar:
        for entry in sorted(model_dir.iterdir()):
            tar.add(entry, arcname=entry.name)
        if code is not None:
            tar.add(code, arcname="code")
    return archive


def constant_model(folder: Path, value: float) -> Path:
    model = folder / "model"
    model.mkdir(parents=True, exist_ok=True)
    (model / "value.txt").write_text(str(value))
    write_source(folder / "code", CONSTANT.format())
    return folder


def post(url: str, body: bytes | str, content_type: str | None = "application/json", accept: str | None = None, headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    host, _, port = url.split("://", 1)[1].partition(":")
    conn = http.client.HTTPConnection(host, int(port.split("/")[0]), timeout=timeout)
    sent = dict(headers or {})
    if content_type:
        sent["Content-Type"] = content_type
    if accept:
        sent["Accept"] = accept
    try:
        conn.request("POST", "/invocations", body=body.encode() if isinstance(body, str) else body, headers=sent)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def get(url: str, path: str = "/ping", timeout: float = 10) -> int:
    host, _, port = url.split("://", 1)[1].partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    finally:
        conn.close()


def npy(array: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array))
    return buffer.getvalue()


def from_npy(data: bytes) -> np.ndarray:
    return np.load(io.BytesIO(data))


def message(body: bytes) -> str:
    return json.loads(body)["message"]
