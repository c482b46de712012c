"""Splitting input files into records and records into request payloads (pure functions).

SageMaker batch transform reads each input file, splits it into records (SplitType: None =
the whole file is one record, Line = one record per line, RecordIO = one record per RecordIO
frame) and sends them to the model either one per request (BatchStrategy SingleRecord) or
as many as fit in MaxPayloadInMB (MultiRecord). Records keep their position (the line
number, or the frame number for RecordIO) so a failure can name the file and the line.

Empty lines carry no record: they are skipped, and not counted.
"""
from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

SPLIT_TYPES = ("None", "Line", "RecordIO")
STRATEGIES = ("SingleRecord", "MultiRecord")
RECORDIO_MAGIC = 0xCED7230A
_BLANK_LINES = re.compile(rb"(?m)^\r?$")


class RecordError(ValueError):
    """Input that cannot be split as asked: the message names the record's line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class Record:
    data: bytes
    line: int  # 1-based line (Line), frame number (RecordIO), 1 (None)
    original: bytes | None = None  # before the input filter (what a join writes)


@dataclass(frozen=True)
class Batch:
    """One request's records. ``body`` is what the model receives."""

    records: tuple[Record, ...]
    body: bytes

    @property
    def first_line(self) -> int:
        return self.records[0].line

    def __len__(self) -> int:
        return len(self.records)


def count_records(raw: bytes, split_type: str) -> int:
    """How many records ``split_records`` will yield, without building them (for progress)."""
    if split_type == "None":
        return 1 if raw else 0
    if split_type == "RecordIO":
        return sum(1 for _ in _recordio_frames(raw))
    lines = raw.count(b"\n") + (0 if raw.endswith(b"\n") or not raw else 1)
    if b"\n\n" in raw or b"\n\r\n" in raw or raw.startswith((b"\n", b"\r\n")):
        blanks = len(_BLANK_LINES.findall(raw))
        if raw.endswith(b"\n"):
            blanks -= 1  # the empty "line" after the final newline is not a line
        lines -= blanks
    return lines


def split_records(data: bytes, split_type: str) -> Iterator[Record]:
    if split_type == "None":
        if data:
            yield Record(data, 1)
        return
    if split_type == "RecordIO":
        for number, (start, end) in enumerate(_recordio_frames(data), 1):
            yield Record(data[start:end], number)
        return
    for number, line in enumerate(data.split(b"\n"), 1):
        if line.endswith(b"\r"):
            line = line[:-1]
        if line:
            yield Record(line, number)


def _recordio_frames(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of each whole frame, header and padding included (what a batch forwards)."""
    pos, number = 0, 0
    while pos < len(data):
        number += 1
        if len(data) - pos < 8:
            raise RecordError(f"RecordIO record {number} is truncated (fewer than 8 header bytes)", number)
        magic, header = struct.unpack_from("<II", data, pos)
        if magic != RECORDIO_MAGIC:
            raise RecordError(f"RecordIO record {number} does not start with the RecordIO magic number", number)
        length = header & ((1 << 29) - 1)
        end = pos + 8 + length + (-length % 4)
        if end > len(data):
            raise RecordError(f"RecordIO record {number} is truncated ({length} bytes announced)", number)
        yield pos, end
        pos = end


def separator(split_type: str) -> bytes:
    """What goes between records of one payload: a newline for lines, nothing otherwise."""
    return b"\n" if split_type == "Line" else b""


def batches(records: Iterator[Record], *, split_type: str, strategy: str, max_payload_bytes: int) -> Iterator[Batch]:
    """Records grouped into payloads: one each (SingleRecord), or up to max_payload_bytes.

    A record bigger than the payload limit raises RecordError naming its line: SageMaker
    refuses it too, and cutting it would change what the model sees.
    """
    sep = separator(split_type)
    current: list[Record] = []
    size = 0
    for record in records:
        if max_payload_bytes and len(record.data) > max_payload_bytes:
            raise RecordError(
                f"the record is {len(record.data)} bytes, more than MaxPayloadInMB allows ({max_payload_bytes} bytes); "
                "raise max_payload or split the input into smaller records",
                record.line,
            )
        if strategy == "SingleRecord":
            yield Batch((record,), record.data)
            continue
        extra = len(record.data) + (len(sep) if current else 0)
        if current and max_payload_bytes and size + extra > max_payload_bytes:
            yield Batch(tuple(current), sep.join(r.data for r in current))
            current, size, extra = [], 0, len(record.data)
        current.append(record)
        size += extra
    if current:
        yield Batch(tuple(current), sep.join(r.data for r in current))


@dataclass(frozen=True)
class Chunk:
    """A run of whole lines sent as one payload as they are (the fast path of MultiRecord)."""

    body: bytes
    first_line: int
    count: int


def line_chunks(data: bytes, max_payload_bytes: int) -> Iterator[Chunk | Batch]:
    """MultiRecord over lines without filters or joins: cut the file at newlines into payloads
    of at most max_payload_bytes, without building a record per line. A stretch holding an
    empty line, a carriage return or an oversized line goes through `batches` instead, so what
    the model receives is the same as the per-record path."""
    pos, line, size = 0, 1, len(data)
    while pos < size:
        end = min(pos + max_payload_bytes, size)
        if end < size:
            cut = data.rfind(b"\n", pos, end + 1)
            if cut <= pos:  # no newline in reach: one line longer than a payload
                cut = data.find(b"\n", pos)
                cut = size if cut < 0 else cut
        else:
            cut = size if not data.endswith(b"\n") else size - 1
        body = data[pos:cut]
        newlines = body.count(b"\n")
        plain = body and b"\n\n" not in body and b"\r" not in body and not body.startswith(b"\n") and len(body) <= max_payload_bytes
        if plain:
            yield Chunk(body, line, newlines + 1)
        else:
            records = (Record(r.data, r.line + line - 1) for r in split_records(body, "Line"))
            yield from batches(records, split_type="Line", strategy="MultiRecord", max_payload_bytes=max_payload_bytes)
        line += newlines + 1
        pos = cut + 1
