"""What the supervisor knows of its children: a worker or router process, a pool of workers
serving one variant on an internal socket, and an update (transition) in progress."""
from __future__ import annotations

import socket
from dataclasses import dataclass, field
from typing import Any

from ..spec import EndpointSpec, VariantSpec

RESTART_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0)  # seconds before re-forking a crashed worker, by recent crashes


@dataclass
class Child:
    pid: int
    control: socket.socket
    kind: str  # "worker" | "router"
    pool: Pool | None = None
    ready: bool = False
    draining: bool = False
    drain_deadline: float = 0.0
    buffer: bytes = b""
    failure: str | None = None


@dataclass
class Pool:
    id: str
    variant: VariantSpec
    settings_key: str
    internal: socket.socket
    children: dict[int, Child] = field(default_factory=dict)
    serving_public: bool = False
    draining: bool = False
    restarts: list[float] = field(default_factory=list)
    pending_restarts: int = 0
    # serverless (runtime/serverless.py): when traffic was last seen, whether some is in flight,
    # the workers started on demand (pid -> when), and the variant's figures
    last_activity: float = 0.0
    busy: bool = False
    cold: dict[int, float] = field(default_factory=dict)
    figures: Any = None

    @property
    def port(self) -> int:
        return self.internal.getsockname()[1]

    @property
    def ready(self) -> bool:
        live = [c for c in self.children.values() if not c.draining]
        return len(live) >= self.variant.instances and all(c.ready for c in live)


@dataclass
class Transition:
    spec: EndpointSpec
    pools: list[str]
    new_pools: list[str]
    deadline: float
    initial: bool
