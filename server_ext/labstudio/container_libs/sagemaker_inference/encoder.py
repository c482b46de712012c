"""Predictions to response bodies, by accept type (what the toolkit's default output_fn uses)."""
from __future__ import annotations

import io
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from . import content_types, errors


def _plain(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "toarray"):
        return value.toarray().tolist()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def array_to_json(array_like: Any) -> str:
    return json.dumps(array_like, default=_plain)


def array_to_npy(array_like: Any) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.asarray(array_like), allow_pickle=False)
    return buffer.getvalue()


def array_to_csv(array_like: Any) -> str:
    stream = io.StringIO()
    np.savetxt(stream, np.atleast_1d(np.asarray(array_like)), delimiter=",", fmt="%s")
    return stream.getvalue()


_encoder_map: dict[str, Callable[[Any], Any]] = {
    content_types.NPY: array_to_npy,
    content_types.CSV: array_to_csv,
    content_types.JSON: array_to_json,
}


def encode(array_like: Any, content_type: str) -> Any:
    """Encode a prediction as ``content_type`` (str for JSON/CSV, bytes for NPY)."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    encoder = _encoder_map.get(media)
    if encoder is None:
        raise errors.UnsupportedFormatError(media)
    return encoder(array_like)
