"""The backend interface: submit, stop, liveness and logs, as small as Ray's job client.

A backend never writes the store itself: whatever runs the job reports through
`jobs.recorder.JobRecorder`, and the service calls these methods.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

from ...store.entities import Job
from ..contract import Layout


class Backend(ABC):
    name: str
    # Whether what runs a job is a process of the submitting machine (its row then records
    # that machine, and other machines sharing the store judge it by heartbeat: machines.py).
    machine_bound: bool = False

    @abstractmethod
    def submit(self, job: Job, layout: Layout) -> None:
        """Start running a job whose tree and spec.json are prepared; return without waiting."""

    @abstractmethod
    def stop(self, job: Job, layout: Layout) -> None:
        """Ask the job to stop; the runner records Stopping/Stopped."""

    @abstractmethod
    def is_alive(self, job: Job, layout: Layout) -> bool | None:
        """Whether whatever runs the job still exists (None: cannot tell yet)."""

    @abstractmethod
    def cleanup_dead(self, job: Job, layout: Layout) -> None:
        """Make sure nothing of a job whose runner died keeps running."""

    def check_submit(self) -> None:
        """Before a job's folder or row exists: raise Invalid when this backend cannot take jobs
        now (a cluster that does not answer), so nothing is created for a job that cannot run."""
        return None

    def dead_reason(self, job: Job, layout: Layout) -> str | None:
        """Why `is_alive` last answered False for this job, when the backend knows better than
        "the supervisor ended" (a lost node); None: the service's own message."""
        return None

    def runner_pid(self, job: Job, layout: Layout) -> int | None:
        """The pid of whatever runs the job, when one is known (for messages)."""
        return job.supervisor_pid
