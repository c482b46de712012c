"""Where work can run: GET /backends answers, for jobs and for endpoints, the server's
default and each backend with whether it can be used now and, when not, why."""
from __future__ import annotations

from pydantic import Field

from .common import Response


class BackendChoice(Response):
    name: str = Field(description="What a request's `backend` field names (`local`, `ray`).")
    available: bool = Field(description="Whether this server can run work there with its current settings.")
    reason: str | None = Field(default=None, description="When unavailable: what is missing and how to configure it.")
    address: str | None = Field(default=None, description="The cluster address the backend uses (LABSTUDIO_RAY_ADDRESS), when it has one.")


class BackendChoices(Response):
    default: str = Field(description="The backend used when a request names none.")
    backends: list[BackendChoice]


class ListBackendsResponse(Response):
    """The launch forms' backend choices; computed from the settings, no cluster is contacted."""

    jobs: BackendChoices = Field(description="Training, tuning, processing and transform jobs (LABSTUDIO_BACKEND).")
    endpoints: BackendChoices = Field(description="Endpoints (LABSTUDIO_ENDPOINT_BACKEND).")
