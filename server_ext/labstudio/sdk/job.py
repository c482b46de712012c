"""A handle on one training job: describe, wait (widget or text), stop, logs, model data.

This is SageMaker's ``estimator.latest_training_job`` and what ``%train`` returns. Waiting
never owns the job: Ctrl-C (or the kernel's interrupt) stops the waiting, says how to stop
the job, and re-raises KeyboardInterrupt so the rest of the cell or script does not run
against a job that is still training.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..humanize import job_summary
from ..shapes.common import to_json
from ..status import JobStatus
from .exceptions import UnexpectedStatusException
from .frontend import display, in_notebook
from .session import core_of

if TYPE_CHECKING:
    from ..core import Core

LOG_MODES = ("All", "Training", "None", "Rules")
ALLOWED_END = (JobStatus.COMPLETED, JobStatus.STOPPED)


def normalize_logs(logs: Any) -> str:
    """SageMaker accepts True/False and 'All'/'Training'/'Rules'/'None'."""
    if logs is True:
        return "All"
    if logs is False or logs is None:
        return "None"
    if logs not in LOG_MODES:
        raise ValueError(f"logs must be one of {', '.join(LOG_MODES)} (or True/False), got {logs!r}")
    return str(logs)


def stop_hint(name: str) -> str:
    return f"estimator.latest_training_job.stop(), %stop {name}, or `labstudio jobs stop {name}`"


class TrainingJob:
    """SageMaker's ``_TrainingJob``: ``.name``, ``.describe()``, ``.wait()``, ``.stop()``."""

    def __init__(self, name: str, sagemaker_session: Any = None, output_path: str | None = None) -> None:
        self.name = name
        self.sagemaker_session = sagemaker_session
        self.output_path = output_path
        self._exported: str | None = None

    @property
    def job_name(self) -> str:
        return self.name

    @property
    def core(self) -> Core:
        return core_of(self.sagemaker_session)

    def __repr__(self) -> str:
        try:
            status: str = self.core.jobs.get(self.name).status
        except Exception:
            status = "?"
        return f"<TrainingJob {self.name} ({status})>"

    # -- read ---------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """DescribeTrainingJob-shaped dict."""
        described: dict[str, Any] = to_json(self.core.jobs.describe(self.name))
        return described

    @property
    def status(self) -> str:
        return self.core.jobs.get(self.name).status

    def logs(self) -> str:
        """The whole log so far, as text."""
        out, offset = [], 0
        while True:
            chunk = self.core.jobs.logs(self.name, offset)
            out.append(chunk.text)
            if not chunk.text:
                return "".join(out)
            offset = chunk.next_offset

    def metrics(self) -> list[dict[str, Any]]:
        return [to_json(series) for series in self.core.jobs.metrics(self.name)]

    @property
    def model_data(self) -> str | None:
        """The model archive once the job completed (copied under output_path when one was given)."""
        described = self.describe()
        if described["TrainingJobStatus"] != JobStatus.COMPLETED:
            return None
        return self._export(described) or described["ModelArtifacts"]["S3ModelArtifacts"]

    def monitor(self, **kwargs: Any) -> Any:
        """A live JobMonitor widget for this job."""
        from ..widgets import JobMonitor

        return JobMonitor(self, **kwargs)

    # -- control ------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the supervisor to stop the job (SIGTERM, then SIGKILL after the grace period)."""
        self.core.jobs.stop(self.name)

    def wait(self, logs: Any = "All") -> None:
        """Block until the job ends; a live widget in a notebook, the log as text elsewhere.

        Raises UnexpectedStatusException when it Failed (Stopped is accepted, as in SageMaker).
        """
        mode = normalize_logs(logs)
        try:
            if in_notebook():
                described = self._wait_widget()
            else:
                described = self._wait_text(print_logs=mode != "None")
        except KeyboardInterrupt:
            print(
                f"\nStopped waiting for training job {self.name}; the job keeps running. "
                f"To stop it: {stop_hint(self.name)}.",
                file=sys.stderr,
                flush=True,
            )
            raise
        self._export(described)
        check_status(described)

    def _wait_widget(self) -> dict[str, Any]:
        monitor = self.monitor()
        display(monitor)
        jobs = self.core.jobs
        supervisor_dead = jobs.liveness_check(self.name)  # no server may be running to notice
        while not jobs.get(self.name).is_terminal:
            if not supervisor_dead():
                jobs.pause(self.name, 0.5)  # woken by the job's end, not half a second later
        monitor.refresh()  # the final state is on screen (and in the saved widget state) before we return
        monitor.stop_polling()
        described: dict[str, Any] = to_json(jobs.describe(self.name))
        print(summary_line(described), flush=True)
        return described

    def _wait_text(self, print_logs: bool) -> dict[str, Any]:
        if print_logs:
            from ..cli.jobs import follow_logs

            described = follow_logs(self.core, self.name)
        else:
            described = to_json(self.core.jobs.wait(self.name, poll=0.5))
        print(summary_line(described), flush=True)
        return described

    # -- output_path ----------------------------------------------------------------

    def _export(self, described: dict[str, Any]) -> str | None:
        """Copy the archives to ``<output_path>/<job>/output/`` once, as SageMaker lays them out."""
        if not self.output_path or described["TrainingJobStatus"] != JobStatus.COMPLETED:
            return None
        if self._exported:
            return self._exported
        base = self.output_path.rstrip("/") + f"/{self.name}/output"
        model_uri = None
        for key, sub in (("ModelArtifacts", "S3ModelArtifacts"), ("OutputArtifacts", "S3OutputArtifacts")):
            source = (described.get(key) or {}).get(sub)
            if not source:
                continue
            dest = f"{base}/{Path(source).name}"
            if source == dest:  # the job wrote it there itself (a remote output_path)
                model_uri = dest if key == "ModelArtifacts" else model_uri
                continue
            _copy_uri(source, dest)
            if key == "ModelArtifacts":
                model_uri = dest
        self._exported = model_uri
        return model_uri


def _copy_uri(source: str, dest: str) -> None:
    from ..artifacts import open_uri
    from .inputs import file_uri_path

    local = file_uri_path(dest)
    if "://" not in local:  # written under a temporary name: a full disk leaves no half archive, and says so
        from .. import safe_write
        from ..diskfull import full_message, is_disk_full
        from ..errors import DiskFull

        try:
            folder = safe_write.open_dir(os.path.dirname(os.path.abspath(local)), exact=False)
            try:
                with open_uri(source) as src, safe_write.creating(folder, os.path.basename(local)) as out:
                    shutil.copyfileobj(src, out)
            finally:
                os.close(folder)
        except OSError as exc:
            if is_disk_full(exc) and not isinstance(exc, DiskFull):
                raise DiskFull(full_message("an archive", local)) from exc
            raise
        return
    import fsspec

    with open_uri(source) as src, fsspec.open(dest, "wb") as out:
        shutil.copyfileobj(src, out)


def summary_line(described: dict[str, Any]) -> str:
    """How the job ended, in the same words as ``labstudio train --wait``."""
    return job_summary(described)


def check_status(described: dict[str, Any]) -> None:
    status = described["TrainingJobStatus"]
    if status in ALLOWED_END:
        return
    name = described["TrainingJobName"]
    raise UnexpectedStatusException(
        f"Error for Training job {name}: {status}. Reason: {described.get('FailureReason') or 'unknown'}. "
        f"See the log with %logs {name} or `labstudio jobs logs {name}`.",
        allowed_statuses=list(ALLOWED_END),
        actual_status=status,
    )
