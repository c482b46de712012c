"""An AutoML job's input: read (CSV with a header row, or Parquet; one file or a folder of
them), checked before anything runs, analysed, and split.

The checks raise `Invalid` naming the request field and the fix: a file that is neither CSV
nor Parquet, a CSV without a header row, the target column missing or constant, a single
class, too few rows. The analysis is what the data exploration notebook shows and what the
candidates' preprocessing is built from: each column's type (numeric, categorical, datetime,
text, identifier), missing values, cardinality, the target's distribution, and warnings (a
column that predicts the target almost perfectly on its own is a leakage suspect; an
identifier is dropped).
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import Invalid
from .problem import BINARY, CLASSIFICATION, MIN_ROWS, MULTICLASS, REGRESSION

if TYPE_CHECKING:
    import pandas as pd

INPUT_FIELD = "InputDataConfig"
TARGET_FIELD = "InputDataConfig[0].TargetAttributeName"
PARQUET_MAGIC = b"PAR1"
MAX_CLASSES = 100  # a target with more distinct values than this (and numbers) is a regression target
LOW_CARDINALITY = 15  # categorical columns up to this many values are one-hot encoded; more: target encoded
LEAKAGE_SCORE = 0.99


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith((".", "_")))
        if not found:
            raise Invalid(f"{INPUT_FIELD}: the folder {path} holds no data file; put CSV or Parquet files in it.", field=INPUT_FIELD)
        return found
    if not path.exists():
        raise Invalid(f"{INPUT_FIELD}: {path} does not exist; give a CSV or Parquet file, or a folder of them.", field=INPUT_FIELD)
    return [path]


def _format(path: Path) -> str:
    """"parquet" or "csv", judged by the content (the name can lie). Raises Invalid for anything else."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise Invalid(f"{INPUT_FIELD}: {path.name} cannot be read ({exc.strerror}).", field=INPUT_FIELD) from None
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    if not head:
        raise Invalid(f"{INPUT_FIELD}: {path.name} is empty; give a CSV file with a header row, or a Parquet file.", field=INPUT_FIELD)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            raise Invalid(f"{INPUT_FIELD}: {path.name} is neither CSV (UTF-8 text) nor Parquet; "
                          "give a CSV file with a header row or a Parquet file.", field=INPUT_FIELD) from None
        text = head[: exc.start].decode("utf-8")
    if "\x00" in text:
        raise Invalid(f"{INPUT_FIELD}: {path.name} is neither CSV nor Parquet (it holds binary data); "
                      "give a CSV file with a header row or a Parquet file.", field=INPUT_FIELD)
    return "csv"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _check_header(path: Path) -> None:
    """A CSV whose first row is all numbers has no header row (Autopilot needs one)."""
    with path.open("r", encoding="utf-8", errors="replace", newline="") as handle:
        first = next(csv.reader(io.StringIO(handle.readline())), [])
    cells = [c.strip() for c in first]
    if not cells or all(c == "" for c in cells):
        raise Invalid(f"{INPUT_FIELD}: {path.name} starts with an empty line; its first line must be the header row (the column names).",
                      field=INPUT_FIELD)
    if all(_is_number(c) for c in cells if c):
        raise Invalid(f"{INPUT_FIELD}: {path.name} has no header row (its first line, {','.join(cells[:5])}..., is data); "
                      "add a first line naming the columns, the target among them.", field=INPUT_FIELD)


def read_table(location: str | Path) -> pd.DataFrame:
    """The input as one data frame. Raises Invalid (field InputDataConfig) for what cannot be read."""
    import pandas as pd

    try:
        files = _files(Path(location))
    except OSError as exc:
        raise Invalid(f"{INPUT_FIELD}: {str(location)[:80]!r} cannot be read ({exc.strerror}).", field=INPUT_FIELD) from None
    frames = []
    columns: list[str] | None = None
    for path in files:
        kind = _format(path)
        try:
            if kind == "parquet":
                frame = pd.read_parquet(path)
            else:
                _check_header(path)
                frame = pd.read_csv(path, low_memory=False)
        except Invalid:
            raise
        except Exception as exc:  # pandas' and pyarrow's many parse errors: one clear line
            raise Invalid(f"{INPUT_FIELD}: {path.name} could not be read as {kind.upper()}: {exc}", field=INPUT_FIELD) from None
        frame.columns = [str(c).strip() for c in frame.columns]
        if columns is None:
            columns = list(frame.columns)
        elif list(frame.columns) != columns:
            raise Invalid(f"{INPUT_FIELD}: {path.name}'s columns differ from the first file's; every file of the folder needs the same header.",
                          field=INPUT_FIELD)
        frames.append(frame)
    data = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    if len(set(data.columns)) != len(data.columns):
        raise Invalid(f"{INPUT_FIELD}: the header names a column twice; give every column its own name.", field=INPUT_FIELD)
    return data


