"""Default decoders and encoders of the inference contract: JSON, CSV, NPY and NPZ <-> NumPy.

They follow the SageMaker inference toolkit (JSON -> ``np.array(json.loads(body))``, CSV -> a
float array, NPY -> ``np.load``), with three deliberate differences a user would ask for:
NPY/NPZ bodies are loaded with ``allow_pickle=False`` (a request must never unpickle code),
CSV that is not numeric is refused with the offending value named instead of silently
becoming NaN, and a JSON object ``{"instances": ...}`` / ``{"inputs": ...}`` (TF Serving and
MLflow style) is accepted as well as a bare array.
"""
from __future__ import annotations

import io
import json
from functools import lru_cache
from typing import Any

import numpy as np

JSON = "application/json"
CSV = "text/csv"
NPY = "application/x-npy"
NPZ = "application/x-npz"
LIBSVM = "text/libsvm"
X_LIBSVM = "text/x-libsvm"
JSONLINES = "application/jsonlines"
ANY = "*/*"

DECODABLE = (JSON, CSV, NPY, NPZ, LIBSVM, JSONLINES)
TEXT_TYPES = (JSON, CSV, LIBSVM, X_LIBSVM)


class DecodeError(ValueError):
    """A body the default decoder for its content type could not read; the message names
    that decoder, so a caller knows what the model server tried (a ValueError: HTTP 400)."""


