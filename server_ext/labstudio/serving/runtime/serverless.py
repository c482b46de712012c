"""Serverless variants: a worker only while there is traffic, a memory limit, a concurrency cap.

A serverless endpoint always has the router in front (runtime/router.py), because with no
worker nobody else would accept its connections. The router answers 429 (SageMaker's
ThrottlingException) beyond ``MaxConcurrency``, and tells the supervisor when requests
arrive (``demand``) and when the variant has none left in flight (``idle``). The supervisor
starts a worker on demand when the variant has none (a cold start: the request waits in the
variant's socket queue until the worker accepts it, once the model is loaded) and drains the
worker after ``LABSTUDIO_SERVERLESS_IDLE_SECONDS`` without traffic.

``MemorySizeInMB`` is enforced on the worker with ``RLIMIT_DATA`` (the process's heap and
private anonymous memory, what a model's arrays use; code and shared libraries mapped from
files do not count): an allocation past it fails with ``MemoryError``, which the worker
answers with a message naming the limit (``memory_message``).

The figures (cold starts, their duration, throttles, the current worker count) are written by
the supervisor to ``<endpoint>/stats/serverless-<variant>.json``; ``describe`` reads them.
"""
from __future__ import annotations

import json
import os
import resource
import time
from pathlib import Path
from typing import Any

LIMIT_MB: int | None = None  # this worker's MemorySizeInMB (set in the worker after fork)


def limit_memory(memory_mb: int) -> None:
    """Cap this process's data memory at ``memory_mb`` (called in a serverless worker right after fork)."""
    global LIMIT_MB
    LIMIT_MB = int(memory_mb)
    size = LIMIT_MB * 1024 * 1024
    try:
        resource.setrlimit(resource.RLIMIT_DATA, (size, size))
    except (ValueError, OSError):  # a hard limit already below: keep it (it is stricter)
        pass


def memory_message(where: str) -> str:
    """What a MemoryError becomes in a serverless worker's answer."""
    if LIMIT_MB is None:
        return f"{where} ran out of memory (MemoryError)"
    return (
        f"{where} ran out of memory: the variant's worker may use {LIMIT_MB} MB (its ServerlessConfig.MemorySizeInMB); "
        "update the endpoint with a larger MemorySizeInMB (up to 6144) or send smaller requests"
    )


def figures_path(stats_dir: Path, variant: str) -> Path:
    return stats_dir / f"serverless-{variant}.json"


class Figures:
    """One serverless variant's figures, kept by the supervisor."""

    def __init__(self, stats_dir: Path, variant: str) -> None:
        self.path = figures_path(stats_dir, variant)
        self.cold_starts = 0
        self.cold_start_ms_sum = 0.0
        self.last_cold_start_ms: float | None = None
        self.throttles = 0
        self.instances = 0
        try:  # an update keeps the variant's history
            old = json.loads(self.path.read_text())
            self.cold_starts = int(old.get("cold_starts", 0))
            self.cold_start_ms_sum = float(old.get("cold_start_ms_sum", 0.0))
            self.last_cold_start_ms = old.get("last_cold_start_ms")
            self.throttles = int(old.get("throttles", 0))
        except (OSError, ValueError):
            pass

    def cold_start(self, ms: float) -> None:
        self.cold_starts += 1
        self.cold_start_ms_sum += ms
        self.last_cold_start_ms = round(ms, 3)

    def write(self, instances: int) -> None:
        self.instances = instances
        data = {
            "cold_starts": self.cold_starts, "cold_start_ms_sum": self.cold_start_ms_sum, "last_cold_start_ms": self.last_cold_start_ms,
            "throttles": self.throttles, "instances": instances, "updated": time.time(),
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".{self.path.name}.tmp")
            tmp.write_text(json.dumps(data))
            os.replace(tmp, self.path)
        except OSError:
            pass


def read(stats_dir: Path, variant: str) -> dict[str, Any]:
    """The figures as describe shows them (ServerlessMetrics), and the current worker count."""
    try:
        data = json.loads(figures_path(stats_dir, variant).read_text())
    except (OSError, ValueError):
        data = {}
    count = int(data.get("cold_starts", 0))
    return {
        "ColdStarts": count,
        "LastColdStartMs": data.get("last_cold_start_ms"),
        "ColdStartAverageMs": round(float(data.get("cold_start_ms_sum", 0.0)) / count, 3) if count else None,
        "Throttles": int(data.get("throttles", 0)),
        "CurrentInstanceCount": int(data.get("instances", 0)),
    }
