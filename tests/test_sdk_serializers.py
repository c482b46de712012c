"""Serializers and deserializers: SageMaker semantics, and round trips through the model server's codecs."""
from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from labstudio.deserializers import (
    BytesDeserializer,
    CSVDeserializer,
    JSONDeserializer,
    NumpyDeserializer,
    PandasDeserializer,
    StringDeserializer,
)
from labstudio.serializers import CSVSerializer, IdentitySerializer, JSONSerializer, NumpySerializer
from labstudio.serving import codecs


def _stream(data: bytes | str) -> io.BytesIO:
    return io.BytesIO(data.encode() if isinstance(data, str) else data)


def test_csv_serializer_rows_and_scalars() -> None:
    s = CSVSerializer()
    assert s.CONTENT_TYPE == "text/csv"
    assert s.serialize(np.array([[1, 2], [3, 4]])) == "1,2\n3,4"
    assert s.serialize([1.5, 2, 3]) == "1.5,2,3"
    assert s.serialize([[1, "a"], [2, "b"]]) == "1,a\n2,b"
    assert s.serialize("1,2\n3,4") == "1,2\n3,4"
    assert s.serialize(io.StringIO("x,y")) == "x,y"
    assert s.serialize(pd.DataFrame({"a": [1, 2], "b": [3, 4]})) == "1,3\n2,4"
    with pytest.raises(ValueError, match="empty"):
        s.serialize([])


def test_json_serializer_numpy_and_dicts() -> None:
    s = JSONSerializer()
    assert s.CONTENT_TYPE == "application/json"
    assert json.loads(s.serialize(np.arange(4).reshape(2, 2))) == [[0, 1], [2, 3]]
    assert json.loads(s.serialize({"instances": np.array([1.5, 2.5]), "k": 1})) == {"instances": [1.5, 2.5], "k": 1}
    assert json.loads(s.serialize([np.float32(1.5), 2])) == [1.5, 2]
    assert s.serialize(io.StringIO('{"a": 1}')) == '{"a": 1}'


def test_numpy_round_trip_keeps_dtype_and_shape() -> None:
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    s, d = NumpySerializer(), NumpyDeserializer()
    assert s.CONTENT_TYPE == "application/x-npy" and d.ACCEPT == ("application/x-npy",)
    back = d.deserialize(_stream(s.serialize(x)), "application/x-npy")
    assert back.dtype == np.float32 and back.shape == (3, 4) and np.array_equal(back, x)
    assert NumpySerializer(dtype="int16").serialize([1, 2]) == NumpySerializer().serialize(np.array([1, 2], dtype="int16"))
    with pytest.raises(ValueError, match="empty"):
        s.serialize(np.array([]))
    with pytest.raises(ValueError, match="empty"):
        s.serialize([])


def test_numpy_deserializer_reads_csv_json_npz_and_refuses_others() -> None:
    d = NumpyDeserializer()
    assert np.array_equal(d.deserialize(_stream("1,2\n3,4"), "text/csv"), [[1, 2], [3, 4]])
    assert np.array_equal(d.deserialize(_stream("[[1, 2]]"), "application/json; charset=utf-8"), [[1, 2]])
    buffer = io.BytesIO()
    np.savez(buffer, a=np.arange(3))
    assert np.array_equal(d.deserialize(_stream(buffer.getvalue()), "application/x-npz")["a"], np.arange(3))
    with pytest.raises(ValueError, match="cannot read content type image/png"):
        d.deserialize(_stream(b"x"), "image/png")


def test_other_deserializers() -> None:
    assert JSONDeserializer().deserialize(_stream('{"a": [1, 2]}'), "application/json") == {"a": [1, 2]}
    assert CSVDeserializer().deserialize(_stream("1,2\n3,x\n"), "text/csv") == [["1", "2"], ["3", "x"]]
    assert BytesDeserializer().deserialize(_stream(b"\x00\x01"), "application/octet-stream") == b"\x00\x01"
    assert BytesDeserializer().ACCEPT == ("*/*",)
    assert StringDeserializer().deserialize(_stream("héllo"), "application/json") == "héllo"
    frame = PandasDeserializer().deserialize(_stream("a,b\n1,2\n"), "text/csv")
    assert list(frame.columns) == ["a", "b"] and frame.iloc[0, 1] == 2
    assert PandasDeserializer().ACCEPT == ("text/csv", "application/json")
    stream = _stream(b"x")
    JSONDeserializer().deserialize(_stream("1"), "application/json")
    BytesDeserializer().deserialize(stream, "x")
    assert stream.closed  # SageMaker closes the response stream
    assert IdentitySerializer().serialize(b"raw") == b"raw"


@pytest.mark.parametrize("kind", [codecs.NPY, codecs.JSON, codecs.CSV])
def test_round_trip_through_the_model_servers_default_codecs(kind: str) -> None:
    """What a Predictor sends, the default input_fn decodes; what output_fn encodes, the deserializer reads."""
    x = np.array([[0.5, 1.0, 2.0], [3.0, 4.0, 5.5]])
    serializer = {codecs.NPY: NumpySerializer(), codecs.JSON: JSONSerializer(), codecs.CSV: CSVSerializer()}[kind]
    decoded = codecs.decode(serializer.serialize(x), serializer.CONTENT_TYPE)
    assert np.allclose(decoded, x)
    body, content_type = codecs.encode(x * 2, NumpyDeserializer(accept=kind).ACCEPT[0])
    assert np.allclose(NumpyDeserializer().deserialize(_stream(body), content_type), x * 2)
