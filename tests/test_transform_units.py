"""Batch transform's pure parts: record splitting, batching by payload, SageMaker's JSONPath
filters, the join with the input and the output's assembly."""
from __future__ import annotations

import json
import struct

import pytest

from labstudio.transform import dataproc, jsonpath
from labstudio.transform.records import Batch, Chunk, RecordError, batches, count_records, line_chunks, split_records


def _lines(data: bytes) -> list[tuple[int, bytes]]:
    return [(r.line, r.data) for r in split_records(data, "Line")]


# -- splitting ------------------------------------------------------------------


def test_line_split_skips_empty_lines_and_keeps_line_numbers() -> None:
    data = b"a,1\r\n\nb,2\n\n\nc,3"
    assert _lines(data) == [(1, b"a,1"), (3, b"b,2"), (6, b"c,3")]
    assert count_records(data, "Line") == 3
    assert count_records(b"x\ny\n", "Line") == 2
    assert count_records(b"\n\nx\n\n", "Line") == 1
    assert count_records(b"", "Line") == 0


def test_none_split_is_the_whole_file() -> None:
    assert [(r.line, r.data) for r in split_records(b"a\nb\n", "None")] == [(1, b"a\nb\n")]
    assert count_records(b"a\nb\n", "None") == 1 and count_records(b"", "None") == 0


def _frame(payload: bytes) -> bytes:
    return struct.pack("<II", 0xCED7230A, len(payload)) + payload + b"\0" * (-len(payload) % 4)


def test_recordio_split_keeps_whole_frames_and_names_a_broken_one() -> None:
    data = _frame(b"abc") + _frame(b"defgh")
    assert [r.data for r in split_records(data, "RecordIO")] == [_frame(b"abc"), _frame(b"defgh")]
    assert count_records(data, "RecordIO") == 2
    with pytest.raises(RecordError) as info:
        list(split_records(data + b"\x01\x02\x03\x04\x05\x06\x07\x08", "RecordIO"))
    assert info.value.line == 3 and "magic" in str(info.value)


# -- batching ---------------------------------------------------------------------


def test_multirecord_batches_fill_the_payload_and_single_record_sends_one_each() -> None:
    data = b"\n".join(b"%03d" % i for i in range(10))  # ten 3-byte records
    multi = list(batches(split_records(data, "Line"), split_type="Line", strategy="MultiRecord", max_payload_bytes=11))
    assert [b.body for b in multi] == [b"000\n001\n002", b"003\n004\n005", b"006\n007\n008", b"009"]
    assert [b.first_line for b in multi] == [1, 4, 7, 10]
    single = list(batches(split_records(data, "Line"), split_type="Line", strategy="SingleRecord", max_payload_bytes=11))
    assert [b.body for b in single] == [b"%03d" % i for i in range(10)]


def test_a_record_over_the_payload_limit_is_refused_with_its_line() -> None:
    data = b"ok\n" + b"x" * 20 + b"\nok"
    with pytest.raises(RecordError) as info:
        list(batches(split_records(data, "Line"), split_type="Line", strategy="MultiRecord", max_payload_bytes=10))
    assert info.value.line == 2 and "MaxPayloadInMB" in str(info.value)


def test_line_chunks_cut_at_newlines_and_match_the_per_record_batches() -> None:
    rows = [b"%d,%d" % (i, i * i) for i in range(1, 200)]
    data = b"\n".join(rows) + b"\n"
    chunks = list(line_chunks(data, 64))
    assert all(isinstance(c, Chunk) and len(c.body) <= 64 for c in chunks)
    assert b"\n".join(c.body for c in chunks) == data[:-1]  # every line, in order, none split
    assert sum(c.count for c in chunks) == len(rows)
    assert [c.first_line for c in chunks][:2] == [1, 1 + chunks[0].count]
    slow = list(batches(split_records(data, "Line"), split_type="Line", strategy="MultiRecord", max_payload_bytes=64))
    assert [c.body for c in chunks] == [b.body for b in slow]


def test_line_chunks_fall_back_to_records_around_empty_lines() -> None:
    data = b"a\n\nb\nc\n"
    out = list(line_chunks(data, 1024))
    assert len(out) == 1 and isinstance(out[0], Batch)
    assert out[0].body == b"a\nb\nc" and [r.line for r in out[0].records] == [1, 3, 4]


# -- JSONPath ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("$", [1, 2, 3], [1, 2, 3]),
        ("$[1:]", ["id", 1, 2], [1, 2]),
        ("$[0,-1]", ["id", 1, 2, 9], ["id", 9]),
        ("$[0,2:]", [0, 1, 2, 3], [0, 2, 3]),
        ("$[:2]", [0, 1, 2], [0, 1]),
        ("$[1]", ["a", "b"], "b"),
        ("$.features", {"id": 1, "features": [1, 2]}, [1, 2]),
        ("$.a.b", {"a": {"b": 5}}, 5),
        ("$['id','SageMakerOutput']", {"id": 1, "x": 2, "SageMakerOutput": 3}, {"id": 1, "SageMakerOutput": 3}),
        ("$[id,x]", {"id": 1, "x": 2, "y": 3}, {"id": 1, "x": 2}),
        ("$.*", {"a": 1, "b": 2}, [1, 2]),
        ("$.features[1:]", {"features": [1, 2, 3]}, [2, 3]),
    ],
)
def test_jsonpath_selects_what_sagemaker_documents(path: str, value: object, expected: object) -> None:
    assert jsonpath.apply(jsonpath.parse(path), value) == expected


