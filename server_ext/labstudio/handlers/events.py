"""WebSocket /labstudio/api/events: pushes the store's change feed to the panel.

One tailer per server reads the events table (written by supervisors, kernels and CLIs in
other processes) and fans out to every socket, so a hundred open panels cost one query.
"""
from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from jupyter_server.auth.decorator import ws_authenticated
from jupyter_server.base.handlers import JupyterHandler
from tornado import websocket
from tornado.ioloop import PeriodicCallback

from ..core import Core
from ..shapes.openapi import Operation, Reply
from ..store import events as events_store

log = logging.getLogger("labstudio.events")


class EventHub:
    """Tails the events table while at least one client listens."""

    def __init__(self, core: Core, executor: Any, interval_ms: int = 250) -> None:
        self.core = core
        self.executor = executor
        self.clients: set[EventsSocket] = set()
        self.last_id: int | None = None
        self._busy = False
        self._callback = PeriodicCallback(self._poll, interval_ms)

    def start(self) -> None:
        self._callback.start()

    def stop(self) -> None:
        self._callback.stop()

    async def add(self, client: EventsSocket) -> None:
        if self.last_id is None:
            self.last_id = await self._run(self._read_last_id)
        self.clients.add(client)

    def discard(self, client: EventsSocket) -> None:
        self.clients.discard(client)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def _read_last_id(self) -> int:
        with self.core.db.read() as conn:
            return events_store.last_id(conn)

    def _read_after(self, after: int) -> list[dict[str, Any]]:
        with self.core.db.read() as conn:
            return events_store.tail(conn, after)

    async def _poll(self) -> None:
        if self._busy or not self.clients:
            if not self.clients:
                self.last_id = None
            return
        self._busy = True
        try:
            batch = await self._run(self._read_after, self.last_id or 0)
            if not batch:
                return
            self.last_id = batch[-1]["id"]
            for event in batch:
                message = json.dumps(event, default=str)
                for client in list(self.clients):
                    try:
                        client.write_message(message)
                    except websocket.WebSocketClosedError:
                        self.clients.discard(client)
        except Exception:  # the feed must survive a transient database error
            log.exception("labstudio: reading the events feed failed")
        finally:
            self._busy = False


class EventsSocket(JupyterHandler, websocket.WebSocketHandler):
    """Authenticated like every Jupyter WebSocket: the user must be logged in before the upgrade."""

    @property
    def hub(self) -> EventHub:
        return self.settings["labstudio_event_hub"]

    @ws_authenticated
    async def get(self, *args: Any, **kwargs: Any) -> None:
        unusable = self.settings.get("labstudio_unavailable")
        if unusable:  # the home folder is unusable: say so instead of upgrading to a silent feed
            self.set_status(503)
            self.set_header("Content-Type", "application/json")
            self.finish(json.dumps({"message": unusable}))
            return
        result = super().get(*args, **kwargs)
        if result is not None:
            await result

    async def open(self, *args: Any, **kwargs: Any) -> None:
        await self.hub.add(self)
        self.write_message(json.dumps({"id": 0, "kind": "hello", "time": 0, "payload": {}}))

    def on_message(self, message: str | bytes) -> None:  # clients only listen
        return None

    def on_close(self) -> None:
        self.hub.discard(self)

    def check_xsrf_cookie(self) -> None:  # WebSocket upgrades carry no XSRF token; auth is checked in get()
        return None

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON like every labstudio route. Jupyter's HTML error page would look the user up, which
        fails for a method tornado refuses before `prepare` (TRACE, CONNECT: "Uncaught exception in
        write_error" in the log) and reads wrongly for the others."""
        exc = kwargs.get("exc_info", (None, None, None))[1]
        message = getattr(exc, "log_message", None) or self._reason
        if status_code == 405:
            message = f"{self.request.method} is not allowed on /labstudio/api/events: open it as a WebSocket (GET with an Upgrade header)."
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message}))


def routes() -> list[tuple[str, type]]:
    return [(r"/events", EventsSocket)]


OPENAPI = [
    Operation(
        "get", "/events", "WebSocket change feed",
        {
            101: Reply("Switching to the WebSocket protocol"),
            400: Reply("The request is not a WebSocket upgrade (plain text from tornado)"),
            403: Reply("Not authenticated"),
        },
        description=(
            "Upgrade to a WebSocket. Each message is an Event: JSON {id, time, kind, payload}, the payload's shape "
            "decided by kind (the Event schema is their union keyed on kind: job.*, run.*, experiment.*, endpoint.*, "
            "tuning.*, model_package.*, model_package_group.*, pipeline.*, automl.*, and hello first on every connection)."
        ),
    )
]
