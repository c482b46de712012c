"""Request bodies (CSV, LibSVM) to ``xgboost.DMatrix``, as the XGBoost container decodes them.

LibSVM is parsed by labstudio's model server decoder (``labstudio.serving.codecs``): feature
indices are column numbers unchanged (what XGBoost does when it reads a LibSVM file), and a
first token without ``:`` is the row's label.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

CSV = "text/csv"
LIBSVM = "text/libsvm"
X_LIBSVM = "text/x-libsvm"


class UnsupportedFormatError(Exception):
    """A content type this module cannot turn into a DMatrix: HTTP 415."""

    status_code = 415

    def __init__(self, content_type: str) -> None:
        self.content_type = content_type
        super().__init__(
            f"Content type {content_type} is not supported by the XGBoost decoder: send text/csv or text/libsvm, "
            "or implement input_fn"
        )


def _text(data: Any) -> str:
    return bytes(data).decode("utf-8") if isinstance(data, (bytes, bytearray, memoryview)) else str(data)


def _delimiter(first_line: str) -> str | None:
    for candidate in (",", "\t", ";", "|"):
        if candidate in first_line:
            return candidate
    return None  # whitespace, or a single column


def csv_to_dmatrix(input: Any, dtype: Any = None) -> Any:  # the container's parameter name
    """CSV rows (no header, no label column) to a DMatrix; empty fields are missing values."""
    import xgboost as xgb

    text = _text(input).strip("\r\n")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the CSV body is empty")
    sep = _delimiter(lines[0])
    rows = [[field.strip() or "nan" for field in (line.split(sep) if sep else line.split())] for line in lines]
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise ValueError(f"the CSV rows have different numbers of fields: {sorted(widths)}")
    try:
        array = np.array(rows, dtype=dtype or float)
    except ValueError as exc:
        raise ValueError(f"the CSV body must hold numbers only: {exc}") from None
    return xgb.DMatrix(array)


def libsvm_to_dmatrix(string_like: Any) -> Any:
    """LibSVM text (bytes or str) to a DMatrix."""
    import xgboost as xgb

    from labstudio.serving.codecs import libsvm_to_sparse

    matrix, labels = libsvm_to_sparse(string_like)
    return xgb.DMatrix(matrix, label=labels)


_dmatrix_decoders_map: dict[str, Callable[..., Any]] = {CSV: csv_to_dmatrix, LIBSVM: libsvm_to_dmatrix, X_LIBSVM: libsvm_to_dmatrix}


def decode(obj: Any, content_type: str) -> Any:
    """A request body sent as CSV or LibSVM to a DMatrix."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    decoder = _dmatrix_decoders_map.get(media)
    if decoder is None:
        raise UnsupportedFormatError(media)
    return decoder(obj)
