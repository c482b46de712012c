"""An asynchronous endpoint's dispatcher: one child of the supervisor that feeds the queue to the workers.

Requests wait in the store (``store.async_queue``), so they outlive this process, the
endpoint's supervisor and the Jupyter server. The dispatcher claims as many as the workers
can take (``MaxConcurrentInvocationsPerInstance`` per worker), each under a lease it renews
while the request runs; a dispatcher that dies leaves leases that run out, and the next
dispatcher (the restarted endpoint's) claims those requests again. A dispatcher that is told
to stop (drain) claims nothing more, lets what it holds finish, and hands back the rest.

Each request is sent to the endpoint's own public socket like any client's, so routing by
weight, the workers' figures and the worker timeout all apply. The payload is streamed from
its location (a file, ``file://`` or ``s3://`` through fsspec) to the socket, and the answer
streamed to ``<output>/<id>.out`` (``<failure>/<id>-error.out`` for an error), so the
dispatcher never holds a large payload in memory.
"""
from __future__ import annotations

import http.client
import json
import logging
import os
import posixpath
import queue as stdqueue
import socket
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from ...store import async_queue as queue
from ..spec import EndpointSpec
from .control import setup_logging

log = logging.getLogger("labstudio.serving")

LEASE_SECONDS = 20.0  # a dead dispatcher's requests are claimable again this long after its last renewal
RENEW_EVERY = 5.0
IDLE_POLL = (0.02, 0.25)  # seconds between looks at an empty queue: from, growing to
MAX_PAYLOAD = 1 << 30
BLOCK = 1 << 20
WEBHOOK_TIMEOUT = 10.0
FINISH_BATCH = 200  # request ends written in one transaction at most
INFERENCE_ID_HEADER = "X-Amzn-SageMaker-Inference-Id"
CUSTOM_ATTRIBUTES_HEADER = "X-Amzn-SageMaker-Custom-Attributes"


