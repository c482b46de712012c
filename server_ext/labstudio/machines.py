"""Machines sharing one store: which machine owns a row, and how the others judge it.

Several JupyterLab machines may share one PostgreSQL store. A row that names a process (a
job's supervisor, an endpoint's runtime, a tuner's lease) records the machine that owns it
(`Settings.host_id`, LABSTUDIO_HOST_ID, by default the host name). Only that machine can ask
its process table whether the process lives: the others can only read the heartbeat its
owner beats into the row, and call the process gone once that heartbeat is older than
`Settings.heartbeat_limit_seconds`. They never signal, restart or clean up its processes.

Standard library only: a job's supervisor imports this before its script starts.
"""
from __future__ import annotations

import time

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing costs the jobs' pre-spawn path
if TYPE_CHECKING:
    from .config import Settings

POLL_SECONDS = 1.0  # how often an owner reads the flags another machine may set (stop, delete)
MIN_BEAT_SECONDS = 0.25


def beat_interval(limit: float) -> float:
    """How often an owner beats: six beats per limit, so a few late or lost ones (a busy
    machine, a slow store) never let another machine call a live process gone."""
    return max(MIN_BEAT_SECONDS, limit / 6.0)


def owned_elsewhere(machine: str | None, settings: Settings) -> bool:
    """Whether a row belongs to another machine. A row that names none (written before
    machines were recorded, or by a backend whose processes are nobody's machine, Ray) is
    judged as before: by this machine's means."""
    return bool(machine) and machine != settings.host_id


def is_stale(last: float | None, since: float, now: float, limit: float) -> bool:
    """Whether an owner has been silent for longer than `limit` seconds: its last heartbeat,
    or (none yet) the row's start `since`, is older than that."""
    return now - (last if last is not None else since) > limit


def stamp(when: float) -> str:
    """A moment as every machine reads it the same way (UTC)."""
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(when))


def silence(machine: str, last: float | None, since: float, now: float, limit: float) -> str:
    """`machine 'A' sent no heartbeat since <time> (<n> s ago; the limit is <l> s)`: what a
    judging machine says of a silent owner, naming it and its last heartbeat."""
    if last is not None:
        heard = f"its last heartbeat was at {stamp(last)}, {now - last:.0f} s ago"
    else:
        heard = f"it sent no heartbeat since {stamp(since)}, {now - since:.0f} s ago"
    return f"machine {machine!r} stopped reporting: {heard} (the limit is {limit:g} s, LABSTUDIO_HEARTBEAT_LIMIT_SECONDS)"
