"""What the SDK's handles on processing and transform jobs share: describe, status, logs, stop, wait.

Both kinds run on the job engine and their services answer the same calls, so
``ProcessingJob`` and ``TransformJob`` differ only in the service they call, the names in
their messages and how a finished job is summed up. (The training job's handle, sdk/job.py,
also exports archives and shows a widget: it stays its own.)
"""
from __future__ import annotations

import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..jobs import kinds
from ..shapes.common import to_json
from ..status import JobStatus
from .exceptions import UnexpectedStatusException
from .job import normalize_logs
from .session import core_of

if TYPE_CHECKING:
    from ..core import Core

ALLOWED_END = (JobStatus.COMPLETED, JobStatus.STOPPED)


def check_end(described: Mapping[str, Any], noun: str, group: str) -> None:
    """Raise UnexpectedStatusException unless the job Completed or was Stopped (as SageMaker
    accepts); `noun` is the describe keys' stem ("ProcessingJob"), `group` the CLI group."""
    status = described[f"{noun}Status"]
    if status in ALLOWED_END:
        return
    name = described[f"{noun}Name"]
    raise UnexpectedStatusException(
        f"Error for {noun[:-3]} job {name}: {status}. Reason: {described.get('FailureReason') or 'unknown'}. "
        f"See the log with `labstudio {group} logs {name}`.",
        allowed_statuses=list(ALLOWED_END),
        actual_status=status,
    )


class KindJobHandle(ABC):
    """A handle on one job of a kind: subclasses set the class attributes and `_summary`."""

    KIND: ClassVar[str]  # the job-kind registry's name of the kind (jobs/kinds.py): "processing"
    STOP_HINT: ClassVar[str]  # how the SDK stops it, e.g. "processor.latest_job.stop()"
    WAIT_POLL: ClassVar[float] = 0.25

    job_name: str
    sagemaker_session: Any

    @property
    def core(self) -> Core:
        return core_of(self.sagemaker_session)

    @property
    def NOUN(self) -> str:  # named as the class attributes it replaced
        """The describe keys' stem: "ProcessingJob" (the registry's)."""
        return kinds.get(self.KIND).stem

    @property
    def GROUP(self) -> str:
        """The CLI group: `labstudio <GROUP> stop NAME` (the registry's)."""
        return kinds.get(self.KIND).group

    def _service(self) -> Any:
        return self.core.job_service(self.KIND)

    def __repr__(self) -> str:
        try:
            status = self._service().get(self.job_name).status
        except Exception:
            status = "?"
        return f"<{type(self).__name__} {self.job_name} ({status})>"

    def describe(self) -> dict[str, Any]:
        """The Describe<Kind>Job-shaped dict."""
        described: dict[str, Any] = to_json(self._service().describe(self.job_name))
        return described

    @property
    def status(self) -> str:
        status: str = self._service().get(self.job_name).status
        return status

    def logs(self) -> str:
        """The whole log so far, as text."""
        out, offset = [], 0
        while True:
            chunk = self._service().logs(self.job_name, offset)
            out.append(chunk.text)
            if not chunk.text:
                return "".join(out)
            offset = chunk.next_offset

    def stop(self) -> None:
        """Ask the supervisor to stop the job (SIGTERM, then SIGKILL after the grace period)."""
        self._service().stop(self.job_name)

    @abstractmethod
    def _summary(self, described: Mapping[str, Any]) -> str:
        """One line saying how the job ended (the kind's CLI prints the same after --wait)."""

    def _wait(self, logs: Any) -> dict[str, Any]:
        """Block until the job ends, printing its log (unless ``logs=False``) and its summary.

        Raises UnexpectedStatusException when it Failed (Stopped is accepted, as in SageMaker).
        Interrupting the wait leaves the job running and says how to stop it."""
        from ..cli.jobkind import follow_logs

        mode = normalize_logs(logs)
        service = self._service()
        # `transformer.transform()` (which waits) then `transformer.wait()`, as SageMaker's examples
        # write it, would print the whole log and summary twice: once this handle has shown the
        # job's end, a later wait only checks how it ended (SageMaker's local mode prints nothing either).
        shown = getattr(self, "_end_shown", False)
        try:
            if mode != "None" and not shown:
                described = follow_logs(service, self.job_name)
            else:
                described = to_json(service.wait(self.job_name, poll=self.WAIT_POLL))
        except KeyboardInterrupt:
            print(
                f"\nStopped waiting for {self.NOUN[:-3].lower()} job {self.job_name}; the job keeps running. To stop it: "
                f"{self.STOP_HINT} or `labstudio {self.GROUP} stop {self.job_name}`.",
                file=sys.stderr,
                flush=True,
            )
            raise
        if not shown:
            print(self._summary(described), flush=True)
            self._end_shown = mode != "None"  # a wait with logs=False has not shown the log yet
        check_end(described, self.NOUN, self.GROUP)
        return described


__all__ = ["ALLOWED_END", "KindJobHandle", "check_end"]
