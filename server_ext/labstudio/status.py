"""The words a job's status is written in, as types.

Every kind of job (training, processing, transform, a tuning job and its trials) moves
through SageMaker's five statuses; a host of a multi-host job waits as Pending first. The
enums are `str` subclasses whose values are SageMaker's words, so the store, JSON, events and
comparisons with plain strings keep working unchanged (`JobStatus.COMPLETED == "Completed"`),
while the code names them once and asks `is_terminal()` instead of keeping its own tuple.

Standard library only (enum is already loaded by `signal`): the supervisor uses these before
the script starts.
"""
from __future__ import annotations

from enum import Enum


class _Words(str, Enum):
    """A str-valued enum that prints and formats as its word on every Python we support
    (3.10's mixin formats the value, 3.12's would print `JobStatus.COMPLETED`)."""

    def __str__(self) -> str:
        return str.__str__(self)

    def __format__(self, spec: str) -> str:
        return str.__format__(str.__str__(self), spec)


class JobStatus(_Words):
    """A job's (and a tuning job's, and a run's) status: SageMaker's five words."""

    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"

    def is_terminal(self) -> bool:
        """Whether the job has ended (nothing will change its status again)."""
        return self in _TERMINAL

    def is_active(self) -> bool:
        """Whether something still runs the job (InProgress or Stopping): the opposite of terminal."""
        return self not in _TERMINAL

    @classmethod
    def terminal(cls) -> tuple[JobStatus, ...]:
        """The statuses a job ends in (for store queries and filters)."""
        return _TERMINAL

    @classmethod
    def active(cls) -> tuple[JobStatus, ...]:
        """The statuses of a job something still runs."""
        return (cls.IN_PROGRESS, cls.STOPPING)

    @classmethod
    def of(cls, word: str) -> JobStatus:
        """The status a stored word names (raises ValueError for a word that is none)."""
        return cls(word)


_TERMINAL = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.STOPPED)


class HostStatus(_Words):
    """One host of a job (algo-k): Pending until its supervisor starts the script, then the
    job's words."""

    PENDING = "Pending"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPED = "Stopped"

    def is_terminal(self) -> bool:
        return self in (HostStatus.COMPLETED, HostStatus.FAILED, HostStatus.STOPPED)

    @classmethod
    def terminal(cls) -> tuple[HostStatus, ...]:
        return (cls.COMPLETED, cls.FAILED, cls.STOPPED)


class SecondaryStatus(_Words):
    """SageMaker's SecondaryStatus: the step a job is at, and how it ended."""

    STARTING = "Starting"
    DOWNLOADING = "Downloading"
    TRAINING = "Training"
    PROCESSING = "Processing"  # a processing job's script runs
    TRANSFORMING = "Transforming"  # a transform job's runner runs
    UPLOADING = "Uploading"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    MAX_RUNTIME_EXCEEDED = "MaxRuntimeExceeded"
    COMPLETED = "Completed"
    FAILED = "Failed"


__all__ = ["HostStatus", "JobStatus", "SecondaryStatus"]
