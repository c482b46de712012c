"""One model-server worker: loads the model through the handler contract and serves
``GET /ping`` and ``POST /invocations`` (SageMaker's container API) with tornado.

A worker serves one prediction at a time (like SageMaker's model-server workers; concurrency
comes from the instance count). It predicts **inline**, in its IO loop's thread, as a bare
tornado server does: a request costs no thread hand-off. Its housekeeping thread notices a
prediction that runs longer than ``STALL_AFTER`` (at most half the timeout: ``predictor.InlineGuard``);
the worker then **takes over** from the stalled loop with a fresh IO loop in that thread,
which accepts, answers ``/ping`` and the control channel, and sends predictions to a prediction
thread from then on (a model that stalled once is served that way for the worker's life). The
stalled loop accepts no more; once its prediction returns it answers what its connections still
send, each with ``Connection: close``, and ends.

Every request has the endpoint's timeout from its arrival, whether it waits for the prediction
thread or runs on it: past it the worker itself answers 504 with a JSON message. A prediction
that ran past the timeout cannot be interrupted (the user's code may sit in C code), so it is
abandoned: an inline one is answered 504 by the new loop (so are the requests its loop still
holds), a threaded one's thread is left behind and the requests already accepted continue on a
fresh thread; either way the worker asks the supervisor to replace it (the supervisor forks a
new worker and drains this one, which exits once it has answered what it holds). Figures cost
one bisect, and data capture appends to a deque; the housekeeping thread writes both out once
a second (a slow disk never holds up the loop), and the worker again when it exits.
"""
from __future__ import annotations

import asyncio
import gc
import json
import logging
import os
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from tornado.http1connection import HTTP1Connection
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.iostream import IOStream
from tornado.web import RequestHandler

from ...config import Settings
from ..contract import Handlers, InvocationError, ModelLoadError, model_env
from ..headers import INVOKED_HEADER, VARIANT_HEADER
from ..spec import EndpointSpec, VariantSpec
from ..stats import VariantStats
from .control import DRAIN_IDLE_GRACE, ChildState, Controller, exit_child, setup_logging
from .fronts import Fronts, LimitedBodyHandler
from .predictor import STALL_AFTER, InlineGuard, ModelTimeout, PredictionThread

if TYPE_CHECKING:
    from ..capture import Capture

log = logging.getLogger("labstudio.serving")


def _stream(handler: RequestHandler) -> IOStream:
    """The request's connection's stream (an HTTP/1 server's connection is an HTTP1Connection)."""
    return cast(HTTP1Connection, handler.request.connection).stream


class PingHandler(LimitedBodyHandler):
    def prepare(self) -> None:  # /ping needs no token: SageMaker's health check carries none
        return None

    def on_finish(self) -> None:
        return None

    def get(self) -> None:
        self.set_status(200)
        self.finish()


class InvocationsHandler(LimitedBodyHandler):
    def initialize(self, state: ChildState, worker: Worker) -> None:  # type: ignore[override]  # tornado passes the route's dict as keywords
        super().initialize(state)
        self.worker = worker
        self._start = time.perf_counter()
        self._deadline = time.monotonic() + worker.timeout

    def post(self) -> Awaitable[None] | None:
        """Inline while the worker predicts inline (the fast path: no await, no thread); else
        an awaitable on the prediction thread (tornado awaits what ``post`` returns)."""
        worker = self.worker
        headers = self.request.headers
        target = headers.get(VARIANT_HEADER)
        if target and target != worker.variant.name:
            self.error_reply(400, f"variant {target!r} is not served by this endpoint (variants: {worker.variant.name})")
            return None
        body = self.request.body
        content_type = headers.get("Content-Type")
        accept = headers.get("Accept")
        guard = worker.guard
        if guard.superseded:
            return self._post_threaded(body, content_type, accept)
        guard.begin(self)
        try:
            output = worker.handlers.invoke(body, content_type, accept)
        except InvocationError as exc:
            if self._inline_done():
                self.error_reply(exc.status_code, exc.message)
            return None
        except BaseException:
            self._inline_done()
            raise
        if not self._inline_done():
            return None
        if time.monotonic() > self._deadline:  # answered late, the stall check being later still
            self.error_reply(504, worker.timeout_message())
            return None
        self._answer(output, body, content_type)
        return None

    def _inline_done(self) -> bool:
        """After an inline prediction: may this loop still answer it? (see InlineGuard.end)"""
        guard = self.worker.guard
        verdict = guard.end(self)
        if verdict == guard.OWN:
            return True
        self.worker.wind_down(self._fronts)
        if verdict == guard.CLAIMED:  # the new loop answered 504 and shut the connection
            _stream(self).close()
            return False
        return True

    async def _post_threaded(self, body: bytes, content_type: str | None, accept: str | None) -> None:
        worker = self.worker
        try:
            output = await worker.predict(body, content_type, accept, self._deadline)
        except InvocationError as exc:
            self.error_reply(exc.status_code, exc.message)
            return
        except ModelTimeout:
            self.error_reply(504, worker.timeout_message())
            return
        if not self._finished:
            self._answer(output, body, content_type)

    def _answer(self, output: tuple[bytes, str], body: bytes, content_type: str | None) -> None:
        worker = self.worker
        answer, output_type = output
        self.set_header("Content-Type", output_type)
        self.set_header(INVOKED_HEADER, worker.variant.name)
        self.finish(answer)
        if worker.capture is not None:
            worker.capture.maybe_record(body, content_type or "", answer, output_type, self.request.headers.get("X-Amzn-SageMaker-Inference-Id"))

    def on_finish(self) -> None:
        if self._counted:
            self.worker.stats.record(self.get_status(), (time.perf_counter() - self._start) * 1000.0)
        super().on_finish()


