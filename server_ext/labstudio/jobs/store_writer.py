"""The supervisor's store thread: every database write of a running job, off the output path."""
from __future__ import annotations

import queue
import threading
import time
import traceback
from typing import Any

FLUSH_SECONDS = 0.5
BATCH_POINTS = 5000


class StoreWriter(threading.Thread):
    """Does every store write of a running job off the output path.

    It first records the start (importing the store costs ~100 ms, which the script's
    output must never wait for), then batches captured points into few transactions.
    """

    def __init__(self, connect: Any, on_connected: Any) -> None:
        super().__init__(name="labstudio-store", daemon=True)
        self.connect = connect
        self.on_connected = on_connected
        self.recorder: Any = None
        self.queue: queue.Queue[Any] = queue.Queue()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.recorder = self.connect()
            self.on_connected()
        except BaseException as exc:
            self.error = exc
            traceback.print_exc()
        batch: list[Any] = []  # Captured points: (key, value, step, timestamp) tuples
        last = time.monotonic()
        done = False
        while not done:
            try:
                item = self.queue.get(timeout=FLUSH_SECONDS)
                if item is None:
                    done = True
                else:
                    batch.append(item)
            except queue.Empty:
                pass
            if batch and self.recorder is not None and (done or len(batch) >= BATCH_POINTS or time.monotonic() - last >= FLUSH_SECONDS):
                try:
                    self.recorder.metrics(batch)
                except BaseException as exc:  # keep the loss visible in the supervisor log
                    self.error = exc
                    traceback.print_exc()
                batch = []
                last = time.monotonic()

    def close(self) -> None:
        self.queue.put(None)
        self.join(timeout=120)
