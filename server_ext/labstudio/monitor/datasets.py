"""Reading what a monitor analyses: a baseline dataset (CSV, or JSON lines) and an endpoint's
captured records over a time window.

A captured record becomes one row per predicted item laid out as SageMaker lays it out: the
endpoint's output columns first, then its input columns, so a baseline made from a training
CSV whose label is the first column lines up with the traffic column for column.

`check_baseline` is what the SDK, the service and the CLI run before a baselining job is
submitted: a file with no rows, or a header row whose width does not match the rows under
it, is refused with the fix, rather than failing in the job.
"""
from __future__ import annotations

import base64
import csv
import datetime as dt
import io
import json
import os
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

FORMATS = ("csv", "json", "sagemaker_capture_json", "parquet")
HEAD_LINES = 50  # lines read by check_baseline
MAX_CHECKED_FILES = 20  # files of a folder check_baseline looks into


def format_kind(dataset_format: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """("csv" | "json" | ..., its options) of a DatasetFormat dict; ValueError for anything else."""
    if not isinstance(dataset_format, Mapping) or len(dataset_format) != 1:
        raise ValueError("dataset_format must be DatasetFormat.csv(header=...), DatasetFormat.json(lines=...) or DatasetFormat.parquet()")
    kind, options = next(iter(dataset_format.items()))
    if kind not in FORMATS:
        raise ValueError(f"dataset_format {kind!r} is not one of {', '.join(FORMATS)}")
    return kind, dict(options or {})


def dataset_files(path: str) -> list[str]:
    """The files of a dataset: the file itself, or every file under the folder (sorted, hidden ones skipped)."""
    if os.path.isfile(path):
        return [path]
    out: list[str] = []
    for folder, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        out.extend(os.path.join(folder, f) for f in sorted(files) if not f.startswith("."))
    return out


def _numeric(word: str) -> bool:
    try:
        float(word)
    except ValueError:
        return False
    return True


def check_baseline(path: str, dataset_format: Mapping[str, Any], field_name: str = "baseline_dataset") -> None:
    """Raise ValueError naming the problem and the fix when a local baseline dataset cannot be
    analysed: missing, empty, no row under its header, a header whose width differs from its
    rows, or a header row that is data. Reads the first lines of each file only."""
    kind, options = format_kind(dataset_format)
    if not os.path.exists(path):
        raise ValueError(f"{field_name} {path!r} does not exist; give the baseline file or folder (e.g. the training CSV)")
    files = dataset_files(path)
    if not files:
        raise ValueError(f"{field_name} {path!r} holds no file; give the baseline file or folder (e.g. the training CSV)")
    if kind == "parquet":
        return
    rows_seen = 0
    for file in files[:MAX_CHECKED_FILES]:
        with open(file, encoding="utf-8", errors="replace", newline="") as handle:
            head = [line for _, line in zip(range(HEAD_LINES), handle) if line.strip()]
        if any("\x00" in line for line in head):
            raise ValueError(f"{field_name}: {file} is not a text file; give a CSV or JSON-lines dataset")
        if kind in ("json", "sagemaker_capture_json"):
            for i, line in enumerate(head[:5]):
                try:
                    json.loads(line)
                except ValueError:
                    raise ValueError(f"{field_name}: line {i + 1} of {file} is not JSON; DatasetFormat.json(lines=True) reads one JSON object per line") from None
            rows_seen += len(head)
            continue
        rows = list(csv.reader(head))
        if options.get("header"):
            if not rows:
                continue
            header, body = rows[0], rows[1:]
            if all(_numeric(w) for w in header if w.strip()) and any(w.strip() for w in header):
                raise ValueError(f"{field_name}: the first row of {file} is numbers, not column names; pass DatasetFormat.csv(header=False) "
                                 "for a file without a header row")
            if len(set(header)) != len(header) or any(not w.strip() for w in header):
                raise ValueError(f"{field_name}: the header of {file} has an empty or repeated column name; give each column a distinct name")
            for i, row in enumerate(body):
                if len(row) != len(header):
                    raise ValueError(f"{field_name}: the header of {file} names {len(header)} columns but row {i + 1} has {len(row)}; "
                                     "make the header match the rows (or pass DatasetFormat.csv(header=False))")
            rows_seen += len(body)
        else:
            widths = {len(r) for r in rows}
            if len(widths) > 1:
                raise ValueError(f"{field_name}: the rows of {file} have different numbers of columns ({sorted(widths)}); every row needs the same")
            rows_seen += len(rows)
    if rows_seen == 0:
        raise ValueError(f"{field_name} {path!r} has no data rows; a baseline needs at least one row (under the header, if it has one)")


def read_dataset(path: str, dataset_format: Mapping[str, Any]) -> pd.DataFrame:
    """The whole dataset as one table. CSV without a header names its columns _c0, _c1, ... as
    SageMaker's analyzer does; JSON lines take the keys of their objects."""
    kind, options = format_kind(dataset_format)
    files = dataset_files(path)
    if not files:
        raise ValueError(f"the dataset {path} holds no file")
    frames = []
    for file in files:
        if kind == "csv":
            frame = pd.read_csv(file, header=0 if options.get("header") else None, skipinitialspace=True)
            if not options.get("header"):
                frame.columns = [f"_c{i}" for i in range(frame.shape[1])]
        elif kind == "parquet":
            frame = pd.read_parquet(file)
        else:
            frame = pd.read_json(file, lines=bool(options.get("lines", True)), dtype=False)
            if frame.shape[1] and all(isinstance(c, int) for c in frame.columns):
                frame.columns = [f"_c{i}" for i in range(frame.shape[1])]
        frames.append(frame)
    table = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
    table.columns = [str(c) for c in table.columns]
    return table


# -- captured traffic ----------------------------------------------------------------------------


def parse_time(text: str) -> dt.datetime:
    """An ISO 8601 time (a trailing Z is UTC), as an aware datetime."""
    value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def hour_prefixes(start: dt.datetime, end: dt.datetime) -> Iterator[str]:
    """YYYY/MM/DD/HH of every hour the window [start, end) touches (the capture's folders), and
    the hour after it: a worker files a record by the time it flushes it, up to a second later."""
    hour = start.astimezone(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    while hour < end + dt.timedelta(hours=1):
        yield f"{hour:%Y/%m/%d/%H}"
        hour += dt.timedelta(hours=1)


def capture_files(root: str, start: dt.datetime, end: dt.datetime) -> list[str]:
    """The capture files of every variant under `root` (an endpoint's data-capture folder or
    URI) in the hours the window touches, oldest first."""
    from ..sdk.storage import filesystem

    fs, base = filesystem(root)
    base = base.rstrip("/")
    if not fs.exists(base):
        return []
    variants = sorted(p for p in fs.ls(base, detail=False) if fs.isdir(p))
    found: list[str] = []
    for hour in hour_prefixes(start, end):
        for variant in variants:
            folder = posixpath.join(variant, hour)
            if fs.exists(folder):
                found.extend(sorted(p for p in fs.find(folder) if p.endswith(".jsonl")))
    scheme = root.split("://", 1)[0] + "://" if "://" in root and not root.startswith("file://") else ""
    return [scheme + p if scheme and not p.startswith(scheme) else p for p in found]


def _text(part: Mapping[str, Any]) -> tuple[str, str]:
    """(text, content type) of one side of a captured record."""
    data = part.get("data") or ""
    if part.get("encoding") == "BASE64":
        data = base64.b64decode(data).decode("utf-8", errors="replace")
    return str(data), str(part.get("observedContentType") or "").split(";", 1)[0].strip().lower()


def _scalar(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _json_rows(obj: Any) -> list[list[str]]:
    """Rows of a JSON body: {"predictions": [...]} / {"instances": [...]} unwrap, a list of lists
    is rows, a list of scalars one row, an object one row of its values in order."""
    if isinstance(obj, dict) and len(obj) >= 1:
        lists = [v for v in obj.values() if isinstance(v, list)]
        if len(obj) == 1 and lists:
            obj = lists[0]
        elif all(not isinstance(v, (list, dict)) for v in obj.values()):
            return [[_scalar(v) for v in obj.values()]]
        elif lists:
            obj = lists[0]
    if isinstance(obj, list):
        if obj and all(isinstance(r, list) for r in obj):
            return [[_scalar(v) for v in r] for r in obj]
        if obj and all(isinstance(r, dict) for r in obj):
            return [[_scalar(v) for v in r.values()] for r in obj]
        return [[_scalar(v) for v in obj]]
    return [[_scalar(obj)]]


def rows_of(part: Mapping[str, Any] | None) -> list[list[str]]:
    """The rows one side of a captured record holds (CSV lines, or JSON)."""
    if not part:
        return []
    text, content_type = _text(part)
    if part.get("encoding") == "JSON" or content_type.endswith("json") or content_type == "application/jsonlines":
        try:
            if content_type == "application/jsonlines":
                return [r for line in text.splitlines() if line.strip() for r in _json_rows(json.loads(line))]
            return _json_rows(json.loads(text))
        except ValueError:
            pass
    return [row for row in csv.reader(io.StringIO(text)) if row]


@dataclass
class Capture:
    """Captured traffic as a table of text cells, output columns then input columns."""

    rows: list[list[str]] = field(default_factory=list)
    inference_ids: list[str | None] = field(default_factory=list)
    event_ids: list[str | None] = field(default_factory=list)
    records: int = 0  # captured records in the window
    unpaired: int = 0  # records whose output and input row counts differ (skipped)

    def frame(self) -> pd.DataFrame:
        width = max((len(r) for r in self.rows), default=0)
        frame = pd.DataFrame([r + [None] * (width - len(r)) for r in self.rows], columns=[f"_c{i}" for i in range(width)], dtype="object")
        return frame


def read_capture(files: list[str], start: dt.datetime, end: dt.datetime) -> Capture:
    """The records captured in [start, end) from these files, each laid out output-then-input."""
    from ..sdk.storage import read_bytes

    out = Capture()
    for file in files:
        for line in read_bytes(file).decode("utf-8", errors="replace").splitlines():
            if not line.strip():
                continue
            record = json.loads(line)
            meta = record.get("eventMetadata") or {}
            try:
                when = parse_time(meta["inferenceTime"])
            except (KeyError, ValueError):
                continue
            if not (start <= when < end):
                continue
            data = record.get("captureData") or {}
            outputs, inputs = rows_of(data.get("endpointOutput")), rows_of(data.get("endpointInput"))
            if len(outputs) == 1 and len(inputs) > 1 and len(outputs[0]) == len(inputs):
                outputs = [[v] for v in outputs[0]]  # one prediction per input row, sent as one list
            out.records += 1
            if outputs and inputs and len(outputs) != len(inputs):
                out.unpaired += 1
                continue
            empty: list[str] = []
            pairs = list(zip(outputs, inputs)) if outputs and inputs else [(r, empty) for r in outputs] or [(empty, r) for r in inputs]
            for left, right in pairs:
                out.rows.append([*left, *right])
                out.inference_ids.append(meta.get("inferenceId"))
                out.event_ids.append(meta.get("eventId"))
    return out


__all__ = ["Capture", "capture_files", "check_baseline", "dataset_files", "format_kind", "parse_time", "read_capture", "read_dataset", "rows_of"]
