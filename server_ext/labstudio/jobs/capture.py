"""Metrics from log lines, by the job's metric definitions (SageMaker's MetricDefinitions)."""
from __future__ import annotations

import re
import time
from typing import NamedTuple


class Captured(NamedTuple):
    """A point captured from a log line (kept free of the store so the supervisor starts fast)."""

    key: str
    value: float
    step: int
    timestamp: float


class MetricCapture:
    """Each line is matched against every definition; the first group is the value.

    The step of a point is the number of earlier matches of that metric, as the contract says.
    """

    def __init__(self, definitions: list[dict[str, str]]) -> None:
        self._defs = [(d["Name"], re.compile(d["Regex"])) for d in definitions]
        self._counts: dict[str, int] = {}

    def __bool__(self) -> bool:
        return bool(self._defs)

    def feed(self, line: str, now: float | None = None) -> list[Captured]:
        points: list[Captured] = []
        for name, regex in self._defs:
            match = regex.search(line)
            if match is None:
                continue
            try:
                value = float(match.group(1))
            except (TypeError, ValueError, IndexError):
                continue
            step = self._counts.get(name, 0)
            self._counts[name] = step + 1
            points.append(Captured(name, value, step, time.time() if now is None else now))
        return points
