"""What every benchmark here shares, so that none of them flatters us.

* Peers and floors are measured in interleaved rounds (labstudio, peer, floor, then again),
  with the order rotated each round, so a change of load hits every side alike instead of
  one side's whole half.
* Every figure is a median over the rounds, printed with its range (min-max); never a best-of.
* The load average is printed when a run starts and when it ends: figures measured on a busy
  machine are pessimistic, and the reader must be able to tell.
* Each figure is printed next to its peer and its floor with the ratio, and the goal it is
  held to is named with "met" or "NOT met".
"""
from __future__ import annotations

import os
import statistics
import sys
import time
import traceback
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

MIN_ROUNDS = 3  # medians of at least this many rounds, or the run says its figures are not to be quoted


def load_average() -> str:
    """The 1, 5 and 15-minute load averages and the CPU count, as one phrase."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min) on {os.cpu_count()} CPUs"


def print_load(when: str) -> None:
    """Print the load average, labelled with when (start, end) it was read."""
    print(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] {when}: {load_average()}", flush=True)


def check_rounds(rounds: int) -> None:
    """Say plainly when a run is too short to quote (a smoke run, `--quick`)."""
    if rounds < MIN_ROUNDS:
        print(f"note: {rounds} round(s) only: these figures are a smoke run, not medians of {MIN_ROUNDS}; do not quote them", flush=True)


@dataclass
class Series:
    """The values of one figure over the rounds."""

    values: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.values)

    @property
    def low(self) -> float:
        return min(self.values)

    @property
    def high(self) -> float:
        return max(self.values)

    def show(self, scale: float = 1.0, digits: int = 0, unit: str = "") -> str:
        """`median (min-max) unit`, scaled (e.g. 1000 for seconds shown as ms)."""
        if not self.values:
            return "-"
        m, lo, hi = (v * scale for v in (self.median, self.low, self.high))
        text = f"{m:,.{digits}f} ({lo:,.{digits}f}-{hi:,.{digits}f})"
        return f"{text} {unit}".rstrip()


Figures = dict[str, Series]  # figure name -> its values over the rounds


class Rounds:
    """Runs named steps in interleaved rounds and keeps every figure they return.

    A step returns one float (its figure is named "value") or a dict of named figures. A step
    marked optional (a peer that may be missing or break on a busy machine) is dropped with its
    reason printed when it raises; any other step's failure ends the run.
    """

    def __init__(self, rounds: int, label: str = "") -> None:
        self.rounds = rounds
        self.label = label
        self.results: dict[str, Figures] = {}
        self.failed: dict[str, str] = {}

    def run(self, steps: Mapping[str, Callable[[], float | Mapping[str, float]]], optional: Iterable[str] = ()) -> dict[str, Figures]:
        names = list(steps)
        optional = set(optional)
        for r in range(self.rounds):
            shift = r % len(names)
            order = names[shift:] + names[:shift]  # rotated: no side always runs first or last
            for name in order:
                if name in self.failed:
                    continue
                print(f"  {self.label} round {r + 1}/{self.rounds}: {name}", file=sys.stderr, flush=True)
                try:
                    got = steps[name]()
                except Exception as exc:
                    if name not in optional:
                        raise
                    self.failed[name] = f"{type(exc).__name__}: {exc}"
                    print(f"  {name} failed and is left out: {self.failed[name]}", file=sys.stderr, flush=True)
                    traceback.print_exc(file=sys.stderr)
                    continue
                figures = self.results.setdefault(name, {})
                for key, value in (got.items() if isinstance(got, Mapping) else [("value", got)]):
                    figures.setdefault(key, Series()).values.append(float(value))
        return self.results

    def get(self, name: str, figure: str = "value") -> Series | None:
        return self.results.get(name, {}).get(figure)


def ratio(mine: Series | None, other: Series | None, digits: int = 2) -> str:
    """mine / other of the medians, as `1.23x`; `-` when either side is missing."""
    if mine is None or other is None or not mine.values or not other.values or other.median == 0:
        return "-"
    return f"{mine.median / other.median:,.{digits}f}x"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    """Print a plain left-aligned table."""
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print("  ".join(str(h).ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)), flush=True)
