"""The HTTP fronts of a worker or router child: accepting on inherited sockets, the body
limit and the bearer token checked before a handler runs, quiet access logs.
"""
from __future__ import annotations

import hmac
import json
import logging
import socket
from collections.abc import Callable
from typing import Any

from tornado import httputil, web
from tornado.httpserver import HTTPServer
from tornado.ioloop import IOLoop
from tornado.iostream import IOStream

from .control import ChildState

log = logging.getLogger("labstudio.serving")

DRAIN_LIMIT = 1 << 30
SPREAD_DELAY = 0.002  # seconds a worker waits per idle kept-alive connection it holds before accepting another
SPREAD_DELAY_MAX = 0.05


def hard_cap(body_limit: int) -> int:
    """Bodies up to this size are read (and dropped) to answer 413 cleanly; beyond, the connection is cut.

    Generous (1 GiB, or 4x the limit when that is larger) because a client that is still
    sending when the connection closes sees a reset, not the 413: a few times the limit was
    not enough for a 26 MB body against the 6 MB default. Dropping costs no memory.
    """
    return max(body_limit * 4 + (1 << 20), DRAIN_LIMIT)


class _BodyLimit(httputil.HTTPMessageDelegate):
    """In front of tornado's dispatcher: a body over the limit never reaches a handler.

    It is read and dropped (up to ``hard_cap``) and answered 413 once read, so that a client
    still sending gets its answer rather than a reset; past the hard cap the answer goes out
    at once and the connection is closed. Handlers stay plain (non-streaming), which keeps
    the common request as cheap as in a bare tornado server.
    """

    __slots__ = ("inner", "conn", "state", "size", "too_large", "replied", "chunked")

    def __init__(self, inner: httputil.HTTPMessageDelegate, conn: httputil.HTTPConnection, state: ChildState) -> None:
        self.inner = inner
        self.conn = conn
        self.state = state
        self.size = 0
        self.too_large = 0
        self.replied = False
        self.chunked = False

    def headers_received(self, start_line: Any, headers: httputil.HTTPHeaders) -> Any:
        length = headers.get("Content-Length")
        if length is not None and length.isdigit() and int(length) > self.state.body_limit:
            self.too_large = int(length)
            if self.too_large > hard_cap(self.state.body_limit):
                self._reply()
            return None
        self.chunked = length is None
        return self.inner.headers_received(start_line, headers)

    def data_received(self, chunk: bytes) -> Any:
        if self.too_large:
            return None
        if self.chunked:
            self.size += len(chunk)
            if self.size > self.state.body_limit:
                self.too_large = self.size
                return None
        return self.inner.data_received(chunk)

    def finish(self) -> None:
        if self.too_large:
            self._reply()
            return
        self.inner.finish()

    def on_connection_close(self) -> None:
        if not self.too_large:
            self.inner.on_connection_close()

    def _reply(self) -> None:
        if self.replied:
            return
        self.replied = True
        more = "more than " if self.chunked else ""
        body = json.dumps({"message": f"the body is {more}{self.too_large} bytes; this endpoint accepts at most {self.state.body_limit} bytes", "code": 413}).encode()
        headers = httputil.HTTPHeaders({"Content-Type": "application/json", "Content-Length": str(len(body))})
        self.conn.write_headers(httputil.ResponseStartLine("HTTP/1.1", 413, "Payload Too Large"), headers, body)
        self.conn.finish()
        if self.state.on_rejected is not None:
            self.state.on_rejected(413)


class _Limiter(httputil.HTTPServerConnectionDelegate):
    def __init__(self, app: web.Application, state: ChildState) -> None:
        self.app = app
        self.state = state

    def start_request(self, server_conn: object, request_conn: httputil.HTTPConnection) -> httputil.HTTPMessageDelegate:
        return _BodyLimit(self.app.start_request(server_conn, request_conn), request_conn, self.state)

    def on_close(self, server_conn: object) -> None:
        self.app.on_close(server_conn)


class LimitedBodyHandler(web.RequestHandler):
    """Checks the bearer token, keeps the in-flight count (of its loop's fronts), and marks
    connections to close while the process drains or its loop winds down (the body limit is
    enforced before, by ``_BodyLimit``)."""

    state: ChildState
    _fronts: Fronts

    def initialize(self, state: ChildState, **kwargs: Any) -> None:
        self.state = state
        self._counted = False

    def error_reply(self, status: int, message: str) -> None:
        if self._finished:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"message": message, "code": status}))

    def prepare(self) -> None:
        state = self.state
        fronts = self._fronts = self.settings["fronts"]
        fronts.in_flight += 1
        self._counted = True
        if state.draining or fronts.retired or (self.settings.get("front") == "public" and not state.serving_public):
            conn = self.request.connection
            if hasattr(conn, "_disconnect_on_finish"):
                # Tornado's own flag: answers "Connection: close" and closes after the response.
                conn._disconnect_on_finish = True  # type: ignore[union-attr]
        if state.token is not None and not self._authorized():
            self.set_header("WWW-Authenticate", 'Bearer realm="labstudio endpoint"')
            self.error_reply(401, "this endpoint needs 'Authorization: Bearer <token>'")

    def _authorized(self) -> bool:
        header = self.request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(value.strip().encode(), self.state.token or b"")

    def body(self) -> bytes:
        return self.request.body

    def on_finish(self) -> None:
        if self._counted:
            self._counted = False
            self._fronts.in_flight -= 1

    def on_connection_close(self) -> None:
        self.on_finish()

    def log_exception(self, typ, value, tb):  # type: ignore[no-untyped-def]
        log.error("request failed", exc_info=(typ, value, tb))


