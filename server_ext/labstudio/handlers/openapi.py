"""GET /labstudio/api/openapi.json: generated from the shapes and each module's `OPENAPI` operations."""
from __future__ import annotations

import importlib
from typing import Any

from pydantic import BaseModel
from tornado import web

from .._version import __version__
from ..shapes.endpoints import DescribeEndpointResponse
from ..shapes.events import Event
from ..shapes.experiments import CompareRunsRequest, CompareRunsResponse, SearchRunsResponse
from ..shapes.openapi import Operation, Reply, document
from . import ROUTE_MODULES
from .base import LabstudioHandler

# Component names clients used before the shapes were named by verb.
ALIASES: dict[str, type[BaseModel]] = {
    "Endpoint": DescribeEndpointResponse,
    "RunPage": SearchRunsResponse,
    "CompareRequest": CompareRunsRequest,
    "CompareResult": CompareRunsResponse,
}


def build_document() -> dict[str, Any]:
    operations: list[Operation] = []
    for module_name in ROUTE_MODULES:
        declared = getattr(importlib.import_module(module_name), "OPENAPI", ())
        operations.extend(declared() if callable(declared) else declared)  # a callable: built from the job-kind registry
    return document(
        operations,
        title="labstudio REST API",
        version=__version__,
        description="Training jobs, experiments and endpoints of labstudio. Every route needs Jupyter's authentication.",
        prefix="/labstudio/api",
        extra_models=(Event,),
        aliases=ALIASES,
    )


class OpenAPIHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(build_document())


def routes() -> list[tuple[str, type]]:
    return [(r"/openapi.json", OpenAPIHandler)]


OPENAPI = [
    Operation("get", "/openapi.json", "This OpenAPI document", {200: Reply("The OpenAPI 3.1 document", {"type": "object"})}),
]
