"""REST for the backend choices: GET /labstudio/api/backends (what the launch forms offer)."""
from __future__ import annotations

from tornado import web

from ..backend_choices import list_backends
from ..shapes.backends import ListBackendsResponse
from ..shapes.openapi import Operation, Reply
from .base import LabstudioHandler


class BackendsHandler(LabstudioHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call(list_backends, self.core.settings))


def routes() -> list[tuple[str, type]]:
    return [(r"/backends", BackendsHandler)]


OPENAPI = [
    Operation(
        "get",
        "/backends",
        "Where jobs and endpoints can run: the default backend and each one's availability, with the reason when unavailable",
        {200: Reply("The backend choices", ListBackendsResponse)},
    ),
]
