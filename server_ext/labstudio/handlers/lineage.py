"""REST for lineage: GET /labstudio/api/lineage?start=...&direction=...&max_depth=...

`start` names a training, processing or transform job, an endpoint, a model package
(GROUP/VERSION or its ARN), a group, a data set's path or any lineage ARN; the answer is the
trail around it as nodes and edges, each node naming the resource it opens.
"""
from __future__ import annotations

from tornado import web

from ..errors import Invalid
from ..lineage.service import DIRECTIONS, MAX_DEPTH
from ..shapes.lineage import LineageGraphResponse
from ..shapes.openapi import Operation, Param, Reply
from .base import LabstudioHandler

# The panel's words for a direction, besides SageMaker's.
_ALIASES = {"up": "Ascendants", "down": "Descendants", "both": "Both"}


class LineageHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        start = self.get_query_argument("start", None)
        if not start:
            raise Invalid("Query parameter 'start' is required: a job, an endpoint, a model package (GROUP/VERSION) or an ARN.", field="start")
        raw = self.get_query_argument("direction", None) or "Both"
        direction = _ALIASES.get(raw.lower(), raw)
        if direction not in DIRECTIONS:
            raise Invalid(f"Query parameter 'direction' must be one of {', '.join(DIRECTIONS)} (or up, down, both), got {raw!r}.", field="direction")
        depth = self.int_argument("max_depth", MAX_DEPTH, minimum=1, maximum=MAX_DEPTH)
        self.reply(await self.call(self.core.lineage.graph, start, direction=direction, max_depth=depth))


def routes() -> list[tuple[str, type]]:
    return [(r"/lineage", LineageHandler)]


OPENAPI = [
    Operation(
        "get", "/lineage", "The lineage around a job, endpoint, model package or data set, as nodes and edges",
        {200: Reply("The graph", LineageGraphResponse)}, errors=(400, 404),
        params=(
            Param("start", schema={"type": "string", "minLength": 1}, required=True,
                  description="A job's or endpoint's name, GROUP/VERSION of a model package, a data set's path, or an ARN."),
            Param("direction", schema={"type": "string", "enum": [*DIRECTIONS, "up", "down", "both"], "default": "Both"}),
            Param("max_depth", schema={"type": "integer", "minimum": 1, "maximum": MAX_DEPTH, "default": MAX_DEPTH}),
        ),
    ),
]
