"""The supervisor of a transform job: the engine's, with the transform's steps and ending.

The runner (transform/runner.py) is the job's script; this class only changes what is
recorded: no input channels to link, a "Transforming" step, and no model or output archive
to pack at the end (the outputs are the .out files the runner wrote).
"""
from __future__ import annotations

import time

from ..jobs.supervisor import Supervisor


class TransformSupervisor(Supervisor):
    NOUN = "Transform job"

    def _prepare_inputs(self) -> None:
        """Nothing to link: the runner reads the input where it is."""

    def _start_steps(self, t_inputs: float, t_started: float) -> list[tuple[str, float, str]]:
        return [("Transforming", t_started, "Transforming the input records")]

    def _finish(self, outcome: str, tail: str) -> int:
        from ..diskfull import explain
        from ..jobs.failure import failure_reason

        assert self.proc is not None
        code = self.proc.returncode
        reason = None
        if outcome == "stopped":
            status, secondary, message = "Stopped", "Stopped", "Transform job stopped by request"
        elif outcome == "disk_full":
            status, secondary, message, reason = "Failed", "Failed", "Transform job failed", self._disk_full
        elif outcome == "max_runtime":
            status, secondary, message = "Stopped", "MaxRuntimeExceeded", "Transform job stopped: it ran past its time limit"
        elif code == 0:
            status, secondary, message = "Completed", "Completed", "Transform job completed"
        else:
            status, secondary, message = "Failed", "Failed", "Transform job failed"
            reason = explain(failure_reason(code, self.layout.failure_file, tail).replace("the training script", "the transform"), self.job_dir)
        recorder = self._connect()
        self._durably(
            lambda: recorder.finish(
                status=status,
                secondary=secondary,
                message=message,
                failure_reason=reason,
                exit_code=code,
                end_time=self._script_ended or time.time(),
                log_uri=str(self.layout.log_file),
            ),
            self._lost_end(status, reason),
        )
        return 0