def infer_problem_type(target: pd.Series) -> str:
    """Autopilot's inference: text or few distinct whole numbers is classification (two values:
    binary), else regression."""
    import pandas as pd

    values = target.dropna()
    distinct = values.nunique()
    if distinct == 2:
        return BINARY
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if not numeric:
        return MULTICLASS
    whole = bool((values == values.round()).all())
    if whole and distinct <= min(MAX_CLASSES, max(3, int(math.sqrt(len(values))))):
        return MULTICLASS
    return REGRESSION


def check(data: pd.DataFrame, target: str, problem_type: str | None) -> str:
    """The checks before anything runs; returns the problem type (given or inferred). Raises Invalid."""
    if target not in data.columns:
        shown = ", ".join(list(data.columns)[:20]) + (", ..." if len(data.columns) > 20 else "")
        raise Invalid(f"TargetAttributeName {target!r} is not a column of the data; its columns are: {shown}.", field=TARGET_FIELD)
    if len(data.columns) < 2:
        raise Invalid(f"{INPUT_FIELD}: the data has only the target column; add the feature columns.", field=INPUT_FIELD)
    labelled = data[target].dropna()
    if len(labelled) < MIN_ROWS:
        raise Invalid(f"{INPUT_FIELD}: only {len(labelled)} rows have a target value; AutoML needs at least {MIN_ROWS}.", field=INPUT_FIELD)
    distinct = labelled.nunique()
    if distinct < 2:
        only = labelled.iloc[0]
        raise Invalid(f"TargetAttributeName {target!r} is constant (every row is {only!r}): there is nothing to learn. "
                      "Choose another target column, or add rows of the other classes.", field=TARGET_FIELD)
    resolved = problem_type or infer_problem_type(labelled)
    if resolved in CLASSIFICATION:
        counts = labelled.astype(str).value_counts()
        if resolved == BINARY and distinct != 2:
            raise Invalid(f"ProblemType BinaryClassification needs a target of exactly 2 classes; {target!r} has {distinct}. "
                          "Use MulticlassClassification or Regression.", field="ProblemType")
        if int(counts.min()) < 2:
            rare = counts.index[-1]
            raise Invalid(f"TargetAttributeName {target!r}: class {rare!r} has a single row, too few to validate a model on; "
                          "remove those rows or add more of that class.", field=TARGET_FIELD)
    elif resolved == REGRESSION:
        import pandas as pd

        if not pd.api.types.is_numeric_dtype(labelled):
            raise Invalid(f"ProblemType Regression needs a numeric target; {target!r} holds text. Use a classification problem type.",
                          field="ProblemType")
    return resolved


