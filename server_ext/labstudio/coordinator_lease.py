"""A coordinator's hold on its lease: the tuner of a tuning job, the runner of a pipeline execution.

A coordinator must run once per job even when several machines share the store and any of them
may resume it (store/leases.py has the rules). Each coordinator process takes the lease when it
starts, renews it every sixth of the heartbeat limit, checks it inside every transaction that
starts work (so a coordinator that lost it starts nothing: the transaction rolls back), and
drops it when it ends. This class is that hold, so that every coordinator keeps it the same way.
"""
from __future__ import annotations

import logging
import os
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

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


@dataclass(frozen=True)
class CoordinatorArgs:
    """A coordinator's command line: `TARGET [--replacing HOLDER] [--foreground]`."""

    target: str  # the job's folder (tuner) or execution id (pipeline runner)
    replacing: str | None  # the dead holder of this machine whose lease to take over
    foreground: bool  # stay attached to the launcher's terminal (tests, debugging)


def parse_args(argv: list[str], module: str, target: str) -> CoordinatorArgs | None:
    """Read a coordinator's arguments, or print its usage and return None (exit 2)."""
    if not argv or argv[0] in ("-h", "--help") or argv[0].startswith("-"):
        print(f"usage: python -m {module} {target} [--replacing HOLDER] [--foreground]", file=sys.stderr)
        return None
    replacing = None
    if "--replacing" in argv:
        at = argv.index("--replacing")
        replacing = argv[at + 1] if at + 1 < len(argv) else None
    return CoordinatorArgs(argv[0], replacing, "--foreground" in argv)


def detach(log_path: str) -> None:
    """Leave the launcher: fork (the launcher's child exits at once), start a session of our
    own so the launcher's end or its terminal's signals don't reach us, and log to `log_path`.
    Then configure logging, which every coordinator writes its progress to."""
    if os.fork() > 0:
        os._exit(0)
    os.setsid()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    os.close(devnull)


def start(args: CoordinatorArgs, log_path: str) -> None:
    """Detach unless asked to stay in the foreground, then set up logging."""
    if not args.foreground:
        detach(log_path)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")


__all__ = ["CoordinatorArgs", "CoordinatorLease", "LeaseLost", "detach", "parse_args", "start"]
