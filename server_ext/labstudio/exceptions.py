"""``labstudio.exceptions``: stands where ``sagemaker.exceptions`` stands."""
from .sdk.exceptions import (
    AsyncInferenceError,
    AsyncInferenceModelError,
    ModelError,
    ObjectNotExistedError,
    PollingTimeoutError,
    UnexpectedClientError,
    UnexpectedStatusException,
)

__all__ = [
    "UnexpectedStatusException", "ModelError", "AsyncInferenceError", "ObjectNotExistedError", "PollingTimeoutError",
    "UnexpectedClientError", "AsyncInferenceModelError",
]
