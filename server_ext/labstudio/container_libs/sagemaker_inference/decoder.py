"""Request bodies to NumPy arrays, by content type (what the toolkit's default input_fn uses).

One deliberate difference: NPY bodies are loaded with pickles refused, as everywhere in
labstudio's model server (a request must never run code when it is decoded).
"""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from . import content_types, errors


def _text(obj: Any) -> str:
    return obj.decode("utf-8") if isinstance(obj, (bytes, bytearray)) else str(obj)


def _json_to_numpy(obj: Any, dtype: Any = None) -> np.ndarray:
    return np.array(json.loads(_text(obj)), dtype=dtype)


def _csv_to_numpy(obj: Any, dtype: Any = None) -> np.ndarray:
    return np.genfromtxt(io.StringIO(_text(obj)), dtype=dtype, delimiter=",")


def _npy_to_numpy(obj: Any) -> np.ndarray:
    raw = obj.encode("latin-1") if isinstance(obj, str) else bytes(obj)
    return np.load(io.BytesIO(raw), allow_pickle=False)


def _npz_to_sparse(obj: Any) -> Any:
    import scipy.sparse

    raw = obj.encode("latin-1") if isinstance(obj, str) else bytes(obj)
    return scipy.sparse.load_npz(io.BytesIO(raw))


_decoder_map: dict[str, Callable[..., Any]] = {
    content_types.NPY: _npy_to_numpy,
    content_types.CSV: _csv_to_numpy,
    content_types.JSON: _json_to_numpy,
    content_types.NPZ: _npz_to_sparse,
}


def decode(obj: Any, content_type: str) -> Any:
    """Decode ``obj`` (bytes or text) sent as ``content_type``; UnsupportedFormatError otherwise."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    decoder = _decoder_map.get(media)
    if decoder is None:
        raise errors.UnsupportedFormatError(media)
    return decoder(obj)