class ServingLoop:
    """One IO loop of the worker and what runs on it: its fronts and its controller."""

    def __init__(self, worker: Worker, state: ChildState, public: socket.socket | None, internal: socket.socket) -> None:
        self.loop = IOLoop.current()
        handlers = [
            (r"/ping", PingHandler, {"state": state}),
            (r"/invocations", InvocationsHandler, {"state": state, "worker": worker}),
        ]
        self.fronts = Fronts(state, handlers, worker.spec.body_limit, peers=worker.variant.instances)
        self.fronts.accept("internal", internal)
        self.controller = Controller(state, self.fronts, public, drain_timeout=worker.spec.timeout + 10)
        self.controller.start()
        if state.serving_public and not state.draining and public is not None:
            self.fronts.accept("public", public)

    def drain(self) -> None:
        """SIGTERM: drain, in this loop's thread."""
        self.loop.add_callback(self.controller.drain)


class Worker:
    def __init__(self, spec: EndpointSpec, variant: VariantSpec, stats_dir: Path) -> None:
        self.spec = spec
        self.variant = variant
        self.timeout = float(spec.timeout)
        self.stats = VariantStats()
        self.stats_path = stats_dir / variant.name / f"{os.getpid()}-{uuid.uuid4().hex[:6]}.json"
        self.capture: Capture | None = None
        self.handlers: Handlers
        self.state: ChildState | None = None
        self.guard = InlineGuard(min(STALL_AFTER, self.timeout / 2), self._take_over)
        self.serving: ServingLoop | None = None  # the loop that accepts (a second one after a stall)
        self.public: socket.socket | None = None
        self.internal: socket.socket | None = None
        self._predictor: PredictionThread | None = None
        self._replacing = False
        self._flush_lock = threading.Lock()

    def timeout_message(self) -> str:
        return f"timeout: the model did not answer within {self.timeout:g} s (the endpoint's ModelServerTimeout)"

    async def predict(self, body: bytes, content_type: str | None, accept: str | None, deadline: float) -> tuple[bytes, str]:
        """Run the handlers on the prediction thread; ModelTimeout once ``deadline`` passes.

        Requests queue for the thread in arrival order, each with its own deadline, so a
        request queued behind a slow one times out rather than hangs. The thread waits for the
        inline prediction that stalled to return (or be abandoned) before it starts.
        """
        loop = asyncio.get_running_loop()
        if self._predictor is None:
            self._predictor = PredictionThread(self.handlers.invoke, self.guard.finished)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ModelTimeout()
        predictor = self._predictor
        job = predictor.submit((body, content_type, accept), loop)
        timer = loop.call_later(remaining, job.expire)
        try:
            return await job.future
        except ModelTimeout:
            if job.started:
                self._abandon(predictor)
            raise
        finally:
            timer.cancel()

    def _abandon(self, stuck: PredictionThread) -> None:
        """The prediction thread is stuck: later requests get a fresh one; ask to be replaced."""
        if stuck is not self._predictor:
            return
        fresh = PredictionThread(self.handlers.invoke)
        stuck.hand_over(fresh)
        self._predictor = fresh
        self._ask_replacement()

    def _ask_replacement(self) -> None:
        if not self._replacing and self.state is not None:
            self._replacing = True
            log.warning(
                "a prediction ran past the endpoint's timeout (%g s) and is still running: "
                "asking the supervisor for a new worker; this one exits once it has answered its requests",
                self.timeout,
            )
            self.state.send({"event": "replace", "reason": f"a prediction ran past {self.timeout:g} s"})

    # -- a stalled inline prediction --------------------------------------------------

    def _take_over(self, stalled: InvocationsHandler) -> Callable[[], None]:
        """(housekeeping thread; the stalled loop's thread is held off) Retire the stalled loop:
        it accepts no more and leaves the control channel to the new loop, which the returned
        function runs in this thread."""
        old = self.serving
        assert old is not None and self.state is not None
        old.fronts.retire()
        old.controller.detach()
        log.info(
            "a prediction has been running for over %g s: a second IO loop of this worker answers ping and new "
            "requests, and predictions run on a thread from now on (as they should for a model this slow)",
            self.guard.stall_after,
        )
        state, public, internal = self.state, self.public, self.internal
        assert internal is not None

        def serve() -> None:
            asyncio.set_event_loop(asyncio.new_event_loop())
            self.serving = ServingLoop(self, state, public, internal)
            delay = max(0.0, stalled._deadline - time.monotonic())
            self.serving.loop.call_later(delay, lambda: self._claim(stalled, old))
            self.serving.loop.start()

        return serve

    def _claim(self, stalled: InvocationsHandler, old: ServingLoop) -> None:
        """(new loop) The stalled prediction reached its deadline: answer 504 for the old loop,
        unless it returned meanwhile, and ask to be replaced."""
        if self.guard.claim(stalled, lambda: self._answer_stalled(stalled, old)):
            self._ask_replacement()

    def _answer_stalled(self, stalled: InvocationsHandler, old: ServingLoop) -> None:
        """(new loop's thread; the old loop's thread held off) The old loop cannot answer: a 504
        goes out on its stalled request's connection and on each of its others, which are then
        shut. A request waiting there (behind the stuck prediction, perhaps already read by the
        old loop, which cannot be known) gets its answer; a client with none sees its kept-alive
        connection close, as a server may close one at any time. A connection in the middle of
        an answer is only shut."""
        message = json.dumps({"message": self.timeout_message(), "code": 504}).encode()
        raw = (
            b"HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(message), message)
        )
        if stalled._counted:
            stalled._counted = False
            old.fronts.in_flight -= 1
            self.stats.record(504, (time.perf_counter() - stalled._start) * 1000.0)
        mine = _stream(stalled)
        for conn in old.fronts.connections():
            stream = conn.stream
            try:
                if stream is mine or not stream.writing():
                    stream.socket.send(raw)
                stream.socket.shutdown(socket.SHUT_RDWR)
            except (OSError, AttributeError):  # already closed by the client
                pass

    def wind_down(self, fronts: Fronts) -> None:
        """(the stalled loop, its prediction back) Answer what its connections still send, then
        close them once idle and end this loop (the thread then parks: see run_worker)."""
        if fronts.winding_down:
            return
        fronts.winding_down = True
        loop = IOLoop.current()
        idle_since = [time.monotonic()]

        def check() -> None:
            now = time.monotonic()
            if fronts.in_flight:
                idle_since[0] = now
            if fronts.open_connections() == 0 or (fronts.in_flight == 0 and now - idle_since[0] >= DRAIN_IDLE_GRACE):
                for conn in fronts.connections():
                    conn.stream.close()
                checker.stop()
                loop.stop()

        checker = PeriodicCallback(check, 50)
        checker.start()

    def load(self) -> None:
        variant = self.variant
        os.environ.update(
            {
                "SAGEMAKER_MODEL_SERVER_TIMEOUT": str(int(self.spec.timeout)),
                "SAGEMAKER_MODEL_SERVER_WORKERS": str(variant.instances),
                "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": self.spec.default_accept,
                "SAGEMAKER_BIND_TO_PORT": str(self.spec.port),
                "LABSTUDIO_ENDPOINT_NAME": self.spec.name,
                "LABSTUDIO_VARIANT_NAME": variant.name,
            }
        )
        os.environ.update(variant.environment)
        from ...container_libs import add_to_sys_path
        from ..contract import declared_framework, resolve_module
        from ..requirements import InstallFailed, install_for_worker

        try:  # the code's requirements.txt, before its module is imported (serving/requirements.py)
            install_for_worker(self.spec.requirements_cache, variant.source_dir, variant.model_dir)
        except InstallFailed as exc:
            raise ModelLoadError(str(exc)) from None
        add_to_sys_path()  # sagemaker_inference & co. for the script (an installed copy wins)

        module = resolve_module(variant.source_dir, variant.entry_point, variant.model_dir)
        os.environ.update(model_env(variant.model_dir, variant.source_dir, module))
        if module is not None:
            os.chdir(module.parent)
        self.handlers = Handlers(
            variant.model_dir,
            variant.source_dir,
            variant.entry_point,
            default_accept=os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") or self.spec.default_accept,
            variant=variant.name,
            framework=declared_framework(os.environ),
        )
        capture = self.spec.capture
        if capture.enabled and capture.percent > 0:
            from ..capture import Capture

            self.capture = Capture(
                capture.destination or self.spec.artifact_uri or Settings.from_env().artifact_uri,
                self.spec.name,
                variant.name,
                capture.percent,
                capture.capture_input,
                capture.capture_output,
                exact_root=capture.destination is not None and "://" not in capture.destination,
            )

    def housekeeping(self, watch: bool = True) -> None:
        """(a thread of its own) Look for a stalled inline prediction twice per ``stall_after``
        and write figures and captured data about once a second, off the IO loop (a write that
        waits on a busy disk must not hold up requests). One thread, waking rarely: each wake-up
        takes the GIL from the loop. On a stall this thread goes on as the new loop's, and
        another one takes over the flushing."""
        tick = self.guard.stall_after / 2
        flush_every = max(1, round(1.0 / tick))
        ticks = 0
        while True:
            time.sleep(tick)
            ticks += 1
            serve = self.guard.check() if watch else None
            if serve is not None:
                threading.Thread(target=self.housekeeping, args=(False,), name="flush", daemon=True).start()
                serve()
                return
            if ticks % flush_every == 0:
                self.flush()

    def flush(self) -> None:
        with self._flush_lock:  # the exit path and the flusher thread may both flush
            self.stats.flush(self.stats_path)
            if self.capture is not None and self.capture.buffer:
                try:
                    self.capture.flush()
                except Exception:
                    log.exception("writing captured data failed")


