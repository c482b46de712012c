"""``labstudio.predictor``: stands where ``sagemaker.predictor`` stands (Predictor, v1 serde objects)."""
from .sdk.deserializers import (
    BytesDeserializer,
    CSVDeserializer,
    JSONDeserializer,
    NumpyDeserializer,
    StreamDeserializer,
    StringDeserializer,
    csv_deserializer,
    json_deserializer,
    numpy_deserializer,
)
from .sdk.predictor import Predictor, RealTimePredictor
from .sdk.serializers import (
    CSVSerializer,
    IdentitySerializer,
    JSONSerializer,
    NumpySerializer,
    csv_serializer,
    json_serializer,
    npy_serializer,
)

__all__ = [
    "Predictor", "RealTimePredictor",
    "CSVSerializer", "IdentitySerializer", "JSONSerializer", "NumpySerializer",
    "BytesDeserializer", "CSVDeserializer", "JSONDeserializer", "NumpyDeserializer", "StreamDeserializer", "StringDeserializer",
    "csv_serializer", "json_serializer", "npy_serializer", "csv_deserializer", "json_deserializer", "numpy_deserializer",
]