def _column_type(series: pd.Series, rows: int) -> str:
    import pandas as pd

    values = series.dropna()
    if values.empty:
        return "empty"
    distinct = values.nunique()
    if pd.api.types.is_bool_dtype(values):
        return "categorical"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "datetime"
    if pd.api.types.is_numeric_dtype(values):
        whole = pd.api.types.is_integer_dtype(values)
        if whole and distinct == len(values) and distinct > 50 and values.is_monotonic_increasing:
            return "identifier"
        return "numeric"
    text = values.astype(str)
    sample = text.head(200)
    try:
        parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
        if parsed.notna().mean() > 0.9 and sample.str.contains(r"\d", regex=True).all():
            return "datetime"
    except (TypeError, ValueError):
        pass
    if distinct == len(values) and distinct > 50:
        return "identifier"
    if distinct > max(50, rows // 2) and text.str.len().mean() > 20:
        return "text"
    return "categorical"


def _leakage(data: pd.DataFrame, target: str, column: str, kind: str, problem_type: str) -> float | None:
    """How well the column alone predicts the target (a one-split tree's score, or |correlation|)."""
    import numpy as np

    if kind not in ("numeric", "categorical"):
        return None
    rows = data[[column, target]].dropna()
    if len(rows) < 20:
        return None
    x = rows[column]
    if kind == "categorical":
        if x.nunique() > len(rows) // 2:
            return None
        if problem_type in CLASSIFICATION:
            purity = rows.groupby(x.astype(str))[target].agg(lambda s: s.astype(str).value_counts().iloc[0]).sum() / len(rows)
            return float(purity) if x.nunique() < rows[target].nunique() * 3 else None
        return None
    values = x.to_numpy(dtype=float)
    if problem_type == REGRESSION:
        y = rows[target].to_numpy(dtype=float)
        if np.std(values) == 0 or np.std(y) == 0:
            return None
        return float(abs(np.corrcoef(values, y)[0, 1]))
    from sklearn.tree import DecisionTreeClassifier

    stump = DecisionTreeClassifier(max_depth=1 if rows[target].nunique() == 2 else 4, random_state=0)
    y_text = rows[target].astype(str).to_numpy()
    return float(stump.fit(values.reshape(-1, 1), y_text).score(values.reshape(-1, 1), y_text))


def analyse(data: pd.DataFrame, target: str, problem_type: str) -> dict[str, Any]:
    """The data exploration report (JSON): columns, target distribution, warnings, the schema."""
    rows = len(data)
    columns: list[dict[str, Any]] = []
    warnings: list[str] = []
    schema: dict[str, list[str]] = {"numeric": [], "categorical_low": [], "categorical_high": [], "datetime": []}
    for column in data.columns:
        if column == target:
            continue
        series = data[column]
        kind = _column_type(series, rows)
        missing = int(series.isna().sum())
        distinct = int(series.nunique(dropna=True))
        entry: dict[str, Any] = {"name": column, "type": kind, "dtype": str(series.dtype), "missing": missing,
                                 "missing_fraction": round(missing / rows, 4) if rows else 0.0, "distinct": distinct}
        if kind == "numeric":
            described = series.describe()
            entry.update({k: _num(described.get(k)) for k in ("mean", "std", "min", "max")})
        else:
            entry["top"] = [[str(k), int(v)] for k, v in series.astype(str).value_counts().head(5).items()]
        score = _leakage(data, target, column, kind, problem_type)
        if score is not None and score >= LEAKAGE_SCORE:
            entry["leakage_score"] = round(score, 4)
            warnings.append(f"Column {column!r} alone predicts the target almost perfectly (score {score:.3f}): a leakage suspect "
                            "(a value known only after the outcome?). Check it before trusting the models.")
        if kind == "identifier":
            warnings.append(f"Column {column!r} looks like an identifier (one distinct value per row): it is not used as a feature.")
        elif kind == "empty":
            warnings.append(f"Column {column!r} has no values: it is not used as a feature.")
        elif kind == "text":
            warnings.append(f"Column {column!r} is free text: it is not used as a feature (text featurisation is not built in).")
        elif kind == "numeric":
            schema["numeric"].append(column)
        elif kind == "datetime":
            schema["datetime"].append(column)
        elif kind == "categorical":
            schema["categorical_low" if distinct <= LOW_CARDINALITY else "categorical_high"].append(column)
        if missing and missing / rows > 0.5 and kind not in ("identifier", "empty"):
            warnings.append(f"Column {column!r} is missing in {missing / rows:.0%} of the rows.")
        columns.append(entry)
    labelled = data[target].dropna()
    target_info: dict[str, Any] = {"name": target, "missing": int(data[target].isna().sum()), "distinct": int(labelled.nunique())}
    if problem_type in CLASSIFICATION:
        counts = labelled.astype(str).value_counts()
        target_info["classes"] = [[str(k), int(v)] for k, v in counts.items()]
        if len(counts) > 1 and counts.iloc[-1] / counts.iloc[0] < 0.1:
            warnings.append(f"The classes are imbalanced: {counts.index[-1]!r} has {int(counts.iloc[-1])} rows against "
                            f"{int(counts.iloc[0])} of {counts.index[0]!r}; consider BalancedAccuracy or F1 as the objective.")
    else:
        described = labelled.astype(float).describe()
        target_info.update({k: _num(described.get(k)) for k in ("mean", "std", "min", "25%", "50%", "75%", "max")})
    if target_info["missing"]:
        warnings.append(f"{target_info['missing']} rows have no target value: they are left out of training.")
    if not any(schema.values()):
        raise Invalid(f"{INPUT_FIELD}: no column can be used as a feature (identifiers, empty or text columns only).", field=INPUT_FIELD)
    return {"rows": rows, "columns": columns, "target": target_info, "problem_type": problem_type, "warnings": warnings, "schema": schema}


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) or math.isinf(number) else round(number, 6)


def split(data: pd.DataFrame, target: str, problem_type: str, fraction: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(train, validation): rows with a target, the validation share held out (stratified by class)."""
    from sklearn.model_selection import train_test_split

    labelled = data[data[target].notna()].reset_index(drop=True)
    stratify = labelled[target].astype(str) if problem_type in CLASSIFICATION else None
    train, validation = train_test_split(labelled, test_size=fraction, random_state=seed, stratify=stratify)
    return train.reset_index(drop=True), validation.reset_index(drop=True)


def size_of(location: str | Path) -> int:
    path = Path(location)
    return sum(p.stat().st_size for p in _files(path))


def schema_features(schema: Mapping[str, list[str]]) -> list[str]:
    """Every feature column the candidates use, in a fixed order (numeric, categorical, dates)."""
    return [*schema["numeric"], *schema["categorical_low"], *schema["categorical_high"], *schema["datetime"]]


__all__ = ["MULTICLASS", "analyse", "check", "infer_problem_type", "read_table", "schema_features", "size_of", "split"]
