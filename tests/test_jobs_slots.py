"""The job queue under a stampede: many supervisors queue for 2 slots at the same moment.

Each waiter is a real process (as each supervisor is); every one of them must get a slot
in the end and never more than 2 may hold one at once. Before tickets were written
atomically a waiter could read another's just-created, still empty ticket, delete it as
"dead", and leave that supervisor waiting forever on a queue it was no longer in.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

from labstudio.jobs.slots import SlotQueue

pytestmark = pytest.mark.slow

WORKERS = 14
ROUNDS = 12
MAX_SLOTS = 2
GIVE_UP_AFTER = 45.0  # far more than a round needs; only a lost ticket waits this long


def _waiter(slots_dir: str, name: str, start_at: float, holding, peak, lock) -> None:  # type: ignore[no-untyped-def]
    while time.time() < start_at:  # all waiters queue at the same instant
        pass
    queue = SlotQueue(slots_dir, MAX_SLOTS, name, time.time())
    deadline = time.monotonic() + GIVE_UP_AFTER
    if not queue.acquire(lambda: time.monotonic() > deadline, lambda ahead, slots: None):
        os._exit(3)
    with lock:
        holding.value += 1
        peak.value = max(peak.value, holding.value)
    time.sleep(0.02)
    with lock:
        holding.value -= 1
    queue.release()
    os._exit(0)


def test_every_waiter_gets_a_slot_and_at_most_max_hold_one(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    holding, peak, lock = ctx.Value("i", 0, lock=False), ctx.Value("i", 0, lock=False), ctx.Lock()
    slots_dir = str(tmp_path / "slots")
    for round_ in range(ROUNDS):
        start_at = time.time() + 0.3
        procs = [
            ctx.Process(target=_waiter, args=(slots_dir, f"job-{round_}-{i}", start_at, holding, peak, lock))
            for i in range(WORKERS)
        ]
        for p in procs:
            p.start()
        for p in procs:
            p.join(GIVE_UP_AFTER + 30)
        stuck = [p for p in procs if p.exitcode != 0]
        for p in procs:
            if p.is_alive():
                p.kill()
        assert not stuck, f"round {round_}: {len(stuck)} of {WORKERS} waiters never got a slot (exit codes {[p.exitcode for p in stuck]})"
        # No queue folder at all when no waiter had to queue (a loaded machine starts them late).
        queue_dir = os.path.join(slots_dir, "queue")
        assert not os.path.isdir(queue_dir) or not os.listdir(queue_dir), "tickets were left behind"
    assert 1 <= peak.value <= MAX_SLOTS
