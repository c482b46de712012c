"""Where a worker runs the user's handlers: inline on its IO loop, or on a prediction thread.

A worker predicts **inline** (in the IO loop's own thread, as a bare tornado server does)
while its model answers quickly: a request then costs no thread hand-off at all. The worker's
housekeeping thread looks at the prediction in progress (``InlineGuard``) twice per
``stall_after``; one that runs longer than that makes the worker hand its serving over to a
fresh IO loop (``worker.Worker._take_over``), which answers ``/ping`` and keeps the timeout,
and sends its predictions to a **prediction thread** (``PredictionThread``) from then on. The
stalled loop finishes (or times out) the prediction it holds, then winds down.

The prediction thread serves one prediction at a time, fed through a queue; each request has
its deadline, so a request queued behind a slow one times out rather than hangs. Its first
prediction waits for ``gate``: the inline prediction that stalled still counts as the one in
progress until it returns or is abandoned at its deadline.
"""
from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable
from typing import Any

STALL_AFTER = 1.0  # seconds an inline prediction may run before the worker stops predicting inline


class ModelTimeout(TimeoutError):
    pass


class PredictionJob:
    """One request on its way through the prediction thread.

    ``started`` and ``expired`` are plain flags shared by the two threads: each is written
    by one thread only, and a stale read costs at most one prediction nobody waits for.
    """

    __slots__ = ("args", "future", "loop", "started", "expired")

    def __init__(self, args: tuple[Any, ...], loop: asyncio.AbstractEventLoop) -> None:
        self.args = args
        self.loop = loop
        self.future: asyncio.Future[Any] = loop.create_future()
        self.started = False
        self.expired = False

    def expire(self) -> None:
        """The request's deadline passed (its loop's thread): answer 504 whatever the thread does."""
        self.expired = True
        if not self.future.done():
            self.future.set_exception(ModelTimeout())

    def _settle(self, result: Any, error: BaseException | None) -> None:
        if self.future.done():
            return
        if error is not None:
            self.future.set_exception(error)
        else:
            self.future.set_result(result)


class PredictionThread:
    """The one thread that runs the user's handlers, fed through a queue (jobs from any loop)."""

    def __init__(self, invoke: Callable[..., Any], gate: threading.Event | None = None) -> None:
        self.invoke = invoke
        self.gate = gate
        self.queue: queue.SimpleQueue[PredictionJob | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="predict", daemon=True)
        self.thread.start()

    def submit(self, args: tuple[Any, ...], loop: asyncio.AbstractEventLoop) -> PredictionJob:
        job = PredictionJob(args, loop)
        self.queue.put(job)
        return job

    def hand_over(self, fresh: PredictionThread) -> None:
        """Move the requests still waiting here to a fresh thread; this one ends when (if ever) it returns."""
        while True:
            try:
                job = self.queue.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                fresh.queue.put(job)
        self.queue.put(None)

    def _run(self) -> None:
        if self.gate is not None:
            self.gate.wait()
        while True:
            job = self.queue.get()
            if job is None:
                return
            if job.expired:
                continue
            job.started = True
            try:
                result, error = self.invoke(*job.args), None
            except BaseException as exc:  # noqa: BLE001 - the user's code may raise anything; the handler maps it
                result, error = None, exc
            try:
                job.loop.call_soon_threadsafe(job._settle, result, error)
            except RuntimeError:  # that loop is closed: its connections are gone
                continue


class InlineGuard:
    """The inline prediction in progress, and how its stall is noticed.

    The IO loop calls ``begin`` before and ``end`` after each inline prediction (an attribute
    write and one uncontended lock: the fast path's whole cost). The worker's housekeeping
    thread calls ``check`` every ``stall_after / 2`` seconds (a thread that wakes rarely costs
    the loop little: each wake-up takes the GIL from it); when the same prediction is still
    running past ``stall_after``, ``check`` calls ``on_stall`` with the lock held, so the stalled
    thread, which takes the lock in ``end``, cannot touch its loop until the hand-over is done,
    and returns what ``on_stall`` returned (the new loop, for the calling thread to run).

    ``end`` returns ``OWN`` (answer as usual), ``SUPERSEDED`` (answer it, then wind the loop
    down: another loop serves now) or ``CLAIMED`` (the other loop already answered it, with a
    504 at its deadline: drop the result and wind down).
    """

    OWN, SUPERSEDED, CLAIMED = 0, 1, 2

    def __init__(self, stall_after: float, on_stall: Callable[[Any], Callable[[], None]]) -> None:
        self.stall_after = stall_after
        self.on_stall = on_stall
        self.lock = threading.Lock()
        self.current: tuple[float, Any] | None = None  # (start, request) of the inline prediction
        self.superseded = False
        self.claimed: Any = None  # the request the other loop answered
        self.finished = threading.Event()  # the stalled prediction returned (or was abandoned)

    def begin(self, request: Any) -> None:
        self.current = (time.monotonic(), request)

    def end(self, request: Any) -> int:
        with self.lock:
            self.current = None
            if not self.superseded:
                return self.OWN
            self.finished.set()
            return self.CLAIMED if self.claimed is request else self.SUPERSEDED

    def claim(self, request: Any, answer: Callable[[], None]) -> bool:
        """The other loop answers ``request`` itself (its deadline passed): ``answer`` runs with the
        stalled thread held off; False when the prediction returned meanwhile (it answers)."""
        with self.lock:
            if self.current is None or self.current[1] is not request:
                return False
            self.claimed = request
            self.finished.set()  # abandoned: the prediction thread may start
            answer()
            return True

    def check(self) -> Callable[[], None] | None:
        """(housekeeping thread) The new loop to run when the prediction in progress has stalled."""
        current = self.current
        if self.superseded or current is None or time.monotonic() - current[0] < self.stall_after:
            return None
        with self.lock:
            if self.current is not current:
                return None
            self.superseded = True
            return self.on_stall(current[1])