class Dispatcher:
    def __init__(self, spec: EndpointSpec, port: int, control: socket.socket) -> None:
        assert spec.async_config is not None
        from ...config import Settings
        from ...store import get_database

        self.spec = spec
        self.config = spec.async_config
        self.port = port
        self.control = control
        self.owner = f"{Settings.from_env().host_id}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.db = get_database()
        workers = sum(v.instances for v in spec.variants)
        self.slots = max(1, int(self.config.get("max_concurrent") or 1) * workers)
        self.pool = ThreadPoolExecutor(self.slots, thread_name_prefix="async")
        self.lock = threading.Lock()
        self.inflight: set[str] = set()
        self.wake = threading.Event()
        self.draining = threading.Event()
        self.done: stdqueue.SimpleQueue[tuple[queue.AsyncInvocation, str, str | None, str | None]] = stdqueue.SimpleQueue()
        self.notifier = ThreadPoolExecutor(2, thread_name_prefix="notify")

    # -- the loop -------------------------------------------------------------------

    def run(self) -> int:
        threading.Thread(target=self._read_control, daemon=True).start()
        threading.Thread(target=self._record_ends, daemon=True).start()
        self._send({"event": "ready"})
        log.info("async dispatcher: up to %d request(s) at once", self.slots)
        next_renew = time.monotonic() + RENEW_EVERY
        poll = IDLE_POLL[0]
        while not self.draining.is_set():
            self.wake.clear()  # before counting the free slots: a request ending from now on wakes the wait below
            with self.lock:
                free = self.slots - len(self.inflight)
            claimed: list[queue.AsyncInvocation] = []
            if free > 0:
                try:
                    claimed = self.db.run_write(queue.claim, self.spec.name, self.owner, free, LEASE_SECONDS)
                except Exception:
                    log.exception("claiming queued requests failed")
            for item in claimed:
                with self.lock:
                    self.inflight.add(item.inference_id)
                self.pool.submit(self._run_one, item)
            if time.monotonic() >= next_renew:
                self._renew()
                next_renew = time.monotonic() + RENEW_EVERY
            if free <= 0 or len(claimed) >= free:
                poll = IDLE_POLL[0]
                self.wake.wait(RENEW_EVERY)  # every slot is busy: until one frees
            elif claimed:
                poll = IDLE_POLL[0]
                self.wake.wait(poll)  # the queue ran dry with slots to spare: look again soon
            else:
                self.wake.wait(poll)  # an empty queue: look again soon, less often the longer it stays empty
                poll = min(poll * 1.5, IDLE_POLL[1])
        return self._stop()

    def _stop(self) -> int:
        """Let the requests in flight finish (as long as the endpoint's timeout allows), hand back the rest."""
        deadline = time.monotonic() + self.spec.timeout + 5
        while time.monotonic() < deadline:
            with self.lock:
                if not self.inflight:
                    break
            self.wake.wait(0.1)
            self.wake.clear()
            self._renew_if_due()
        self.notifier.shutdown(wait=True)  # the notifications of what ended are sent before the process goes
        with self.lock:
            left = list(self.inflight)
        if left:
            self.db.run_write(lambda conn: queue.release(conn, self.spec.name, self.owner, left))
            log.warning("async dispatcher: %d request(s) still running at stop are handed back to the queue", len(left))
        log.info("async dispatcher stopped")
        return 0

    _last_renew = 0.0

    def _renew_if_due(self) -> None:
        if time.monotonic() - self._last_renew >= RENEW_EVERY:
            self._renew()

    def _renew(self) -> None:
        self._last_renew = time.monotonic()
        with self.lock:
            mine = list(self.inflight)
        if not mine:
            return
        try:
            held = self.db.run_write(lambda conn: queue.renew(conn, self.spec.name, self.owner, mine, LEASE_SECONDS))
        except Exception:
            log.exception("renewing the leases of running requests failed")
            return
        for lost in set(mine) - held:
            log.warning("async request %s was taken over by another dispatcher (its lease ran out here)", lost)

    def _read_control(self) -> None:
        """The supervisor's commands; EOF means it is gone, and the dispatcher stops as a drained worker does."""
        buffer = b""
        while True:
            try:
                data = self.control.recv(65536)
            except OSError:
                data = b""
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    if json.loads(line or b"{}").get("cmd") == "drain":
                        self.draining.set()
                        self.wake.set()
                except ValueError:
                    continue
        self.draining.set()
        self.wake.set()

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self.control.sendall((json.dumps(message) + "\n").encode())
        except OSError:
            pass

    # -- one request --------------------------------------------------------------------

    def _run_one(self, item: queue.AsyncInvocation) -> None:
        try:
            status, reason, content_type = self._process(item)
        except Exception as exc:  # the payload cannot be read, the endpoint cannot be reached...
            status, reason, content_type = queue.FAILED, f"{type(exc).__name__}: {exc}", None
            self._write_error(item, reason)
        except BaseException:
            with self.lock:
                self.inflight.discard(item.inference_id)
            raise
        self.done.put((item, status, reason, content_type))

    def _record_ends(self) -> None:
        """Write the ends of finished requests, as many at once as have finished meanwhile (one
        transaction for a burst of small requests), then free their slots and notify."""
        while True:
            batch = [self.done.get()]
            while len(batch) < FINISH_BATCH:
                try:
                    batch.append(self.done.get_nowait())
                except stdqueue.Empty:
                    break

            def write(conn: Any, batch: list[tuple[queue.AsyncInvocation, str, str | None, str | None]]) -> list[bool]:
                return [
                    queue.finish(conn, self.spec.name, item.inference_id, self.owner, status, reason,
                                 {"output_location": item.output_location if status == queue.COMPLETED else item.failure_location,
                                  "content_type": content_type})
                    for item, status, reason, content_type in batch
                ]

            try:
                recorded = self.db.run_write(write, batch)
            except Exception:
                log.exception("recording the end of %d async request(s) failed", len(batch))
                recorded = [False] * len(batch)
            with self.lock:
                for item, *_ in batch:
                    self.inflight.discard(item.inference_id)
            self.wake.set()
            for (item, status, reason, content_type), ok in zip(batch, recorded):
                if ok and (self.config.get("success_url") or self.config.get("error_url")):
                    self.notifier.submit(self._notify, item, status, reason, content_type)

    def _process(self, item: queue.AsyncInvocation) -> tuple[str, str | None, str | None]:
        from ...sdk import storage

        if time.time() > item.expires_time:
            reason = "the request expired: it waited in the queue longer than its RequestTTLSeconds"
            self._write_error(item, reason)
            return queue.FAILED, reason, None
        fs, path = storage.filesystem(item.input_location)
        if not fs.isfile(path):
            raise FileNotFoundError(f"the input {item.input_location} does not exist (or is not a file)")
        size = int(fs.size(path))
        if size > MAX_PAYLOAD:
            reason = f"the input is {size} bytes; an asynchronous request may be at most {MAX_PAYLOAD} bytes"
            self._write_error(item, reason)
            return queue.FAILED, reason, None
        request = item.request
        timeout = float(request.get("InvocationTimeoutSeconds") or self.spec.timeout) + 15
        headers = {
            "Content-Type": request.get("ContentType") or "application/octet-stream",
            "Content-Length": str(size),
            INFERENCE_ID_HEADER: item.inference_id,
        }
        if request.get("Accept"):
            headers["Accept"] = request["Accept"]
        if request.get("CustomAttributes"):
            headers[CUSTOM_ATTRIBUTES_HEADER] = request["CustomAttributes"]
        if self.spec.token:
            headers["Authorization"] = f"Bearer {self.spec.token}"
        conn = http.client.HTTPConnection(self.spec.host, self.port, timeout=timeout, blocksize=BLOCK)
        try:
            with fs.open(path, "rb") as body:
                conn.request("POST", "/invocations", body=body, headers=headers, encode_chunked=False)
            response = conn.getresponse()
            content_type = response.getheader("Content-Type")
            if response.status < 400:
                _stream(response, item.output_location)
                return queue.COMPLETED, None, content_type
            text = response.read(64 * 1024)
            try:
                message = json.loads(text).get("message") or text.decode(errors="replace")
            except (ValueError, AttributeError):
                message = text.decode(errors="replace")
            reason = f"the model answered {response.status}: {message}"[:4000]
            self._write_error(item, reason, text)
            return queue.FAILED, reason, content_type
        finally:
            conn.close()

    def _write_error(self, item: queue.AsyncInvocation, reason: str, body: bytes | None = None) -> None:
        """The failure file: the model's own error body when there is one, else the reason."""
        try:
            _write(item.failure_location, body if body else reason.encode())
        except Exception:
            log.exception("writing the failure of async request %s to %s failed", item.inference_id, item.failure_location)

    def _notify(self, item: queue.AsyncInvocation, status: str, reason: str | None, content_type: str | None) -> None:
        """The webhook (NotificationConfig's SuccessTopic / ErrorTopic), with SageMaker's notification fields."""
        url = self.config.get("success_url") if status == queue.COMPLETED else self.config.get("error_url")
        if not url:
            return
        now = time.time()
        message: dict[str, Any] = {
            "awsRegion": "local",
            "eventTime": _iso(now),
            "receivedTime": _iso(item.creation_time),
            "invocationStatus": status,
            "requestParameters": {"contentType": item.request.get("ContentType"), "endpointName": self.spec.name, "inputLocation": item.input_location},
            "responseParameters": {"contentType": content_type, "outputLocation": item.output_location if status == queue.COMPLETED else item.failure_location},
            "inferenceId": item.inference_id,
            "eventVersion": "1.0",
            "eventSource": "labstudio:sagemaker",
            "eventName": "InferenceResult",
        }
        if reason:
            message["failureReason"] = reason
        include = self.config.get("include_response_in") or []
        topic = "SUCCESS_NOTIFICATION_TOPIC" if status == queue.COMPLETED else "ERROR_NOTIFICATION_TOPIC"
        if topic in include and status == queue.COMPLETED:
            try:
                from ...sdk import storage

                data = storage.read_bytes(item.output_location)
                if len(data) <= 128 * 1024:
                    message["responseBody"] = {"content": data.decode("utf-8", "replace"), "encoding": "UTF-8"}
            except Exception:
                pass
        try:
            req = urllib.request.Request(url, data=json.dumps(message).encode(), headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(req, timeout=WEBHOOK_TIMEOUT) as answer:
                answer.read()
        except Exception as exc:
            log.warning("the notification of async request %s to %s failed: %s", item.inference_id, url, exc)


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1000):03d}Z"


def _stream(response: http.client.HTTPResponse, uri: str) -> None:
    """Copy the answer to ``uri`` block by block; a local file appears whole (renamed into place)."""
    from ...sdk import storage

    fs, path = storage.filesystem(uri)
    fs.makedirs(posixpath.dirname(path) or "/", exist_ok=True)
    target = path
    if storage.is_local(uri):
        target = posixpath.join(posixpath.dirname(path), f".{posixpath.basename(path)}.part")
    with fs.open(target, "wb") as handle:
        while True:
            block = response.read(BLOCK)
            if not block:
                break
            handle.write(block)
    if target != path:
        os.replace(target, path)


def _write(uri: str, data: bytes) -> None:
    from ...sdk import storage

    storage.write_bytes(data, uri)


def run_dispatcher(spec: EndpointSpec, public: socket.socket, control: socket.socket) -> int:
    setup_logging(f"{spec.name} async")
    port = public.getsockname()[1]
    public.close()  # never accepts: requests go in through the workers like any client's
    return Dispatcher(spec, port, control).run()
