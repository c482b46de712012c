"""The supervisor's store thread: every database write of a running job, off the output path."""
from __future__ import annotations

import queue
import threading
import time
from typing import Any

from ..diskfull import is_disk_full, print_exc_quietly, reason_of

FLUSH_SECONDS = 0.5
BATCH_POINTS = 5000


class StoreWriter(threading.Thread):
    """Does every store write of a running job off the output path.

    It first records the start (importing the store costs ~100 ms, which the script's
    output must never wait for), then batches captured points into few transactions.
    With `duties` (a multi-host or remote run, jobs/hosts.py) it also beats the host's
    heartbeat, polls the stop flag and its peers, and (remote runs) sends what the job's log
    file gained to the store, at most FLUSH_SECONDS late.
    """

    def __init__(self, connect: Any, on_connected: Any, duties: Any = None) -> None:
        super().__init__(name="labstudio-store", daemon=True)
        self.connect = connect
        self.on_connected = on_connected
        self.duties = duties
        self.recorder: Any = None
        self.queue: queue.Queue[Any] = queue.Queue()
        self.error: BaseException | None = None
        # The store's disk is full: the job's FailureReason, which the supervisor acts on (it stops the script).
        self.disk_full: str | None = None

    def _failed(self, exc: BaseException) -> None:
        """Keep the loss visible in the supervisor log; a full store ends the job instead."""
        self.error = exc
        if is_disk_full(exc):
            if self.disk_full is None:
                self.disk_full = reason_of(exc, "to labstudio's store")
                print_exc_quietly()
            return
        print_exc_quietly()

    def _guard(self, action: Any, *args: Any) -> Any:
        try:
            return action(*args)
        except BaseException as exc:
            self._failed(exc)
            return None

    def run(self) -> None:
        try:
            self.recorder = self.connect()
            self.on_connected()
        except BaseException as exc:
            self._failed(exc)
        batch: list[Any] = []  # Captured points: (key, value, step, timestamp) tuples
        last = time.monotonic()
        done = False
        wait = FLUSH_SECONDS
        while not done:
            try:
                item = self.queue.get(timeout=wait)
                if item is None:
                    done = True
                else:
                    batch.append(item)
            except queue.Empty:
                pass
            due = done or time.monotonic() - last >= FLUSH_SECONDS
            if self.recorder is not None and (due or len(batch) >= BATCH_POINTS):
                if self.duties is not None:
                    self._guard(self.duties.ship_logs)
                if batch:
                    self._guard(self.recorder.metrics, batch)
                    batch = []
                last = time.monotonic()
            if self.duties is not None and self.recorder is not None and not done:
                wait = min(FLUSH_SECONDS, self._guard(self.duties.tick) or FLUSH_SECONDS)

    def close(self) -> None:
        self.queue.put(None)
        self.join(timeout=120)
