"""TensorFlow Serving, as SageMaker's TensorFlow serving container presents it, in the worker.

SageMaker serves a TensorFlow model with no ``model_fn`` at all: the model folder holds a
SavedModel per numeric version (``<model_dir>/1/saved_model.pb``, or one level deeper,
``<model_dir>/<name>/1/``), TensorFlow Serving loads the newest version, and a front
(nginx, or a Python service when ``code/inference.py`` exists) turns the request into a TF
Serving REST ``predict`` call. Here the SavedModel is loaded in the worker with
``tf.saved_model.load`` and the REST request is answered in-process, keeping its shapes:

- JSON carrying ``"instances"`` (row format) or ``"inputs"`` (columnar format) is passed as
  is; any other JSON value becomes ``{"instances": [value]}`` (a list of lists stays a list
  of instances), JSON lines become one instance per line; CSV rows become instances (a
  one-column row a scalar, a non-numeric body quoted strings). Other content types: 415.
- The answer is ``{"predictions": [...]}`` for rows, ``{"outputs": ...}`` for columns (one
  value per output name when the signature has several); a request the model cannot take
  is a 400 with ``{"error": ...}`` as TF Serving's own.
- An inference script may define ``input_handler(data, context)`` (returns the TF Serving
  request: a JSON string or a JSON-serialisable object) and ``output_handler(response,
  context)`` (gets the TF Serving response: ``status_code``, ``content``, ``text``,
  ``json()``; returns ``(body, content_type)``), or one ``handler(data, context)`` doing
  both; a missing one of the pair keeps the default, as above.

``context`` carries the fields of the container's context (``request_content_type``,
``accept_header``, ``model_name``, ``model_version``, ``method``, ``rest_uri``,
``custom_attributes``...). A script with these hooks gets a ``rest_uri`` that answers: a small
HTTP server on 127.0.0.1 (a thread of the worker, on a free port) serves TF Serving's REST
``predict`` and model-status routes from the same loaded SavedModel, so a ``handler`` that
posts to ``context.rest_uri`` itself (with ``requests``) works as in the container.
"""
from __future__ import annotations

import base64
import io
import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple

from . import codecs

SIGNATURE = "serving_default"
JSON_TYPES = ("application/json", "application/jsonlines", "application/jsons")
_TFS_JSON = re.compile(r'"(instances|inputs|examples)"\s*:')
_JSON_LINES = re.compile(r"[}\]]\s*[\[{]")


# -- finding the SavedModel ---------------------------------------------------------------


def saved_model_versions(model_dir: str) -> dict[str, dict[int, Path]]:
    """{model name: {version: folder}} for every ``saved_model.pb`` under a numeric folder.

    The name is the folder holding the versions ('model' when that is the model dir itself)."""
    root = Path(model_dir)
    found: dict[str, dict[int, Path]] = {}
    if not root.is_dir():
        return found
    for pb in sorted(root.rglob("saved_model.pb")):
        version = pb.parent
        rel = version.relative_to(root).parts
        if not version.name.isdigit() or "code" in rel[:-1] or len(rel) > 3:
            continue
        base = version.parent
        name = "model" if base == root else base.name
        found.setdefault(name, {})[int(version.name)] = version
    return found


def is_saved_model_dir(model_dir: str) -> bool:
    return bool(saved_model_versions(model_dir))


