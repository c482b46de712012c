"""The write-behind buffer of one run: what makes `log_metric` cost about a microsecond.

Producers append under a lock; a daemon thread hands the pending points to
`ingest.write_points` / `write_series` every `interval` seconds, or as soon as `batch_size`
points wait. A producer that outruns the store by `max_pending` points flushes itself, which
bounds memory. A chunk that failed to write goes back to the front of the buffer and the
thread retries with back-off, so a briefly locked or unreachable store loses nothing. Each
chunk is one transaction that also stores pending parameters and appends a `run.metrics`
event, so the panel sees the points the moment they are committed.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from ..store import Database

log = logging.getLogger("labstudio.tracking")

WRITE_CHUNK = 50_000  # points per transaction: long enough to be cheap, short enough to share the store
BLOCK_CHUNK = 200_000  # the same for whole series, whose rows cost less Python work

Point = tuple[str, float, "int | None", float]
Block = tuple[str, Any, Any, Any]  # (name, values, steps or None, timestamps) numpy arrays


class MetricBuffer:
    def __init__(self, db: Database, run_id: str, experiment: str, *, interval: float, batch_size: int, max_pending: int) -> None:
        self.db = db
        self.run_id = run_id
        self.experiment = experiment
        self.interval = interval
        self.batch_size = batch_size
        self.max_pending = max(batch_size, max_pending)
        self.written = 0
        self.gone = False  # the run was deleted under us: drop points instead of retrying forever
        self.stopping = False
        self.reset()

    def reset(self) -> None:
        """Fresh state; also what a forked child starts with (its parent flushes what was pending)."""
        self.lock = threading.Lock()
        self.flush_lock = threading.Lock()
        self.wake = threading.Event()
        self.points: list[Point] = []
        self.blocks: list[Block] = []
        self.block_points = 0
        self.params: dict[str, Any] = {}
        self.thread: threading.Thread | None = None
        self.pid = os.getpid()

    # -- producers ------------------------------------------------------------------------

    def extend(self, points: list[Point]) -> None:
        with self.lock:
            self.points.extend(points)
            n = len(self.points) + self.block_points
        self.poke(n)

    def add_block(self, block: Block) -> None:
        with self.lock:
            self.blocks.append(block)
            self.block_points += len(block[1])
            n = len(self.points) + self.block_points
        self.poke(n)

    def set_param(self, name: str, value: Any) -> None:
        with self.lock:
            self.params[name] = value
        self.poke(1)

    def poke(self, n: int) -> None:
        """After an append that made `n` points pending: make sure a flusher runs, wake it, or flush here."""
        thread = self.thread
        if thread is None or not thread.is_alive() or self.pid != os.getpid():
            self.start_thread()
        if n >= self.batch_size:
            self.wake.set()
        if n >= self.max_pending:  # the store cannot keep up: make the producer wait, to bound memory
            self.flush_all()

    # -- the flusher --------------------------------------------------------------------------

    def start_thread(self) -> None:
        with self.lock:
            if self.pid != os.getpid():
                self.points, self.blocks, self.block_points, self.params = [], [], 0, {}
                self.thread, self.pid = None, os.getpid()
            if (self.thread is not None and self.thread.is_alive()) or self.stopping:
                return
            self.thread = threading.Thread(target=self._loop, name=f"labstudio-run-{self.run_id[:8]}", daemon=True)
            self.thread.start()

    def stop(self) -> None:
        """Stop the thread (after its current chunk); the caller then flushes what is left."""
        self.stopping = True
        self.wake.set()
        thread = self.thread
        if thread is not None and thread.is_alive() and thread is not threading.current_thread():
            thread.join()

    def _loop(self) -> None:
        backoff = 0.1
        while True:
            self.wake.wait(self.interval)
            self.wake.clear()
            if self.stopping:
                return
            try:
                self.flush_all()
                backoff = 0.1
            except Exception:  # keep the points, try again: the store may be briefly unavailable
                log.warning("labstudio: writing metrics of run %s failed; will retry", self.run_id, exc_info=True)
                time.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def flush_all(self, final: bool = False) -> None:
        attempts = 0
        while True:
            try:
                if not self._flush_once():
                    return
                attempts = 0
            except Exception:
                attempts += 1
                if not final or attempts >= 5:
                    raise
                time.sleep(0.2 * attempts)

    def _take(self) -> tuple[list[Point], Block | None, dict[str, Any]] | None:
        """One chunk: points logged one by one first, then whole series (split when long)."""
        with self.lock:
            if not self.points and not self.blocks and not self.params:
                return None
            batch = self.points[:WRITE_CHUNK]
            del self.points[: len(batch)]
            block = None
            if not batch and self.blocks:
                block = self.blocks.pop(0)
                if len(block[1]) > BLOCK_CHUNK:
                    name, vals, steps, stamps = block
                    cut = BLOCK_CHUNK
                    self.blocks.insert(0, (name, vals[cut:], None if steps is None else steps[cut:], stamps[cut:]))
                    block = (name, vals[:cut], None if steps is None else steps[:cut], stamps[:cut])
                self.block_points -= len(block[1])
            params, self.params = self.params, {}
            return batch, block, params

    def _flush_once(self) -> bool:
        with self.flush_lock:
            chunk = self._take()
            if chunk is None:
                return False
            batch, block, params = chunk
            count = len(batch) + (len(block[1]) if block else 0)
            if self.gone:
                return True
            try:
                self.db.run_write(self._write, batch, block, params)
            except Exception as exc:
                if self._is_deleted(exc):
                    self.gone = True
                    log.warning("labstudio: run %s was deleted; %d points were not stored", self.run_id, count)
                    return True
                with self.lock:  # put the chunk back in front, newer parameters winning
                    self.points[:0] = batch
                    if block is not None:
                        self.blocks.insert(0, block)
                        self.block_points += len(block[1])
                    params.update(self.params)
                    self.params = params
                raise
            self.written += count
            return True

    def _write(self, conn: Any, batch: list[Point], block: Block | None, params: dict[str, Any]) -> None:
        from ..store.runs import write_chunk

        write_chunk(conn, self.run_id, self.experiment, batch, block, params)

    def _is_deleted(self, exc: Exception) -> bool:
        from ..store.runs import is_integrity_error, run_exists

        if not is_integrity_error(exc):
            return False
        with self.db.read() as conn:
            return not run_exists(conn, self.run_id)
