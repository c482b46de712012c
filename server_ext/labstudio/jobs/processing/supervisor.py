"""The supervisor of a processing job: the training supervisor, with the processing contract
around the script. Inputs are copied in once the job has a slot (before the script), outputs
copied out after a script that succeeded, and ExitMessage/FailureReason recorded at the end.

Standard library until the script has started, like jobs/supervisor.py.
"""
from __future__ import annotations

import os
import shutil
import time

from ..supervisor import Supervisor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from ...store.db import Connection
    from .layout import ProcessingLayout

MAX_REASON = 1024


class InputCopyError(Exception):
    """An input could not be copied in: the job fails with a ClientError naming it."""


class OutputCopyError(Exception):
    """An output could not be copied out."""


def copy_into(source: str, dest: str) -> None:
    """S3Input semantics: a folder's contents (or the one file) land in `dest`, merged with what is there."""
    os.makedirs(dest, exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, dest, dirs_exist_ok=True)
    else:
        shutil.copy2(source, os.path.join(dest, os.path.basename(source)))


class ProcessingSupervisor(Supervisor):
    NOUN = "Processing job"

    @property
    def layout(self) -> ProcessingLayout:
        from pathlib import Path

        from .layout import ProcessingLayout

        return ProcessingLayout(Path(self.job_dir))

    def _prepare_inputs(self) -> None:
        from ...diskfull import is_disk_full, reason_of

        for source, dest, name in self.plan["inputs"]:
            if "://" in source:  # s3://...: copied in with progress in the log (remote_storage.py)
                self._download(source, dest, name)
                continue
            try:
                copy_into(source, dest)
            except OSError as exc:
                if is_disk_full(exc):  # the job's folder has no room for it: say so, and where
                    self._disk_full = reason_of(exc, f"input {name!r}", dest)
                    raise
                raise InputCopyError(f"could not copy input {name!r} from {source}: {exc.strerror or exc}") from exc

    def _slow_inputs(self) -> bool:
        """Inputs are copied in (not linked): that may take a while."""
        return bool(self.plan["inputs"])

    def _download(self, source: str, dest: str, name: str) -> None:
        from ...errors import Invalid
        from ...remote_storage import download
        from ..inputs import log_appender

        try:
            download(source, dest, log_appender(self.plan["log_file"]), field=name)
        except Invalid as exc:
            raise InputCopyError(f"could not copy input {name!r} from {source}: {exc.message}") from None

    def _start_steps(self, t_inputs: float, t_started: float) -> list[tuple[str, float, str]]:
        return [
            ("Downloading", t_inputs, "Copying the processing inputs into the job"),
            ("Processing", t_started, "Processing in progress"),
        ]

    # -- the end --------------------------------------------------------------------

    def _exit_message(self, layout: ProcessingLayout) -> tuple[str | None, str | None]:
        """(ExitMessage, problem): the first 1 KB of /opt/ml/output/message, or a ClientError
        when it is not UTF-8 text, as SageMaker does."""
        from .layout import MAX_EXIT_MESSAGE

        try:
            with open(layout.message_file, "rb") as handle:
                raw = handle.read(MAX_EXIT_MESSAGE + 4)
        except OSError:
            return None, None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < MAX_EXIT_MESSAGE:  # only a character cut at the 1 KB limit is forgiven
                return None, "ClientError: /opt/ml/output/message is not UTF-8 text; write the exit message as UTF-8."
            text = raw[: exc.start].decode("utf-8")
        return text[:MAX_EXIT_MESSAGE], None

    def _copy_outputs(self, layout: ProcessingLayout) -> list[tuple[str, str]]:
        """Copy each output's folder to its destination; returns (name, uri) pairs.

        A local destination is the real path resolved at submit, written without following a
        link (safe_write.py): one swapped in since fails the job, and nothing is written there."""
        from ...diskfull import is_disk_full, reason_of
        from ...safe_write import copy_into as copy_out

        done: list[tuple[str, str]] = []
        store = None
        for source, dest, name, key in self.plan["outputs"]:
            if not os.path.isdir(source):
                raise OutputCopyError(f"output {name!r}: the script removed its folder {source}")
            try:
                if dest and "://" in dest:  # s3://...: uploaded under the prefix, progress in the log
                    self._upload(source, dest, name)
                    done.append((name, dest))
                    continue
                if dest:
                    copy_out(source, dest)
                    done.append((name, dest))
                    continue
                if store is None:
                    from ...artifacts import ArtifactStore

                    store = ArtifactStore(self.settings.artifact_uri)
                for folder, _dirs, files in os.walk(source):
                    for file_name in files:
                        path = os.path.join(folder, file_name)
                        store.put_file(path, f"{key}/{os.path.relpath(path, source)}")
                done.append((name, store.uri_for(key)))
            except OSError as exc:
                if is_disk_full(exc):
                    self._disk_full = reason_of(exc, f"output {name!r}", dest if dest and "://" not in dest else None)
                    raise OutputCopyError(self._disk_full.removeprefix("ClientError: ")) from exc
                raise OutputCopyError(f"could not copy output {name!r} to {dest or key}: {exc.strerror or exc}") from exc
        return done

    def _upload(self, source: str, dest: str, name: str) -> None:
        from ...errors import Invalid
        from ...remote_storage import upload
        from ..inputs import log_appender

        try:
            upload(source, dest, log_appender(self.plan["log_file"]), field=name)
        except Invalid as exc:
            raise OutputCopyError(f"could not copy output {name!r} to {dest}: {exc.message}") from None

    def _finish(self, outcome: str, tail: str) -> int:
        from ...diskfull import explain, is_disk_full
        from ..failure import describe_exit, last_exception

        assert self.proc is not None
        layout = self.layout
        code = self.proc.returncode
        message, problem = self._exit_message(layout)
        reason: str | None = None
        copied: list[tuple[str, str]] = []
        steps: list[tuple[str, float, str]] = []
        if outcome == "stopped":
            status, secondary, text = "Stopped", "Stopped", "Processing job stopped by request"
        elif outcome == "disk_full":
            status, secondary, text, reason = "Failed", "Failed", "Processing job failed", self._disk_full
        elif outcome == "max_runtime":
            status, secondary = "Stopped", "MaxRuntimeExceeded"
            text = f"Processing job stopped: it ran past its MaxRuntimeInSeconds of {self.plan.get('max_runtime_seconds')} s"
        elif code == 0 and problem is None:
            status, secondary, text = "Completed", "Completed", "Processing job completed"
            steps.append(("Uploading", self._script_ended or time.time(), "Copying the processing outputs out of the job"))
            try:
                copied = self._copy_outputs(layout)
            except OutputCopyError as exc:
                status, secondary, text, reason = "Failed", "Failed", "Processing job failed", f"ClientError: {exc}"
        else:
            status, secondary, text = "Failed", "Failed", "Processing job failed"
            exc_line = last_exception(tail)
            lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
            if problem:
                reason = problem
            elif message:
                reason = f"AlgorithmError: {message.strip()} ({describe_exit(code)})"
            elif exc_line:
                reason = f"AlgorithmError: {exc_line} ({describe_exit(code)})"
            else:
                last = f"; last output: {lines[-1][:300]!r}" if lines else "; the script printed nothing"
                reason = f"AlgorithmError: the processing script failed ({describe_exit(code)}){last}"
            reason = explain(reason, self.job_dir)
            if message is None and lines:
                message = "\n".join(lines[-5:])[-MAX_REASON:]  # the last error lines, when the script left no message
        if reason:
            reason = reason[:MAX_REASON]
        if message is not None:
            try:
                layout.exit_message_file.write_text(message)
            except OSError as exc:  # a full disk: the reason says so; describe shows no ExitMessage
                if not is_disk_full(exc):
                    raise
        recorder = self._connect()
        run_id = self.run_id
        lost = self._lost_end(status, reason)
        if copied and run_id:
            from ...store import runs as runs_store

            def record(conn: Connection) -> None:
                for name, uri in copied:
                    runs_store.add_artifact(conn, run_id, name, uri, is_output=True)

            self._durably(lambda: recorder.db.run_write(record), lost)
        self._durably(
            lambda: recorder.finish(
                status=status,
                secondary=secondary,
                message=text,
                failure_reason=reason,
                exit_code=code,
                end_time=time.time(),
                log_uri=str(layout.log_file),
                extra_transitions=steps,
            ),
            lost,
        )
        return 0

    def _crash_reason(self, exc: BaseException) -> str:
        if isinstance(exc, InputCopyError):
            try:
                with open(self.plan["log_file"], "a") as log:  # where the user looks first
                    log.write(f"labstudio: {exc}\n")
            except OSError:
                pass
            return f"ClientError: {exc}"
        return super()._crash_reason(exc)
