"""The levels of the bucket table tracking adds (migration 0002_tracking; `run_metric_buckets` in store/schema.py).

Comparing a hundred runs of a hundred thousand points each cannot read ten million rows in
the 200 ms a chart may take, so every write also folds its points into buckets of 2^level
consecutive points (by arrival order within the series) at several levels, each keeping the
bucket's min and max with their steps, its NaN count and its step range. A chart then reads a
few hundred bucket rows per series and still shows every spike: min/max per bucket is exact,
not sampled.
"""
from __future__ import annotations

from ..store.ingest import LEVELS

__all__ = ["LEVELS"]
