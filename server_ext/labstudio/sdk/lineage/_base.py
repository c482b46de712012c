"""What the lineage records share: the client they call, boto answers turned into objects with
SageMaker's snake_case attributes, and listing that follows NextToken."""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def client(session: Any) -> Any:
    """The session's sagemaker_client (a new local Session's when none is given)."""
    if session is None:
        from ..session import Session

        session = Session()
    return session.sagemaker_client


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


def _value(key: str, value: Any) -> Any:
    if isinstance(value, str) and key.endswith("Time"):
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if isinstance(value, dict) and key not in ("Properties", "Parameters", "InputArtifacts", "OutputArtifacts"):
        return ApiObject.from_boto(value)
    return value


class ApiObject:
    """A boto answer's fields as attributes (``SourceUri`` -> ``source_uri``); nested objects too."""

    @classmethod
    def from_boto(cls, data: dict[str, Any], **extra: Any) -> Any:
        obj = cls.__new__(cls)
        for key, value in data.items():
            setattr(obj, snake(key), _value(key, value))
        for key, value in extra.items():
            setattr(obj, key, value)
        return obj

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_") and k != "sagemaker_session")
        return f"{type(self).__name__}({fields})"

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and {k: v for k, v in vars(self).items() if k != "sagemaker_session"} == {
            k: v for k, v in vars(other).items() if k != "sagemaker_session"}

    __hash__ = object.__hash__


class Record(ApiObject):
    """A lineage entity loaded through the client; keeps the session it was loaded with."""

    sagemaker_session: Any = None
    source: Any = None  # ArtifactSource / ContextSource / ActionSource: source_uri (and its types)

    @classmethod
    def _load(cls, method: str, session: Any, **params: Any) -> Any:
        return cls.from_boto(getattr(client(session), method)(**params), sagemaker_session=session)


def listing(session: Any, method: str, key: str, summary: type[ApiObject], max_results: int | None, next_token: str | None,
            **params: Any) -> Iterator[Any]:
    """Every summary of a list call, page after page (at most `max_results` in all)."""
    params = {k: v for k, v in params.items() if v is not None}
    api = client(session)
    given = 0
    while True:
        page_size = min(100, max_results - given) if max_results is not None else 100
        if page_size <= 0:
            return
        answer = getattr(api, method)(MaxResults=page_size, **({"NextToken": next_token} if next_token else {}), **params)
        for item in answer.get(key, []):
            yield summary.from_boto(item, sagemaker_session=session)
            given += 1
        next_token = answer.get("NextToken")
        if not next_token:
            return
