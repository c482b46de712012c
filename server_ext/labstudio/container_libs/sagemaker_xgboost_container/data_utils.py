"""``sagemaker_xgboost_container.data_utils``: a training channel's files to an ``xgboost.DMatrix``.

``get_dmatrix(path, content_type)`` reads one file or every file of a folder (hidden files
skipped, subfolders included, in name order) as the container does: CSV with the label in the
first column and no header (the delimiter found from the first line; with ``csv_weights=1`` the
second column holds instance weights), LibSVM (the label first on each line), or Parquet (the
label in the first column). A path that does not exist gives ``None`` (an optional channel
that was not given); data without labels is an error, as in the container.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

CSV = "text/csv"
LIBSVM = "text/libsvm"
PARQUET = "application/x-parquet"
_ALIASES = {
    "csv": CSV,
    "text/csv": CSV,
    "libsvm": LIBSVM,
    "text/libsvm": LIBSVM,
    "text/x-libsvm": LIBSVM,
    "parquet": PARQUET,
    "application/x-parquet": PARQUET,
}
VALID_CONTENT_TYPES = sorted(set(_ALIASES))


def get_content_type(content_type: str | None) -> str:
    """The canonical content type (``csv`` -> ``text/csv``...), parameters such as ``;label_size=1`` dropped."""
    media = (content_type or LIBSVM).split(";", 1)[0].strip().lower()
    if media not in _ALIASES:
        raise ValueError(
            f"content type {content_type!r} is not supported by the XGBoost data reader; use one of {', '.join(VALID_CONTENT_TYPES)}"
        )
    return _ALIASES[media]


def get_files(data_path: str) -> list[str]:
    """The data files under ``data_path`` (itself when it is a file), hidden files and folders skipped."""
    if os.path.isfile(data_path):
        return [data_path]
    found: list[str] = []
    for root, dirs, files in os.walk(data_path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        found.extend(os.path.join(root, f) for f in sorted(files) if not f.startswith("."))
    return found


def _delimiter(line: str) -> str:
    for candidate in (",", "\t", ";", "|", " "):
        if candidate in line.strip():
            return candidate
    return ","


def _csv_rows(path: str) -> Any:
    with open(path) as handle:
        first = next((line for line in handle if line.strip()), "")
    if not first:
        return np.empty((0, 0))
    return np.atleast_2d(np.genfromtxt(path, delimiter=_delimiter(first), dtype=float))


def get_csv_dmatrix(files: list[str], csv_weights: int = 0) -> Any:
    import xgboost as xgb

    blocks = [block for block in (_csv_rows(f) for f in files) if block.size]
    if not blocks:
        return None
    widths = {block.shape[1] for block in blocks}
    if len(widths) > 1:
        raise ValueError(f"the CSV files have different numbers of columns: {sorted(widths)}")
    data = np.vstack(blocks)
    first = 2 if csv_weights == 1 else 1
    weights = data[:, 1] if csv_weights == 1 else None
    return xgb.DMatrix(data[:, first:], label=data[:, 0], weight=weights)


def get_libsvm_dmatrix(files: list[str]) -> Any:
    import scipy.sparse
    import xgboost as xgb

    from labstudio.serving.codecs import libsvm_to_sparse

    matrices, labels = [], []
    for path in files:
        with open(path, "rb") as handle:
            matrix, label = libsvm_to_sparse(handle.read())
        if matrix.shape[0]:
            matrices.append(matrix)
            labels.append(np.asarray(label if label is not None else [], dtype=float))
    if not matrices:
        return None
    width = max(m.shape[1] for m in matrices)
    padded = [scipy.sparse.csr_matrix((m.data, m.indices, m.indptr), shape=(m.shape[0], width)) for m in (x.tocsr() for x in matrices)]
    stacked = scipy.sparse.vstack(padded).tocsr()
    return xgb.DMatrix(stacked, label=np.concatenate(labels))


def get_parquet_dmatrix(files: list[str]) -> Any:
    import pandas as pd
    import xgboost as xgb

    frames = [pd.read_parquet(f) for f in files]
    frames = [f for f in frames if len(f)]
    if not frames:
        return None
    data = pd.concat(frames, ignore_index=True).to_numpy(dtype=float)
    return xgb.DMatrix(data[:, 1:], label=data[:, 0])


def get_dmatrix(data_path: str | None, content_type: str, csv_weights: int = 0, is_pipe: bool = False) -> Any:
    """A DMatrix of the file or folder ``data_path``, or None when it does not exist or holds no rows."""
    if is_pipe:
        raise ValueError("Pipe input mode is not available in local jobs: use File mode (the default)")
    kind = get_content_type(content_type)
    if not data_path or not os.path.exists(data_path):
        return None
    files = get_files(data_path)
    try:
        if kind == CSV:
            dmatrix = get_csv_dmatrix(files, csv_weights)
        elif kind == LIBSVM:
            dmatrix = get_libsvm_dmatrix(files)
        else:
            dmatrix = get_parquet_dmatrix(files)
    except (OSError, ValueError) as exc:
        raise ValueError(f"could not read the {kind} data in {data_path}: {exc}") from exc
    if dmatrix is not None and dmatrix.get_label().size == 0:
        raise ValueError(f"the data in {data_path} has no labels: put the label first on each row ({kind})")
    return dmatrix


__all__ = ["get_content_type", "get_dmatrix", "get_files"]
