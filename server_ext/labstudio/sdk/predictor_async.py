"""SageMaker's ``AsyncPredictor``: an asynchronous endpoint's client.

``predict_async`` uploads the serialized data (or takes ``input_path``, a payload already in
place), queues it with the runtime client's ``invoke_endpoint_async`` and answers an
``AsyncInferenceResponse`` at once; ``predict`` does the same and waits for the result.
"""
from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from .async_inference import AsyncInferenceResponse, WaiterConfig
from .predictor import Predictor


class AsyncPredictor:
    def __init__(self, predictor: Predictor, name: str | None = None) -> None:
        self.predictor = predictor
        self.endpoint_name = predictor.endpoint_name
        self.sagemaker_session = predictor.sagemaker_session
        self.serializer = predictor.serializer
        self.deserializer = predictor.deserializer
        self.name = name

    def __repr__(self) -> str:
        return f"AsyncPredictor(endpoint_name={self.endpoint_name!r})"

    def _session(self) -> Any:
        from .session import Session

        if isinstance(self.sagemaker_session, Session):
            return self.sagemaker_session
        return Session()

    def _upload(self, data: Any) -> str:
        """The serialized data as a file of the session's bucket (SageMaker uploads to its default bucket)."""
        from . import storage

        body = self.serializer.serialize(data)
        if isinstance(body, str):
            body = body.encode("utf-8")
        elif hasattr(body, "read"):
            body = body.read()
        session = self._session()
        uri = session.bucket_uri(None, f"async-endpoint-inputs/{self.endpoint_name}/{uuid.uuid4()}")
        return storage.write_bytes(bytes(body), uri)

    def predict_async(self, data: Any = None, input_path: str | None = None, initial_args: Mapping[str, Any] | None = None,
                      inference_id: str | None = None) -> AsyncInferenceResponse:
        """Queue one request; answers where its result (or error) will be."""
        if data is None and input_path is None:
            raise ValueError("Please provide input data or input_path (the payload's location) to use asynchronous prediction")
        if data is not None and input_path is not None:
            raise ValueError("give data or input_path, not both")
        location = input_path if input_path is not None else self._upload(data)
        args = dict(initial_args or {})
        args.setdefault("ContentType", self.serializer.CONTENT_TYPE)
        args.setdefault("Accept", ", ".join(self.deserializer.ACCEPT))
        if inference_id is not None:
            args["InferenceId"] = inference_id
        response = self._session().sagemaker_runtime_client.invoke_endpoint_async(EndpointName=self.endpoint_name, InputLocation=location, **args)
        return AsyncInferenceResponse(self, response["OutputLocation"], response.get("FailureLocation"))

    def predict(self, data: Any = None, input_path: str | None = None, initial_args: Mapping[str, Any] | None = None,
                inference_id: str | None = None, waiter_config: WaiterConfig | None = None) -> Any:
        """Queue one request and wait for its result (``waiter_config``: SageMaker's default, 60 looks 15 s apart)."""
        response = self.predict_async(data=data, input_path=input_path, initial_args=initial_args, inference_id=inference_id)
        return response.get_result(waiter_config or WaiterConfig())

    def describe(self) -> dict[str, Any]:
        return self.predictor.describe()

    def update_endpoint(self, **kwargs: Any) -> None:
        self.predictor.update_endpoint(**kwargs)

    def delete_endpoint(self, delete_endpoint_config: bool = True) -> None:
        self.predictor.delete_endpoint(delete_endpoint_config)

    def delete_model(self) -> None:
        self.predictor.delete_model()

    def endpoint_context(self) -> Any:
        return self.predictor.endpoint_context()