class TFServingModel:
    """The SavedModel(s) of a model folder, each version loaded on first use (newest at start)."""

    def __init__(self, model_dir: str) -> None:
        self.model_dir = model_dir
        self.models = saved_model_versions(model_dir)
        if not self.models:
            raise ValueError(f"no SavedModel under a numeric version folder in {model_dir} (expected e.g. {model_dir}/1/saved_model.pb)")
        self.default_name = sorted(self.models)[0]
        self._loaded: dict[tuple[str, int], Any] = {}
        self._rest_base: str | None = None  # the loopback REST server's URL, once started
        self.load(self.default_name, None)

    def load(self, name: str | None, version: int | None) -> Any:
        import tensorflow as tf

        name = name or self.default_name
        versions = self.models.get(name)
        if versions is None:
            raise _TFSError(404, f"Servable not found for request: model {name!r} (this endpoint serves {', '.join(sorted(self.models))})")
        chosen = max(versions) if version is None else version
        if chosen not in versions:
            raise _TFSError(404, f"Servable not found for request: Specific({name}, {version}) (versions here: {sorted(versions)})")
        key = (name, chosen)
        if key not in self._loaded:
            self._loaded[key] = tf.saved_model.load(str(versions[chosen]))
        return self._loaded[key]

    def signature(self, loaded: Any, name: str) -> Any:
        signatures = getattr(loaded, "signatures", {}) or {}
        if name not in signatures:
            raise _TFSError(400, f"Serving signature name: \"{name}\" not found in signature def (have: {', '.join(signatures) or 'none'})")
        return signatures[name]

    def expected_features(self) -> int | None:
        """Columns per row of the default signature's single input, when it has one."""
        try:
            fn = self.signature(self.load(None, None), SIGNATURE)
        except Exception:
            return None
        specs = fn.structured_input_signature[1]
        if len(specs) != 1:
            return None
        shape = next(iter(specs.values())).shape
        return int(shape[-1]) if shape.rank and shape.rank >= 2 and shape[-1] is not None else None

    def predict(self, request: Any, model_name: str | None = None, version: int | None = None) -> TFSResponse:
        """Answer one TF Serving REST ``predict`` request body (str/bytes/dict) like TF Serving."""
        try:
            body = _as_request(request)
            loaded = self.load(model_name, version)
            fn = self.signature(loaded, body.get("signature_name") or SIGNATURE)
            return TFSResponse(200, json.dumps(_run(fn, body), default=_json_default).encode("utf-8"))
        except _TFSError as exc:
            return TFSResponse(exc.status, json.dumps({"error": exc.message}).encode("utf-8"))


class _TFSError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class TFSResponse:
    """What ``requests.post`` to TF Serving returns, for an ``output_handler``."""

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content
        self.headers = {"Content-Type": "application/json"}

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    @property
    def text(self) -> str:
        return self.content.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.content)


class TFSContext(NamedTuple):
    """The container's per-request context (same field names)."""

    model_name: str
    model_version: str | None
    method: str
    rest_uri: str
    grpc_port: str | None
    custom_attributes: str | None
    request_content_type: str
    accept_header: str
    content_length: int


# -- the REST predict API -----------------------------------------------------------------


def _as_request(request: Any) -> dict[str, Any]:
    if isinstance(request, (bytes, bytearray)):
        request = request.decode("utf-8")
    if isinstance(request, str):
        try:
            request = json.loads(request)
        except ValueError as exc:
            raise _TFSError(400, f"JSON Parse error: {exc}") from None
    if not isinstance(request, dict) or not ({"instances", "inputs"} & set(request)):
        raise _TFSError(400, "Missing 'inputs' or 'instances' key")
    if "instances" in request and "inputs" in request:
        raise _TFSError(400, "Not formatted correctly expecting only one of 'inputs' or 'instances' keys")
    return request


def _b64(value: Any) -> Any:
    """TF Serving's binary convention: {"b64": "..."} is bytes."""
    if isinstance(value, dict) and set(value) == {"b64"}:
        return base64.b64decode(value["b64"])
    if isinstance(value, list):
        return [_b64(v) for v in value]
    return value


def _tensor(value: Any, spec: Any, name: str) -> Any:
    import numpy as np
    import tensorflow as tf

    value = _b64(value)
    try:
        if spec.dtype == tf.string:
            return tf.constant(value, dtype=tf.string)
        return tf.convert_to_tensor(np.asarray(value, dtype=spec.dtype.as_numpy_dtype))
    except (TypeError, ValueError) as exc:
        raise _TFSError(400, f"input {name!r} cannot be read as {spec.dtype.name}: {exc}") from None


def _check_shape(tensor: Any, spec: Any, name: str) -> None:
    if spec.shape.is_compatible_with(tensor.shape):
        return
    expected = spec.shape.as_list()
    hint = ""
    if expected and expected[-1] is not None and tensor.shape.rank and tensor.shape[-1] != expected[-1]:
        hint = f" (the model expects {expected[-1]} features per row; the request has {tensor.shape[-1]})"
    raise _TFSError(400, f"input {name!r} has shape {tensor.shape.as_list()}, the signature expects {expected}{hint}")