def run_worker(
    spec: EndpointSpec,
    variant: VariantSpec,
    public: socket.socket | None,
    internal: socket.socket,
    control: socket.socket,
    stats_dir: Path,
) -> int:
    """Body of a forked worker process; returns only by exiting the process."""
    setup_logging(f"{spec.name}/{variant.name} worker")
    state = ChildState(control, spec.body_limit, spec.token)
    worker = Worker(spec, variant, stats_dir)
    worker.state = state
    try:
        worker.load()
    except ModelLoadError as exc:
        log.error("loading the model failed: %s", exc)
        state.send({"event": "failed", "reason": str(exc)})
        return 3
    except MemoryError:
        from .serverless import memory_message

        log.error("loading the model failed: out of memory")
        state.send({"event": "failed", "reason": memory_message("loading the model")})
        return 3
    except BaseException as exc:
        traceback.print_exc()
        from ...exc_text import describe

        state.send({"event": "failed", "reason": f"loading the model raised {describe(exc)}"})
        return 3

    asyncio.set_event_loop(asyncio.new_event_loop())
    worker.public, worker.internal = public, internal
    worker.serving = first = ServingLoop(worker, state, public, internal)
    state.on_exit.append(worker.flush)
    threading.Thread(target=worker.housekeeping, name="housekeeping", daemon=True).start()
    # The model and the libraries are never garbage: freezing them keeps every full collection
    # from walking them again (a pause the loop would pay in the middle of requests).
    gc.collect()
    gc.freeze()
    state.on_rejected = lambda status: worker.stats.record(status, 0.0)
    # A plain handler, not the loop's: it runs even while this thread is in a prediction, and
    # drains whichever loop serves now.
    signal.signal(signal.SIGTERM, lambda signum, frame: worker.serving.drain() if worker.serving else None)
    state.send({"event": "ready", "pid": os.getpid()})
    log.info(
        "model loaded from %s (%s); serving",
        variant.model_dir,
        ", ".join(worker.handlers.user_functions) or "default handlers",
    )
    first.loop.start()
    if worker.serving is not first:  # this loop stalled and wound down: the new one serves, and exits the process
        threading.Event().wait()
    exit_child(state, 0)
    return 0