class UnsupportedFormat(Exception):
    """A content type (415) or accept type (406) the default handlers cannot handle."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


@lru_cache(maxsize=256)
def media_type(header: str | None) -> str:
    """'text/csv; charset=utf-8' -> 'text/csv' (lower-cased, parameters dropped). Cached: clients
    send the same few headers over and over, and this runs on every request."""
    if not header:
        return ""
    return header.split(";", 1)[0].strip().lower()


@lru_cache(maxsize=256)
def accept_candidates(accept: str | None) -> tuple[str, ...]:
    """The media types of an Accept header, best first (q-values honoured, stable order otherwise)."""
    if not accept:
        return ()
    items: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        pieces = part.split(";")
        kind = pieces[0].strip().lower()
        if not kind:
            continue
        quality = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            items.append((-quality, index, kind))
    return tuple(kind for _, _, kind in sorted(items))


# -- decoding -----------------------------------------------------------------


def _as_text(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"the body is not UTF-8 text ({exc})") from None


def _json_to_numpy(body: bytes | str) -> Any:
    try:
        data = json.loads(_as_text(body))
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is not valid JSON: {exc}") from None
    if isinstance(data, dict):
        for key in ("instances", "inputs"):
            if key in data:
                data = data[key]
                break
        else:
            raise ValueError(
                "a JSON object body must hold the rows under 'instances' or 'inputs'; "
                "or send a JSON array of rows"
            )
    try:
        return np.array(data)
    except ValueError as exc:  # ragged rows
        raise ValueError(f"the JSON rows do not form an array: {exc}") from None


def _csv_to_numpy(body: bytes | str) -> np.ndarray:
    text = _as_text(body).strip()
    if not text:
        raise ValueError("the CSV body is empty")
    try:
        # NumPy's C parser: several times faster than the loop below on big bodies (batch
        # transform sends megabytes at once). It refuses what the loop refuses; the loop
        # then runs to name the offending value.
        array = np.loadtxt(io.StringIO(text), delimiter=",", dtype=float, comments=None, ndmin=2)
    except ValueError:
        rows = [line for line in text.splitlines() if line.strip()]
        try:
            array = np.array([[float(v) for v in line.split(",")] for line in rows], dtype=float)
        except ValueError as exc:
            raise ValueError(f"the CSV body must hold numbers only: {exc}") from None
    if len(array) == 1:
        return array[0]
    return array


def _jsonlines_to_numpy(body: bytes | str) -> Any:
    """JSON Lines (one JSON row per line, as batch transform sends them) -> a NumPy array of the rows."""
    rows = []
    for number, line in enumerate(_as_text(body).splitlines(), start=1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"line {number} is not valid JSON: {exc}") from None
    if not rows:
        raise ValueError("the JSON Lines body is empty")
    try:
        return np.array(rows)
    except ValueError as exc:  # ragged rows
        raise ValueError(f"the JSON Lines rows do not form an array: {exc}") from None


def _npy_to_numpy(body: bytes | str) -> np.ndarray:
    raw = body.encode("latin-1") if isinstance(body, str) else body
    try:
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as exc:  # numpy raises ValueError/OSError/EOFError for junk
        raise ValueError(f"the body is not a NumPy .npy array: {exc}") from None


def _npz_to_numpy(body: bytes | str) -> Any:
    raw = body.encode("latin-1") if isinstance(body, str) else body
    try:
        with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except Exception as exc:
        raise ValueError(f"the body is not a NumPy .npz archive: {exc}") from None
    if {"format", "shape", "data"} <= set(arrays):  # scipy.sparse.save_npz output
        try:
            import scipy.sparse

            return scipy.sparse.load_npz(io.BytesIO(raw))
        except ImportError:
            pass
    if len(arrays) == 1:
        return next(iter(arrays.values()))
    return arrays


def libsvm_to_sparse(body: bytes | str) -> tuple[Any, list[float] | None]:
    """LibSVM rows to a SciPy CSR matrix and the labels (None unless every row has one).

    Feature indices are column numbers as given (XGBoost reads LibSVM files the same way,
    so a model trained on such files sees the same columns); a first token without ``:``
    is the row's label; ``#`` starts a comment.
    """
    import scipy.sparse

    indptr = [0]
    indices: list[int] = []
    values: list[float] = []
    labels: list[float] = []
    width = 0
    for number, raw in enumerate(_as_text(body).splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        tokens = line.split()
        if ":" not in tokens[0]:
            try:
                labels.append(float(tokens[0]))
            except ValueError:
                raise ValueError(f"LibSVM line {number}: the label {tokens[0]!r} is not a number") from None
            tokens = tokens[1:]
        for token in tokens:
            index, sep, value = token.partition(":")
            try:
                column, number_value = int(index), float(value)
            except ValueError:
                column, number_value = -1, 0.0
            if not sep or column < 0:
                raise ValueError(f"LibSVM line {number}: {token!r} is not index:value (a non-negative integer, a colon, a number)")
            indices.append(column)
            values.append(number_value)
            width = max(width, column + 1)
        indptr.append(len(indices))
    if len(indptr) == 1:
        raise ValueError("the LibSVM body is empty")
    rows = len(indptr) - 1
    matrix = scipy.sparse.csr_matrix(
        (np.array(values, dtype=np.float32), np.array(indices, dtype=np.int64), np.array(indptr, dtype=np.int64)),
        shape=(rows, width),
    )
    return matrix, (labels if len(labels) == rows else None)


def _libsvm_to_sparse(body: bytes | str) -> Any:
    return libsvm_to_sparse(body)[0]


_DECODERS = {
    JSON: _json_to_numpy,
    CSV: _csv_to_numpy,
    NPY: _npy_to_numpy,
    NPZ: _npz_to_numpy,
    LIBSVM: _libsvm_to_sparse,
    X_LIBSVM: _libsvm_to_sparse,
    JSONLINES: _jsonlines_to_numpy,
}
# What each default decoder makes of a body: named in the message when decoding fails.
DECODER_NAMES = {
    JSON: "JSON decoder (a JSON array of rows, or {\"instances\": rows} -> NumPy array)",
    CSV: "CSV decoder (rows of comma-separated numbers -> NumPy float array)",
    NPY: "NPY decoder (numpy.save bytes -> NumPy array, no pickles)",
    NPZ: "NPZ decoder (numpy.savez / scipy.sparse.save_npz bytes -> arrays)",
    LIBSVM: "LibSVM decoder (label index:value ... rows -> SciPy CSR matrix)",
    X_LIBSVM: "LibSVM decoder (label index:value ... rows -> SciPy CSR matrix)",
    JSONLINES: "JSON Lines decoder (one JSON row per line -> NumPy array)",
}


def unsupported(kind: str) -> UnsupportedFormat:
    shown = kind or "none"
    return UnsupportedFormat(
        f"Content-Type {shown!r} is not supported by the default input_fn: send one of "
        f"{', '.join(DECODABLE)}, or define input_fn in the inference script",
        415,
    )


def decode(body: bytes | str, content_type: str | None) -> Any:
    kind = media_type(content_type)
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise unsupported(kind)
    try:
        return decoder(body)
    except ValueError as exc:
        raise DecodeError(f"the default input_fn's {DECODER_NAMES[kind]} could not read the {kind} body: {exc}") from None


# -- encoding -----------------------------------------------------------------


def _default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "toarray"):  # scipy sparse
        return value.toarray().tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_JSON_ENCODER = json.JSONEncoder(default=_default)  # one encoder: json.dumps(default=...) builds one per call


def _to_json(prediction: Any) -> bytes:
    if type(prediction) is np.ndarray:  # the common answer: plain lists encode without the default hook
        prediction = prediction.tolist()
    return _JSON_ENCODER.encode(prediction).encode()


def _to_csv(prediction: Any) -> bytes:
    array = np.asarray(prediction)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.size and array.ndim <= 2 and (array.dtype.kind in "biu" or array.dtype == np.float64):
        # Python's str of float64/int/bool values is what savetxt's "%s" writes, at a third of the cost.
        values = array.tolist()
        if array.ndim == 1:
            return ("\n".join(map(str, values)) + "\n").encode()
        return ("\n".join(",".join(map(str, row)) for row in values) + "\n").encode()
    stream = io.StringIO()
    np.savetxt(stream, array, delimiter=",", fmt="%s")
    return stream.getvalue().encode()


def _to_jsonlines(prediction: Any) -> bytes:
    """One JSON value per line: a row per prediction (a scalar answer is one line)."""
    values = prediction.tolist() if hasattr(prediction, "tolist") else prediction
    if not isinstance(values, list):
        values = [values]
    return "".join(json.dumps(v, default=_default) + "\n" for v in values).encode()


def _to_npy(prediction: Any) -> bytes:
    stream = io.BytesIO()
    np.save(stream, np.asarray(prediction), allow_pickle=False)
    return stream.getvalue()


def _to_npz(prediction: Any) -> bytes:
    stream = io.BytesIO()
    if isinstance(prediction, dict):
        arrays: dict[str, Any] = {str(k): np.asarray(v) for k, v in prediction.items()}
        np.savez_compressed(stream, **arrays)
    else:
        np.savez_compressed(stream, np.asarray(prediction))
    return stream.getvalue()


_ENCODERS = {JSON: _to_json, CSV: _to_csv, NPY: _to_npy, NPZ: _to_npz, JSONLINES: _to_jsonlines}


def encode(prediction: Any, accept: str) -> tuple[bytes, str]:
    """Encode with the first Accept type we support; returns (body, content type)."""
    for kind in accept_candidates(accept) or (JSON,):
        if kind == ANY:
            kind = JSON
        encoder = _ENCODERS.get(kind)
        if encoder is not None:
            return encoder(prediction), kind
    raise UnsupportedFormat(
        f"Accept {accept!r} is not supported by the default output_fn: ask for one of "
        f"{', '.join(_ENCODERS)}, or define output_fn in the inference script",
        406,
    )
