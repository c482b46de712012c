"""A coordinator's hold on its lease: the tuner of a tuning job, the runner of a pipeline execution.

A coordinator must run once per job even when several machines share the store and any of them
may resume it (store/leases.py has the rules). Each coordinator process takes the lease when it
starts, renews it every sixth of the heartbeat limit, checks it inside every transaction that
starts work (so a coordinator that lost it starts nothing: the transaction rolls back), and
drops it when it ends. This class is that hold, so that every coordinator keeps it the same way.
"""
from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable

from . import procs as procutil
from .config import Settings
from .machines import beat_interval
from .store import leases as leases_store
from .store.db import Connection, Database


class LeaseLost(Exception):
    """Another coordinator holds the lease now (it took it over once ours expired): stop at once."""


class CoordinatorLease:
    """This process's hold on the lease `name` (e.g. `tuner:<job>`), as `holder`
    `<machine>/<pid>/<random>`; `replacing` names a dead holder this machine saw in its own
    process table (only its machine can know it is dead before the lease expires)."""

    def __init__(self, settings: Settings, name: str, replacing: str | None = None, what: str = "coordinator") -> None:
        self.name = name
        self.what = what  # how the messages call the holder: "tuner", "runner"
        self.machine = settings.host_id
        self.holder = f"{settings.host_id}/{os.getpid()}/{secrets.token_hex(4)}"
        self.replacing = replacing
        self.ttl = settings.heartbeat_limit_seconds
        self.renew_every = beat_interval(settings.heartbeat_limit_seconds)
        self.next_renew = 0.0

    def acquire(self, db: Database, record: Callable[[Connection, int, int | None], None]) -> bool:
        """Take the lease and, in the same transaction, `record(conn, pid, start_ticks)` which
        process holds it (the job's row says so); False when another live holder has it."""
        now = time.time()
        me = os.getpid()
        ticks = procutil.start_ticks(me)

        def body(conn: Connection) -> bool:
            if not leases_store.acquire(conn, self.name, holder=self.holder, machine=self.machine, pid=me, start_ticks=ticks,
                                        now=now, ttl=self.ttl, replacing=self.replacing):
                return False
            record(conn, me, ticks)
            return True

        held = bool(db.run_write(body))
        if held:
            self.next_renew = time.time() + self.renew_every
        return held

    def renew(self, conn: Connection) -> None:
        """Inside a write transaction: extend the hold, or raise LeaseLost (rolling it back)."""
        now = time.time()
        if not leases_store.renew(conn, self.name, holder=self.holder, now=now, ttl=self.ttl):
            raise LeaseLost(f"the lease {self.name} is no longer held by this {self.what}")
        self.next_renew = now + self.renew_every

    def keep(self, db: Database) -> None:
        """Renew the hold when due (every sixth of the heartbeat limit). Raises LeaseLost."""
        if time.time() >= self.next_renew:
            db.run_write(self.renew)

    def release(self, db: Database) -> None:
        """Drop the hold, if it is still ours (an unreleased lease expires by itself)."""
        db.run_write(lambda conn: leases_store.release(conn, self.name, holder=self.holder))


__all__ = ["CoordinatorLease", "LeaseLost"]
