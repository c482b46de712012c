"""NumPy <-> JSON/CSV/NPY conversions under the names the containers library gives them."""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _content_types, _errors


def _text(obj: Any) -> str:
    return obj.decode("utf-8") if isinstance(obj, (bytes, bytearray)) else str(obj)


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def array_to_npy(array_like: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array_like), allow_pickle=False)
    return buffer.getvalue()


def npy_to_numpy(npy_array: Any) -> np.ndarray:
    raw = npy_array.encode("latin-1") if isinstance(npy_array, str) else bytes(npy_array)
    return np.load(io.BytesIO(raw), allow_pickle=False)


def array_to_json(array_like: Any) -> str:
    return json.dumps(array_like, default=_plain)


def json_to_numpy(string_like: Any, dtype: Any = None) -> np.ndarray:
    return np.array(json.loads(_text(string_like)), dtype=dtype)


def csv_to_numpy(string_like: Any, dtype: Any = None) -> np.ndarray:
    return np.genfromtxt(io.StringIO(_text(string_like)), dtype=dtype, delimiter=",")


def array_to_csv(array_like: Any) -> str:
    stream = io.StringIO()
    np.savetxt(stream, np.atleast_1d(np.asarray(array_like)), delimiter=",", fmt="%s")
    return stream.getvalue()


_encoders_map: dict[str, Callable[[Any], Any]] = {
    _content_types.NPY: array_to_npy,
    _content_types.CSV: array_to_csv,
    _content_types.JSON: array_to_json,
}
_decoders_map: dict[str, Callable[..., Any]] = {
    _content_types.NPY: npy_to_numpy,
    _content_types.CSV: csv_to_numpy,
    _content_types.JSON: json_to_numpy,
}


def _media(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def decode(obj: Any, content_type: str) -> Any:
    """A request body (``content_type``) as a NumPy array; UnsupportedFormatError otherwise."""
    decoder = _decoders_map.get(_media(content_type))
    if decoder is None:
        raise _errors.UnsupportedFormatError(_media(content_type))
    return decoder(obj)


def encode(array_like: Any, content_type: str) -> Any:
    """A prediction as ``content_type`` (str for JSON/CSV, bytes for NPY)."""
    encoder = _encoders_map.get(_media(content_type))
    if encoder is None:
        raise _errors.UnsupportedFormatError(_media(content_type))
    return encoder(array_like)
