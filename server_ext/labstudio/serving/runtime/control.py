"""The control channel between the supervisor and each worker or router child.

Sockets are created by the supervisor and inherited across fork, so every child accepts
from the *same* kernel queue: a connection waiting in it is never lost when one process
stops accepting and another starts. ``serve``/``unserve`` add or remove the accept handler
of the public socket without closing it; ``drain`` stops accepting everywhere, answers the
requests already on open connections with ``Connection: close`` and exits once nothing is
in flight. The channel is a socketpair of JSON lines; EOF on it means the supervisor is
gone, and the child drains and exits so no worker outlives its endpoint.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from tornado.ioloop import IOLoop, PeriodicCallback

if TYPE_CHECKING:
    from .fronts import Fronts

log = logging.getLogger("labstudio.serving")

DRAIN_IDLE_GRACE = 2.0


def setup_logging(tag: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s [{tag} pid {os.getpid()}] %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.getLogger("tornado.access").setLevel(logging.WARNING)


class ChildState:
    """Shared by every handler of one child process (of each of its IO loops: see ``fronts``)."""

    def __init__(self, control: socket.socket, body_limit: int, token: str | None) -> None:
        self.control = control
        self.body_limit = body_limit
        self.token = token.encode() if token else None
        self.serving_public = False
        self.draining = False
        self.fronts: list[Fronts] = []  # one per IO loop (a worker gets a second one if its first stalls)
        self.on_rejected: Callable[[int], None] | None = None
        self.on_exit: list[Callable[[], None]] = []
        self._send_lock = threading.Lock()  # two loops' threads may write lines

    @property
    def in_flight(self) -> int:
        return sum(f.in_flight for f in self.fronts)

    def open_connections(self) -> int:
        return sum(f.open_connections() for f in self.fronts)

    def send(self, message: dict[str, Any]) -> None:
        line = (json.dumps(message) + "\n").encode()
        with self._send_lock:
            try:
                self.control.sendall(line)
            except OSError:
                pass


class Controller:
    """Reads supervisor commands and runs the drain-then-exit sequence."""

    def __init__(self, state: ChildState, fronts: Fronts, public: socket.socket | None, on_command: Callable[[dict[str, Any]], None] | None = None, drain_timeout: float = 70.0) -> None:
        self.state = state
        self.fronts = fronts
        self.public = public
        self.on_command = on_command
        self.drain_timeout = drain_timeout
        self._buffer = b""
        self._drain_started = 0.0
        self._last_busy = 0.0
        self._drain_check: PeriodicCallback | None = None
        self._loop = IOLoop.current()

    def start(self) -> None:
        """Read the control channel in this thread's loop; a drain in progress carries on here."""
        self.state.control.setblocking(False)
        self._loop = IOLoop.current()
        self._loop.add_handler(self.state.control.fileno(), self._on_control, IOLoop.READ)
        if self.state.draining:
            self._watch_drain()

    def detach(self) -> None:
        """Leave the channel (and any drain) to another loop's controller. Called from another
        thread while this loop's own thread is held off (a stalled worker loop: worker.take_over)."""
        self._loop.remove_handler(self.state.control.fileno())
        if self._drain_check is not None:
            self._drain_check.stop()

    def _on_control(self, fd: int, events: int) -> None:
        try:
            data = self.state.control.recv(65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            IOLoop.current().remove_handler(fd)
            if not self.state.draining:
                log.info("the supervisor is gone: draining and exiting")
            self.drain()
            return
        self._buffer += data
        while b"\n" in self._buffer:
            line, self._buffer = self._buffer.split(b"\n", 1)
            if line.strip():
                self.handle(json.loads(line))

    def handle(self, message: dict[str, Any]) -> None:
        cmd = message.get("cmd")
        if cmd == "serve" and self.public is not None and not self.state.draining:
            self.state.serving_public = True
            self.fronts.accept("public", self.public)
        elif cmd == "unserve":
            self.state.serving_public = False
            self.fronts.stop_accepting("public")
        elif cmd == "drain":
            self.drain()
        elif self.on_command is not None:
            self.on_command(message)

    def drain(self) -> None:
        if self.state.draining:
            return
        self.state.draining = True
        self.state.serving_public = False
        for front in list(self.fronts.removers):
            self.fronts.stop_accepting(front)
        self._watch_drain()

    def _watch_drain(self) -> None:
        self._drain_started = self._last_busy = time.monotonic()
        self._drain_check = PeriodicCallback(self._check_drained, 50)
        self._drain_check.start()

    def _check_drained(self) -> None:
        now = time.monotonic()
        if self.state.in_flight > 0:
            self._last_busy = now
        idle_connections = self.state.open_connections()
        done = self.state.in_flight == 0 and (idle_connections == 0 or now - self._last_busy >= DRAIN_IDLE_GRACE)
        if done or now - self._drain_started > self.drain_timeout:
            exit_child(self.state, 0)


def exit_child(state: ChildState, code: int) -> None:
    for callback in state.on_exit:
        try:
            callback()
        except Exception:
            log.exception("flushing at exit failed")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
