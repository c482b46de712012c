"""One model-server worker: loads the model through the handler contract and serves
``GET /ping`` and ``POST /invocations`` (SageMaker's container API) with tornado.

The request path is kept as short as the bare-tornado floor: the body is streamed only to
enforce the limit, the handlers run inline on the loop thread (a worker serves one
prediction at a time, like SageMaker's model-server workers; concurrency comes from the
instance count), the timeout is a SIGALRM interval timer rather than a thread hand-off,
figures cost one bisect, and data capture appends to a list that is written out once a
second. Figures and captured data are also written when the worker exits.
"""
from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
import traceback
import uuid
from pathlib import Path
from typing import Any

from tornado.ioloop import IOLoop, PeriodicCallback

from .contract import Handlers, InvocationError, ModelLoadError, model_env
from .lifecycle import INVOKED_HEADER, VARIANT_HEADER, ChildState, Controller, Fronts, LimitedBodyHandler, exit_child, setup_logging
from .spec import EndpointSpec, VariantSpec
from .stats import VariantStats

log = logging.getLogger("labstudio.serving")


class ModelTimeout(TimeoutError):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise ModelTimeout()


class PingHandler(LimitedBodyHandler):
    def prepare(self) -> None:  # /ping needs no token: SageMaker's health check carries none
        return None

    def on_finish(self) -> None:
        return None

    def get(self) -> None:
        self.set_status(200)
        self.finish()


class InvocationsHandler(LimitedBodyHandler):
    def initialize(self, state: ChildState, worker: "Worker") -> None:  # type: ignore[override]
        super().initialize(state)
        self.worker = worker
        self._start = time.perf_counter()

    def post(self) -> None:
        worker = self.worker
        headers = self.request.headers
        target = headers.get(VARIANT_HEADER)
        if target and target != worker.variant.name:
            self.error_reply(400, f"variant {target!r} is not served by this endpoint (variants: {worker.variant.name})")
            return
        body = self.body()
        content_type = headers.get("Content-Type")
        signal.setitimer(signal.ITIMER_REAL, worker.timeout)
        try:
            output, output_type = worker.handlers.invoke(body, content_type, headers.get("Accept"))
        except InvocationError as exc:
            self.error_reply(exc.status_code, exc.message)
            return
        except ModelTimeout:
            self.error_reply(504, f"the model did not answer within {worker.timeout:g} s (SAGEMAKER_MODEL_SERVER_TIMEOUT)")
            return
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
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
        self.capture = None
        self.handlers: Handlers

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
        from .contract import resolve_module

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
            from .capture import Capture

            self.capture = Capture(
                capture.destination or self.spec.artifact_uri or os.environ.get("LABSTUDIO_ARTIFACT_URI", "."),
                self.spec.name,
                variant.name,
                capture.percent,
                capture.capture_input,
                capture.capture_output,
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
    try:
        worker.load()
    except ModelLoadError as exc:
        log.error("loading the model failed: %s", exc)
        state.send({"event": "failed", "reason": str(exc)})
        return 3
    except BaseException as exc:  # noqa: BLE001 - anything the user's code raises
        traceback.print_exc()
        state.send({"event": "failed", "reason": f"loading the model raised {type(exc).__name__}: {exc}"})
        return 3

    asyncio.set_event_loop(asyncio.new_event_loop())
    loop = IOLoop.current()
    signal.signal(signal.SIGALRM, _on_alarm)
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