@pytest.mark.parametrize("bad", ["features", "$.", "$[1", "$[a,1]", "$[1:x]", "$$", "$[" + "1," * 40 + "1]"])
def test_jsonpath_refuses_what_it_cannot_parse(bad: str) -> None:
    with pytest.raises(ValueError):
        jsonpath.parse(bad)


def test_jsonpath_errors_on_a_record_name_the_problem() -> None:
    with pytest.raises(jsonpath.FilterError, match="index 5 is outside the record's 2 fields"):
        jsonpath.apply(jsonpath.parse("$[5]"), [1, 2])
    with pytest.raises(jsonpath.FilterError, match="no key 'features'"):
        jsonpath.apply(jsonpath.parse("$.features"), {"id": 1})


# -- filters, join, assembly ------------------------------------------------------------


def test_csv_input_filter_keeps_quoting() -> None:
    path = jsonpath.parse("$[1:]")
    assert dataproc.filter_input(b"7,1.5,2.5", path, "csv") == b"1.5,2.5"
    assert dataproc.filter_input(b'7,"a,b",3', path, "csv") == b'"a,b",3'


def test_json_input_filter() -> None:
    assert dataproc.filter_input(b'{"id": 3, "features": [1, 2]}', jsonpath.parse("$.features"), "json") == b"[1,2]"


def test_csv_join_then_output_filter_is_id_and_prediction() -> None:
    proc = dataproc.Processing("text/csv", "text/csv", jsonpath.parse("$[1:]"), jsonpath.parse("$[0,-1]"), "Input")
    lines = proc.finish_records([b"1,0.5,0.7", b"2,0.1,0.2"], b"10.5\n20.25\n")
    assert lines == [b"1,10.5", b"2,20.25"]
    assert dataproc.assemble(lines, "Line") == b"1,10.5\n2,20.25\n"


def test_json_join_puts_the_output_under_sagemaker_output() -> None:
    proc = dataproc.Processing("application/jsonlines", "application/json", jsonpath.parse("$.features"), jsonpath.parse("$"), "Input")
    lines = proc.finish_records([b'{"id": "a", "features": [1]}', b"[5]"], b"[1.5, 2.5]")
    assert [json.loads(line) for line in lines] == [
        {"id": "a", "features": [1], "SageMakerOutput": 1.5},
        {"SageMakerInput": [5], "SageMakerOutput": 2.5},
    ]


def test_output_filter_without_join_applies_to_the_prediction() -> None:
    proc = dataproc.Processing("text/csv", "text/csv", jsonpath.parse("$"), jsonpath.parse("$[0]"), "None")
    assert proc.finish_records([b"x", b"y"], b"1,2\n3,4\n") == [b"1", b"3"]


def test_an_answer_that_does_not_match_the_records_is_an_error() -> None:
    proc = dataproc.Processing("text/csv", "text/csv", jsonpath.parse("$"), jsonpath.parse("$"), "Input")
    with pytest.raises(dataproc.ProcessingError, match="1 lines for a payload of 2 records"):
        proc.finish_records([b"1", b"2"], b"5\n")


def test_assemble_none_concatenates_answers_as_they_are() -> None:
    assert dataproc.assemble([b"[1]", b"[2]"], "None") == b"[1][2]"
    assert dataproc.assemble([b"1\n", b"2"], "Line") == b"1\n2\n"


# -- the default handlers' codecs that batch transform leans on -----------------------


def test_default_codecs_read_and_write_json_lines() -> None:
    import numpy as np

    from labstudio.serving import codecs

    rows = codecs.decode(b'[1, 2]\n\n[3, 4]\n', "application/jsonlines")
    assert rows.tolist() == [[1, 2], [3, 4]]
    assert codecs.encode(np.array([1.5, 2.0]), "application/jsonlines") == (b"1.5\n2.0\n", "application/jsonlines")
    with pytest.raises(ValueError, match="line 2 is not valid JSON"):
        codecs.decode(b"[1]\n{oops\n", "application/jsonlines")


def test_csv_codec_fast_paths_give_what_the_slow_paths_gave() -> None:
    import io

    import numpy as np

    from labstudio.serving import codecs

    body = b"1.5, 2\n\n3,4e-3\n"
    assert codecs.decode(body, "text/csv").tolist() == [[1.5, 2.0], [3.0, 0.004]]
    assert codecs.decode(b"1,2,3", "text/csv").tolist() == [1.0, 2.0, 3.0]  # one row: a vector
    with pytest.raises(ValueError, match="numbers only.*'x'"):
        codecs.decode(b"1,2\n3,x\n", "text/csv")
    for prediction in (np.array([0.1, 1e16, -2.5e-7, np.nan]), np.arange(6).reshape(3, 2), np.array([True, False])):
        stream = io.StringIO()
        np.savetxt(stream, prediction, delimiter=",", fmt="%s")
        assert codecs.encode(prediction, "text/csv")[0] == stream.getvalue().encode()


def test_output_paths_in_every_file_uri_spelling_drivers_use() -> None:
    """SageMaker's own samples write `file:./data/output` (no slashes); it is ./data/output,
    never a folder literally named `file:.`."""
    from labstudio.sdk.inputs import file_uri_path
    from labstudio.sdk.transformer import _local

    assert _local("file:./data/output", "output_path") == "./data/output"
    assert _local("file://./data/output", "output_path") == "./data/output"
    assert _local("file:///tmp/out", "output_path") == "/tmp/out"
    assert file_uri_path("data/out") == "data/out"
