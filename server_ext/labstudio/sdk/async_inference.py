"""SageMaker's asynchronous-inference objects: AsyncInferenceConfig, WaiterConfig, AsyncInferenceResponse.

``model.deploy(async_inference_config=AsyncInferenceConfig(...))`` makes an asynchronous
endpoint (requests queued in the store, results written to ``output_path``); its
``AsyncPredictor`` (sdk/predictor_async.py) answers ``predict_async`` with an
``AsyncInferenceResponse``, whose ``get_result`` reads the result (or raises the model's error)
once the queue got to it, polling as a ``WaiterConfig`` says.
"""
from __future__ import annotations

import io
import time
from typing import Any

from .exceptions import AsyncInferenceModelError, ObjectNotExistedError, PollingTimeoutError, UnexpectedClientError

POLL_SECONDS = 0.1


class AsyncInferenceConfig:
    """What an asynchronous endpoint does with its requests' results (CreateEndpointConfig's AsyncInferenceConfig).

    ``output_path``: the folder or ``s3://`` prefix results go to (default: the session's bucket,
    ``async-endpoint-outputs/<endpoint>``); ``failure_path``: where errors go (default
    ``output_path``); ``notification_config``: ``{"SuccessTopic": URL, "ErrorTopic": URL,
    "IncludeInferenceResponseIn": [...]}``, each topic a webhook URL here."""

    def __init__(self, output_path: str | None = None, max_concurrent_invocations_per_instance: int | None = None, kms_key_id: str | None = None,
                 notification_config: dict[str, Any] | None = None, failure_path: str | None = None) -> None:
        if max_concurrent_invocations_per_instance is not None and (
            not isinstance(max_concurrent_invocations_per_instance, int) or isinstance(max_concurrent_invocations_per_instance, bool)
            or max_concurrent_invocations_per_instance < 1
        ):
            raise ValueError(f"max_concurrent_invocations_per_instance must be a whole number of at least 1, got {max_concurrent_invocations_per_instance!r}")
        if notification_config is not None and not isinstance(notification_config, dict):
            raise ValueError("notification_config must be a dict: {'SuccessTopic': URL, 'ErrorTopic': URL, 'IncludeInferenceResponseIn': [...]}")
        self.output_path = output_path
        self.max_concurrent_invocations_per_instance = max_concurrent_invocations_per_instance
        self.kms_key_id = kms_key_id
        self.notification_config = notification_config
        self.failure_path = failure_path

    def __repr__(self) -> str:
        return f"AsyncInferenceConfig(output_path={self.output_path!r}, failure_path={self.failure_path!r})"

    def _to_request_dict(self) -> dict[str, Any]:
        output: dict[str, Any] = {"S3OutputPath": self.output_path}
        if self.failure_path is not None:
            output["S3FailurePath"] = self.failure_path
        if self.kms_key_id is not None:
            output["KmsKeyId"] = self.kms_key_id
        if self.notification_config is not None:
            output["NotificationConfig"] = dict(self.notification_config)
        request: dict[str, Any] = {"OutputConfig": output}
        if self.max_concurrent_invocations_per_instance is not None:
            request["ClientConfig"] = {"MaxConcurrentInvocationsPerInstance": self.max_concurrent_invocations_per_instance}
        return request


class WaiterConfig:
    """How ``get_result`` polls: ``max_attempts`` looks, ``delay`` seconds apart (SageMaker's defaults: 60 and 15)."""

    def __init__(self, max_attempts: int = 60, delay: float = 15) -> None:
        if not isinstance(max_attempts, int) or isinstance(max_attempts, bool) or max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number of at least 1, got {max_attempts!r}")
        if not isinstance(delay, (int, float)) or isinstance(delay, bool) or delay < 0:
            raise ValueError(f"delay must be a number of seconds of at least 0, got {delay!r}")
        self.max_attempts = max_attempts
        self.delay = delay

    def __repr__(self) -> str:
        return f"WaiterConfig(max_attempts={self.max_attempts}, delay={self.delay})"

    def _to_request_dict(self) -> dict[str, Any]:
        return {"Delay": self.delay, "MaxAttempts": self.max_attempts}


class AsyncInferenceResponse:
    """The answer of ``predict_async``: where the result and an error will be, and ``get_result``."""

    def __init__(self, predictor_async: Any, output_path: str, failure_path: str | None = None) -> None:
        self.predictor_async = predictor_async
        self.output_path = output_path
        self.failure_path = failure_path
        self._result: Any = None
        self._done = False

    def __repr__(self) -> str:
        return f"AsyncInferenceResponse(output_path={self.output_path!r})"

    def get_result(self, waiter_config: WaiterConfig | None = None) -> Any:
        """The deserialized result. Without a waiter: look once, raising ObjectNotExistedError when
        it is not there yet; with one: poll, raising PollingTimeoutError when the attempts run out.
        An error answer raises AsyncInferenceModelError with the model's message."""
        if self._done:
            return self._result
        if waiter_config is None:
            found = self._look()
            if found is None:
                raise ObjectNotExistedError(message="Inference could still be in progress", output_path=self.output_path)
        else:
            # The same patience as SageMaker's waiter (max_attempts x delay seconds), but looking
            # every tenth of a second: a local result is there in milliseconds, not 15 s later.
            patience = waiter_config.delay * (waiter_config.max_attempts - 1)
            deadline = time.monotonic() + patience
            found = self._look()
            while found is None and time.monotonic() < deadline:
                time.sleep(min(POLL_SECONDS, max(0.0, deadline - time.monotonic())))
                found = self._look()
            if found is None:
                raise PollingTimeoutError(
                    message="Inference could still be running", output_path=self.output_path,
                    seconds=waiter_config.delay * waiter_config.max_attempts,
                )
        self._result = self._deserialize(found)
        self._done = True
        return self._result

    def _look(self) -> bytes | None:
        """The result's bytes, None when neither it nor an error is there; raises the model's error."""
        from . import storage

        try:
            if _exists(self.output_path):
                return storage.read_bytes(self.output_path)
            if self.failure_path and _exists(self.failure_path):
                message = storage.read_bytes(self.failure_path).decode("utf-8", "replace")
                raise AsyncInferenceModelError(message=message)
        except (AsyncInferenceModelError, ObjectNotExistedError):
            raise
        except Exception as exc:
            raise UnexpectedClientError(message=f"{type(exc).__name__}: {exc}") from exc
        return None

    def _deserialize(self, data: bytes) -> Any:
        deserializer = self.predictor_async.deserializer
        accept = deserializer.ACCEPT[0] if getattr(deserializer, "ACCEPT", None) else "application/octet-stream"
        return deserializer.deserialize(io.BytesIO(data), accept)


def _exists(uri: str) -> bool:
    from . import storage

    fs, path = storage.filesystem(uri)
    return bool(fs.isfile(path))
