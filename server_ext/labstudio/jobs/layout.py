"""Paths of one job's tree (``<home>/jobs/<name>/``), shared by the service and the supervisor.

Its own module, with nothing but pathlib, because the supervisor needs these paths after the
script has started and must not pay for importing the job spec's validation (pydantic) on
its way to recording the job's end.
"""
from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

LEADER = "algo-1"
END_FILE = "ended"
END_POLL_SECONDS = 0.01  # how often a wait looks for an end marker (a stat of a local file)


def sleep_until_ended(marker: Path | Sequence[Path] | None, seconds: float) -> None:
    """Sleep up to `seconds`, but wake within END_POLL_SECONDS of `marker` (an END_FILE, or
    any of several: a pipeline runner waits on all its running steps) being created, so a
    wait returns at the end of what it waits on rather than a poll interval later. Only
    local files are looked at this often, never the store. Markers that are there already
    (left by an end the store did not take) don't count; with none left: just sleep."""
    markers = [marker] if isinstance(marker, Path) else list(marker or ())
    watched = [m for m in markers if not m.exists()]
    if not watched:
        time.sleep(seconds)
        return
    deadline = time.monotonic() + seconds
    while not any(m.exists() for m in watched):
        left = deadline - time.monotonic()
        if left <= 0:
            return
        time.sleep(min(END_POLL_SECONDS, left))


def host_dir(job_dir: Path, host: str | None) -> Path:
    """Where a host's own files live: the job's folder for algo-1 (as before multi-host
    jobs existed), `hosts/algo-k/` for the others."""
    return job_dir if host in (None, LEADER) else job_dir / "hosts" / str(host)


class Layout:
    """Paths of one job's tree, as one host (algo-1 by default) sees it.

    Every host of a multi-host job has its own /opt/ml, launch plan, pid file and supervisor
    log; they share the job's one log file.
    """

    def __init__(self, job_dir: Path, host: str | None = None) -> None:
        self.job_dir = job_dir
        self.host = host or LEADER
        self.host_dir = own = host_dir(job_dir, host)
        self.base = own / "opt" / "ml"
        self.input = self.base / "input"
        self.config = self.input / "config"
        self.data = self.input / "data"
        self.code = self.base / "code"
        self.model = self.base / "model"
        self.output = self.base / "output"
        self.output_data = self.output / "data"
        self.intermediate = self.output / "intermediate"
        self.failure_file = self.output / "failure"
        self.success_file = self.output / "success"
        self.log_file = job_dir / "output.log"
        self.supervisor_log = own / "supervisor.log"
        self.pid_file = own / "supervisor.pid"
        # Left by the supervisor once the job's end is in the store (or could not be put
        # there): what a wait watches, so it wakes at the end instead of a poll later.
        self.end_file = own / END_FILE
        self.scratch = own / "scratch"

    def for_host(self, host: str) -> Layout:
        """The same job's tree as another host sees it."""
        return Layout(self.job_dir, host)

    def channel(self, name: str) -> Path:
        return self.data / name