class Fronts:
    """The HTTP servers of one IO loop of a child: one per socket it may accept on (internal,
    public). A worker's loop that stalled in a prediction is ``retire``d: another loop accepts,
    and this one answers what its connections still send, each with ``Connection: close``.
    Handlers count their requests here (``in_flight``), written by this loop's thread only."""

    def __init__(self, state: ChildState, handlers: list[Any], body_limit: int, peers: int = 1) -> None:
        self.state = state
        self.peers = peers  # processes accepting on the same sockets (the pool's workers)
        self.in_flight = 0
        self.retired = False
        self.winding_down = False  # retired, its stalled prediction back: ends once its connections are idle
        self.servers: dict[str, HTTPServer] = {}
        self.removers: dict[str, Callable[[], None]] = {}
        self.sockets: dict[str, socket.socket] = {}
        for front in ("internal", "public"):
            app = web.Application(handlers, front=front, fronts=self, log_function=_quiet_log, compress_response=False)
            self.servers[front] = HTTPServer(
                _Limiter(app, state), max_body_size=hard_cap(body_limit), decompress_request=False, idle_connection_timeout=3600
            )
        state.fronts.append(self)

    def accept(self, front: str, sock: socket.socket) -> None:
        """Accept on ``sock``, one connection at a time, later the more this loop already holds.

        Every worker of a pool waits on the same listening socket, and a client's kept-alive
        connections arrive in a burst. Tornado's accept handler takes every connection waiting
        (up to 128) at each wake-up, so one worker would take all eight of a client's
        connections and the others none. Here a worker takes one per wake-up, and one that
        already holds idle kept-alive connections waits ``SPREAD_DELAY`` per such connection (at
        most ``SPREAD_DELAY_MAX``) before it takes another: a worker with fewer wins the race. A
        worker with none (a client that connects for each request leaves none) takes it at once,
        and so does a worker alone in its pool (``peers`` 1)."""
        if front in self.removers:
            return
        server = self.servers[front]
        loop = IOLoop.current()
        state = {"removed": False, "armed": True}

        def take() -> None:
            try:
                conn, address = sock.accept()
            except (BlockingIOError, ConnectionAbortedError):  # another worker took it, or the client gave up
                return
            stream = IOStream(conn, max_buffer_size=server.max_buffer_size, read_chunk_size=65536)
            server.handle_stream(stream, address)

        def rearm() -> None:
            if not state["removed"]:
                state["armed"] = True
                loop.add_handler(sock, on_readable, IOLoop.READ)
                take()

        def on_readable(fd: Any, events: int) -> None:
            if state["removed"]:
                return
            # Idle connections only: kept alive by clients that come back. A connection whose
            # request is in progress says nothing (a client that connects per request has one).
            held = self.open_connections() - self.in_flight if self.peers > 1 else 0
            if held <= 0:
                take()
                return
            state["armed"] = False
            loop.remove_handler(sock)
            loop.call_later(min(held * SPREAD_DELAY, SPREAD_DELAY_MAX), rearm)

        def remove() -> None:
            state["removed"] = True
            if state["armed"]:
                loop.remove_handler(sock)

        loop.add_handler(sock, on_readable, IOLoop.READ)
        self.sockets[front] = sock
        self.removers[front] = remove

    def stop_accepting(self, front: str) -> None:
        remover = self.removers.pop(front, None)
        if remover is not None:
            remover()

    def retire(self) -> None:
        """Stop accepting for good (another loop of the process accepts from now on)."""
        self.retired = True
        for front in list(self.removers):
            self.stop_accepting(front)

    def connections(self) -> list[Any]:
        """The open HTTP connections (tornado's own set: ``close_all_connections`` reads it too)."""
        return [conn for server in self.servers.values() for conn in list(getattr(server, "_connections", ()))]

    def open_connections(self) -> int:
        return sum(len(getattr(s, "_connections", ())) for s in self.servers.values())


def _quiet_log(handler: web.RequestHandler) -> None:
    """Only failures are logged: a log line per request would cost more than the model."""
    status = handler.get_status()
    if status >= 400:
        request = handler.request
        log.info("%s %s %d (%.1f ms)", request.method, request.uri, status, 1000.0 * request.request_time())


