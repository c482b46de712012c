"""One model-server worker: loads the model through the handler contract and serves
``GET /ping`` and ``POST /invocations`` (SageMaker's container API) with tornado.

The IOLoop thread only reads requests and writes answers; the user's handlers run on one
prediction thread, so a worker serves one prediction at a time (like SageMaker's
model-server workers; concurrency comes from the instance count) while ``/ping`` and new
requests are still answered. Every request has the endpoint's timeout from its arrival,
whether it waits for the prediction thread or runs on it: past it the worker itself
answers 504 with a JSON message. A prediction that ran past the timeout cannot be
interrupted (the user's code may sit in C code), so its thread is abandoned: the requests
already accepted continue on a fresh thread and the worker asks the supervisor to replace
it (the supervisor forks a new worker and drains this one, which exits once it has
answered what it holds). Figures cost one bisect, and data capture appends to a list that
is written out once a second. Figures and captured data are also written when the worker
exits.
"""
from __future__ import annotations

import asyncio
import logging
import os
import queue
import signal
import socket
import threading
import time
import traceback
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tornado.ioloop import IOLoop, PeriodicCallback

from ..contract import Handlers, InvocationError, ModelLoadError, model_env
from ..headers import INVOKED_HEADER, VARIANT_HEADER
from ..spec import EndpointSpec, VariantSpec
from ..stats import VariantStats
from .control import ChildState, Controller, exit_child, setup_logging
from .fronts import Fronts, LimitedBodyHandler

if TYPE_CHECKING:
    from ..capture import Capture

log = logging.getLogger("labstudio.serving")


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
        """The request's deadline passed (event loop thread): answer 504 whatever the thread does."""
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
    """The one thread that runs the user's handlers, fed through a queue."""

    def __init__(self, invoke: Any, loop: asyncio.AbstractEventLoop) -> None:
        self.invoke = invoke
        self.loop = loop
        self.queue: queue.SimpleQueue[PredictionJob | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="predict", daemon=True)
        self.thread.start()

    def submit(self, args: tuple[Any, ...]) -> PredictionJob:
        job = PredictionJob(args, self.loop)
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
                self.loop.call_soon_threadsafe(job._settle, result, error)
            except RuntimeError:  # the loop is closed: the worker is exiting
                return


class PingHandler(LimitedBodyHandler):
    def prepare(self) -> None:  # /ping needs no token: SageMaker's health check carries none
        return None

    def on_finish(self) -> None:
        return None

    def get(self) -> None:
        self.set_status(200)
        self.finish()


class InvocationsHandler(LimitedBodyHandler):
    def initialize(self, state: ChildState, worker: Worker) -> None:  # type: ignore[override]
        super().initialize(state)
        self.worker = worker
        self._start = time.perf_counter()
        self._deadline = time.monotonic() + worker.timeout

    async def post(self) -> None:
        worker = self.worker
        headers = self.request.headers
        target = headers.get(VARIANT_HEADER)
        if target and target != worker.variant.name:
            self.error_reply(400, f"variant {target!r} is not served by this endpoint (variants: {worker.variant.name})")
            return
        body = self.body()
        content_type = headers.get("Content-Type")
        try:
            output, output_type = await worker.predict(body, content_type, headers.get("Accept"), self._deadline)
        except InvocationError as exc:
            self.error_reply(exc.status_code, exc.message)
            return
        except ModelTimeout:
            self.error_reply(504, f"timeout: the model did not answer within {worker.timeout:g} s (the endpoint's ModelServerTimeout)")
            return
        if self._finished:
            return
        self.set_header("Content-Type", output_type)
        self.set_header(INVOKED_HEADER, worker.variant.name)
        self.finish(output)
        if worker.capture is not None:
            worker.capture.maybe_record(body, content_type or "", output, output_type, headers.get("X-Amzn-SageMaker-Inference-Id"))

    def on_finish(self) -> None:
        if self._counted:
            self.worker.stats.record(self.get_status(), (time.perf_counter() - self._start) * 1000.0)
        super().on_finish()


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
        self._predictor: PredictionThread | None = None
        self._replacing = False

    async def predict(self, body: bytes, content_type: str | None, accept: str | None, deadline: float) -> tuple[bytes, str]:
        """Run the handlers on the prediction thread; ModelTimeout once ``deadline`` passes.

        Requests queue for the thread in arrival order, each with its own deadline, so a
        request queued behind a slow one times out rather than hangs. The thread takes the
        next request as soon as it is done with one (no round trip through the event loop
        between predictions), which keeps a one-worker endpoint near the speed of running
        the handlers inline.
        """
        if self._predictor is None:
            self._predictor = PredictionThread(self.handlers.invoke, asyncio.get_running_loop())
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise ModelTimeout()
        predictor = self._predictor
        job = predictor.submit((body, content_type, accept))
        timer = asyncio.get_running_loop().call_later(remaining, job.expire)
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
        fresh = PredictionThread(self.handlers.invoke, asyncio.get_running_loop())
        stuck.hand_over(fresh)
        self._predictor = fresh
        if not self._replacing and self.state is not None:
            self._replacing = True
            log.warning(
                "a prediction ran past the endpoint's timeout (%g s) and is still running: "
                "asking the supervisor for a new worker; this one exits once it has answered its requests",
                self.timeout,
            )
            self.state.send({"event": "replace", "reason": f"a prediction ran past {self.timeout:g} s"})

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
        from ..contract import resolve_module
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
        )
        capture = self.spec.capture
        if capture.enabled and capture.percent > 0:
            from ..capture import Capture

            self.capture = Capture(
                capture.destination or self.spec.artifact_uri or os.environ.get("LABSTUDIO_ARTIFACT_URI", "."),
                self.spec.name,
                variant.name,
                capture.percent,
                capture.capture_input,
                capture.capture_output,
                exact_root=capture.destination is not None and "://" not in capture.destination,
            )

    def flush(self) -> None:
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
    except BaseException as exc:  # noqa: BLE001 - anything the user's code raises
        traceback.print_exc()
        from ...exc_text import describe

        state.send({"event": "failed", "reason": f"loading the model raised {describe(exc)}"})
        return 3

    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = IOLoop.current()
    handlers = [
        (r"/ping", PingHandler, {"state": state}),
        (r"/invocations", InvocationsHandler, {"state": state, "worker": worker}),
    ]
    fronts = Fronts(state, handlers, spec.body_limit)
    fronts.accept("internal", internal)
    controller = Controller(state, fronts, public, drain_timeout=spec.timeout + 10)
    controller.start()
    state.on_exit.append(worker.flush)
    state.on_rejected = lambda status: worker.stats.record(status, 0.0)
    PeriodicCallback(worker.flush, 1000).start()
    asyncio.get_event_loop().add_signal_handler(signal.SIGTERM, controller.drain)
    state.send({"event": "ready", "pid": os.getpid()})
    log.info(
        "model loaded from %s (%s); serving",
        variant.model_dir,
        ", ".join(worker.handlers.user_functions) or "default handlers",
    )
    loop.start()
    exit_child(state, 0)
    return 0
