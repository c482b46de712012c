"""``labstudio.image_uris``: ``retrieve`` answers with a placeholder, since jobs run no container image.

A driver asks for an ECR image URI and hands it to an estimator or model, which ignores it
here (the script runs with this Python). Raising would break the driver for nothing; a
placeholder plus one warning says what happens instead.
"""
from __future__ import annotations

import re
import warnings
from typing import Any

from .sdk.compat import SageMakerArgumentWarning, user_stacklevel

__all__ = ["retrieve"]


def retrieve(framework: str, region: str | None = None, version: str | None = None, py_version: str | None = None,
             instance_type: str | None = None, image_scope: str | None = None, **kwargs: Any) -> str:
    """``labstudio-local/<framework>:<version>``: a name, never pulled; with one warning saying so."""
    if not isinstance(framework, str) or not framework:
        raise ValueError("framework must name a framework, e.g. 'sklearn', 'xgboost', 'pytorch'")
    tag = "-".join(str(p) for p in (version or "latest", image_scope, py_version) if p)
    uri = f"labstudio-local/{re.sub(r'[^a-z0-9._-]+', '-', framework.lower())}:{re.sub(r'[^A-Za-z0-9._-]+', '-', tag)}"
    warnings.warn(
        f"image_uris.retrieve({framework!r}) returns the placeholder {uri!r}: labstudio runs scripts as local "
        "processes with this Python's libraries, not in container images, so estimators and models ignore image_uri.",
        SageMakerArgumentWarning,
        stacklevel=user_stacklevel(),
    )
    return uri
