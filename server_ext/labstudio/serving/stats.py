"""Per-variant figures: request count, errors and a latency histogram that merges across workers.

Each worker keeps counters and a fixed log-scale histogram (5 % wide buckets from 10 us to
10 min) and writes them to ``<endpoint dir>/stats/<variant>/<pid>.json`` about once a second
when they changed. Fixed buckets are what make the figures of many workers (and of workers
that have since exited) add up exactly; percentiles are read from the merged buckets, so
they are within 5 % of the true value. Recording a request costs one bisect.
"""
from __future__ import annotations

import bisect
import json
import math
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

_FACTOR = 1.05
_LOW_MS = 0.01
BOUNDS_MS: list[float] = [_LOW_MS * _FACTOR**i for i in range(int(math.log(600_000 / _LOW_MS, _FACTOR)) + 2)]


class VariantStats:
    """A worker's figures. Its IO loops may be two for a while (runtime/worker.py: a loop that
    stalled winds down while another serves), hence the lock; uncontended, it costs nanoseconds."""

    __slots__ = ("count", "errors_4xx", "errors_5xx", "buckets", "latency_sum_ms", "dirty", "started", "lock")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.count = 0
        self.errors_4xx = 0
        self.errors_5xx = 0
        self.buckets: dict[int, int] = {}
        self.latency_sum_ms = 0.0
        self.dirty = False
        self.started = time.time()

    def record(self, status: int, latency_ms: float) -> None:
        index = bisect.bisect_left(BOUNDS_MS, latency_ms)
        with self.lock:
            self.count += 1
            if status >= 500:
                self.errors_5xx += 1
            elif status >= 400:
                self.errors_4xx += 1
            self.buckets[index] = self.buckets.get(index, 0) + 1
            self.latency_sum_ms += latency_ms
            self.dirty = True

    def to_json(self) -> dict[str, Any]:
        with self.lock:
            return {
                "count": self.count,
                "errors_4xx": self.errors_4xx,
                "errors_5xx": self.errors_5xx,
                "latency_sum_ms": self.latency_sum_ms,
                "buckets": {str(k): v for k, v in self.buckets.items()},
                "started": self.started,
                "updated": time.time(),
            }

    def flush(self, path: Path) -> None:
        if not self.dirty:
            return
        self.dirty = False
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(self.to_json()))
        os.replace(tmp, path)


def _percentile(buckets: dict[int, int], total: int, q: float) -> float | None:
    if total == 0:
        return None
    rank = math.ceil(q * total)
    seen = 0
    for index in sorted(buckets):
        seen += buckets[index]
        if seen >= rank:
            return round(BOUNDS_MS[min(index, len(BOUNDS_MS) - 1)], 3)
    return round(BOUNDS_MS[-1], 3)


def merge(snapshots: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Figures of one variant from its workers' snapshots (SageMaker CloudWatch-like names)."""
    count = errors_4xx = errors_5xx = 0
    total_ms = 0.0
    buckets: dict[int, int] = {}
    for snap in snapshots:
        count += int(snap.get("count", 0))
        errors_4xx += int(snap.get("errors_4xx", 0))
        errors_5xx += int(snap.get("errors_5xx", 0))
        total_ms += float(snap.get("latency_sum_ms", 0.0))
        for key, value in (snap.get("buckets") or {}).items():
            buckets[int(key)] = buckets.get(int(key), 0) + int(value)
    return {
        "Invocations": count,
        "Errors": errors_4xx + errors_5xx,
        "Invocation4XXErrors": errors_4xx,
        "Invocation5XXErrors": errors_5xx,
        "LatencyAverageMs": round(total_ms / count, 3) if count else None,
        "LatencyP50Ms": _percentile(buckets, count, 0.50),
        "LatencyP90Ms": _percentile(buckets, count, 0.90),
        "LatencyP99Ms": _percentile(buckets, count, 0.99),
    }


def read_variant(stats_dir: Path, variant: str) -> dict[str, Any]:
    snapshots = []
    folder = stats_dir / variant
    if folder.is_dir():
        for path in folder.glob("*.json"):
            try:
                snapshots.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                continue  # a file being replaced right now: the next read has it
    return merge(snapshots)


def totals(stats_dir: Path, variant: str | None = None) -> dict[str, Any]:
    """The raw running totals (requests, 4xx, 5xx, latency buckets) of one variant, or of every
    variant with None: what a window's figures are computed from (``window``)."""
    count = errors_4xx = errors_5xx = 0
    buckets: dict[int, int] = {}
    folders = [stats_dir / variant] if variant else ([p for p in stats_dir.iterdir() if p.is_dir()] if stats_dir.is_dir() else [])
    for folder in folders:
        for path in folder.glob("*.json") if folder.is_dir() else ():
            try:
                snap = json.loads(path.read_text())
            except (OSError, ValueError):
                continue
            count += int(snap.get("count", 0))
            errors_4xx += int(snap.get("errors_4xx", 0))
            errors_5xx += int(snap.get("errors_5xx", 0))
            for key, value in (snap.get("buckets") or {}).items():
                buckets[int(key)] = buckets.get(int(key), 0) + int(value)
    return {"count": count, "errors_4xx": errors_4xx, "errors_5xx": errors_5xx, "buckets": buckets}


def window(start: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
    """Figures of the requests between two ``totals``: counts, and the p99 latency in ms (None without requests)."""
    buckets = {k: v - start["buckets"].get(k, 0) for k, v in end["buckets"].items() if v - start["buckets"].get(k, 0) > 0}
    count = max(0, end["count"] - start["count"])
    return {
        "Invocations": count,
        "Invocation4XXErrors": max(0, end["errors_4xx"] - start["errors_4xx"]),
        "Invocation5XXErrors": max(0, end["errors_5xx"] - start["errors_5xx"]),
        "LatencyP99Ms": _percentile(buckets, sum(buckets.values()), 0.99),
    }
