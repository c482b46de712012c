"""``labstudio.automl``: SageMaker Autopilot, run locally and in the open.

The SDK's module (``labstudio.automl.automl``: ``AutoML``, ``AutoMLInput``) re-exports
``labstudio.sdk.automl``; the rest is the service behind it: the request (``spec``), the data's
checks, analysis and split (``data``), the candidates' algorithms and generated code
(``candidates``, ``features``, ``ensemble``, ``scoring``), the built-in training and inference
scripts (``container/``), the coordinator (``runner``) and its answers (``describe``), the
notebooks (``notebooks``) and the feature importance (``explain``).
"""
from __future__ import annotations

from typing import Any

_SDK = ("AutoML", "AutoMLInput", "AutoMLJob")


def __getattr__(name: str) -> Any:
    if name in _SDK:
        from ..sdk import automl as sdk

        return getattr(sdk, name)
    raise AttributeError(f"module 'labstudio.automl' has no attribute {name!r}")


__all__ = ["AutoML", "AutoMLInput", "AutoMLJob"]
