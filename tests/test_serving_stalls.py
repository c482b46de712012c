"""A worker predicts inline on its IO loop; a prediction that stalls hands serving to a new loop;
the workers of a pool share a client's kept-alive connections.

Real model-server processes (``python -m labstudio.serving.server``) on 127.0.0.1, one worker,
driven over real HTTP with kept-alive connections, whose model sleeps as long as a request asks:

- a slow prediction that finishes within the timeout: ``/ping`` answers while it runs, it gets
  its own answer, a request sent meanwhile on a connection the stalled loop held is answered
  once it is back (then that connection closes), and the same worker keeps serving (now on its
  prediction thread);
- a prediction that never finishes: ``/ping`` answers, the request gets the 504 at the
  endpoint's timeout, and so does a request sent meanwhile on a kept-alive connection that the
  stalled loop held, instead of waiting for it forever;
- a client that keeps its connections alive is served by every worker of a two-worker pool,
  not by whichever took all its connections first.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from conftest import wait_for
from serving_helpers import get, write_source

pytestmark = pytest.mark.slow

SLEEPER = """
import json
import os
import time


def model_fn(model_dir):
    return "model"


def transform_fn(model, body, content_type, accept):
    seconds = json.loads(body).get("sleep", 0)
    if seconds:
        open(os.environ["STALL_MARK"], "w").close()
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            time.sleep(0.05)
        except BaseException:  # as C code would: nothing interrupts it
            pass
    return json.dumps({"slept": seconds, "pid": os.getpid()}), "application/json"
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Callable[..., tuple[str, Path]]]:
    """Start a model server (timeout, workers=1); (its URL, the stall mark file)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(timeout: float, workers: int = 1) -> tuple[str, Path]:
        model = tmp_path / "model"
        model.mkdir(exist_ok=True)
        (model / "weights.txt").write_text("0")
        source = write_source(tmp_path / "src", SLEEPER)
        mark = tmp_path / "stall-started"
        port = _free_port()
        env = {**os.environ, "STALL_MARK": str(mark)}
        proc = subprocess.Popen(
            [sys.executable, "-m", "labstudio.serving.server", "--model-dir", str(model), "--source-dir", str(source),
             "--port", str(port), "--timeout", str(timeout), "--workers", str(workers), "--name", f"stalls-{port}"],
            env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "server.log", "ab"),
        )
        started.append(proc)
        url = f"http://127.0.0.1:{port}"

        def up() -> bool:
            try:
                return get(url, "/ping", 2) == 200
            except OSError:
                return False

        wait_for(up, 60, 0.05, "the model server to answer /ping")
        return url, mark

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(30)


class KeptAlive:
    """One HTTP/1.1 connection reused for several requests, as a client's pool would."""

    def __init__(self, url: str, timeout: float = 60) -> None:
        host, _, port = url.split("://", 1)[1].partition(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=timeout)

    def invoke(self, payload: dict[str, Any]) -> tuple[int, dict[str, str], dict[str, Any]]:
        self.conn.request("POST", "/invocations", body=json.dumps(payload), headers={"Content-Type": "application/json"})
        response = self.conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, json.loads(response.read())


def _in_thread(call: Callable[[], Any]) -> Callable[[], Any]:
    """Run ``call`` in a thread; the returned function joins it and returns (or raises) its outcome."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def result() -> Any:
        thread.join(120)
        assert not thread.is_alive(), "the request never finished"
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return result


def test_a_slow_prediction_that_finishes_keeps_its_answer_ping_and_the_worker(serve) -> None:  # type: ignore[no-untyped-def]
    url, mark = serve(30)
    held = KeptAlive(url)
    code, _, first = held.invoke({"sleep": 0})  # this connection now belongs to the loop that will stall
    assert code == 200
    worker = first["pid"]

    slow = _in_thread(lambda: KeptAlive(url).invoke({"sleep": 8}))
    wait_for(mark.exists, 60, 0.05, "the slow prediction to start")
    waiting = _in_thread(lambda: held.invoke({"sleep": 0}))  # sent to the stalled loop: it answers once back
    assert get(url, "/ping", 30) == 200  # answered by the loop that took over, while the prediction runs

    code, _, answer = slow()
    assert code == 200 and answer == {"slept": 8, "pid": worker}  # its own answer, not a 504
    code, headers, answer = waiting()
    assert code == 200 and answer["pid"] == worker and headers.get("connection") == "close"  # then it closes
    code, _, answer = KeptAlive(url).invoke({"sleep": 0})
    assert code == 200 and answer["pid"] == worker  # the same worker serves on: nothing was replaced


def test_a_prediction_that_never_ends_times_out_with_the_requests_its_loop_held(serve) -> None:  # type: ignore[no-untyped-def]
    url, mark = serve(6)
    held = KeptAlive(url)
    assert held.invoke({"sleep": 0})[0] == 200  # kept alive by the loop that will stall

    hung = _in_thread(lambda: KeptAlive(url).invoke({"sleep": 600}))
    wait_for(mark.exists, 60, 0.05, "the hanging prediction to start")
    waiting = _in_thread(lambda: held.invoke({"sleep": 0}))  # sent to the stalled loop, which cannot read it
    assert get(url, "/ping", 30) == 200

    code, _, body = hung()
    assert code == 504 and "ModelServerTimeout" in body["message"], body
    code, headers, body = waiting()
    assert code == 504 and "ModelServerTimeout" in body["message"] and headers.get("connection") == "close", body


def test_the_workers_of_a_pool_share_a_clients_kept_alive_connections(serve) -> None:  # type: ignore[no-untyped-def]
    url, _ = serve(30, workers=2)
    pool = [KeptAlive(url) for _ in range(16)]
    for conn in pool:  # a burst of connections, as a client's pool opens them, before any request
        conn.conn.connect()
    served_by = [conn.invoke({"sleep": 0}) for conn in pool]
    assert all(code == 200 for code, _, _ in served_by)
    assert len({answer["pid"] for _, _, answer in served_by}) == 2, served_by
    again = [conn.invoke({"sleep": 0})[2]["pid"] for conn in pool]  # still alive, on the same workers
    assert again == [answer["pid"] for _, _, answer in served_by]