def _run(fn: Any, body: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    specs: dict[str, Any] = dict(fn.structured_input_signature[1])
    rows = "instances" in body
    data = body["instances"] if rows else body["inputs"]
    if rows and not isinstance(data, list):
        raise _TFSError(400, "'instances' must be a list (one entry per instance)")
    named: dict[str, Any]
    if rows and data and all(isinstance(item, dict) and not set(item) == {"b64"} for item in data):
        named = {key: [item.get(key) for item in data] for key in specs}
    elif not rows and isinstance(data, dict) and not set(data) == {"b64"}:
        named = dict(data)
    elif len(specs) == 1:
        named = {next(iter(specs)): data}
    else:
        raise _TFSError(400, f"the signature takes several inputs ({', '.join(specs)}): send each instance as an object naming them")
    missing = [key for key in specs if key not in named or named[key] is None or (rows and None in named[key])]
    if missing:
        raise _TFSError(400, f"missing input(s) {', '.join(missing)} (the signature takes {', '.join(specs)})")
    tensors = {}
    for key, spec in specs.items():
        tensor = _tensor(named[key], spec, key)
        _check_shape(tensor, spec, key)
        tensors[key] = tensor
    try:
        outputs = fn(**tensors)
    except Exception as exc:  # a kernel's InvalidArgumentError and the like
        raise _TFSError(400, f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}") from None
    arrays = {key: np.asarray(value) for key, value in outputs.items()}
    if not rows:
        return {"outputs": next(iter(arrays.values())) if len(arrays) == 1 else arrays}
    if len(arrays) == 1:
        return {"predictions": next(iter(arrays.values()))}
    count = len(next(iter(arrays.values())))
    return {"predictions": [{key: value[i] for key, value in arrays.items()} for i in range(count)]}


def _json_default(value: Any) -> Any:
    import numpy as np

    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [_json_default(v) for v in value.tolist()]
        return value.tolist()
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return {"b64": base64.b64encode(value).decode("ascii")}
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, list):
        return [_json_default(v) if isinstance(v, (bytes, np.generic)) else v for v in value]
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- the container's front: request -> TF Serving JSON ------------------------------------


def to_tfs_request(body: str, content_type: str) -> str:
    """The JSON TF Serving gets for a request body without input_handler (the container's nginx rules)."""
    kind = codecs.media_type(content_type) or codecs.JSON
    if kind in JSON_TYPES:
        if _JSON_LINES.search(body):
            lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
            return '{"instances":' + (lines[0] if len(lines) == 1 else "[" + ",".join(lines) + "]") + "}"
        if _TFS_JSON.search(body):
            return body
        if not re.match(r"^\s*\[\s*\[", body):
            body = "[" + body + "]"
        return '{"instances":' + body + "}"
    if kind == codecs.CSV:
        return json.dumps({"instances": _csv_instances(body)})
    raise codecs.UnsupportedFormat(
        f"Unsupported Media Type: {kind or 'none'} (TensorFlow Serving takes application/json, application/jsonlines "
        "or text/csv; define input_handler in inference.py for others)",
        415,
    )


def _csv_instances(body: str) -> list[Any]:
    quoted = not re.match(r'^\s*("|[\d.Ee+\-]+)', body)
    instances: list[Any] = []
    for line in body.strip().splitlines():
        line = line.strip()
        if not line:
            continue
        cells = [cell.strip() for cell in line.split(",")]
        values: list[Any]
        if quoted:
            values = [cell.strip('"') for cell in cells]
        else:
            try:
                values = [json.loads(cell) for cell in cells]
            except ValueError as exc:
                raise codecs.DecodeError(f"the TensorFlow Serving CSV reader could not read row {line!r}: {exc}") from None
        instances.append(values if len(values) > 1 else values[0])
    return instances


# -- the handler functions of the contract ------------------------------------------------


class _Request:
    """What flows from input_fn to output_fn: the TF Serving request and the context."""

    __slots__ = ("request", "context", "raw")

    def __init__(self, request: Any, context: TFSContext, raw: bytes) -> None:
        self.request = request
        self.context = context
        self.raw = raw


