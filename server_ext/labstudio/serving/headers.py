"""The HTTP headers an endpoint and its clients agree on (outside the SageMaker contract).

A module of its own so the service, the REST handlers and the SDK name them without
importing the runtime (tornado, the control channel).
"""
from __future__ import annotations

VARIANT_HEADER = "X-Labstudio-Target-Variant"  # a client asks for one variant (TargetVariant)
INVOKED_HEADER = "X-Labstudio-Invoked-Variant"  # the endpoint says which variant answered
