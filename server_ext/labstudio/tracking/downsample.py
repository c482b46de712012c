"""Downsampling that keeps a curve's shape: min/max per bucket (exact envelope) or LTTB.

A chart a few hundred pixels wide cannot show 100,000 points, but it must still show the one
spike where the loss exploded. Taking every n-th point hides it; keeping each bucket's minimum
and maximum (at their own steps) draws the same envelope as the full series. Buckets come either
precomputed from the store (`run_metric_buckets`, see tables.py) or from raw points here.
LTTB (Steinarsson's largest-triangle-three-buckets) is offered for smoother-looking lines.

Every function returns at most `max_points` points, in step order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BIG = np.iinfo(np.int64).max


@dataclass
class Buckets:
    """Consecutive buckets of one series, as parallel arrays (NaN / -1 where a bucket has no such point)."""

    count: np.ndarray
    min_value: np.ndarray
    min_step: np.ndarray
    max_value: np.ndarray
    max_step: np.ndarray
    nan_count: np.ndarray
    nan_step: np.ndarray

    def __len__(self) -> int:
        return len(self.count)

    @classmethod
    def from_columns(cls, cols: np.ndarray) -> Buckets:
        """Columns (count, nan_count, nan_step, min_value, min_step, max_value, max_step) as floats;
        a step of -1 means the bucket has no such point (its value is then ignored)."""
        cnt, nan_cnt, nan_step, lo, lo_step, hi, hi_step = cols
        lo = np.where(lo_step < 0, np.nan, lo)
        hi = np.where(hi_step < 0, np.nan, hi)
        i64 = np.int64
        return cls(cnt.astype(i64), lo, lo_step.astype(i64), hi, hi_step.astype(i64), nan_cnt.astype(i64), nan_step.astype(i64))

    @classmethod
    def from_points(cls, steps: np.ndarray, values: np.ndarray, n_buckets: int) -> Buckets:
        """Equal-count buckets over raw points (in step order)."""
        n = len(values)
        n_buckets = max(1, min(n_buckets, n))
        starts = np.unique((np.arange(n_buckets) * n) // n_buckets)
        return _reduce(steps, values, starts)

    def merge_to(self, target: int) -> Buckets:
        """Fold consecutive buckets into `target` buckets (each taking one or more neighbours)."""
        n = len(self)
        if target >= n or n == 0:
            return self
        starts = np.unique((np.arange(max(1, target)) * n) // max(1, target))
        lo = np.fmin.reduceat(self.min_value, starts)
        hi = np.fmax.reduceat(self.max_value, starts)
        seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
        # the first bucket of the group that holds the group's extreme gives its step
        idx = np.arange(n)
        lo_i = np.minimum.reduceat(np.where(self.min_value == lo[seg], idx, _BIG), starts)
        hi_i = np.minimum.reduceat(np.where(self.max_value == hi[seg], idx, _BIG), starts)
        ext = lambda arr, at: np.where(at == _BIG, -1, arr[np.minimum(at, n - 1)])  # noqa: E731
        nan_step = np.minimum.reduceat(np.where(self.nan_count > 0, self.nan_step, _BIG), starts)
        return Buckets(
            np.add.reduceat(self.count, starts),
            lo,
            ext(self.min_step, lo_i),
            hi,
            ext(self.max_step, hi_i),
            np.add.reduceat(self.nan_count, starts),
            np.where(nan_step == _BIG, -1, nan_step),
        )

    def points(self, with_nan: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Each bucket's min and max points (one when they coincide), NaN markers, sorted by step."""
        has_lo = ~np.isnan(self.min_value)
        has_hi = ~np.isnan(self.max_value)
        distinct = has_hi & ((self.max_step != self.min_step) | ~has_lo)
        steps = [self.min_step[has_lo], self.max_step[distinct]]
        values = [self.min_value[has_lo], self.max_value[distinct]]
        if with_nan:
            nan = self.nan_count > 0
            steps.append(self.nan_step[nan])
            values.append(np.full(int(nan.sum()), np.nan))
        s = np.concatenate(steps)
        v = np.concatenate(values)
        order = np.argsort(s, kind="stable")
        return s[order], v[order]


def _reduce(steps: np.ndarray, values: np.ndarray, starts: np.ndarray) -> Buckets:
    n = len(values)
    seg = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, n)))
    pos = np.arange(n)
    lo = np.fmin.reduceat(values, starts)
    hi = np.fmax.reduceat(values, starts)
    lo_p = np.minimum.reduceat(np.where(values == lo[seg], pos, n), starts)
    hi_p = np.minimum.reduceat(np.where(values == hi[seg], pos, n), starts)
    steps_ext = np.append(steps, -1)
    nan = np.isnan(values)
    nan_step = np.minimum.reduceat(np.where(nan, steps, _BIG), starts)
    return Buckets(
        np.diff(np.append(starts, n)),
        lo,
        steps_ext[lo_p],
        hi,
        steps_ext[hi_p],
        np.add.reduceat(nan.astype(np.int64), starts),
        np.where(nan_step == _BIG, -1, nan_step),
    )


def minmax(buckets: Buckets, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Merge buckets until their min/max points (and NaN markers, when room is left) fit in max_points."""
    if max_points < 1:
        return np.array([], dtype=np.int64), np.array([], dtype=np.float64)
    target = max(1, max_points // 2)
    while True:
        merged = buckets.merge_to(target)
        steps, values = merged.points()
        if len(steps) <= max_points:
            return steps, values
        if target == 1:  # max_points of 1 or 2 cannot hold a NaN marker as well
            return merged.points(with_nan=False)
        # NaN markers took the room: fewer, wider buckets (at most 3 points each always fit)
        target = max(1, min(target - 1, (target * max_points) // len(steps)))


def lttb(x: np.ndarray, y: np.ndarray, max_points: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest-triangle-three-buckets over finite points; NaN points are left out."""
    keep = np.isfinite(y)
    x, y = x[keep], y[keep]
    n = len(x)
    if n <= max_points or max_points < 3:
        return (x, y) if n <= max_points else (x[[0, -1]][:max_points], y[[0, -1]][:max_points])
    xf = x.astype(np.float64)
    edges = np.linspace(1, n - 1, max_points - 1).astype(np.int64)
    out = [0]
    a = 0
    for i in range(max_points - 2):
        lo, hi = edges[i], max(edges[i + 1], edges[i] + 1)
        nlo, nhi = edges[i + 1], (edges[i + 2] if i + 2 < len(edges) else n)
        nhi = max(nhi, nlo + 1)
        cx, cy = xf[nlo:nhi].mean(), y[nlo:nhi].mean()
        area = np.abs((xf[a] - cx) * (y[lo:hi] - y[a]) - (xf[a] - xf[lo:hi]) * (cy - y[a]))
        a = lo + int(np.argmax(area))
        out.append(a)
    out.append(n - 1)
    idx = np.array(out)
    return x[idx], y[idx]


def downsample_points(steps: np.ndarray, values: np.ndarray, max_points: int, method: str = "minmax") -> tuple[np.ndarray, np.ndarray]:
    """Raw points (in step order) down to at most max_points."""
    if len(steps) <= max_points:
        return steps, values
    if method == "lttb":
        return lttb(steps, values, max_points)
    return minmax(Buckets.from_points(steps, values, max(1, max_points // 2)), max_points)


def downsample_buckets(buckets: Buckets, max_points: int, method: str = "minmax") -> tuple[np.ndarray, np.ndarray]:
    if method == "lttb":
        steps, values = buckets.points(with_nan=False)
        return lttb(steps, values, max_points)
    return minmax(buckets, max_points)
