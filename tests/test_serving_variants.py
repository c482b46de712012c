"""Variants: weighted routing, the target-variant header, and blue/green updates under load."""
from __future__ import annotations

import http.client
import json
import threading
import time
from pathlib import Path

import pytest

from conftest import wait_for
from serving_helpers import constant_model, get, message, post

pytestmark = pytest.mark.slow


def _variant(name: str, folder: Path, weight: float = 1.0, instances: int = 1) -> dict:
    return {"VariantName": name, "Source": str(folder / "model"), "SourceDir": str(folder / "code"),
            "InitialVariantWeight": weight, "InitialInstanceCount": instances}


def test_weights_split_traffic_and_the_header_picks_a_variant(endpoints, tmp_path: Path) -> None:
    blue, green = constant_model(tmp_path / "blue", 1), constant_model(tmp_path / "green", 3)
    d = endpoints.create({"EndpointName": "split", "ProductionVariants": [_variant("blue", blue, 1), _variant("green", green, 3)]}, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    url = d["EndpointUrl"]
    assert get(url) == 200

    counts = {"blue": 0, "green": 0}
    for _ in range(400):
        status, headers, body = post(url, "[]")
        assert status == 200
        variant = headers["x-labstudio-invoked-variant"]
        assert json.loads(body)["value"] == {"blue": 1.0, "green": 3.0}[variant]
        counts[variant] += 1
    assert 0.67 <= counts["green"] / 400 <= 0.83, counts  # 3:1, about 3.5 standard deviations either side

    for _ in range(20):
        status, headers, _ = post(url, "[]", headers={"X-Labstudio-Target-Variant": "blue"})
        assert status == 200 and headers["x-labstudio-invoked-variant"] == "blue"
    status, _, body = post(url, "[]", headers={"X-Labstudio-Target-Variant": "purple"})
    assert status == 400 and "purple" in message(body) and "blue, green" in message(body)

    def per_variant():
        described = endpoints.describe("split")
        got = {v["VariantName"]: v["Metrics"]["Invocations"] for v in described["ProductionVariants"]}
        return described if got == {"blue": counts["blue"] + 20, "green": counts["green"]} else None

    described = wait_for(per_variant, timeout=10, message="per-variant figures")
    assert described["Metrics"]["Invocations"] == 420
    pids = {v["VariantName"]: v["WorkerPids"] for v in described["ProductionVariants"]}

    # weights only: no process restarts, the split flips
    d = endpoints.update("split", {"ProductionVariants": [{"VariantName": "blue", "InitialVariantWeight": 3}, {"VariantName": "green", "InitialVariantWeight": 1}]}, wait=True, timeout=60)
    assert d["EndpointStatus"] == "InService" and d["FailureReason"] is None
    assert {v["VariantName"]: v["WorkerPids"] for v in d["ProductionVariants"]} == pids
    assert {v["VariantName"]: v["CurrentWeight"] for v in d["ProductionVariants"]} == {"blue": 3, "green": 1}
    blue_share = sum(post(url, "[]")[1]["x-labstudio-invoked-variant"] == "blue" for _ in range(200)) / 200
    assert 0.63 <= blue_share <= 0.87


class Load:
    """Clients hammering the endpoint: half on kept-alive connections, half reconnecting."""

    def __init__(self, url: str, threads: int = 4) -> None:
        self.port = int(url.rsplit(":", 1)[1])
        self.stop = threading.Event()
        self.results: list[tuple[float, int, float | None, str]] = []
        self.failures: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self._run, args=(i % 2 == 0,), daemon=True) for i in range(threads)]

    def __enter__(self) -> Load:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=30)

    def _run(self, keep_alive: bool) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn.request("POST", "/invocations", body=b"[]", headers={"Content-Type": "application/json"})
                response = conn.getresponse()
                body = response.read()
                value = json.loads(body)["value"] if response.status == 200 else None
                with self.lock:
                    self.results.append((started, response.status, value, response.getheader("X-Labstudio-Invoked-Variant") or ""))
                    if response.status != 200:
                        self.failures.append(f"{response.status} {body[:200]!r}")
            except Exception as exc:  # any failed request fails the test
                with self.lock:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                conn.close()
            if not keep_alive:
                conn.close()

    def count(self) -> int:
        with self.lock:
            return len(self.results)

    def values_since(self, moment: float) -> set[float | None]:
        with self.lock:
            return {value for started, _, value, _ in self.results if started >= moment}


def test_blue_green_updates_under_load_fail_no_request(endpoints, tmp_path: Path) -> None:
    v1, v2, v3 = (constant_model(tmp_path / f"v{i}", i) for i in (1, 2, 3))
    d = endpoints.create({"EndpointName": "bluegreen", "ProductionVariants": [_variant("blue", v1, instances=2)]}, wait=True, timeout=120)
    assert d["EndpointStatus"] == "InService", d
    url = d["EndpointUrl"]
    old_pids = d["ProductionVariants"][0]["WorkerPids"]

    with Load(url) as load:
        wait_for(lambda: load.count() > 50, timeout=30, message="load to start")

        # 1. swap the model of the only variant (no router before or after)
        d = endpoints.update("bluegreen", {"ProductionVariants": [_variant("blue", v2, instances=2)]}, wait=True, timeout=120)
        assert d["EndpointStatus"] == "InService" and d["FailureReason"] is None, d
        assert set(d["ProductionVariants"][0]["WorkerPids"]).isdisjoint(old_pids)
        settled = time.monotonic() + 3.0  # kept-alive connections of the old workers close on their next answer
        wait_for(lambda: time.monotonic() > settled and load.values_since(settled), timeout=30, message="answers after the swap")
        assert load.values_since(settled) == {2.0}

        # 2. add a variant: a router takes over the public socket
        d = endpoints.update("bluegreen", {"ProductionVariants": [{"VariantName": "blue"}, _variant("green", v3)]}, wait=True, timeout=120)
        assert [v["VariantName"] for v in d["ProductionVariants"]] == ["blue", "green"]
        settled = time.monotonic() + 3.0
        wait_for(lambda: time.monotonic() > settled and {2.0, 3.0} <= load.values_since(settled), timeout=30, message="both variants answering")

        # 3. a failing update rolls back: still serving, FailureReason says why
        broken = tmp_path / "broken"
        constant_model(broken, 0)
        (broken / "model" / "value.txt").write_text("not a number")
        d = endpoints.update("bluegreen", {"ProductionVariants": [_variant("blue", broken), {"VariantName": "green"}]}, wait=True, timeout=120)
        assert d["EndpointStatus"] == "InService" and "Update failed" in d["FailureReason"] and "could not convert" in d["FailureReason"]

        # 4. back to one variant: the router drains away
        d = endpoints.update("bluegreen", {"ProductionVariants": [{"VariantName": "green"}]}, wait=True, timeout=120)
        assert d["FailureReason"] is None and [v["VariantName"] for v in d["ProductionVariants"]] == ["green"]
        settled = time.monotonic() + 3.0
        wait_for(lambda: time.monotonic() > settled and load.count() > 0 and load.values_since(settled), timeout=30, message="answers after removal")
        assert load.values_since(settled) == {3.0}

    assert load.failures == [], load.failures[:5]
    assert load.count() > 200
