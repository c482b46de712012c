"""The weighted router: only in front of endpoints with more than one variant.

A single-variant endpoint has no router at all (its workers accept on the public socket),
so the common case pays no extra hop. With several variants a per-request choice is
needed (weights, and ``X-Labstudio-Target-Variant``), and connection-level tricks would
skew the split for keep-alive clients; so this process accepts on the public socket and
forwards each request to a worker pool's internal port over kept-alive connections (a
small HTTP/1.1 client on asyncio streams: our workers always answer with Content-Length).
A request on a pooled connection that the worker closed meanwhile is retried once on a
fresh connection, which is safe because nothing reached the model.
"""
from __future__ import annotations

import asyncio
import bisect
import logging
import random
import signal
import socket
import time
from typing import Any

from tornado.ioloop import IOLoop

from ..headers import INVOKED_HEADER, VARIANT_HEADER
from ..spec import EndpointSpec
from .control import ChildState, Controller, exit_child, setup_logging
from .fronts import Fronts, LimitedBodyHandler

log = logging.getLogger("labstudio.serving")

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "proxy-connection", "host", "content-length", "trailer"}
_MAX_IDLE_PER_PORT = 64


class UpstreamClosed(Exception):
    pass


class Upstreams:
    """Idle keep-alive connections per worker-pool port."""

    def __init__(self) -> None:
        self.idle: dict[int, list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def request(self, port: int, head: bytes, body: bytes, timeout: float) -> tuple[int, list[tuple[str, str]], bytes]:
        for attempt in range(2):
            pool = self.idle.setdefault(port, [])
            reused = bool(pool)
            if reused:
                reader, writer = pool.pop()
            else:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            try:
                writer.write(head)
                if body:
                    writer.write(body)
                status, headers, payload, keep = await asyncio.wait_for(_read_response(reader), timeout)
            except (UpstreamClosed, ConnectionError) as exc:
                writer.close()
                if reused and attempt == 0:
                    continue
                raise ConnectionError(f"the variant's worker closed the connection ({exc})") from None
            except BaseException:
                writer.close()
                raise
            if keep and len(pool) < _MAX_IDLE_PER_PORT:
                pool.append((reader, writer))
            else:
                writer.close()
            return status, headers, payload
        raise ConnectionError("unreachable")

    def forget(self, keep_ports: set[int]) -> None:
        for port in list(self.idle):
            if port not in keep_ports:
                for _, writer in self.idle.pop(port):
                    writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    line = await reader.readline()
    if not line:
        raise UpstreamClosed("EOF before the status line")
    parts = line.decode("latin-1").split(" ", 2)
    status = int(parts[1])
    headers: list[tuple[str, str]] = []
    length: int | None = None
    chunked = False
    keep = True
    while True:
        raw = await reader.readline()
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        name, value = name.strip(), value.strip()
        lower = name.lower()
        if lower == "content-length":
            length = int(value)
        elif lower == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
        elif lower == "connection" and value.lower() == "close":
            keep = False
        headers.append((name, value))
    if chunked:
        pieces = []
        while True:
            size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readline()
                break
            pieces.append(await reader.readexactly(size))
            await reader.readline()
        payload = b"".join(pieces)
    elif length is not None:
        payload = await reader.readexactly(length) if length else b""
    elif status in (204, 304) or 100 <= status < 200:
        payload = b""
    else:
        payload = await reader.read()
        keep = False
    return status, headers, payload, keep


class Table:
    """Variants with their weights and ports; the choice is one random draw and a bisect."""

    def __init__(self, variants: list[dict[str, Any]]) -> None:
        self.ports = {v["name"]: int(v["port"]) for v in variants}
        weighted = [v for v in variants if float(v["weight"]) > 0]
        self.names = [v["name"] for v in weighted]
        self.cumulative: list[float] = []
        total = 0.0
        for v in weighted:
            total += float(v["weight"])
            self.cumulative.append(total)
        self.total = total

    def choose(self) -> str | None:
        if not self.names:
            return None
        return self.names[bisect.bisect_right(self.cumulative, random.random() * self.total)] if len(self.names) > 1 else self.names[0]


DEMAND_EVERY = 0.5  # seconds between "demand" reports of a busy serverless variant


class Router:
    def __init__(self, spec: EndpointSpec) -> None:
        self.spec = spec
        self.table = Table([])
        self.upstreams = Upstreams()
        self.limits: dict[str, int] = {}  # serverless variants' MaxConcurrency
        self.in_flight: dict[str, int] = {}
        self.last_demand: dict[str, float] = {}

    def admit(self, name: str, state: ChildState) -> bool:
        """Count a request in for a serverless variant, or refuse it (False) past MaxConcurrency.
        The supervisor hears of the traffic: it starts a worker when there is none (runtime/serverless.py)."""
        limit = self.limits.get(name)
        if limit is None:
            return True
        current = self.in_flight.get(name, 0)
        if current >= limit:
            state.send({"event": "throttled", "variant": name})
            return False
        self.in_flight[name] = current + 1
        now = time.monotonic()
        if current == 0 or now - self.last_demand.get(name, 0.0) >= DEMAND_EVERY:
            self.last_demand[name] = now
            state.send({"event": "demand", "variant": name})
        return True

    def release(self, name: str, state: ChildState) -> None:
        if name not in self.limits:
            return
        left = self.in_flight[name] = max(0, self.in_flight.get(name, 1) - 1)
        if left == 0:
            state.send({"event": "idle", "variant": name})

    def on_command(self, message: dict[str, Any]) -> None:
        if message.get("cmd") == "close_idle":  # a serverless variant's workers stop: keep no connection to them
            for _, writer in self.upstreams.idle.pop(int(message["port"]), []):
                writer.close()
            return
        if message.get("cmd") == "table":
            self.limits = {v["name"]: int(v["max_concurrency"]) for v in message["variants"] if v.get("max_concurrency")}
            self.table = Table(message["variants"])
            self.upstreams.forget(set(self.table.ports.values()))
            log.info("routing: %s", ", ".join(f"{v['name']}={v['weight']}" for v in message["variants"]))


class RouterPing(LimitedBodyHandler):
    def initialize(self, state: ChildState, router: Router) -> None:  # type: ignore[override]  # tornado passes initialize() the route's keyword arguments, which the base declares as none
        super().initialize(state)
        self.router = router

    def prepare(self) -> None:
        return None

    def on_finish(self) -> None:
        return None

    def get(self) -> None:
        self.set_status(200 if self.router.table.ports else 503)
        self.finish()


class RouterInvocations(LimitedBodyHandler):
    def initialize(self, state: ChildState, router: Router) -> None:  # type: ignore[override]  # tornado passes initialize() the route's keyword arguments, which the base declares as none
        super().initialize(state)
        self.router = router

    async def post(self) -> None:
        table = self.router.table
        target = self.request.headers.get(VARIANT_HEADER)
        if target:
            if target not in table.ports:
                self.error_reply(400, f"variant {target!r} is not served by this endpoint (variants: {', '.join(sorted(table.ports))})")
                return
            name = target
        else:
            chosen = table.choose()
            if chosen is None:
                self.error_reply(503, "no variant of this endpoint takes traffic (every weight is 0): name one with " + VARIANT_HEADER)
                return
            name = chosen
        if not self.router.admit(name, self.state):
            self.set_header("Retry-After", "1")
            self.error_reply(
                429, f"ThrottlingException: variant {name!r} is serving its MaxConcurrency of {self.router.limits[name]} requests; retry later"
            )
            return
        try:
            await self._forward(name, table)
        finally:
            self.router.release(name, self.state)

    async def _forward(self, name: str, table: Table) -> None:
        body = self.body()
        lines = ["POST /invocations HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
        for key, value in self.request.headers.get_all():
            if key.lower() not in _HOP_BY_HOP and key.lower() != VARIANT_HEADER.lower():
                lines.append(f"{key}: {value}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        try:
            status, headers, payload = await self.router.upstreams.request(table.ports[name], head, body, self.router.spec.timeout + 5)
        except asyncio.TimeoutError:
            self.error_reply(504, f"variant {name!r} did not answer within {self.router.spec.timeout + 5:g} s")
            return
        except (ConnectionError, OSError) as exc:
            self.error_reply(502, f"variant {name!r} is unreachable: {exc}")
            return
        self.set_status(status)
        for key, value in headers:
            if key.lower() not in _HOP_BY_HOP and key.lower() not in ("date", "server"):
                self.set_header(key, value)
        if INVOKED_HEADER not in self._headers:
            self.set_header(INVOKED_HEADER, name)
        self.finish(payload)


def run_router(spec: EndpointSpec, public: socket.socket, control: socket.socket) -> int:
    setup_logging(f"{spec.name} router")
    asyncio.set_event_loop(asyncio.new_event_loop())
    state = ChildState(control, spec.body_limit, None)  # workers check the token
    router = Router(spec)
    handlers = [
        (r"/ping", RouterPing, {"state": state, "router": router}),
        (r"/invocations", RouterInvocations, {"state": state, "router": router}),
    ]
    fronts = Fronts(state, handlers, spec.body_limit)
    controller = Controller(state, fronts, public, on_command=router.on_command, drain_timeout=spec.timeout + 15)
    controller.start()
    asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, controller.drain)
    state.send({"event": "ready"})
    IOLoop.current().start()
    exit_child(state, 0)
    return 0
