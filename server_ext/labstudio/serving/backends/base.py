"""The endpoint backend interface: start, update, stop, liveness, cleanup; as small as the jobs'.

A backend decides *where* an endpoint's runtime (its supervisor, workers and router) runs.
It never writes the store: the service records what ``start`` returns and the runtime
reports InService/Failed itself (``serving.runtime.reporter``). What a backend learns of a
running endpoint comes from the store's row (``Endpoint.pid``, ``pid_start_ticks``, the
variants' ``worker_pids``), so any process (server, CLI, notebook) can stop or check it.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ...config import Settings
from ...store.endpoints import Endpoint
from ..spec import EndpointSpec


class LaunchFailed(Exception):
    """The runtime could not be started; the message is the endpoint's FailureReason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Started:
    """What identifies a started runtime; recorded on the endpoint's row."""

    pid: int
    start_ticks: int | None


class EndpointBackend(ABC):
    name: str
    # Whether the runtime is a process of the machine that starts it (the endpoint's row then
    # records that machine, and other machines sharing the store judge it by heartbeat only).
    machine_bound: bool = False

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def preflight(self) -> None:
        """Raise ``Invalid`` (naming the setting and the fix) when this backend cannot start anything now.

        Called before a deploy or an update creates anything, so a misconfigured backend is a
        400, not a Failed endpoint. Nothing to check for local processes.
        """
        return None

    def log_tail(self, endpoint: Endpoint, max_bytes: int) -> bytes | None:
        """The end of the runtime's log when it is not in the endpoint's local folder; None: read that file."""
        return None

    @abstractmethod
    def start(self, spec: EndpointSpec, folder: Path, on_address: Callable[[EndpointSpec], None]) -> Started:
        """Start the runtime serving ``spec`` from ``folder``; return without waiting for InService.

        ``on_address`` is called with the spec as it will be served (its real host and port)
        once the address is reserved and before the runtime starts: the service writes
        ``spec.json`` and the URL there. Raises ``LaunchFailed`` with the reason to record.
        """

    @abstractmethod
    def update(self, endpoint: Endpoint) -> bool:
        """Tell the running runtime that ``spec.json`` changed (blue/green update).

        False when the runtime is not running, so the service starts it afresh instead.
        """

    @abstractmethod
    def stop(self, endpoint: Endpoint, grace: float) -> None:
        """Stop the runtime: let it drain for up to ``grace`` seconds, then end whatever is left."""

    @abstractmethod
    def is_alive(self, endpoint: Endpoint) -> bool:
        """Whether the endpoint's runtime (its supervisor) still runs."""

    @abstractmethod
    def cleanup_dead(self, endpoint: Endpoint) -> None:
        """Make sure nothing of an endpoint whose supervisor died keeps running (its workers)."""

    @abstractmethod
    def reap(self) -> None:
        """Collect what this process started and that has exited (no zombies left behind)."""
