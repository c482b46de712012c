"""Paths of one job's tree (``<home>/jobs/<name>/``), shared by the service and the supervisor.

Its own module, with nothing but pathlib, because the supervisor needs these paths after the
script has started and must not pay for importing the job spec's validation (pydantic) on
its way to recording the job's end.
"""
from __future__ import annotations

from pathlib import Path


class Layout:
    """Paths of one job's tree."""

    def __init__(self, job_dir: Path) -> None:
        self.job_dir = job_dir
        self.base = job_dir / "opt" / "ml"
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
        self.supervisor_log = job_dir / "supervisor.log"
        self.pid_file = job_dir / "supervisor.pid"
        self.scratch = job_dir / "scratch"

    def channel(self, name: str) -> Path:
        return self.data / name
