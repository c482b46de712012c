"""Input filter, join and output filter of batch transform, and the output's assembly (pure).

SageMaker's data processing, record by record: the InputFilter selects what the model sees
(a CSV record is the JSON array of its fields; a JSON record is its value), JoinSource=Input
joins the *original* input record with the model's output for it (CSV: the input's fields
followed by the output's; JSON: the output under ``SageMakerOutput`` of the input object, or
``{"SageMakerInput": ..., "SageMakerOutput": ...}`` when the input is not an object), and
the OutputFilter selects what is written. Filters and joins apply to CSV, JSON and JSON Lines.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from . import jsonpath

CSV = "text/csv"
JSON = "application/json"
JSONLINES = "application/jsonlines"
FILTERABLE = (CSV, JSON, JSONLINES)


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def record_format(content_type: str | None) -> str | None:
    """'csv' or 'json' for the types filters and joins understand, else None."""
    kind = media_type(content_type)
    if kind == CSV:
        return "csv"
    if kind in (JSON, JSONLINES) or kind.endswith("+json"):
        return "json"
    return None


class ProcessingError(ValueError):
    """A record the filters or the join cannot handle; the runner adds the file and line."""


# -- records as values ----------------------------------------------------------


def parse_record(data: bytes, fmt: str) -> Any:
    text = data.decode("utf-8")
    if fmt == "csv":
        rows = list(csv.reader([text]))
        return rows[0] if rows else []
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProcessingError(f"the record is not valid JSON: {exc}") from None


def dump_record(value: Any, fmt: str) -> bytes:
    if fmt == "csv":
        fields = value if isinstance(value, list) else [value]
        stream = io.StringIO()
        csv.writer(stream, lineterminator="").writerow([_csv_field(v) for v in fields])
        return stream.getvalue().encode("utf-8")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _csv_field(value: Any) -> Any:
    return json.dumps(value, separators=(",", ":")) if isinstance(value, (dict, list)) else value


def filter_input(data: bytes, path: jsonpath.Path, fmt: str) -> bytes:
    if path.is_identity:
        return data
    try:
        return dump_record(jsonpath.apply(path, parse_record(data, fmt)), fmt)
    except jsonpath.FilterError as exc:
        raise ProcessingError(f"InputFilter {exc}") from None


# -- the model's answer, record by record -----------------------------------------


def split_output(body: bytes, accept: str | None, count: int) -> list[bytes]:
    """The model's answer to a payload of `count` records, as one piece per record.

    CSV and other text, and JSON Lines: one line per record. JSON: an array with one
    element per record (or the whole answer, for a single record). Raises ProcessingError
    when the pieces do not match the records (the join would pair the wrong rows).
    """
    kind = media_type(accept)
    if kind == JSON or (kind.endswith("+json") and kind != JSONLINES):
        try:
            value = json.loads(body)
        except json.JSONDecodeError as exc:
            raise ProcessingError(f"the model's {kind} answer is not valid JSON: {exc}") from None
        if isinstance(value, dict):
            for key in ("predictions", "outputs"):
                if isinstance(value.get(key), list):
                    value = value[key]
                    break
        if isinstance(value, list) and len(value) == count:
            return [dump_record(v, "json") for v in value]
        if count == 1:
            return [dump_record(value, "json")]
        got = len(value) if isinstance(value, list) else 1
        raise ProcessingError(f"the model answered {got} JSON values for a payload of {count} records")
    lines = body.decode("utf-8").splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) != count:
        raise ProcessingError(f"the model answered {len(lines)} lines for a payload of {count} records")
    return [line.encode("utf-8") for line in lines]


def join(input_data: bytes, output: bytes, fmt: str, output_fmt: str | None) -> Any:
    """The joined record as a value (CSV: list of fields; JSON: an object)."""
    source = parse_record(input_data, fmt)
    if fmt == "csv":
        out_fields = parse_record(output, "csv") if output_fmt in (None, "csv") else [output.decode("utf-8")]
        return list(source) + list(out_fields)
    try:
        result: Any = json.loads(output)
    except (json.JSONDecodeError, UnicodeDecodeError):
        result = output.decode("utf-8", "replace")
    if isinstance(source, dict):
        joined = dict(source)
        joined["SageMakerOutput"] = result
        return joined
    return {"SageMakerInput": source, "SageMakerOutput": result}


@dataclass(frozen=True)
class Processing:
    """Parsed DataProcessing of one job, applied by the runner."""

    content_type: str
    accept: str
    input_filter: jsonpath.Path
    output_filter: jsonpath.Path
    join_source: str  # "None" | "Input"

    @property
    def fmt(self) -> str | None:
        return record_format(self.content_type)

    @property
    def per_record_output(self) -> bool:
        """Whether the model's answers must be split back into one piece per record."""
        return self.join_source == "Input" or not self.output_filter.is_identity

    def finish_records(self, inputs: Sequence[bytes], body: bytes) -> list[bytes]:
        """The lines to write for a payload whose original input records are `inputs`."""
        pieces = split_output(body, self.accept, len(inputs))
        out_fmt = record_format(self.accept)
        lines: list[bytes] = []
        for source, piece in zip(inputs, pieces):
            if self.join_source == "Input":
                fmt = self.fmt or "json"
                value = join(source, piece, fmt, out_fmt)
            else:
                fmt = out_fmt or "csv"
                value = parse_record(piece, fmt)
            if not self.output_filter.is_identity:
                try:
                    value = jsonpath.apply(self.output_filter, value)
                except jsonpath.FilterError as exc:
                    raise ProcessingError(f"OutputFilter {exc}") from None
            lines.append(dump_record(value, fmt))
        return lines


def assemble(pieces: Sequence[bytes], assemble_with: str) -> bytes:
    """What one payload adds to the output file: Line ends each piece with a newline, None
    concatenates the model's answers as they are."""
    if assemble_with == "Line":
        return b"".join(p if p.endswith(b"\n") else p + b"\n" for p in pieces)
    return b"".join(pieces)
