"""boto3's errors, raised by the local ``sagemaker_client`` the way boto3 raises them.

A call with a missing, unknown or mistyped parameter raises ``ParamValidationError`` (boto3
checks those before sending anything); a value the service refuses raises ``ClientError``
with SageMaker's error code (``ValidationException``, ``ResourceNotFound``...) and a message
naming the parameter. When botocore is installed they are botocore's own classes' subclasses,
so ``except botocore.exceptions.ClientError`` catches them; they are ``ValueError``s too.
"""
from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from ..errors import Conflict, Invalid, LabstudioError, NameTaken, NotFound

try:  # botocore comes with boto3 (and with the s3 extra)
    from botocore.exceptions import ClientError as _BotoClientError
    from botocore.exceptions import ParamValidationError as _BotoParamValidationError
except ImportError:  # pragma: no cover - labstudio does not require botocore

    class _BotoClientError(Exception):  # type: ignore[no-redef]
        def __init__(self, error_response: Mapping[str, Any], operation_name: str) -> None:
            error = error_response.get("Error", {})
            super().__init__(f"An error occurred ({error.get('Code', 'Unknown')}) when calling the {operation_name} operation: "
                             f"{error.get('Message', 'Unknown')}")
            self.response = error_response
            self.operation_name = operation_name

    class _BotoParamValidationError(Exception):  # type: ignore[no-redef]
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(f"Parameter validation failed:\n{kwargs.get('report', '')}")
            self.kwargs = kwargs


class ClientError(_BotoClientError, ValueError):
    """``botocore.exceptions.ClientError``: ``response["Error"]["Code"]`` says what kind of refusal."""


class ParamValidationError(_BotoParamValidationError, ValueError):
    """``botocore.exceptions.ParamValidationError``: a parameter is missing, unknown or of the wrong type."""


def client_error(operation: str, code: str, message: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)


def _code(exc: LabstudioError) -> str:
    if isinstance(exc, NotFound):
        return "ResourceNotFound"
    if isinstance(exc, (Invalid, NameTaken)):
        return "ValidationException"
    if isinstance(exc, Conflict):
        return "ConflictException"
    return "InternalFailure"


F = TypeVar("F", bound=Callable[..., Any])

_TYPES: dict[str, tuple[type, ...]] = {"str": (str,), "int": (int,), "bool": (bool,), "list": (list, tuple), "dict": (dict,), "time": (object,)}


def operation(name: str, params: Mapping[str, str], required: tuple[str, ...] = ()) -> Callable[[F], F]:
    """Check a client method's keyword parameters as boto3 does (`params`: name -> "str", "int",
    "bool", "list", "dict" or "time"), then turn labstudio's errors into ClientErrors of `name`."""

    def wrap(fn: F) -> F:
        @functools.wraps(fn)
        def call(self: Any, *args: Any, **kwargs: Any) -> Any:
            if args:
                raise TypeError(f"{fn.__name__}() only accepts keyword arguments.")
            report = []
            for key in required:
                if kwargs.get(key) is None:
                    report.append(f'Missing required parameter in input: "{key}"')
            for key, value in kwargs.items():
                kind = params.get(key)
                if kind is None:
                    report.append(f'Unknown parameter in input: "{key}", must be one of: {", ".join(params)}')
                elif value is not None and not isinstance(value, _TYPES[kind]) or (kind == "int" and isinstance(value, bool)):
                    valid = ", ".join(str(t) for t in _TYPES[kind])
                    report.append(f"Invalid type for parameter {key}, value: {value!r}, type: {type(value)}, valid types: {valid}")
            if report:
                raise ParamValidationError(report="\n".join(report))  # type: ignore[call-arg]  # botocore takes it as a keyword
            try:
                return fn(self, **kwargs)
            except LabstudioError as exc:
                raise client_error(name, _code(exc), exc.message) from None

        return call  # type: ignore[return-value]

    return wrap
