"""SageMaker's ``Predictor``: invoke a local endpoint by name with a serializer and deserializer.

The defaults are SageMaker's (bytes in, bytes out); framework predictors (SKLearnPredictor)
set NumPy in and out. Invocation goes through the endpoint service straight to the model
server on 127.0.0.1, so a notebook predicts without the Jupyter server in the path.
"""
from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from typing import Any

from .compat import split_kwargs, user_stacklevel
from .deserializers import BaseDeserializer, BytesDeserializer
from .exceptions import ModelError
from .serializers import BaseSerializer, IdentitySerializer
from .session import core_of


def throttled(endpoint_name: str, payload: bytes) -> Exception:
    """A serverless endpoint's 429, as boto3 raises it: a ClientError whose code is ThrottlingException."""
    from .boto_errors import ClientError

    text = payload.decode("utf-8", "replace")[:2000]
    try:
        import json

        text = json.loads(text).get("message", text)
    except (ValueError, AttributeError):
        pass
    return ClientError(
        {"Error": {"Code": "ThrottlingException", "Message": f"{text} (endpoint {endpoint_name})"}, "ResponseMetadata": {"HTTPStatusCode": 429}},
        "InvokeEndpoint",
    )


class Predictor:
    def __init__(self, endpoint_name: str, sagemaker_session: Any = None, serializer: BaseSerializer | None = None,
                 deserializer: BaseDeserializer | None = None, component_name: str | None = None, **kwargs: Any) -> None:
        split_kwargs(type(self).__name__, kwargs)
        self.endpoint_name = endpoint_name
        self.sagemaker_session = sagemaker_session
        self.serializer = serializer if serializer is not None else IdentitySerializer()
        self.deserializer = deserializer if deserializer is not None else BytesDeserializer()
        self.component_name = component_name

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint_name={self.endpoint_name!r})"

    @property
    def endpoint(self) -> str:
        """Deprecated SageMaker v1 name of endpoint_name."""
        return self.endpoint_name

    @property
    def content_type(self) -> str:
        return self.serializer.CONTENT_TYPE

    @property
    def accept(self) -> tuple[str, ...]:
        return self.deserializer.ACCEPT

    def describe(self) -> dict[str, Any]:
        """DescribeEndpoint-shaped dict of the endpoint."""
        return core_of(self.sagemaker_session).endpoints.describe(self.endpoint_name)

    def predict(self, data: Any, initial_args: Mapping[str, Any] | None = None, target_model: str | None = None,
                target_variant: str | None = None, inference_id: str | None = None, custom_attributes: str | None = None,
                component_name: str | None = None) -> Any:
        """Serialize, invoke, deserialize. An error answer raises ModelError with the server's message."""
        args = dict(initial_args or {})
        body = self.serializer.serialize(data)
        content_type = args.get("ContentType") or self.content_type
        accept = args.get("Accept") or ", ".join(self.accept)
        variant = target_variant or args.get("TargetVariant")
        response = core_of(self.sagemaker_session).endpoints.invoke(
            self.endpoint_name,
            body if isinstance(body, (bytes, str)) else bytes(body),
            content_type,
            accept=accept,
            target_variant=variant,
            inference_id=inference_id or args.get("InferenceId"),
        )
        status = int(response["StatusCode"])
        payload: bytes = response["Body"]
        if status == 429:
            raise throttled(self.endpoint_name, payload)
        if status >= 400:
            text = payload.decode("utf-8", "replace")[:2000]
            raise ModelError(
                f"An error occurred (ModelError) when calling the InvokeEndpoint operation: Received server error ({status}) "
                f"from model with message \"{text}\". See the endpoint log: %endpoints, or `labstudio endpoints logs {self.endpoint_name}`.",
                status,
                payload,
                response.get("ContentType"),
            )
        return self.deserializer.deserialize(io.BytesIO(payload), response.get("ContentType") or "")

    def endpoint_context(self) -> Any:
        """The endpoint's lineage context (an EndpointContext: its data sets, training jobs and
        models), the newest when the name was used before; None when none is recorded."""
        from .lineage.context import EndpointContext

        if getattr(self, "_context", None) is None:
            arn = self.describe()["EndpointArn"]
            found = list(EndpointContext.list(source_uri=arn, max_results=1, sagemaker_session=self.sagemaker_session))
            self._context = EndpointContext.load(found[0].context_name, self.sagemaker_session) if found else None
        return self._context

    def delete_endpoint(self, delete_endpoint_config: bool = True) -> None:
        """Stop the model server and remove the endpoint."""
        core_of(self.sagemaker_session).endpoints.delete(self.endpoint_name)

    def delete_model(self) -> None:
        """Nothing to do: the model is part of the endpoint's folder and goes with it."""

    def update_endpoint(self, **kwargs: Any) -> None:
        raise NotImplementedError("update an endpoint with `labstudio endpoints update` or the Studio panel")


class RealTimePredictor(Predictor):
    """SageMaker SDK v1's name of Predictor: works, and warns with the v2 name."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn("RealTimePredictor was renamed Predictor in SageMaker SDK v2; use Predictor.", DeprecationWarning,
                      stacklevel=user_stacklevel())
        super().__init__(*args, **kwargs)