class _RestHandler(BaseHTTPRequestHandler):
    """TF Serving's REST routes: POST /v1/models/<name>[/versions/<n>]:predict, GET /v1/models/<name>."""

    model: TFServingModel
    ROUTE = re.compile(r"^/v1/models/([^/:]+)(?:/versions/(\d+))?(?::(\w+))?$")

    def _answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # the http.server hook's name
        match = self.ROUTE.match(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if match is None or (match.group(3) or "predict") != "predict":
            self._answer(404, json.dumps({"error": f"this local TF Serving answers :predict only, not {self.path}"}).encode())
            return
        version = int(match.group(2)) if match.group(2) else None
        response = self.model.predict(body, match.group(1), version)
        self._answer(response.status_code, response.content)

    def do_GET(self) -> None:
        match = self.ROUTE.match(self.path)
        versions = self.model.models.get(match.group(1)) if match else None
        if not versions:
            self._answer(404, json.dumps({"error": f"Could not find any versions of model {self.path}"}).encode())
            return
        status = [{"version": str(v), "state": "AVAILABLE", "status": {"error_code": "OK", "error_message": ""}} for v in sorted(versions, reverse=True)]
        self._answer(200, json.dumps({"model_version_status": status}).encode())

    def log_message(self, format: str, *args: Any) -> None:  # the base class's signature
        pass


def serve_rest(model: TFServingModel) -> str:
    """Start (once per model) the loopback TF Serving REST server; its base URL."""
    url = model._rest_base
    if url is None:
        handler = type("Handler", (_RestHandler,), {"model": model})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, name="tf-serving-rest", daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}"
        model._rest_base = url  # one server per loaded model
    return url


def _context(model: TFServingModel, content_type: str, accept: str, length: int) -> TFSContext:
    name = model.default_name
    base = model._rest_base or "http://127.0.0.1:8501"
    return TFSContext(
        model_name=name,
        model_version=None,
        method="predict",
        rest_uri=f"{base}/v1/models/{name}:predict",
        grpc_port=None,
        custom_attributes=None,
        request_content_type=codecs.media_type(content_type) or codecs.JSON,
        accept_header=accept or codecs.JSON,
        content_length=length,
    )


def handlers(model: TFServingModel, module: Any) -> dict[str, Callable[..., Any]]:
    """input_fn/predict_fn/output_fn doing what the TF Serving container does for ``model``,
    with the script's ``handler`` or ``input_handler``/``output_handler`` where it has them."""
    handler = getattr(module, "handler", None) if module is not None else None
    input_handler = getattr(module, "input_handler", None) if module is not None else None
    output_handler = getattr(module, "output_handler", None) if module is not None else None
    if any(callable(hook) for hook in (handler, input_handler, output_handler)):
        serve_rest(model)  # the script may post to context.rest_uri itself

    def input_fn(body: Any, content_type: str) -> _Request:
        raw = body.encode("utf-8") if isinstance(body, str) else bytes(body)
        context = _context(model, content_type, codecs.JSON, len(raw))
        if callable(handler):
            return _Request(None, context, raw)
        if callable(input_handler):
            return _Request(input_handler(io.BytesIO(raw), context), context, raw)
        return _Request(to_tfs_request(raw.decode("utf-8"), content_type), context, raw)

    def predict_fn(data: Any, tfs: TFServingModel) -> Any:
        if not isinstance(data, _Request):  # a script's own input_fn: its result is the TF Serving request
            data = _Request(data, _context(tfs, codecs.JSON, codecs.JSON, 0), b"")
        if callable(handler):
            return data
        response = tfs.predict(data.request)
        if response.status_code != 200 and not callable(output_handler):
            raise _StatusError(response.status_code, f"TensorFlow Serving answered {response.status_code}: {response.json().get('error', response.text)}")
        data.request = response
        return data

    def output_fn(prediction: Any, accept: str) -> Any:
        if not isinstance(prediction, _Request):
            return codecs.encode(prediction, accept)
        context = prediction.context._replace(accept_header=accept or codecs.JSON)
        if callable(handler):
            return handler(io.BytesIO(prediction.raw), context)
        response: TFSResponse = prediction.request
        if callable(output_handler):
            return output_handler(response, context)
        return response.content, codecs.JSON

    return {"input_fn": input_fn, "predict_fn": predict_fn, "output_fn": output_fn}


class _StatusError(Exception):
    """TF Serving's own error status, kept by the model server (it honours ``status_code``)."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
